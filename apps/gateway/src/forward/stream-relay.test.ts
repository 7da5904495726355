import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { startMockOpenAi, type MockOpenAi } from '@tollgate/providers';
import { startTestGateway } from '../testing/gateway-harness';
import { testKeys, testSnapshot } from '../testing/test-snapshot';

// A provider that paces its chunks like a real one: 40 ms apart.
let upstream: MockOpenAi;
const client = new Agent();
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
const words = Array.from({ length: 12 }, (_, i) => `w${i}`).join(' ');

beforeAll(async () => {
  upstream = await startMockOpenAi({ apiKey: 'sk-mock', chunkDelayMs: 40 });
  gateway = await startTestGateway(testSnapshot({ providerUrl: upstream.url }));
});
afterAll(async () => {
  // The test's own client pool: the aborted request leaves its keep-alive socket with the client.
  await client.close();
  await gateway.close();
  await upstream.close();
});

const openStream = (signal?: AbortSignal) =>
  request(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${testKeys.approved}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: words }] }),
    signal,
    dispatcher: client,
  });

describe('stream relay', () => {
  it('passes each chunk on as it arrives instead of holding the stream', async () => {
    const started = performance.now();
    const res = await openStream();
    const arrivals: number[] = [];
    for await (const _chunk of res.body) arrivals.push(performance.now() - started);
    const total = arrivals.at(-1)!;
    // ~15 chunks 40 ms apart: a buffering proxy would deliver everything at the end.
    expect(arrivals.length).toBeGreaterThan(5);
    expect(arrivals[0]!).toBeLessThan(total / 2);
    const record = (await gateway.flushed()).at(-1)!;
    expect(record.ttftMs!).toBeLessThan(record.latencyMs / 2);
  });

  it('closes the provider stream and records the call as failed when the client goes away', async () => {
    const abort = new AbortController();
    const res = await openStream(abort.signal);
    const reader = res.body[Symbol.asyncIterator]();
    await reader.next();
    abort.abort();
    await reader.next().catch(() => undefined);
    const deadline = Date.now() + 2_000;
    let record;
    while (!(record = (await gateway.flushed()).find((r) => r.errorCode === 'client_closed')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(record).toMatchObject({ stream: true, failed: true, errorCode: 'client_closed' });
    // The relay stopped reading: far fewer bytes went out than a full answer.
    expect(record!.latencyMs).toBeLessThan(12 * 40);
  });
});
