import { performance } from 'node:perf_hooks';

/**
 * An open-loop load: requests offered at a steady rate, the n-th due at start + n/rate whatever the answers
 * before it did. autocannon's rate options are not used for this: they send each second's budget back to back
 * at the top of the second, so 1,000/s over 32 connections became a burst of 32 closed loops for a third of
 * every second, measuring the queue that burst builds rather than the server (seen in stop 25: +10.5 ms p50
 * added under autocannon's `overallRate`, +0.05–0.25 ms evenly spaced).
 */

/** What a run gathered: latencies of the answers that counted (null during a warm-up), and what did not count. */
export interface Tally {
  latencies: number[] | null;
  errors: number;
  non2xx: number;
  sent: number;
}

export const newTally = (measured: boolean): Tally => ({ latencies: measured ? [] : null, errors: 0, non2xx: 0, sent: 0 });

/**
 * Sends one request; `at` is when it was due, so a late send counts against the server too. It records the
 * latency (now − at) of a success in `tally.latencies`, or counts an error or a refusal.
 */
export type Send = (at: number, tally: Tally) => Promise<void>;

/** Offers `rate` requests per second for `seconds` through `send`, and waits for every answer. */
export async function paced(send: Send, rate: number, seconds: number, tally: Tally): Promise<void> {
  const total = Math.round(seconds * rate);
  const interval = 1_000 / rate;
  const start = performance.now();
  const answered: Array<Promise<void>> = [];
  for (let sent = 0; sent < total; ) {
    const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
    for (; sent < due; sent++, tally.sent++) answered.push(send(start + sent * interval, tally));
    // Node's timers fire at 1 ms at best: at 1,000/s that is one or two requests a turn.
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(answered);
}
