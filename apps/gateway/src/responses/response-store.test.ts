import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startRedisServer, type TestRedis } from '@tollgate/jobs/testing';
import { MemoryResponseStore } from './memory-response-store';
import { RedisResponseStore } from './redis-response-store';
import type { ResponseStore, StoredResponse } from './response-store';

// The same contract from the in-memory store and the Redis one (against a private redis-server).
let redis: TestRedis;
const opened: ResponseStore[] = [];
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  for (const store of opened) await store.close();
  await redis.close();
});

let seq = 0;
function record(id = `resp_${++seq}`, text = 'hi'): StoredResponse {
  const msg = { id: `msg_${id}`, type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] };
  const input = { id: `in_${id}`, type: 'message', role: 'user', content: [{ type: 'input_text', text: 'q' }] };
  return { response: { id, object: 'response', status: 'completed', output: [msg] }, input: [input], itemIds: [input.id, msg.id] };
}

const stores: Record<string, () => Promise<ResponseStore>> = {
  memory: async () => new MemoryResponseStore(),
  redis: async () => {
    const store = new RedisResponseStore(redis.url);
    await store.ready();
    opened.push(store);
    return store;
  },
};

describe.each(Object.keys(stores))('the %s response store', (kind) => {
  let store: ResponseStore;
  beforeAll(async () => {
    store = await stores[kind]!();
  });

  it('gives back what was put, to the same app only', async () => {
    const r = record();
    await store.put('app-a', r, 60_000);
    expect(await store.get('app-a', String(r.response.id))).toEqual(r);
    expect(await store.get('app-b', String(r.response.id))).toBeNull();
    expect(await store.get('app-a', 'resp_never')).toBeNull();
  });

  it('resolves the items a response brought in, for its app, and no response as an item', async () => {
    const r = record();
    await store.put('app-a', r, 60_000);
    const id = String(r.response.id);
    const found = await store.items('app-a', [`msg_${id}`, `in_${id}`, 'msg_unknown', id]);
    expect([...found.keys()].sort()).toEqual([`in_${id}`, `msg_${id}`]);
    expect(found.get(`msg_${id}`)).toMatchObject({ type: 'message', role: 'assistant' });
    expect((await store.items('app-b', [`msg_${id}`])).size).toBe(0);
    // An item's id names no response.
    expect(await store.get('app-a', `msg_${id}`)).toBeNull();
  });

  it('deletes a response with its items; a second delete finds nothing', async () => {
    const r = record();
    const id = String(r.response.id);
    await store.put('app-a', r, 60_000);
    expect(await store.delete('app-b', id)).toBe(false);
    expect(await store.delete('app-a', id)).toBe(true);
    expect(await store.get('app-a', id)).toBeNull();
    expect((await store.items('app-a', [`msg_${id}`])).size).toBe(0);
    expect(await store.delete('app-a', id)).toBe(false);
  });

  it('forgets a response after its TTL', async () => {
    const r = record();
    await store.put('app-a', r, 40);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await store.get('app-a', String(r.response.id))).toBeNull();
    expect((await store.items('app-a', [`msg_${String(r.response.id)}`])).size).toBe(0);
  });
});

describe('the memory response store bounds', () => {
  it('evicts the least recently used past its entry count', async () => {
    const store = new MemoryResponseStore({ maxEntries: 2 });
    await store.put('a', record('resp_1'), 60_000);
    await store.put('a', record('resp_2'), 60_000);
    // Reading the first makes the second the least recently used.
    expect(await store.get('a', 'resp_1')).not.toBeNull();
    await store.put('a', record('resp_3'), 60_000);
    expect(store.size).toBe(2);
    expect(await store.get('a', 'resp_2')).toBeNull();
    expect((await store.items('a', ['msg_resp_2'])).size).toBe(0);
    expect(await store.get('a', 'resp_1')).not.toBeNull();
    expect(await store.get('a', 'resp_3')).not.toBeNull();
  });

  it('keeps within its byte bound and refuses a response larger than all of it', async () => {
    const big = 'x'.repeat(600);
    const one = JSON.stringify(record('resp_sz', big)).length;
    const store = new MemoryResponseStore({ maxBytes: one * 3 });
    for (let i = 0; i < 6; i++) await store.put('a', record(`resp_b${i}`, big), 60_000);
    expect(store.bytes).toBeLessThanOrEqual(one * 3);
    expect(store.size).toBeLessThan(6);
    expect(await store.get('a', 'resp_b5')).not.toBeNull();
    await expect(store.put('a', record('resp_huge', 'y'.repeat(one * 4)), 60_000)).rejects.toThrow(/larger than the store's bound/);
  });

  it('keeps expiry by its clock', async () => {
    let now = 1_000;
    const store = new MemoryResponseStore({ clock: () => now });
    await store.put('a', record('resp_t'), 500);
    now += 499;
    expect(await store.get('a', 'resp_t')).not.toBeNull();
    now += 1;
    expect(await store.get('a', 'resp_t')).toBeNull();
    expect(store.bytes).toBe(0);
  });
});

describe('the Redis response store keys', () => {
  it('keeps each response and item under tollgate:resp:<app>:<id> with its TTL', async () => {
    const store = await stores.redis!();
    await store.put('app-k', record('resp_keys'), 60_000);
    const client = new Redis(redis.url);
    try {
      expect((await client.keys('tollgate:resp:app-k:*')).sort()).toEqual(['tollgate:resp:app-k:in_resp_keys', 'tollgate:resp:app-k:msg_resp_keys', 'tollgate:resp:app-k:resp_keys']);
      const ttl = await client.pttl('tollgate:resp:app-k:resp_keys');
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    } finally {
      client.disconnect();
    }
  });
});
