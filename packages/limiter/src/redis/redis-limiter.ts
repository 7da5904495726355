import { Redis } from 'ioredis';
import type { LimitDecision, LimitRule, Limiter, Reservation, ReservedCell, RuleState } from '../limiter';
import { MemoryLimiter } from '../memory-limiter';
import { amount, decide, isFixed, need, windowStart, type Cells } from '../sliding-window';
import { CircuitBreaker } from './circuit-breaker';
import { defineScripts, type ScriptedRedis } from './scripts';
import { SettlementQueue, type PendingAdjustment } from './settlement-queue';

/** pino-compatible: only these two levels are used. */
export interface LimiterLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface RedisLimiterOptions {
  /**
   * Put before every key. It must start with a Redis Cluster hash tag (`{…}`): every key of one script call
   * has to live in one slot. Default `{tollgate}:rl:`.
   */
  keyPrefix?: string;
  /** How long a hit waits for Redis before deciding without it (ms, default 50). Settlement batches get at least 1 s. */
  commandTimeoutMs?: number;
  /** Consecutive Redis failures that open the breaker (default 3). */
  breakerThreshold?: number;
  /** How long the open breaker skips Redis before one probe (ms, default 1000). */
  breakerCoolDownMs?: number;
  /** Settlement batching: flush after this many queued settlements (default 500) or this delay (default 20 ms). */
  settleMaxItems?: number;
  settleMaxDelayMs?: number;
  /** Time used when `hit` gets no `now` and to age settlements (default Date.now). */
  clock?: () => number;
  logger?: LimiterLogger;
  /** At most one log line per kind of failure per this many ms (default 10 000). */
  logEveryMs?: number;
}

export interface RedisLimiterStats {
  redisErrors: number;
  degradedDecisions: number;
  breakerOpen: boolean;
  settleBatches: number;
  settlementsDropped: number;
  /** Hits that timed out, were decided without Redis, and were then counted by Redis after all: taken back. */
  lateCountsUndone: number;
}

/**
 * Options for a client that fails fast: no offline queue, no retries, quick reconnects. The limiter applies its
 * own command timeout (see `withTimeout`), so none is set here.
 */
export const fastFailRedisOptions = () => ({
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  connectTimeout: 1_000,
  retryStrategy: (times: number) => Math.min(50 * times, 1_000),
});

/**
 * The shared limiter of every gateway: one Lua script call per hit checks and counts all of its rules in Redis,
 * on the sliding-window counter of MemoryLimiter. Settlements are batched off the request path. When Redis is
 * unreachable or slow it never throws and never waits long: each rule follows its `onUnavailable`, and a circuit
 * breaker keeps a dead Redis from costing every request a failed call. See docs/adr/0008-redis-limiter.md.
 */
export class RedisLimiter implements Limiter {
  readonly #client: ScriptedRedis;
  readonly #ownsClient: boolean;
  readonly #prefix: string;
  readonly #clock: () => number;
  readonly #breaker: CircuitBreaker;
  readonly #coolDownMs: number;
  readonly #timeoutMs: number;
  readonly #local = new MemoryLimiter();
  readonly #queue: SettlementQueue;
  readonly #settled = new WeakSet<Reservation>();
  readonly #logger?: LimiterLogger;
  readonly #logEveryMs: number;
  readonly #lastLog = new Map<string, { at: number; suppressed: number }>();
  readonly #onError = (err: Error) => this.#log('warn', 'connection', err);
  readonly #stats = { redisErrors: 0, degradedDecisions: 0, settleBatches: 0, settlementsDropped: 0, lateCountsUndone: 0 };

