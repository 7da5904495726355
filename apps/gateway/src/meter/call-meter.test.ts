import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { blankCallRecord, type CallRecord } from '@tollgate/domain';
import { CallMeter, RejectedBatchError, type CallRecordSink } from './call-meter';

const logger = pino({ level: 'silent' });
const record = (n: number) => blankCallRecord(`call_${n}`, `req_${n}`, 'POST', '/v1/chat/completions');
const meterWith = (sink: CallRecordSink, maxBuffered = 100, batchSize = 10) =>
  new CallMeter({ sink, logger, maxBuffered, batchSize, flushIntervalMs: 60_000 });

describe('CallMeter', () => {
  it('holds at most maxBuffered records and counts what it had to drop', async () => {
    const stored: CallRecord[] = [];
    const meter = meterWith({ write: (b) => void stored.push(...b) }, 3, 100);
    for (let i = 0; i < 5; i++) meter.record(record(i));
    expect(meter.stats).toMatchObject({ recorded: 3, dropped: 2 });
    await meter.close();
    expect(stored.map((r) => r.id)).toEqual(['call_0', 'call_1', 'call_2']);
  });

  it('keeps a batch the store could not take and delivers it on the next flush, in order', async () => {
    const stored: CallRecord[] = [];
    let failNext = true;
    const meter = meterWith({
      write: (batch) => {
        if (failNext) {
          failNext = false;
          throw new Error('database is locked');
        }
        stored.push(...batch);
      },
    });
    for (let i = 0; i < 3; i++) meter.record(record(i));
    await meter.flush();
    expect(stored).toHaveLength(0);
    expect(meter.stats.failedFlushes).toBe(1);
    meter.record(record(3));
    await meter.close();
    expect(stored.map((r) => r.id)).toEqual(['call_0', 'call_1', 'call_2', 'call_3']);
  });

  it('drops a batch the store rejects as invalid instead of retrying it forever, and goes on', async () => {
    const stored: CallRecord[] = [];
    const meter = meterWith(
      {
        write: (batch) => {
          if (batch.some((r) => r.id === 'call_bad')) throw new RejectedBatchError('400 path too long');
          stored.push(...batch);
        },
      },
      100,
      2,
    );
    meter.record(record(0));
    meter.record({ ...record(1), id: 'call_bad' });
    meter.record(record(2));
    await meter.close();
    expect(meter.stats).toMatchObject({ rejected: 2, flushed: 1 });
    expect(stored.map((r) => r.id)).toEqual(['call_2']);
  });

  it('flushes early once a full batch waits', async () => {
    const batches: number[] = [];
    const meter = meterWith({ write: (b) => void batches.push(b.length) }, 100, 4);
    for (let i = 0; i < 4; i++) meter.record(record(i));
    await new Promise((r) => setImmediate(r));
    await meter.flush();
    expect(batches).toEqual([4]);
    await meter.close();
  });
});
