import { afterAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startMockOpenAi } from '@tollgate/providers';
import { indexSnapshot } from '../snapshot/gateway-config';
import { testKeys, testSnapshot } from '../testing/test-snapshot';
import { startTestGateway } from '../testing/gateway-harness';
import { routesForModel } from './route';
import { authorizeModel } from './authorize';

const withDirect = (enabled: boolean, providerUrl = 'http://127.0.0.1:9/v1') => {
  const data = testSnapshot({ providerUrl });
  data.services[0]!.directModels = enabled;
  return data;
};

describe('direct <provider>/<model> names', () => {
  it('resolve to the named provider when the service allows direct models and routes to that provider', () => {
    const config = indexSnapshot(withDirect(true));
    expect(routesForModel(config, 'primary/gpt-4.1').list).toEqual([
      expect.objectContaining({ route: { serviceId: 'svc_llm00000000', name: 'primary/gpt-4.1', targets: [{ providerId: 'prv_primary0000', model: 'gpt-4.1' }] } }),
    ]);
  });

  it('resolve to nothing without the service flag, for an unknown provider, or a malformed name', () => {
    expect(routesForModel(indexSnapshot(withDirect(false)), 'primary/gpt-4.1').list).toEqual([]);
    const config = indexSnapshot(withDirect(true));
    for (const name of ['nobody/gpt-4.1', '/gpt-4.1', 'primary/']) expect(routesForModel(config, name).list).toEqual([]);
  });

  it('still need an approved subscription to the service', () => {
    const data = withDirect(true);
    const pending = data.apps.find((a) => a.id === 'app_pending000000000')!;
    expect(() => authorizeModel(indexSnapshot(data), pending, 'primary/gpt-4.1')).toThrow(/pending approval/);
  });

  const closers: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
  });

  it('reach the provider with its own model name, end to end', async () => {
    const mock = await startMockOpenAi({ apiKey: 'sk-mock' });
    const gateway = await startTestGateway(withDirect(true, mock.url));
    closers.push(mock.close, gateway.close);
    const client = new OpenAI({ apiKey: testKeys.approved, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const { response } = await client.chat.completions.create({ model: 'primary/gpt-4.1', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect((mock.requests.at(-1)!.body as { model: string }).model).toBe('gpt-4.1');
    expect(response.headers.get('x-tollgate-model')).toBe('gpt-4.1');
    const record = (await gateway.flushed()).at(-1)!;
    expect(record).toMatchObject({ model: 'primary/gpt-4.1', status: 200 });
    expect(record.costMicroUsd).toBeGreaterThan(0);
  });
});
