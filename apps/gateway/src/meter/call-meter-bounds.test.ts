import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { blankCallRecord, type CallRecord } from '@tollgate/domain';
import { CallMeter } from './call-meter';

const logger = pino({ level: 'silent' });
const withBody = (i: number, chars: number): CallRecord => ({
  ...blankCallRecord(`call_${i}`, `req_${i}`, 'POST', '/v1/chat/completions'),
  bodies: { request: 'x'.repeat(chars), response: null, requestTruncated: false, responseTruncated: false },
});
const bodyBytesOf = (r: CallRecord) => r.bodies?.request?.length ?? 0;

describe('the meter’s bounds besides its record count', () => {
  it('holds captured bodies up to its byte bound, then keeps records without their bodies, and frees the room as batches leave', async () => {
    let storeUp = false;
    const stored: CallRecord[] = [];
    const meter = new CallMeter({
      sink: { write: (batch) => (storeUp ? void stored.push(...batch) : Promise.reject(new Error('store down'))) },
      logger,
      maxBufferedBodyBytes: 2_500,
      bodyBytesOf,
      flushIntervalMs: 60_000,
    });
    for (let i = 0; i < 4; i++) meter.record(withBody(i, 1_000));
    // Two fit (2,000 of 2,500); the third and fourth would pass the bound: stored, but without bodies.
    expect(meter.stats).toMatchObject({ recorded: 4, dropped: 0, bodiesDropped: 2 });
    // A failed flush puts the batch back and counts its bodies again: still no room.
    await meter.flush();
    meter.record(withBody(4, 1_000));
    expect(meter.stats.bodiesDropped).toBe(3);
    storeUp = true;
    await meter.flush();
    expect(stored.map((r) => [r.id, r.bodies === null ? 'no body' : 'body'])).toEqual([
      ['call_0', 'body'],
      ['call_1', 'body'],
      ['call_2', 'no body'],
      ['call_3', 'no body'],
      ['call_4', 'no body'],
    ]);
    // The batch left, so its bodies' room is free again.
    meter.record(withBody(5, 2_000));
    await meter.close();
    expect(stored.at(-1)).toMatchObject({ id: 'call_5', bodies: { request: 'x'.repeat(2_000) } });
    expect(meter.stats.bodiesDropped).toBe(3);
  });

  it('counts a record that arrives after close as dropped, since nothing will flush it', async () => {
    const warnings: string[] = [];
    const meter = new CallMeter({ sink: { write: () => {} }, logger: pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) }) });
    await meter.close();
    meter.record(withBody(9, 10));
    expect(meter.stats).toMatchObject({ recorded: 0, dropped: 1 });
    expect(warnings).toHaveLength(1);
  });

  it('waits on close for calls still finishing (a cancel after the client left) and stores their records in the last flush', async () => {
    const stored: CallRecord[] = [];
    const warnings: string[] = [];
    const meter = new CallMeter({ sink: { write: (batch) => void stored.push(...batch) }, logger: pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) }), shutdownRetryMs: 2_000 });
    meter.callStarted();
    meter.callStarted();
    meter.countUnattributed();
    const closing = meter.close();
    await new Promise((r) => setTimeout(r, 50));
    meter.record(withBody(7, 10));
    expect(await closing).toEqual({ lost: 0 });
    expect(stored.map((r) => r.id)).toEqual(['call_7']);
    expect(meter.stats.dropped).toBe(0);
    expect(warnings).toEqual([]);
  });

  it('stops waiting for an unfinished call at the shutdown deadline, and says so', async () => {
    const warnings: Array<{ msg: string; openCalls: number }> = [];
    const meter = new CallMeter({ sink: { write: () => {} }, logger: pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line)) }), shutdownRetryMs: 150 });
    meter.callStarted();
    const started = Date.now();
    expect(await meter.close()).toEqual({ lost: 0 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(warnings[0]).toMatchObject({ openCalls: 1, msg: 'closing the meter with calls still unfinished' });
  });
});
