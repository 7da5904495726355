import { Redis } from 'ioredis';
import { fastFailRedisOptions } from '@tollgate/limiter';
import type { Logger } from 'pino';
import { itemsOf, storeKey, type Json, type ResponseStore, type StoredResponse } from './response-store';

/**
 * Responses shared by every gateway: one JSON value per response and per item it brought in, under
 * `tollgate:resp:<appId>:<id>`, each expiring by itself (`SET … PX`). A lookup is one GET (items: one MGET);
 * a put is one pipeline of SETs, one round trip. The client fails fast like the limiter's: a Redis that is
 * down makes a lookup fail (the call is a 503) rather than wait.
 */
export class RedisResponseStore implements ResponseStore {
  readonly #client: Redis;
  readonly #owns: boolean;

  constructor(redis: Redis | string, options: { logger?: Logger } = {}) {
    this.#owns = typeof redis === 'string';
    this.#client = typeof redis === 'string' ? new Redis(redis, fastFailRedisOptions()) : redis;
    // Without a listener an 'error' event would end the process; a dead Redis must only fail lookups.
    this.#client.on('error', (err: Error) => options.logger?.warn({ err: err.message }, 'response store: Redis connection error'));
  }

  async ready(): Promise<void> {
    if (this.#client.status !== 'ready') await new Promise((resolve) => this.#client.once('ready', resolve));
  }

  async get(appId: string, id: string): Promise<StoredResponse | null> {
    const text = await this.#client.get(storeKey(appId, id));
    const value = text ? (JSON.parse(text) as Json) : null;
    // The key space is shared with items: an id naming an item is no response.
    return value && 'response' in value ? (value as unknown as StoredResponse) : null;
  }

  async items(appId: string, ids: readonly string[]): Promise<Map<string, Json>> {
    const found = new Map<string, Json>();
    if (ids.length === 0) return found;
    const texts = await this.#client.mget(ids.map((id) => storeKey(appId, id)));
    texts.forEach((text, i) => {
      if (!text) return;
      const value = JSON.parse(text) as Json;
      if ('response' in value) return;
      found.set(ids[i]!, value);
    });
    return found;
  }

  async put(appId: string, record: StoredResponse, ttlMs: number): Promise<void> {
    const pipeline = this.#client.pipeline().set(storeKey(appId, String(record.response.id)), JSON.stringify(record), 'PX', ttlMs);
    for (const [id, item] of itemsOf(record)) pipeline.set(storeKey(appId, id), JSON.stringify(item), 'PX', ttlMs);
    const replies = (await pipeline.exec()) ?? [];
    const failed = replies.find(([err]) => err);
    if (failed) throw failed[0];
  }

  async delete(appId: string, id: string): Promise<boolean> {
    // Not on a model call's path: reading first tells which items leave with the response.
    const record = await this.get(appId, id);
    if (!record) return false;
    await this.#client.del(storeKey(appId, id), ...record.itemIds.map((item) => storeKey(appId, item)));
    return true;
  }

  async close(): Promise<void> {
    if (this.#owns) this.#client.disconnect();
  }
}
