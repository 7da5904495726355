import { createServer } from 'node:http';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blankCallRecord } from '@tollgate/domain';
import { createPortalCallRecordSink } from './portal-call-record-sink';
import { RejectedBatchError } from './call-meter';

// A stand-in for the portal's internal endpoint that answers with the status the test picks.
let answer = 200;
/** Statuses for the next requests, in order, before `answer` applies again. */
const nextAnswers: number[] = [];
const received: number[] = [];
/** Bodies for the next answers, in order (the portal's `{accepted, rejected, problems}` on a 200). */
const nextBodies: string[] = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    received.push((JSON.parse(body) as { records: unknown[] }).records.length);
    res.writeHead(nextAnswers.shift() ?? answer, { 'content-type': 'application/json' }).end(nextBodies.shift() ?? '{"error":{"code":"x","message":"y"}}');
  });
});
let sink: ReturnType<typeof createPortalCallRecordSink>;

beforeAll(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  sink = createPortalCallRecordSink({ portalUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}`, internalToken: 't'.repeat(32) });
});
afterAll(() => new Promise((r) => server.close(r)));

const records = (n: number) => Array.from({ length: n }, (_, i) => blankCallRecord(`call_${i}`, `req_${i}`, 'POST', '/v1/chat/completions'));

describe('portal call-record sink', () => {
  it('sends a large batch in parts the portal accepts', async () => {
    answer = 200;
    received.length = 0;
    await sink.write(records(2_500));
    expect(received).toEqual([1_000, 1_000, 500]);
  });

  it('cuts parts by size too, so records with captured bodies stay under the portal’s limit', async () => {
    answer = 200;
    received.length = 0;
    const big = records(40).map((r) => ({ ...r, bodies: { request: 'q'.repeat(512 * 1024), response: 'a'.repeat(512 * 1024), requestTruncated: true, responseTruncated: true } }));
    await sink.write(big);
    // About 1 MiB a record and 8 MiB a part.
    expect(received).toEqual([7, 7, 7, 7, 7, 5]);
  });

  it('reports a batch the portal judged invalid as rejected, and anything else as retryable', async () => {
    answer = 400;
    await expect(sink.write(records(1))).rejects.toBeInstanceOf(RejectedBatchError);
    answer = 503;
    const err = await Promise.resolve(sink.write(records(1))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(RejectedBatchError);
  });

  it('sends the parts after one the portal refused, and says only that part was rejected', async () => {
    answer = 200;
    received.length = 0;
    nextAnswers.push(200, 400);
    const err = await Promise.resolve(sink.write(records(2_500))).catch((e: unknown) => e);
    expect(received).toEqual([1_000, 1_000, 500]);
    expect(err).toBeInstanceOf(RejectedBatchError);
    expect((err as RejectedBatchError).records).toBe(1_000);
  });

  it('counts the records the portal stored beside invalid ones as sent, and only the invalid ones as rejected', async () => {
    answer = 200;
    received.length = 0;
    nextBodies.push('{"accepted":999,"rejected":1,"problems":[{"index":3,"problem":"records.3.model: Too big"}]}', '{"accepted":500,"rejected":0,"problems":[]}');
    const err = await Promise.resolve(sink.write(records(1_500))).catch((e: unknown) => e);
    expect(received).toEqual([1_000, 500]);
    expect(err).toBeInstanceOf(RejectedBatchError);
    expect((err as RejectedBatchError).records).toBe(1);
    expect((err as Error).message).toMatch(/records\.3\.model: Too big/);
  });
});
