import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockOpenAi, type MockOpenAi } from '@tollgate/providers';
import { startTestGateway } from '../testing/gateway-harness';
import { testKeys, testSnapshot } from '../testing/test-snapshot';

/**
 * Issue 16, item 3: after SIGTERM every response closes its connection and no call is begun on a kept-alive
 * one. Streamed answers used to say `connection: keep-alive` whatever the client or the drain had said.
 */
let upstream: MockOpenAi;
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
const chat = (stream: boolean) => JSON.stringify({ model: 'gpt-4o-mini', stream, messages: [{ role: 'user', content: 'Say hello' }] });
const post = (body: string, extra = '') =>
  `POST /v1/chat/completions HTTP/1.1\r\nhost: gw\r\nauthorization: Bearer ${testKeys.approved}\r\ncontent-type: application/json\r\n${extra}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

beforeAll(async () => {
  upstream = await startMockOpenAi({ apiKey: 'sk-up', chunkDelayMs: 40 });
  gateway = await startTestGateway(testSnapshot({ providerUrl: upstream.url, providerKey: 'sk-up' }));
});
afterAll(async () => {
  await gateway.close().catch(() => {});
  await upstream.close();
});

async function rawSocket() {
  const socket = connect(Number(new URL(gateway.url).port), '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  let text = '';
  socket.on('data', (chunk) => (text += chunk.toString('utf8')));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, received: () => text, closed };
}

describe('a stopping gateway', () => {
  it("keeps a streaming client's `Connection: close` (the stream no longer overrides it)", async () => {
    const c = await rawSocket();
    c.socket.write(post(chat(true), 'connection: close\r\n'));
    await c.closed;
    const head = c.received().slice(0, c.received().indexOf('\r\n\r\n'));
    expect(head).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(head).toMatch(/\r\ncontent-type: text\/event-stream/i);
    expect(head).toMatch(/\r\nconnection: close/i);
    expect(head).not.toMatch(/keep-alive/i);
    expect(c.received()).toContain('data: [DONE]');
  });

  it('ends the streams in flight, closing their connections, and refuses the next call on one in OpenAI’s shape', async () => {
    const before = (await gateway.flushed()).length;
    const upstreamCalls = upstream.requests.length;
    const c = await rawSocket();
    c.socket.write(post(chat(true)));
    while (!c.received().includes('data: ')) await new Promise((r) => setTimeout(r, 10));
    const drained = gateway.drain(5_000);
    // The client sends its next call on the kept-alive connection while the stream still runs.
    c.socket.write(post(chat(false)));
    await c.closed;
    await drained;

    const text = c.received();
    expect(text.indexOf('data: [DONE]')).toBeGreaterThan(0);
    const refusal = text.slice(text.indexOf('HTTP/1.1', 10));
    expect(refusal).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(refusal).toMatch(/\r\nconnection: close\r\n/i);
    const body = JSON.parse(refusal.slice(refusal.indexOf('\r\n\r\n') + 4)) as { error: { code: string; type: string; message: string } };
    expect(body.error).toMatchObject({ code: 'gateway_stopping', type: 'server_error' });
    expect(body.error.message).toMatch(/stopping/);
    // The stream's call was recorded whole; the refused one reached no provider and has no record.
    expect(upstream.requests.length).toBe(upstreamCalls + 1);
    const records = (await gateway.flushed()).slice(before);
    expect(records.map((r) => [r.status, r.stream])).toEqual([[200, true]]);
  });
});
