import { IngressValidationError } from '@tollgate/providers';
import { invalidRequest } from '../errors';

/** The body as a JSON object, or a 400 that says what is wrong with it. */
export function parseJsonObject(text: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw invalidRequest('The request body is not valid JSON.', null, 'invalid_json');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('The request body must be a JSON object.');
  return body as Record<string, unknown>;
}

/** `model`, which every /v1 call names and every record keeps: a non-empty string of bounded length. */
export function requireModel(body: Record<string, unknown>): string {
  if (typeof body.model !== 'string' || body.model.length === 0) throw invalidRequest("'model' is required and must be a string.", 'model');
  if (body.model.length > 256) throw invalidRequest("'model' is longer than 256 characters.", 'model');
  return body.model;
}

/** An ingress translator's refusal as the gateway's 400, naming the field. */
export function translating<T>(translate: () => T): T {
  try {
    return translate();
  } catch (err) {
    if (err instanceof IngressValidationError) throw invalidRequest(err.message, err.param);
    throw err;
  }
}
