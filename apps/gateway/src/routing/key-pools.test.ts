import { afterAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import type { SnapshotProvider } from '@tollgate/domain';
import { startMockOpenAi } from '@tollgate/providers';
import { KeyPools } from './key-pools';
import { startTestGateway } from '../testing/gateway-harness';
import { testKeys, testSnapshot } from '../testing/test-snapshot';

const provider = (pool: Array<{ key: string; weight: number }>): SnapshotProvider => ({
  id: 'prv_pool000000',
  name: 'pool',
  type: 'openai',
  baseUrl: 'http://127.0.0.1:9/v1',
  apiKey: pool[0]!.key,
  keyPool: pool,
  priceOverrides: {},
  settings: {},
});
const count = (picks: string[]) => picks.reduce<Record<string, number>>((acc, k) => ({ ...acc, [k]: (acc[k] ?? 0) + 1 }), {});

describe('KeyPools', () => {
  it('spreads picks by weight, evenly interleaved', () => {
    const keys = new KeyPools();
    const p = provider([{ key: 'a', weight: 3 }, { key: 'b', weight: 1 }]);
    const picks = Array.from({ length: 8 }, () => keys.pick(p, 0));
    expect(count(picks)).toEqual({ a: 6, b: 2 });
    expect(picks.slice(0, 4).filter((k) => k === 'b')).toHaveLength(1);
  });

  it('takes a refused key out for minutes and a rate-limited one for its retry-after', () => {
    const keys = new KeyPools();
    const p = provider([{ key: 'a', weight: 1 }, { key: 'b', weight: 1 }, { key: 'c', weight: 1 }]);
    keys.report(p, 'a', 401, null, 0);
    keys.report(p, 'b', 429, 2_000, 0);
    expect(new Set(Array.from({ length: 6 }, () => keys.pick(p, 1_000)))).toEqual(new Set(['c']));
    expect(new Set(Array.from({ length: 6 }, () => keys.pick(p, 2_500)))).toEqual(new Set(['b', 'c']));
    // With nothing healthy, the key whose cooldown ends first is tried rather than none.
    keys.report(p, 'c', 429, 5_000, 3_000);
    keys.report(p, 'b', 429, 1_000, 3_000);
    expect(keys.pick(p, 3_100)).toBe('b');
  });

  it('uses the single key as it is when there is no pool', () => {
    expect(new KeyPools().pick({ ...provider([{ key: 'solo', weight: 1 }]), keyPool: undefined })).toBe('solo');
  });
});

describe('key pool through the gateway', () => {
  const closers: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
  });

  it('replaces a key the provider refuses with another from the pool, and stops using the refused one', async () => {
    const mock = await startMockOpenAi({ apiKey: 'sk-good' });
    const data = testSnapshot({ providerUrl: mock.url, providerKey: 'sk-revoked' });
    data.providers[0]!.keyPool = [{ key: 'sk-revoked', weight: 5 }, { key: 'sk-good', weight: 1 }];
    const gateway = await startTestGateway(data);
    closers.push(mock.close, gateway.close);
    const client = new OpenAI({ apiKey: testKeys.approved, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    for (let i = 0; i < 3; i++) {
      const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      expect(completion.choices[0]?.message.content).toBe('Echo: hi');
    }
    const keysSent = mock.requests.map((r) => r.headers.authorization);
    // The heavy key was refused once, then left out: every later call went straight to the good key.
    expect(keysSent).toEqual(['Bearer sk-revoked', 'Bearer sk-good', 'Bearer sk-good', 'Bearer sk-good']);
  });
});
