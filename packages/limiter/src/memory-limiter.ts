import type { LimitDecision, LimitRule, Limiter } from './limiter';

interface Window {
  start: number;
  current: number;
  previous: number;
}

/**
 * Sliding-window counter in process memory: the estimate is the current cell plus the previous cell weighted
 * by how much of it still overlaps the window. Check and count happen in one synchronous step, so concurrent
 * requests cannot slip past the limit (JavaScript runs this to the end before anything else).
 */
export class MemoryLimiter implements Limiter {
  readonly #windows = new Map<string, Window>();
  readonly #sweep: NodeJS.Timeout;

  constructor(sweepMs = 60_000) {
    this.#sweep = setInterval(() => this.#forgetIdle(Date.now()), sweepMs);
    this.#sweep.unref();
  }

  hit(rules: readonly LimitRule[], now = Date.now()): LimitDecision {
    const windows: Window[] = [];
    for (const rule of rules) {
      const w = this.#roll(rule, now);
      const weight = 1 - (now - w.start) / rule.windowMs;
      const estimate = w.previous * weight + w.current;
      if (estimate + 1 > rule.limit) return { allowed: false, refusedBy: rule, retryAfterMs: retryAfter(rule, w, now) };
      windows.push(w);
    }
    for (const w of windows) w.current++;
    return { allowed: true, retryAfterMs: 0 };
  }

  #roll(rule: LimitRule, now: number): Window {
    const start = now - (now % rule.windowMs);
    const mapKey = `${rule.key}|${rule.windowMs}`;
    let w = this.#windows.get(mapKey);
    if (!w) {
      w = { start, current: 0, previous: 0 };
      this.#windows.set(mapKey, w);
    } else if (w.start !== start) {
      // One window later the current cell becomes the previous one; any later and both are stale.
      w.previous = start - w.start === rule.windowMs ? w.current : 0;
      w.current = 0;
      w.start = start;
    }
    return w;
  }

  #forgetIdle(now: number): void {
    for (const [key, w] of this.#windows) {
      const windowMs = Number(key.slice(key.lastIndexOf('|') + 1));
      if (now - w.start >= 2 * windowMs) this.#windows.delete(key);
    }
  }

  close(): void {
    clearInterval(this.#sweep);
  }
}

/**
 * Time until one more hit fits if nothing else arrives: first while the previous cell decays in this window,
 * else once this window's count has become the decaying previous cell of the next one.
 */
function retryAfter(rule: LimitRule, w: Window, now: number): number {
  const room = rule.limit - 1 - w.current;
  const nextStart = w.start + rule.windowMs;
  let at: number;
  if (room >= 0 && w.previous > 0) {
    at = w.start + rule.windowMs * (1 - room / w.previous);
  } else {
    const overflow = w.current > rule.limit - 1 ? 1 - (rule.limit - 1) / w.current : 0;
    at = nextStart + rule.windowMs * overflow;
  }
  return Math.max(1, Math.ceil(at - now));
}
