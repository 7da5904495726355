import { afterAll, describe, expect, it } from 'vitest';
import { providerTypes } from '@tollgate/domain';
import { startTestGateway } from '../testing/gateway-harness';
import { testKeys, testSnapshot } from '../testing/test-snapshot';

// Malformed bodies through every provider type's adapter and both ingresses: each must be answered with a
// 4xx naming the problem, or (the provider being unreachable here) a 502 — never a 500.
const bodies: unknown[] = [
  { model: 'gpt-4o-mini', messages: [null] },
  { model: 'gpt-4o-mini', messages: [{}] },
  { model: 'gpt-4o-mini', messages: [{ role: 'user' }] },
  { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 5 }] },
  { model: 'gpt-4o-mini', messages: [{ role: 'user', content: [null, 7, { type: 'image_url' }] }] },
  { model: 'gpt-4o-mini', messages: [{ role: 'assistant', tool_calls: [null, { function: 3 }] }] },
  { model: 'gpt-4o-mini', messages: [{ role: 'tool', content: 'x' }] },
  { model: 'gpt-4o-mini', messages: [{ role: 'wizard', content: 'x' }] },
  { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], tools: 'nope' },
  { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], tools: [null, { type: 'function' }] },
  { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], tool_choice: 42 },
  { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], stop: { a: 1 } },
  { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], max_tokens: 'lots', temperature: 'hot' },
  { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], response_format: 'json' },
  { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], reasoning_effort: {} },
];

const gateways: Array<Awaited<ReturnType<typeof startTestGateway>>> = [];
afterAll(async () => {
  for (const g of gateways) await g.close();
});

describe.each([...providerTypes])('bad input through a %s provider', (type) => {
  it('never reaches a 500', async () => {
    const snapshot = testSnapshot({
      providerUrl: 'http://127.0.0.1:9/v1',
      providerType: type,
      providerKey: 'AKID:SECRET',
      providerSettings: { region: 'us-east-1', apiVersion: '2024-10-21' },
    });
    const gateway = await startTestGateway(snapshot, { retry: { rounds: 0, maxBackoffMs: 0 } });
    gateways.push(gateway);
    const answers: string[] = [];
    for (const body of bodies) {
      for (const path of ['/v1/chat/completions', '/v1/messages']) {
        const sent = path === '/v1/messages' ? { ...(body as object), max_tokens: 5 } : body;
        const res = await gateway.app.request(path, {
          method: 'POST',
          headers: { authorization: `Bearer ${testKeys.approved}`, 'content-type': 'application/json' },
          body: JSON.stringify(sent),
        });
        if (res.status >= 500 && res.status !== 502) answers.push(`${path} ${JSON.stringify(sent)} -> ${res.status}`);
      }
    }
    const model = await gateway.app.request('/v1/models/%E0%A4%A', { headers: { authorization: `Bearer ${testKeys.approved}` } });
    expect(model.status).toBe(404);
    expect(answers).toEqual([]);
  });
});
