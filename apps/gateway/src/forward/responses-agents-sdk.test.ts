import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { Agent, run, setDefaultOpenAIClient, setTracingDisabled, tool } from '@openai/agents';
import { z } from 'zod';
import type { RecordedRequest } from '@tollgate/providers';
import { startTestGateway } from '../testing/gateway-harness';
import { testKeys, testSnapshot } from '../testing/test-snapshot';
import { mockProvider } from '../testing/mock-providers';

// The OpenAI Agents SDK's default `run` (the Responses API, no server-side state unless asked for) with a
// function tool and a handoff, through the gateway: natively to an OpenAI-type provider, translated to an
// Anthropic-type one. Its tracing exporter is off, so nothing (least of all the key) goes to OpenAI.
setTracingDisabled(true);

const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

// The SDK keeps its default client once it has made one, so one gateway serves both: the public model
// `gpt-4o-mini` on the OpenAI mock, `claude-via-gateway` on the Anthropic mock.
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
const mocks: Record<string, { requests: RecordedRequest[] }> = {};
beforeAll(async () => {
  const openai = await mockProvider('openai').start();
  const anthropic = await mockProvider('anthropic').start();
  const snapshot = testSnapshot({ providerUrl: openai.url, providerKey: 'sk-o' });
  snapshot.providers.push({ id: 'prv_anthropic00', name: 'anthropic', type: 'anthropic', baseUrl: anthropic.url, apiKey: 'sk-a', priceOverrides: {}, settings: {} });
  snapshot.modelRoutes.push({ serviceId: 'svc_llm00000000', name: 'claude-via-gateway', targets: [{ providerId: 'prv_anthropic00', model: 'claude-sonnet-4-5' }] });
  gateway = await startTestGateway(snapshot);
  closers.push(openai.close, anthropic.close, gateway.close);
  Object.assign(mocks, { openai, anthropic });
  // `as never`: the SDK types its client with its own openai major; the client is the same at runtime.
  setDefaultOpenAIClient(new OpenAI({ apiKey: testKeys.approved, baseURL: `${gateway.url}/v1`, maxRetries: 0 }) as never);
});

const providers = [
  { type: 'openai', model: 'gpt-4o-mini', path: '/v1/responses' },
  { type: 'anthropic', model: 'claude-via-gateway', path: '/v1/messages' },
];

describe.each(providers)('the Agents SDK run over $type', (p) => {
  it('calls a function tool and hands off to a second agent, each turn metered as /v1/responses', async () => {
    const mock = mocks[p.type]!;
    const looked: string[] = [];
    const weather = tool({
      name: 'weather',
      description: 'Weather in a city',
      parameters: z.object({ city: z.string() }),
      execute: async ({ city }) => {
        looked.push(city);
        return 'sunny and 21 degrees';
      },
    });
    const specialist = new Agent({ name: 'Specialist', instructions: 'Answer weather questions.', model: p.model });
    const triage = new Agent({ name: 'Triage', instructions: 'Route the user.', model: p.model, tools: [weather], handoffs: [specialist] });
    const before = mock.requests.length;

    const result = await run(triage, 'Weather in Oslo?');
    // Both mocks call the first two tools offered: the weather tool and the handoff, in one turn.
    expect(looked).toHaveLength(1);
    expect(result.lastAgent?.name).toBe('Specialist');
    expect(String(result.finalOutput)).toContain('Echo:');
    const sent = mock.requests.slice(before);
    expect(sent.map((r) => r.path)).toEqual(Array(sent.length).fill(p.path));
    expect(sent.length).toBe(2);
    // The second turn is the specialist's, with the tool's result and the handoff in its input.
    expect(JSON.stringify(sent[1]!.body)).toContain('sunny and 21 degrees');
    expect(JSON.stringify(sent[1]!.body)).toContain('Answer weather questions.');
    const records = (await gateway.flushed()).slice(-2);
    expect(records.map((r) => [r.api, r.status, r.failed])).toEqual([
      ['/v1/responses', 200, false],
      ['/v1/responses', 200, false],
    ]);
    expect(records.every((r) => r.outputTokens > 0)).toBe(true);
  });

  it('streams a run', async () => {
    const agent = new Agent({ name: 'Echo', instructions: 'Repeat.', model: p.model });
    const result = await run(agent, 'one two three', { stream: true });
    let text = '';
    for await (const chunk of result.toTextStream()) text += chunk;
    await result.completed;
    expect(text).toBe('Echo: one two three');
    expect(result.finalOutput).toBe('Echo: one two three');
    expect((await gateway.flushed()).at(-1)).toMatchObject({ api: '/v1/responses', stream: true, failed: false });
  });
});
