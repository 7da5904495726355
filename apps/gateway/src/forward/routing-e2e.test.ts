import { afterAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startMockOpenAi } from '@tollgate/providers';
import { startTestGateway } from '../testing/gateway-harness';
import { startScriptedUpstream } from '../testing/scripted-upstream';
import { testKeys, testSnapshot } from '../testing/test-snapshot';

const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});
const hello = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hi' }] };

describe('routing through the gateway', () => {
  it('waits as long as the provider asked in retry-after, then retries and succeeds', async () => {
    const mock = await startMockOpenAi({ apiKey: 'sk-mock' });
    let calls = 0;
    const flaky = await startScriptedUpstream((req, res) => {
      if (++calls === 1) {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '0.3' }).end('{"error":{"message":"slow down","type":"rate_limit_error","code":"rate_limit_exceeded","param":null}}');
        return;
      }
      // The second attempt is proxied to a real mock provider's answer.
      void fetch(`${mock.url}/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer sk-mock', 'content-type': 'application/json' }, body: JSON.stringify(hello) })
        .then(async (r) => res.writeHead(200, { 'content-type': 'application/json' }).end(await r.text()));
    });
    const gateway = await startTestGateway(testSnapshot({ providerUrl: flaky.url }));
    closers.push(mock.close, flaky.close, gateway.close);
    const client = new OpenAI({ apiKey: testKeys.approved, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const started = performance.now();
    const completion = await client.chat.completions.create(hello);
    expect(completion.choices[0]?.message.content).toBe('Echo: hi');
    expect(calls).toBe(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect((await gateway.flushed()).at(-1)!.errorMessage).toMatch(/fell back after: primary answered 429/);
  });

  it('moves on from a target that does not start answering within its own timeout', async () => {
    const slow = await startMockOpenAi({ apiKey: 'sk-mock', firstByteDelayMs: 2_000 });
    const fast = await startMockOpenAi({ apiKey: 'sk-mock' });
    const data = testSnapshot({ providerUrl: slow.url, fallbackProviderUrl: fast.url });
    data.modelRoutes[0]!.targets[0]!.timeoutMs = 150;
    const gateway = await startTestGateway(data);
    closers.push(slow.close, fast.close, gateway.close);
    const client = new OpenAI({ apiKey: testKeys.approved, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const started = performance.now();
    const { response } = await client.chat.completions.create(hello).withResponse();
    expect(response.headers.get('x-tollgate-provider')).toBe('fallback');
    expect(performance.now() - started).toBeLessThan(1_500);
  });
});
