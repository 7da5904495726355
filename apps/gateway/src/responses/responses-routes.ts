import type { Context } from 'hono';
import type { GatewayEnv } from '../env';
import { GatewayError, invalidRequest } from '../errors';
import type { Json, ResponseStore, StoredResponse } from './response-store';
import { storeUnavailable } from './conversation';

/**
 * `GET /v1/responses/{id}`, `DELETE /v1/responses/{id}` and `GET /v1/responses/{id}/input_items`: the calling
 * app's stored responses. Another app's id is the same 404 as one that never was, so ids leak nothing.
 */
const notFound = (id: string) => new GatewayError(404, 'invalid_request_error', 'not_found', `Response with id '${id}' not found.`, 'response_id');


async function stored(c: Context<GatewayEnv>, store: ResponseStore): Promise<{ id: string; record: StoredResponse }> {
  const id = c.req.param('id') ?? '';
  const record = await store.get(c.get('app').id, id).catch((err: unknown) => {
    throw storeUnavailable(err);
  });
  if (!record) throw notFound(id);
  return { id, record };
}

const answered = (c: Context<GatewayEnv>, body: unknown) => c.json(body, 200, { 'x-request-id': c.get('requestId') });

export function retrieveResponseHandler(store: ResponseStore) {
  return async (c: Context<GatewayEnv>) => {
    if (c.req.query('stream') === 'true') throw invalidRequest('stream: replaying a stored response as a stream is not supported by this gateway', 'stream');
    return answered(c, (await stored(c, store)).record.response);
  };
}

export function deleteResponseHandler(store: ResponseStore) {
  return async (c: Context<GatewayEnv>) => {
    const id = c.req.param('id') ?? '';
    const deleted = await store.delete(c.get('app').id, id).catch((err: unknown) => {
      throw storeUnavailable(err);
    });
    if (!deleted) throw notFound(id);
    return answered(c, { id, object: 'response.deleted', deleted: true });
  };
}

/** `limit` (1–100, default 20), `order` (`desc` by default, as OpenAI's), `after` (an item id of the last page). */
function pageOf(c: Context<GatewayEnv>, items: Json[]) {
  const rawLimit = c.req.query('limit');
  const limit = rawLimit === undefined ? 20 : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw invalidRequest('limit: must be an integer from 1 to 100', 'limit');
  const order = c.req.query('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw invalidRequest("order: must be 'asc' or 'desc'", 'order');
  const ordered = order === 'asc' ? items : [...items].reverse();
  const after = c.req.query('after');
  let start = 0;
  if (after !== undefined) {
    const at = ordered.findIndex((item) => item.id === after);
    if (at < 0) throw invalidRequest(`after: no input item with id '${after}' in this response`, 'after');
    start = at + 1;
  }
  const data = ordered.slice(start, start + limit);
  return { object: 'list', data, first_id: (data[0]?.id as string | undefined) ?? null, last_id: (data.at(-1)?.id as string | undefined) ?? null, has_more: start + limit < ordered.length };
}

export function inputItemsHandler(store: ResponseStore) {
  return async (c: Context<GatewayEnv>) => answered(c, pageOf(c, (await stored(c, store)).record.input));
}
