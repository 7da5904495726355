import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { blankCallRecord, type CallRecord } from '@tollgate/domain';
import { CallMeter } from './call-meter';

const record = (n: number) => blankCallRecord(`call_${n}`, `req_${n}`, 'POST', '/v1/chat/completions');

describe('CallMeter.close on shutdown', () => {
  it('retries a store that fails for a while and loses nothing', async () => {
    const stored: CallRecord[] = [];
    let failures = 0;
    const meter = new CallMeter({
      sink: {
        write: (batch) => {
          // The store comes back after about 300 ms (a portal restarting, a Redis failing over).
          if (failures < 4) {
            failures++;
            throw new Error('connect ECONNREFUSED');
          }
          stored.push(...batch);
        },
      },
      logger: pino({ level: 'silent' }),
      flushIntervalMs: 60_000,
      batchSize: 2,
      shutdownRetryMs: 5_000,
    });
    for (let i = 0; i < 5; i++) meter.record(record(i));
    expect(await meter.close()).toEqual({ lost: 0 });
    expect(stored.map((r) => r.id)).toEqual(['call_0', 'call_1', 'call_2', 'call_3', 'call_4']);
    expect(meter.stats).toMatchObject({ failedFlushes: 4, flushed: 5, dropped: 0 });
  });

  it('gives up after its retry time, logs how many records were lost and returns the count', async () => {
    const errors: Array<{ msg: string; lost?: number }> = [];
    const meter = new CallMeter({
      sink: {
        write: () => {
          throw new Error('connect ECONNREFUSED');
        },
      },
      logger: pino({ level: 'error' }, { write: (line: string) => void errors.push(JSON.parse(line)) }),
      flushIntervalMs: 60_000,
      shutdownRetryMs: 300,
    });
    for (let i = 0; i < 3; i++) meter.record(record(i));
    const started = Date.now();
    expect(await meter.close()).toEqual({ lost: 3 });
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(1_500);
    expect(meter.stats.failedFlushes).toBeGreaterThan(2);
    expect(errors.at(-1)).toMatchObject({ lost: 3, msg: expect.stringMatching(/lost on shutdown/) });
  });

  it('returns at once when everything is stored', async () => {
    const meter = new CallMeter({ sink: { write: () => {} }, logger: pino({ level: 'silent' }), flushIntervalMs: 60_000 });
    meter.record(record(0));
    const started = Date.now();
    expect(await meter.close()).toEqual({ lost: 0 });
    expect(Date.now() - started).toBeLessThan(100);
  });
});