  constructor(redis: Redis | string, options: RedisLimiterOptions = {}) {
    this.#prefix = options.keyPrefix ?? '{tollgate}:rl:';
    if (!/^\{[^{}]+\}/.test(this.#prefix)) throw new Error(`keyPrefix must start with a non-empty hash tag like {tollgate}: got '${this.#prefix}'`);
    this.#ownsClient = typeof redis === 'string';
    const client = typeof redis === 'string' ? new Redis(redis, fastFailRedisOptions()) : redis;
    // An 'error' event without a listener would crash the process; a dead Redis must only degrade decisions.
    client.on('error', this.#onError);
    this.#client = defineScripts(client);
    this.#clock = options.clock ?? Date.now;
    this.#coolDownMs = options.breakerCoolDownMs ?? 1_000;
    this.#breaker = new CircuitBreaker(options.breakerThreshold ?? 3, this.#coolDownMs);
    this.#queue = new SettlementQueue((batch) => this.#sendSettlements(batch), options.settleMaxItems, options.settleMaxDelayMs);
    this.#logger = options.logger;
    this.#logEveryMs = options.logEveryMs ?? 10_000;
    this.#timeoutMs = options.commandTimeoutMs ?? 50;
  }

  /** Resolves once the connection is ready (hits before that are answered in degraded mode). */
  async ready(): Promise<void> {
    if (this.#client.status !== 'ready') await new Promise((resolve) => this.#client.once('ready', resolve));
  }

  async hit(rules: readonly LimitRule[], now = this.#clock()): Promise<LimitDecision> {
    if (rules.length === 0) return { allowed: true, retryAfterMs: 0, states: [], source: 'redis' };
    if (!this.#breaker.allow()) return this.#degraded(rules, now);
    try {
      const starts = rules.map((rule) => windowStart(rule, now));
      const keys: string[] = [];
      const args: (string | number)[] = [now];
      rules.forEach((rule, i) => {
        const start = starts[i]!;
        keys.push(this.#cellKey(rule.key, rule.windowMs, start), this.#cellKey(rule.key, rule.windowMs, start - rule.windowMs));
        args.push(rule.limit, rule.windowMs, start, amount(rule.cost), isFixed(rule) ? 1 : 0, need(rule));
      });
      const sent = this.#client.tollgateLimiterHit(keys.length, ...keys, ...args);
      const reply = await withTimeout(sent, this.#timeoutMs).catch((err: unknown) => {
        this.#undoLateCount(sent, rules, starts);
        throw err;
      });
      this.#breaker.success();
      const cells: Cells[] = rules.map((_, i) => ({ start: starts[i]!, current: Number(reply[2 * i + 1]), previous: Number(reply[2 * i + 2]) }));
      const counted = rules.map((_, i) => Number(reply[2 * rules.length + 1 + i]));
      const decision = decide(rules, cells, now, reply[0] === 1, 'redis', counted);
      if (!decision.allowed) return decision;
      const reserved = rules.map((rule, i): ReservedCell => ({ key: rule.key, windowMs: rule.windowMs, windowStart: starts[i]!, amount: counted[i]!, store: 'redis' }));
      return { ...decision, reservation: { cells: reserved } };
    } catch (err) {
      this.#stats.redisErrors++;
      this.#breaker.failure();
      this.#log('warn', 'hit', err);
      return this.#degraded(rules, now);
    }
  }

  /**
   * A hit that timed out still runs on Redis once Redis gets to it. The request was decided without Redis, so
   * what the script counts then would be counted twice (locally) or against an `open` rule that promised not
   * to: it is taken back like a settlement to zero.
   */
  #undoLateCount(sent: Promise<number[]>, rules: readonly LimitRule[], starts: number[]): void {
    sent.then(
      (reply) => {
        if (reply[0] !== 1) return;
        this.#stats.lateCountsUndone++;
        rules.forEach((rule, i) => {
          // What the script counted (an elastic rule's may be less than its cost).
          const cost = Number(reply[2 * rules.length + 1 + i]);
          if (cost > 0) this.#queue.add(this.#cellKey(rule.key, rule.windowMs, starts[i]!), rule.windowMs, starts[i]!, -cost);
        });
      },
      () => {},
    );
  }

  settle(reservation: Reservation, actual: Record<string, number>): void {
    if (this.#settled.has(reservation)) return;
    this.#settled.add(reservation);
    for (const cell of reservation.cells) {
      if (!(cell.key in actual)) continue;
      const delta = amount(actual[cell.key], 0) - cell.amount;
      if (delta === 0) continue;
      if (cell.store === 'memory') this.#local.adjust(cell, delta);
      else this.#queue.add(this.#cellKey(cell.key, cell.windowMs, cell.windowStart), cell.windowMs, cell.windowStart, delta);
    }
  }

  /** Sends the queued settlements now and waits for every batch sent so far. */
  flush(): Promise<void> {
    return this.#queue.flush();
  }

  stats(): RedisLimiterStats {
    return { ...this.#stats, breakerOpen: this.#breaker.open };
  }

  async close(): Promise<void> {
    await this.flush();
    this.#local.close();
    if (this.#ownsClient) this.#client.disconnect();
    else this.#client.off('error', this.#onError);
  }

  /** The rule key inside the hash tag's slot, one cell per window start. */
  #cellKey(key: string, windowMs: number, start: number): string {
    return `${this.#prefix}${key}:${windowMs}:${start}`;
  }

  /**
   * Redis is unavailable: `closed` rules refuse (a 429 naming the rule, never a 503), `local` rules are counted
   * in this process, `open` rules admit uncounted. What is counted locally stays local when Redis returns.
   */
  #degraded(rules: readonly LimitRule[], now: number): LimitDecision {
    this.#stats.degradedDecisions++;
    const mode = (rule: LimitRule) => rule.onUnavailable ?? 'local';
    const uncounted = (rule: LimitRule): RuleState => ({ rule, remaining: rule.limit, resetMs: windowStart(rule, now) + rule.windowMs - now });
    const closed = rules.find((rule) => mode(rule) === 'closed');
    if (closed) {
      // Retry once the breaker will have tried Redis again.
      return { allowed: false, refusedBy: closed, retryAfterMs: this.#coolDownMs, states: rules.map(uncounted), source: 'degraded' };
    }
    const localRules = rules.filter((rule) => mode(rule) === 'local');
    const local = this.#local.hit(localRules, now);
    const states = rules.map((rule) => (mode(rule) === 'local' ? local.states[localRules.indexOf(rule)]! : uncounted(rule)));
    return { ...local, states, source: 'degraded' };
  }

  async #sendSettlements(batch: PendingAdjustment[]): Promise<void> {
    const now = this.#clock();
    // A cell older than the previous window no longer weighs on any estimate: its adjustment is dropped.
    const live = batch.filter((p) => p.windowStart + 2 * p.windowMs > now);
    this.#stats.settlementsDropped += batch.length - live.length;
    if (live.length === 0) return;
    if (!this.#breaker.allow()) {
      this.#stats.settlementsDropped += live.length;
      this.#log('error', 'settle-skipped', new Error(`Redis unavailable: ${live.length} settlements dropped`));
      return;
    }
    const args = live.flatMap((p) => [p.delta, Math.max(1, p.windowStart + 2 * p.windowMs - now)]);
    try {
      this.#stats.settleBatches++;
      await withTimeout(this.#client.tollgateLimiterSettle(live.length, ...live.map((p) => p.cellKey), ...args), Math.max(1_000, this.#timeoutMs));
      this.#breaker.success();
    } catch (err) {
      this.#stats.redisErrors++;
      this.#stats.settlementsDropped += live.length;
      this.#breaker.failure();
      this.#log('error', 'settle', err);
    }
  }

  /** One line per kind of failure per `logEveryMs`, saying how many were left out meanwhile. */
  #log(level: 'warn' | 'error', kind: string, err: unknown, msg = `rate limiter: Redis ${kind} failed; deciding without Redis`): void {
    if (!this.#logger) return;
    const now = Date.now();
    const last = this.#lastLog.get(kind);
    if (last && now - last.at < this.#logEveryMs) {
      last.suppressed++;
      return;
    }
    this.#lastLog.set(kind, { at: now, suppressed: 0 });
    const message = err instanceof Error ? err.message : String(err);
    this.#logger[level]({ kind, err: message, suppressed: last?.suppressed ?? 0, breakerOpen: this.#breaker.open }, msg);
  }
}

/**
 * Rejects when Redis has not answered within `ms`, but only after the event loop has polled for I/O once more:
 * a reply that arrived while the process was busy (a GC pause, a burst of work) is taken, not mistaken for a
 * slow Redis. ioredis' own `commandTimeout` fires in the timers phase, before that poll, and would degrade
 * decisions on a busy gateway whose Redis is fine. The command itself stays queued on the connection; the
 * breaker stops adding to that queue after a few timeouts.
 */
function withTimeout<T>(reply: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => setImmediate(() => reject(new Error(`Redis did not answer within ${ms} ms`))), ms);
    reply.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
