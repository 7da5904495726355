import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callRollups } from '@tollgate/db';
import { createCallRecordWriter } from '../call-records/store';
import { callRecord } from '../testing/call-record-factory';
import { createPortalFixture, type PortalFixture } from '../testing/portal-fixture';
import { decodeSketchMessage } from './sketch-proto';

/** A stored sketch that cannot be read costs its own quantiles: no query answers 500, no batch is refused. */
const hour = 3_600_000;
const start = Date.UTC(2026, 4, 4);

let f: PortalFixture;
beforeAll(async () => {
  f = await createPortalFixture();
});
afterAll(() => f.close());

const get = (query: string) => f.api('GET', `/api/analytics/${query}`, { cookie: f.admin.cookie });

describe('a malformed stored sketch', () => {
  it('neither fails a query nor stops later batches from being stored and rolled up', async () => {
    const write = createCallRecordWriter(f.db);
    const at = start + 5 * 60_000;
    await write([callRecord({ startedAt: at, latencyMs: 100 })]);
    // Corrupt every stored latency sketch of that call (a truncated write, a bad restore).
    await f.db.update(callRollups).set({ latencySketch: Buffer.from([0x0a, 0x7f, 0x01]) });
    const range = `from=${start}&to=${start + hour}`;
    const first = await get(`timeseries?${range}&interval=minute`);
    expect(first.status).toBe(200);
    expect(first.body.series[0].totals.requests).toBe(1);
    expect((await get(`top?${range}&dimension=model&metric=latencyP95`)).status).toBe(200);
    // The next call in the same buckets merges into the bad sketch: it must still be stored and counted.
    await expect(write([callRecord({ startedAt: at + 1_000, latencyMs: 200 })])).resolves.toBeUndefined();
    const after = await get(`timeseries?${range}&interval=minute`);
    expect(after.status).toBe(200);
    expect(after.body.series[0].totals.requests).toBe(2);
    expect(after.body.series[0].totals.latencyMs.p50).toBeCloseTo(200, -1);
  });

  it('refuses a sketch whose bins lie absurdly far apart instead of allocating them', async () => {
    // A store with one bin at key 0 and a sparse bin at key 2^24: sixteen million zeros in between.
    const one = Buffer.alloc(8);
    one.writeDoubleLE(1);
    const bytes = Buffer.from([0x12, 0x1a, 0x12, 0x08, ...one, 0x0a, 0x0e, 0x08, 0x80, 0x80, 0x80, 0x10, 0x11, ...one]);
    expect(() => decodeSketchMessage(bytes)).toThrow(/sketch/);
  });
});
