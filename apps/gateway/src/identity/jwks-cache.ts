import { request, type Dispatcher } from 'undici';
import type { JwtAlgorithm } from './credential';
import { KeySet, type KeyLookup, type KeySource } from './key-set';

export interface JwksOptions {
  /** Background refresh of every JWKS a live snapshot uses: a removed key stops working after the next one. */
  refreshIntervalMs: number;
  /** Refreshes a request may cause (an unknown `kid`, keys never fetched): at most one per this long per URL. */
  requestRefreshCooldownMs: number;
  /** The longest a request waits on a fetch before it is answered without the keys. */
  requestWaitMs: number;
  /** A fetch's own bound (connect to last byte); the request path never waits on it past `requestWaitMs`. */
  fetchTimeoutMs: number;
  /** A JWKS larger than this is refused (a handful of keys is a few KiB). */
  maxBytes: number;
  dispatcher?: Dispatcher;
  now: () => number;
}

export const jwksDefaults: JwksOptions = {
  refreshIntervalMs: 5 * 60_000,
  requestRefreshCooldownMs: 30_000,
  requestWaitMs: 2_000,
  fetchTimeoutMs: 5_000,
  maxBytes: 256 * 1024,
  now: Date.now,
};

/** Counters per JWKS URL, for tests and operators: how often it was fetched and why requests went without keys. */
export interface JwksStats {
  /** Fetches completed, and how many of them failed. */
  fetches: number;
  failures: number;
  /** Refreshes requests caused, and those they asked for within the cool-down and did not get. */
  requestRefreshes: number;
  refusedRefreshes: number;
  /** Requests answered `jwks_unavailable`: the keys had never been fetched. */
  unavailable: number;
}

