/**
 * Stored Responses (issue 15 part 3, ADR 0022): what a later `previous_response_id`, `item_reference`,
 * `GET /v1/responses/{id}` or `input_items` call needs, scoped to the app that made the response. Another
 * app's id reads as absent, so ids never tell one app about another's.
 */
export type Json = Record<string, unknown>;

export interface StoredResponse {
  /** The Responses object as answered (`store: true`); its `output` holds the output items. */
  response: Json;
  /** Every input item that led to it, each with an id: the previous conversation's, then this call's own. */
  input: Json[];
  /**
   * The items this response brought in (its own input and its output), resolvable by `item_reference` while
   * it is stored. Items of earlier turns stay with the responses that brought them in.
   */
  itemIds: string[];
}

export interface ResponseStore {
  get(appId: string, id: string): Promise<StoredResponse | null>;
  /** Items by id for `item_reference`, from the app's stored responses; unknown ids are missing from the map. */
  items(appId: string, ids: readonly string[]): Promise<Map<string, Json>>;
  put(appId: string, record: StoredResponse, ttlMs: number): Promise<void>;
  /** True when there was one to delete. */
  delete(appId: string, id: string): Promise<boolean>;
  close(): Promise<void>;
}

/** One key space for responses and items (their ids' prefixes keep them apart), per app. */
export const storeKey = (appId: string, id: string) => `tollgate:resp:${appId}:${id}`;

/** The output items of a stored response. */
export const outputOf = (record: StoredResponse): Json[] => (record.response.output as Json[] | undefined) ?? [];

/** Every item a record makes resolvable, by id. */
export function itemsOf(record: StoredResponse): Map<string, Json> {
  const wanted = new Set(record.itemIds);
  const found = new Map<string, Json>();
  for (const item of [...record.input, ...outputOf(record)]) {
    if (typeof item.id === 'string' && wanted.has(item.id)) found.set(item.id, item);
  }
  return found;
}
