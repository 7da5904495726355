import type { Logger } from 'pino';
import { responsesId } from '@tollgate/providers';
import { GatewayError, invalidRequest } from '../errors';
import { outputOf, type Json, type ResponseStore, type StoredResponse } from './response-store';

/** The response store as the `/v1/responses` ingress uses it. */
export interface ResponseState {
  store: ResponseStore;
  ttlMs: number;
  logger: Logger;
  /** Writes done and failed since start, for /metrics. */
  stats: { written: number; failed: number };
}

/** What a call carries from its request to the write after its answer. */
export interface Conversation {
  appId: string;
  /** `store` unless the caller said false: OpenAI's default, which the SDKs' multi-step loops rely on. */
  store: boolean;
  /** The stored conversation `previous_response_id` named: its input and output items. */
  history: Json[] | undefined;
  /** This call's input as items, item references resolved; ids are given when the response is stored. */
  input: Json[];
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The store could not answer (Redis down): a 503 the caller may retry, the cause kept for the record. */
export const storeUnavailable = (err: unknown) =>
  new GatewayError(503, 'server_error', 'response_store_unavailable', 'Stored responses cannot be read right now; retry shortly.', null, {}, err);

/**
 * Resolves what the request points at in the app's store — the response `previous_response_id` names and the
 * items `item_reference`s name — with both lookups sent together (one round trip), and only when the request
 * names either: a call that points at nothing stored touches no store.
 */
export async function resolveConversation(body: Json, appId: string, state: ResponseState): Promise<Conversation> {
  const input: unknown[] = typeof body.input === 'string' ? [{ type: 'message', role: 'user', content: body.input }] : Array.isArray(body.input) ? body.input : [];
  const references = new Map<number, string>();
  input.forEach((item, i) => {
    if (!isObject(item) || item.type !== 'item_reference') return;
    if (typeof item.id !== 'string' || !item.id) throw invalidRequest(`input.${i}.id: is required (the id of a stored item)`, `input.${i}.id`);
    references.set(i, item.id);
  });
  const previous = typeof body.previous_response_id === 'string' && body.previous_response_id ? body.previous_response_id : null;
  const conversation: Conversation = { appId, store: body.store !== false, history: undefined, input: input as Json[] };
  if (!previous && references.size === 0) return conversation;

  const [record, items] = await Promise.all([
    previous ? state.store.get(appId, previous) : null,
    references.size ? state.store.items(appId, [...new Set(references.values())]) : new Map<string, Json>(),
  ]).catch((err: unknown) => {
    throw storeUnavailable(err);
  });
  if (previous) {
    if (!record) throw invalidRequest(`Previous response with id '${previous}' not found.`, 'previous_response_id', 'previous_response_not_found');
    conversation.history = [...record.input, ...outputOf(record)];
  }
  conversation.input = input.map((item, i) => {
    const id = references.get(i);
    if (id === undefined) return item as Json;
    const found = items.get(id);
    if (!found) throw invalidRequest(`Item with id '${id}' not found.`, `input.${i}.id`, 'item_not_found');
    return found;
  });
  return conversation;
}

const ID_PREFIX: Record<string, 'msg' | 'fc' | 'fco' | 'rs'> = { message: 'msg', function_call: 'fc', function_call_output: 'fco', reasoning: 'rs' };

/** An input item as `input_items` lists it: typed, with an id (OpenAI gives every stored input item one). */
function storedItem(item: Json): Json {
  const type = typeof item.type === 'string' ? item.type : 'message';
  const out: Json = { ...item, type, id: typeof item.id === 'string' && item.id ? item.id : responsesId(ID_PREFIX[type] ?? 'item') };
  if (type === 'message' && typeof item.content === 'string') {
    out.content = [item.role === 'assistant' ? { type: 'output_text', text: item.content, annotations: [] } : { type: 'input_text', text: item.content }];
  }
  return out;
}

/** The record kept for a finished response. */
export function storedResponse(conversation: Conversation, response: Json): StoredResponse {
  const own = conversation.input.map(storedItem);
  const output = (response.output as Json[] | undefined) ?? [];
  const itemIds = [...own, ...output].map((item) => item.id).filter((id): id is string => typeof id === 'string');
  return { response, input: [...(conversation.history ?? []), ...own], itemIds };
}

/**
 * Writes a finished response after its answer has gone out (next turn of the event loop), never on the
 * caller's path: a failed write is logged and counted, and the call it belongs to has already succeeded.
 */
export function storeLater(state: ResponseState, conversation: Conversation, answer: Json | (() => Json | null)): void {
  setImmediate(() => {
    let record: StoredResponse;
    let response: Json | null = null;
    try {
      response = typeof answer === 'function' ? answer() : answer;
      // A passed-through answer that is no finished response (unreadable, failed) is not kept.
      if (!response) return;
      record = storedResponse(conversation, response);
    } catch (err) {
      state.stats.failed++;
      state.logger.warn({ err: (err as Error).message, responseId: response?.id }, 'response store: could not build the record');
      return;
    }
    state.store.put(conversation.appId, record, state.ttlMs).then(
      () => void state.stats.written++,
      (err: unknown) => {
        state.stats.failed++;
        state.logger.warn({ err: err instanceof Error ? err.message : String(err), responseId: record.response.id }, 'response store: write failed');
      },
    );
  });
}
