import { itemsOf, storeKey, type Json, type ResponseStore, type StoredResponse } from './response-store';

export interface MemoryResponseStoreOptions {
  /** Responses kept at most; the least recently used go first. */
  maxEntries?: number;
  /** Bytes of stored JSON kept at most (responses and their items). */
  maxBytes?: number;
  clock?: () => number;
}

interface Entry {
  /** JSON text: what is measured against the byte bound, and a copy no caller can change. */
  json: string;
  bytes: number;
  expiresAt: number;
  /** Item keys that point at this entry. */
  items: string[];
}

/**
 * The embedded default: one process's responses in a Map kept in least-recently-used order, bounded by count
 * and bytes, each entry expiring after its TTL (checked when read; eviction keeps the bounds). Items point at
 * the response that brought them in and leave with it.
 */
export class MemoryResponseStore implements ResponseStore {
  readonly #entries = new Map<string, Entry>();
  readonly #items = new Map<string, { entry: string; json: string }>();
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  readonly #clock: () => number;
  #bytes = 0;

  constructor(options: MemoryResponseStoreOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
    this.#clock = options.clock ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#clock()) {
      this.#remove(key);
      return undefined;
    }
    return entry;
  }

  async get(appId: string, id: string): Promise<StoredResponse | null> {
    const key = storeKey(appId, id);
    const entry = this.#live(key);
    if (!entry) return null;
    // Read again = used again: to the back of the eviction order.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return JSON.parse(entry.json) as StoredResponse;
  }

  async items(appId: string, ids: readonly string[]): Promise<Map<string, Json>> {
    const found = new Map<string, Json>();
    for (const id of ids) {
      const item = this.#items.get(storeKey(appId, id));
      if (item && this.#live(item.entry)) found.set(id, JSON.parse(item.json) as Json);
    }
    return found;
  }

  async put(appId: string, record: StoredResponse, ttlMs: number): Promise<void> {
    const key = storeKey(appId, String(record.response.id));
    const json = JSON.stringify(record);
    const itemJson = [...itemsOf(record)].map(([id, item]) => [storeKey(appId, id), JSON.stringify(item)] as const);
    const bytes = json.length + itemJson.reduce((n, [, text]) => n + text.length, 0);
    // One too big for the whole store would evict everything and still not fit.
    if (bytes > this.#maxBytes) throw new Error(`response ${String(record.response.id)} (${bytes} bytes) is larger than the store's bound`);
    this.#remove(key);
    const entry: Entry = { json, bytes, expiresAt: this.#clock() + ttlMs, items: itemJson.map(([k]) => k) };
    this.#entries.set(key, entry);
    for (const [itemKey, text] of itemJson) this.#items.set(itemKey, { entry: key, json: text });
    this.#bytes += bytes;
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxEntries && this.#bytes <= this.#maxBytes) break;
      this.#remove(oldest);
    }
  }

  async delete(appId: string, id: string): Promise<boolean> {
    const key = storeKey(appId, id);
    const present = this.#live(key) !== undefined;
    this.#remove(key);
    return present;
  }

  async close(): Promise<void> {
    this.#entries.clear();
    this.#items.clear();
    this.#bytes = 0;
  }

  #remove(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
    // A later response may have brought the same item in again: then it is that one's now.
    for (const itemKey of entry.items) if (this.#items.get(itemKey)?.entry === key) this.#items.delete(itemKey);
  }
}
