import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { eq } from 'drizzle-orm';
import { callBodies, callRecords, createDb, first, type Db } from '@tollgate/db';
import { blankCallRecord, type CallRecord } from '@tollgate/domain';
import { CallMeter, RejectedBatchError } from '@tollgate/gateway';
import { startCallRecordWriterThread, writerThreadFile, type CallRecordWriterThread } from './call-record-worker';

/**
 * The all-in-one's call-record writer thread, on a real database file opened (and migrated) by this test's
 * connection, as the portal's is: what the thread commits must be readable here the moment write() resolved.
 */
const logger = pino({ level: 'silent' });
let dir: string;
let dbPath: string;
let db: Db;
const open: CallRecordWriterThread[] = [];
let n = 0;

function record(overrides: Partial<CallRecord> = {}): CallRecord {
  n += 1;
  return {
    ...blankCallRecord(`call_thread${n}`, `req_thread${n}`, 'POST', '/v1/chat/completions'),
    teamId: 'team_t',
    appId: 'app_t',
    keyId: 'key_t',
    serviceId: 'svc_t',
    model: 'gpt-4o-mini',
    status: 200,
    latencyMs: 42,
    inputTokens: 10,
    outputTokens: 20,
    ...overrides,
  };
}

function thread(extra: Partial<Parameters<typeof startCallRecordWriterThread>[0]> = {}): CallRecordWriterThread {
  const t = startCallRecordWriterThread({ dbPath, logger, ...extra });
  open.push(t);
  return t;
}

const stored = (id: string) => first(db.select().from(callRecords).where(eq(callRecords.id, id)));

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tollgate-writer-thread-'));
  dbPath = path.join(dir, 'tollgate.db');
  db = createDb({ path: dbPath });
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});
afterAll(() => {
  db.$client.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('call-record writer thread', () => {
  it("starts from the TypeScript source inside vitest (through tsx's tsImport)", async () => {
    expect(writerThreadFile).toMatch(/writer-thread\.ts$/);
    const t = thread();
    const r = record();
    await t.write([r]);
    expect((await stored(r.id))?.requestId).toBe(r.requestId);
  });

  it('carries a record with captured bodies across the thread boundary unchanged', async () => {
    const r = record({
      stream: true,
      ttftMs: 7,
      failed: true,
      errorCode: 'upstream_cut',
      usageProblem: 'usage_missing',
      bodies: { request: '{"messages":[{"role":"user","content":"héllo ✓ \\u0000"}]}', response: 'data: {"x":1}\n\n', requestTruncated: false, responseTruncated: true },
    });
    // What postMessage does to it, checked on its own: every field a plain value, the bodies strings.
    expect(structuredClone(r)).toEqual(r);
    await thread().write([r]);
    const row = (await stored(r.id))!;
    expect({ stream: row.stream, ttftMs: row.ttftMs, failed: row.failed, errorCode: row.errorCode, usageProblem: row.usageProblem }).toEqual({
      stream: true,
      ttftMs: 7,
      failed: true,
      errorCode: 'upstream_cut',
      usageProblem: 'usage_missing',
    });
    const bodies = (await first(db.select().from(callBodies).where(eq(callBodies.callRecordId, r.id))))!;
    expect(bodies).toMatchObject({ requestBody: r.bodies!.request, responseBody: r.bodies!.response, requestTruncated: false, responseTruncated: true });
  });

  it("rejects a batch the writer's transaction refused with the writer's own error, and writes the next one", async () => {
    const t = thread();
    const good = record();
    const bad = record({ method: null as unknown as string });
    const err = await t.write([good, bad]).then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(err?.code).toBe('SQLITE_CONSTRAINT_NOTNULL');
    expect(err?.name).toBe('SqliteError');
    // The batch rolled back whole, as in the portal's own thread.
    expect(await stored(good.id)).toBeUndefined();
    await t.write([good]);
    expect(await stored(good.id)).toBeDefined();
  });

  it('refuses a batch that cannot be cloned as rejected (retrying could never succeed), and writes the next one', async () => {
    const t = thread();
    const odd = record({ errorMessage: (() => 'not data') as unknown as string });
    await expect(t.write([odd])).rejects.toBeInstanceOf(RejectedBatchError);
    const next = record();
    await t.write([next]);
    expect(await stored(next.id)).toBeDefined();
  });

  it('reports the statements it runs to onStatement', async () => {
    const seen: string[] = [];
    const t = thread({ onStatement: (sql) => seen.push(sql) });
    await t.write([record()]);
    await t.close();
    expect(seen.some((sql) => sql.startsWith('INSERT INTO "call_records"'))).toBe(true);
  });

  it('commits every batch posted before close() before the thread ends, then refuses more', async () => {
    const t = thread();
    const batches = Array.from({ length: 5 }, () => Array.from({ length: 200 }, () => record()));
    const writes = batches.map((b) => t.write(b));
    await t.close();
    await Promise.all(writes);
    for (const b of batches) for (const r of b) expect(await stored(r.id)).toBeDefined();
    await expect(t.write([record()])).rejects.toThrow(/closed/);
  });

  it("keeps a CallMeter's no-loss close: the last flush goes through the thread", async () => {
    const t = thread();
    const meter = new CallMeter({ sink: t, logger, flushIntervalMs: 60_000, batchSize: 100 });
    const records = Array.from({ length: 350 }, () => record());
    for (const r of records) meter.record(r);
    expect(await meter.close()).toEqual({ lost: 0 });
    await t.close();
    for (const r of records) expect(await stored(r.id)).toBeDefined();
  });

  it('rejects the batches of a thread that died, and writes them on a new thread when retried', { timeout: 30_000 }, async () => {
    // A real crash: the thread runs out of its (small) heap while taking in a batch that is far too big.
    const t = thread({ resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 } });
    const first = t.threadId;
    const huge = Array.from({ length: 64 }, () => record({ bodies: { request: 'x'.repeat(1 << 20), response: null, requestTruncated: false, responseTruncated: false } }));
    await expect(t.write(huge)).rejects.toThrow(/writer thread/);
    const small = [record(), record()];
    await t.write(small);
    expect(t.threadId).not.toBe(first);
    for (const r of small) expect(await stored(r.id)).toBeDefined();
  });
});
