import type { Context } from 'hono';
import { z } from 'zod';
import { jsonNestsDeeperThan, maxJsonDepth } from '@tollgate/domain';
import { ApiError, type FieldIssue } from './errors';

/** Unknown fields first: a misspelt field often also shows up as a missing one, and the typo is the cause. */
function describe(error: z.ZodError): string {
  const issues = [...error.issues].sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'));
  return issues
    .slice(0, 3)
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') return `${issue.keys.map((key) => [...issue.path, key].join('.')).join(', ')}: ${issue.message}`;
      return `${issue.path.length ? issue.path.join('.') : 'body'}: ${issue.message}`;
    })
    .join('; ');
}

/** Every issue by field, so a form can show each message beside its input (unknown fields by their own path). */
function fieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.slice(0, 20).flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: [...issue.path, key].join('.'), message: issue.message }))
      : [{ path: issue.path.join('.'), message: issue.message }],
  );
}

const maxListedFields = 12;

/**
 * The message of an unknown field in a body (every body schema is a `z.strictObject`): it says what the object
 * there takes, so the caller sees the fix for a typo at once. Only the raw issue still knows its schema.
 */
const unknownFieldMessage: z.core.$ZodErrorMap = (issue) => {
  if (issue.code !== 'unrecognized_keys' || !(issue.inst instanceof z.ZodObject)) return undefined;
  const known = Object.keys(issue.inst.shape);
  const where = issue.path?.length ? issue.path.join('.') : 'this API';
  const listed = known.length > maxListedFields ? [...known.slice(0, maxListedFields), '…'] : known;
  return `unknown field${issue.keys.length > 1 ? 's' : ''} (${where} takes ${listed.length ? listed.join(', ') : 'no fields'})`;
};

/**
 * Measured on the text, before JSON.parse: parsing a 1 MB body that is one deep array holds the event loop, and
 * whatever walks the result recursively afterwards (zod, JSON.stringify when it is stored) can overflow the
 * stack. No portal body needs more (a prompt's output schema included: providers cap those at 5 to 10 object
 * levels); the OpenAPI import reads its document itself, with the larger `maxOpenApiDepth`.
 */
function refuseDeepJson(text: string): void {
  if (jsonNestsDeeperThan(text, maxJsonDepth)) {
    throw new ApiError(400, 'json_too_deep', `The request body nests deeper than ${maxJsonDepth} levels of arrays and objects; no API of the portal takes that.`);
  }
}

async function parseJsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  refuseDeepJson(text);
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
}

/** Reads and validates a JSON body; every failure is a 4xx that names the field, an unknown one included. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const type = c.req.header('content-type') ?? '';
  if (!type.toLowerCase().startsWith('application/json')) {
    throw new ApiError(415, 'unsupported_media_type', 'Send the request body as application/json.');
  }
  const parsed = schema.safeParse(await parseJsonBody(c), { error: unknownFieldMessage });
  if (!parsed.success) throw new ApiError(400, 'invalid_request', describe(parsed.error), fieldIssues(parsed.error));
  return parsed.data;
}

/**
 * For a write route that takes no body: none, or `{}` (what some clients always send), passes; anything else is
 * a 400 naming what was sent, since a field here would be dropped while the caller believes it was used
 * (`{"reason": …}` on a revoke, `{"note": …}` on a release).
 */
export async function readNoBody(c: Context): Promise<void> {
  const text = (await c.req.text()).trim();
  if (text === '') return;
  refuseDeepJson(text);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError(400, 'invalid_request', 'body: this API takes no body; send none.');
  }
  const fields = body !== null && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body) : null;
  if (fields?.length === 0) return;
  if (!fields) throw new ApiError(400, 'invalid_request', 'body: this API takes no body; send none.');
  throw new ApiError(400, 'invalid_request', `${fields.slice(0, maxListedFields).join(', ')}: unknown field${fields.length > 1 ? 's' : ''} (this API takes no body)`);
}

export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw new ApiError(400, 'invalid_query', describe(parsed.error), fieldIssues(parsed.error));
  return parsed.data;
}

/**
 * Like `readQuery`, and an unknown or repeated parameter is a 400 too: a misspelt filter (or the old `before`)
 * would otherwise be ignored, and all but one value of a repeated one dropped, answering with more than the
 * caller asked for.
 */
export function readKnownQuery<S extends z.ZodType>(c: Context, schema: S, known: readonly string[]): z.infer<S> {
  const params = c.req.queries();
  const unknown = Object.keys(params).find((key) => !known.includes(key));
  if (unknown) throw new ApiError(400, 'invalid_query', `${unknown}: not a parameter of this API (it takes ${known.join(', ')})`);
  const repeated = Object.entries(params).find(([, values]) => values.length > 1)?.[0];
  if (repeated) throw new ApiError(400, 'invalid_query', `${repeated}: given more than once; give one value`);
  return readQuery(c, schema);
}

/**
 * A point in time: epoch milliseconds, or ISO 8601. A time of day needs `Z` or an offset: without one,
 * JavaScript would read it in the server's zone, which a caller cannot know.
 */
export const instantSchema = z.string().transform((text, ctx) => {
  if (/^\d{1,15}$/.test(text)) return Number(text);
  const iso = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i.test(text);
  const ms = iso ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: 'use epoch milliseconds or an ISO 8601 date-time with Z or an offset' });
    return z.NEVER;
  }
  return ms;
});


export const nameSchema = z.string().trim().min(1).max(120);
export const slugSchema = z
  .string()
  .min(2)
  .max(63)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'use lowercase letters, digits and single hyphens');
