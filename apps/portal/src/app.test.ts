import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { callRecords, first } from '@tollgate/db';
import type { ApiErrorBody } from './http/errors';
import { callRecord } from './testing/call-record-factory';
import { fixturePerTest, type PortalFixture } from './testing/portal-fixture';

const MiB = 1024 * 1024;
const fixture = fixturePerTest(afterEach);

/** A valid new-user body padded with whitespace (an unknown field would be refused), `size` bytes long in all. */
const userBody = (size: number, email = `pad${Math.random().toString(36).slice(2)}@example.test`) => {
  const head = JSON.stringify({ email, name: 'Padded' });
  return head.slice(0, -1) + ' '.repeat(size - head.length) + '}';
};

/**
 * Sends `text` as a stream in 64 KiB chunks, with no content-length: the shape of a chunked upload.
 * `pulled.bytes` says how much of it the server asked for.
 */
const streamed = (text: string, pulled = { bytes: 0 }) => {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled.bytes >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(pulled.bytes, (pulled.bytes += 64 * 1024)));
    },
  });
};

describe('request body limit', () => {
  const createUser = (f: PortalFixture, body: string | ReadableStream<Uint8Array>, extra: Record<string, string> = {}) =>
    f.app.request('/api/users', {
      method: 'POST',
      headers: { cookie: f.admin.cookie, 'content-type': 'application/json', 'x-request-id': 'req-big-1', ...extra },
      body,
      ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
    } as RequestInit);

  const expect413 = async (res: Response, limit = MiB) => {
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      error: { code: 'payload_too_large', message: `The request body is larger than the ${limit} bytes this API accepts.`, requestId: 'req-big-1' },
    });
  };

  it('refuses a body over 1 MiB with 413 in the portal error shape, and takes one of exactly 1 MiB', async () => {
    const f = await fixture();
    expect(userBody(MiB).length).toBe(MiB);
    expect((await createUser(f, userBody(MiB))).status).toBe(201);
    await expect413(await createUser(f, userBody(MiB + 1)));
  });

  it('counts the bytes of a streamed body without content-length', async () => {
    const f = await fixture();
    expect((await createUser(f, streamed(userBody(MiB)))).status).toBe(201);
    await expect413(await createUser(f, streamed(userBody(MiB + 1))));
    await expect413(await createUser(f, streamed(userBody(3 * MiB))));
  });

  it('refuses a chunked upload on a real socket before the route reads it', async () => {
    const f = await fixture();
    const server = serve({ fetch: f.app.fetch, hostname: '127.0.0.1', port: 0 });
    try {
      await once(server, 'listening');
      const { port } = server.address() as AddressInfo;
      const send = (text: string) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = httpRequest(
            // A fresh connection each: the server does not keep one alive after refusing an unread body.
            { agent: false, host: '127.0.0.1', port, method: 'POST', path: '/api/users', headers: { cookie: f.admin.cookie, 'content-type': 'application/json', 'transfer-encoding': 'chunked', 'x-request-id': 'req-big-1' } },
            (res) => {
              let body = '';
              res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
              res.on('end', () => resolve({ status: res.statusCode!, body }));
            },
          );
          req.on('error', reject);
          for (let i = 0; i < text.length; i += 256 * 1024) req.write(text.slice(i, i + 256 * 1024));
          req.end();
        });
      const big = await send(userBody(2 * MiB));
      expect(big.status).toBe(413);
      expect(JSON.parse(big.body).error).toMatchObject({ code: 'payload_too_large', requestId: 'req-big-1' });
      expect((await send(userBody(MiB - 10))).status).toBe(201);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('uses the configured maxBodyBytes', async () => {
    const f = await fixture({ settings: { maxBodyBytes: 2_000 } });
    expect((await createUser(f, userBody(2_000))).status).toBe(201);
    await expect413(await createUser(f, userBody(2_001)), 2_000);
    await expect413(await createUser(f, streamed(userBody(2_001))), 2_000);
  });

  it('lets a gateway push a call-record batch over 1 MiB, but reads nothing from a caller without its token', async () => {
    const token = 'internal-token-'.padEnd(40, 'x');
    const f = await fixture({ settings: { internalToken: token } });
    // Failing calls carry long error messages: a full batch of them is well over 1 MiB.
    const records = Array.from({ length: 1_000 }, () => callRecord({ status: 502, failed: true, errorMessage: 'e'.repeat(1_500) }));
    const body = JSON.stringify({ records });
    expect(body.length).toBeGreaterThan(MiB);
    const push = (authorization: string, payload: string | ReadableStream<Uint8Array>) =>
      f.app.request('/api/internal/call-records', {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: payload,
        ...(payload instanceof ReadableStream ? { duplex: 'half' } : {}),
      } as RequestInit);
    const accepted = await push(`Bearer ${token}`, body);
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toEqual({ accepted: 1_000, rejected: 0, problems: [] });
    expect(await first(f.db.select().from(callRecords).where(eq(callRecords.id, records[0]!.id)))).toBeDefined();
    // One invalid record costs only itself: the valid ones beside it are stored, and the answer names it.
    const mixed = [callRecord({ id: 'call_valid_beside' }), { ...callRecord({ id: 'call_invalid' }), model: 'm'.repeat(3_000) }];
    const partly = await push(`Bearer ${token}`, JSON.stringify({ records: mixed }));
    expect(await partly.json()).toMatchObject({ accepted: 1, rejected: 1, problems: [{ index: 1, problem: expect.stringMatching(/^records\.1\.model:/) }] });
    expect(await first(f.db.select().from(callRecords).where(eq(callRecords.id, 'call_valid_beside')))).toBeDefined();
    expect(await first(f.db.select().from(callRecords).where(eq(callRecords.id, 'call_invalid')))).toBeUndefined();

    const pulled = { bytes: 0 };
    const stranger = await push('Bearer wrong', streamed('x'.repeat(40 * MiB), pulled));
    expect(stranger.status).toBe(401);
    expect(pulled.bytes).toBeLessThan(MiB);
    const tooBig = await push(`Bearer ${token}`, streamed('x'.repeat(33 * MiB)));
    expect(tooBig.status).toBe(413);
    expect(((await tooBig.json()) as ApiErrorBody).error.code).toBe('payload_too_large');
  });
});
