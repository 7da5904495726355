import type { LimitDecision, LimitRule, Limiter, Reservation, ReservedCell } from './limiter';
import { amount, decide, fits, isFixed, reserved, windowStart, type Cells } from './sliding-window';

export interface MemoryLimiterOptions {
  /** How often idle windows are forgotten. */
  sweepMs?: number;
}

/**
 * Sliding-window counter in process memory: the estimate is the current cell plus the previous cell weighted
 * by how much of it still overlaps the window. Check and count happen in one synchronous step, so concurrent
 * requests cannot slip past the limit (JavaScript runs this to the end before anything else).
 */
export class MemoryLimiter implements Limiter {
  readonly #windows = new Map<string, Cells>();
  readonly #settled = new WeakSet<Reservation>();
  readonly #sweep: NodeJS.Timeout;

  constructor(options: MemoryLimiterOptions = {}) {
    this.#sweep = setInterval(() => this.#forgetIdle(Date.now()), options.sweepMs ?? 60_000);
    this.#sweep.unref();
  }

  hit(rules: readonly LimitRule[], now = Date.now()): LimitDecision {
    const windows = rules.map((rule) => this.#roll(rule, now));
    const before = windows.map((w) => ({ ...w }));
    const allowed = rules.every((rule, i) => fits(rule, windows[i]!, now));
    const counted = allowed ? rules.map((rule, i) => reserved(rule, before[i]!, now)) : [];
    const decision = decide(rules, before, now, allowed, 'memory', counted);
    if (!allowed || rules.length === 0) return decision;
    const cells: ReservedCell[] = rules.map((rule, i) => {
      const cost = counted[i]!;
      windows[i]!.current += cost;
      return { key: rule.key, windowMs: rule.windowMs, windowStart: windows[i]!.start, amount: cost, store: 'memory' };
    });
    return { ...decision, reservation: { cells } };
  }

  settle(reservation: Reservation, actual: Record<string, number>): void {
    if (this.#settled.has(reservation)) return;
    this.#settled.add(reservation);
    for (const cell of reservation.cells) {
      if (cell.store !== 'memory' || !(cell.key in actual)) continue;
      this.adjust(cell, amount(actual[cell.key], 0) - cell.amount);
    }
  }

  /** Adds `delta` to the cell a reservation counted in, wherever it stands now; never below 0. */
  adjust(cell: ReservedCell, delta: number): void {
    const w = this.#windows.get(mapKey(cell.key, cell.windowMs));
    if (!w || delta === 0) return;
    // The window object rolls lazily: its `start` says whether the reserved cell is now current or previous.
    if (w.start === cell.windowStart) w.current = Math.max(0, w.current + delta);
    else if (w.start === cell.windowStart + cell.windowMs) w.previous = Math.max(0, w.previous + delta);
  }

  #roll(rule: LimitRule, now: number): Cells {
    const start = windowStart(rule, now);
    const key = mapKey(rule.key, rule.windowMs);
    let w = this.#windows.get(key);
    if (!w) {
      w = { start, current: 0, previous: 0 };
      this.#windows.set(key, w);
    } else if (start > w.start) {
      // One window later the current cell becomes the previous one; any later and both are stale.
      w.previous = start - w.start === rule.windowMs && !isFixed(rule) ? w.current : 0;
      w.current = 0;
      w.start = start;
    }
    // A hit with an older time than the window's (a caller that waited, a clock stepped back) counts in the
    // window as it stands: rolling back would throw away what the newer hits counted.
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

const mapKey = (key: string, windowMs: number) => `${key}|${windowMs}`;
