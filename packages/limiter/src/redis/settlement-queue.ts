/** A pending adjustment of one Redis cell: the sum of every settlement queued for it since the last flush. */
export interface PendingAdjustment {
  cellKey: string;
  windowMs: number;
  windowStart: number;
  delta: number;
}

/**
 * Collects settlements and sends them in batches, so a settlement costs the request nothing and Redis one
 * round trip per batch: a flush at most `maxDelayMs` after the first queued settlement, or at once when
 * `maxItems` are queued. Settlements of the same cell are summed, so a busy key is one entry per batch.
 */
export class SettlementQueue {
  #pending = new Map<string, PendingAdjustment>();
  #items = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(
    private readonly send: (batch: PendingAdjustment[]) => Promise<void>,
    private readonly maxItems = 500,
    private readonly maxDelayMs = 20,
  ) {}

  add(cellKey: string, windowMs: number, windowStart: number, delta: number): void {
    const pending = this.#pending.get(cellKey);
    if (pending) pending.delta += delta;
    else this.#pending.set(cellKey, { cellKey, windowMs, windowStart, delta });
    if (++this.#items >= this.maxItems) {
      void this.flush();
    } else if (!this.#timer) {
      this.#timer = setTimeout(() => void this.flush(), this.maxDelayMs);
      this.#timer.unref();
    }
  }

  /** Sends what is queued now; resolves when every batch sent so far has been answered. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = [...this.#pending.values()].filter((p) => p.delta !== 0);
    this.#pending = new Map();
    this.#items = 0;
    if (batch.length > 0) {
      const sending = this.send(batch).finally(() => this.#inFlight.delete(sending));
      this.#inFlight.add(sending);
    }
    return Promise.all(this.#inFlight).then(() => undefined);
  }
}