async function readJwks(url: string, options: JwksOptions): Promise<KeySet> {
  const res = await request(url, {
    method: 'GET',
    headers: { accept: 'application/jwk-set+json, application/json' },
    dispatcher: options.dispatcher,
    signal: AbortSignal.timeout(options.fetchTimeoutMs),
  });
  if (res.statusCode !== 200) {
    await res.body.dump();
    throw new Error(`JWKS ${url} answered HTTP ${res.statusCode}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > options.maxBytes) {
      res.body.destroy();
      throw new Error(`JWKS ${url} is larger than ${options.maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  const json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { keys?: unknown };
  if (!json || !Array.isArray(json.keys)) throw new Error(`JWKS ${url} has no "keys" array`);
  return new KeySet(json.keys);
}

/**
 * The keys behind one JWKS URL. Fetched as soon as a snapshot brings the URL, refreshed in the background,
 * and refreshed on a request's unknown `kid` at most once per cool-down, so tokens with made-up kids cannot
 * turn the gateway into a load generator for the issuer. A failed fetch keeps the keys it had: an issuer's
 * short outage must not log every caller out. Requests never wait on a fetch longer than `requestWaitMs`.
 */
export class JwksCache implements KeySource {
  readonly stats: JwksStats = { fetches: 0, failures: 0, requestRefreshes: 0, refusedRefreshes: 0, unavailable: 0 };
  /** The last fetch failure, for the log and the call record; never shown to callers (the URL may be internal). */
  lastError: unknown = null;
  fetchedAt: number | null = null;
  #set: KeySet | null = null;
  #fetching: Promise<void> | null = null;
  #lastRequestRefresh = -Infinity;
  #failuresInARow = 0;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  /** The snapshot indexes using this URL, held weakly: once none is left, the cache stops and is dropped. */
  readonly #users = new Set<WeakRef<object>>();

  constructor(
    readonly url: string,
    private readonly options: JwksOptions,
    private readonly onClosed: (cache: JwksCache) => void = () => {},
  ) {}

  /** Keeps the keys fresh while `user` lives; the first user starts the first fetch. */
  retain(user: object): void {
    this.#users.add(new WeakRef(user));
    if (this.#closed) return;
    if (!this.#set && !this.#fetching) void this.refresh();
    if (!this.#timer) this.#schedule();
  }

  get keyCount(): number {
    return this.#set?.size ?? 0;
  }

  /** Fetches the JWKS now, or joins the fetch already running. */
  refresh(): Promise<void> {
    this.#fetching ??= this.#fetch().finally(() => (this.#fetching = null));
    return this.#fetching;
  }

  async lookup(kid: string | undefined, alg: JwtAlgorithm): Promise<KeyLookup> {
    if (!this.#set) await this.#bounded(this.#fetching ?? this.#requestRefresh());
    const set = this.#set;
    if (!set) {
      this.stats.unavailable++;
      return { ok: false, reason: 'jwks_unavailable' };
    }
    let found = set.candidates(kid, alg);
    let from = set;
    if (found.length === 0) {
      // A rotated-in key: its kid is news to us. A fetch already running costs nothing to join.
      const refreshing = this.#fetching ?? this.#requestRefresh();
      if (refreshing) {
        await this.#bounded(refreshing);
        from = this.#set!;
        found = from.candidates(kid, alg);
      }
    }
    const keys = await from.keys(found, alg);
    return keys.length > 0 ? { ok: true, keys } : { ok: false, reason: 'unknown_key' };
  }

  /** Stops the background refresh (tests, and once no snapshot uses the URL). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.onClosed(this);
  }

  async #fetch(): Promise<void> {
    try {
      this.#set = await readJwks(this.url, this.options);
      this.fetchedAt = this.options.now();
      this.#failuresInARow = 0;
      this.lastError = null;
    } catch (err) {
      this.stats.failures++;
      this.#failuresInARow++;
      this.lastError = err;
    } finally {
      this.stats.fetches++;
    }
  }

  #requestRefresh(): Promise<void> | null {
    const now = this.options.now();
    if (now - this.#lastRequestRefresh < this.options.requestRefreshCooldownMs) {
      this.stats.refusedRefreshes++;
      return null;
    }
    this.#lastRequestRefresh = now;
    this.stats.requestRefreshes++;
    return this.refresh();
  }

  async #bounded(work: Promise<void> | null): Promise<void> {
    if (!work) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.requestWaitMs)));
    await Promise.race([work, timeout]);
    clearTimeout(timer);
  }

  #schedule(): void {
    // After a failure, retry sooner (2 s, 4 s, … up to the interval), so an issuer that was down at install
    // is picked up without waiting for a request to ask.
    const backoff = 1_000 * 2 ** Math.min(this.#failuresInARow, 10);
    const delay = this.#failuresInARow === 0 ? this.options.refreshIntervalMs : Math.min(this.options.refreshIntervalMs, backoff);
    this.#timer = setTimeout(() => {
      if (!this.#inUse()) return this.close();
      void this.refresh().then(() => {
        if (!this.#closed) this.#schedule();
      });
    }, delay);
    // Background work only: it must never keep a stopping process alive.
    this.#timer.unref();
  }

  #inUse(): boolean {
    for (const ref of this.#users) if (!ref.deref()) this.#users.delete(ref);
    return this.#users.size > 0;
  }
}

/**
 * The JWKS caches of a process, one per URL: apps that share an issuer share its keys and its fetches, and the
 * refresh cool-down holds per URL however many snapshots or gateways in the process use it.
 */
export class JwksRegistry {
  readonly #caches = new Map<string, JwksCache>();
  readonly options: JwksOptions;

  constructor(options: Partial<JwksOptions> = {}) {
    this.options = { ...jwksDefaults, ...options };
  }

  /** The cache for `url`, kept refreshing while `user` lives (fetched now if it is new). */
  cacheFor(url: string, user: object): JwksCache {
    let cache = this.#caches.get(url);
    if (!cache) {
      cache = new JwksCache(url, this.options, (closed) => {
        if (this.#caches.get(url) === closed) this.#caches.delete(url);
      });
      this.#caches.set(url, cache);
    }
    cache.retain(user);
    return cache;
  }

  get(url: string): JwksCache | undefined {
    return this.#caches.get(url);
  }

  close(): void {
    for (const cache of [...this.#caches.values()]) cache.close();
  }
}

/** The gateway's registry: snapshots index their JWT credentials against it (see buildJwtIndex). */
export const sharedJwks = new JwksRegistry();
