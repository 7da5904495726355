import type { SnapshotProvider } from '@tollgate/domain';

interface KeyState {
  key: string;
  weight: number;
  /** Smooth weighted round robin's running weight (nginx's algorithm): spreads picks evenly by weight. */
  current: number;
  disabledUntil: number;
  coolingUntil: number;
}

/** How long a key the provider refused (401/403) stays out, and a 429's cooldown without retry-after. */
const disabledMs = 10 * 60_000;
const defaultCooldownMs = 30_000;

/**
 * The provider keys each call uses, per gateway process. Calls are spread over a provider's pool by weight;
 * a key the provider refuses is disabled for a while, one that is rate limited cools down for as long as the
 * provider asked. State belongs to the pool as the snapshot holds it: a new pool (a changed key) starts fresh.
 */
export class KeyPools {
  readonly #pools = new WeakMap<object, KeyState[]>();

  /** The pool's size: more than one key means a refused key can be replaced within the same target. */
  size(provider: SnapshotProvider): number {
    return provider.keyPool?.length ?? 1;
  }

  pick(provider: SnapshotProvider, now = Date.now()): string {
    const pool = this.#state(provider);
    if (!pool) return provider.apiKey;
    const usable = pool.filter((k) => k.disabledUntil <= now && k.coolingUntil <= now);
    if (usable.length === 0) {
      // Nothing is healthy: the key whose cooldown ends first (a disabled key only if nothing else is left).
      const cooling = pool.filter((k) => k.disabledUntil <= now).sort((a, b) => a.coolingUntil - b.coolingUntil);
      return (cooling[0] ?? pool[0]!).key;
    }
    let total = 0;
    let best = usable[0]!;
    for (const k of usable) {
      k.current += k.weight;
      total += k.weight;
      if (k.current > best.current) best = k;
    }
    best.current -= total;
    return best.key;
  }

  /** What the provider answered to a call made with `key`. */
  report(provider: SnapshotProvider, key: string, status: number, retryAfterMs: number | null, now = Date.now()): void {
    const state = this.#state(provider)?.find((k) => k.key === key);
    if (!state) return;
    if (status === 401 || status === 403) state.disabledUntil = now + disabledMs;
    else if (status === 429) state.coolingUntil = now + (retryAfterMs ?? defaultCooldownMs);
    else if (status < 500) state.coolingUntil = 0;
  }

  #state(provider: SnapshotProvider): KeyState[] | null {
    const pool = provider.keyPool;
    if (!pool || pool.length < 2) return null;
    let state = this.#pools.get(pool);
    if (!state) {
      state = pool.map((k) => ({ key: k.key, weight: k.weight, current: 0, disabledUntil: 0, coolingUntil: 0 }));
      this.#pools.set(pool, state);
    }
    return state;
  }
}
