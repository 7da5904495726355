import { z } from 'zod';
import type { ApiRestSettings } from '@tollgate/db';
import { apiRestDefaults, type ServiceKind } from '@tollgate/domain';
import { badRequest } from '../http/errors';
import { rateLimitsSchema } from '../plans/limits-schema';
import { headerNameSchema, headerValueSchema, queryNameSchema, queryValueSchema, responseHeaderNameSchema, upstreamHeaderNameSchema, wordRecord } from './http-schemas';

/**
 * The REST side of one API (ADR 0018): how the gateway matches it beyond method and path, and what it changes
 * on the way to the upstream and back. Sent as top-level fields of `POST /services/:id/apis` and
 * `PATCH /services/:id/apis/:apiId`; each field sent replaces the stored one.
 */

const headerRulesSchema = (name: typeof upstreamHeaderNameSchema | typeof responseHeaderNameSchema) =>
  z
    .strictObject({
      set: wordRecord(name, headerValueSchema).default({}),
      add: wordRecord(name, headerValueSchema).default({}),
      remove: z.array(name).max(20).transform((names) => [...new Set(names)]).default([]),
    });

const rewriteSchema = z.union([z.strictObject({ stripPrefix: z.literal(true) }), z.strictObject({ template: z.string().max(1000).regex(/^\/\S*$/, 'must start with / and contain no whitespace') })], {
  error: 'use {"stripPrefix": true}, {"template": "/v2/pets/{id}"} or null',
});

/** Per-API limits count requests: REST calls carry no tokens, so a token limit here could never apply. */
const apiLimitsSchema = rateLimitsSchema.refine((l) => l.tokensPerMinute === undefined && l.tokensPerDay === undefined, 'REST calls carry no tokens: use request limits');

export const apiRestFields = {
  pathType: z.enum(['exact', 'prefix']),
  headers: wordRecord(headerNameSchema, headerValueSchema),
  query: wordRecord(queryNameSchema, queryValueSchema),
  rewrite: rewriteSchema.nullable(),
  requestHeaders: headerRulesSchema(upstreamHeaderNameSchema),
  responseHeaders: headerRulesSchema(responseHeaderNameSchema),
  addQuery: wordRecord(queryNameSchema, queryValueSchema),
  limits: apiLimitsSchema.nullable(),
  retryAll: z.boolean(),
  websocket: z.boolean(),
} as const;

export type ApiRestField = keyof typeof apiRestFields;
export const apiRestFieldNames = Object.keys(apiRestFields) as ApiRestField[];

/** The fields as optional body members: absent keeps what is stored (or the default, on create). */
export const optionalApiRestFields = Object.fromEntries(apiRestFieldNames.map((k) => [k, apiRestFields[k].optional()])) as {
  [K in ApiRestField]: z.ZodOptional<(typeof apiRestFields)[K]>;
};

export const defaultApiRest = (): ApiRestSettings => apiRestDefaults();

/** `/pets/{id}` → `['id']`. */
export const pathParameters = (path: string) => [...path.matchAll(/\{([^{}/]+)\}/g)].map((m) => m[1]!);

/** The REST fields present in a parsed body, apart from the rest of it. */
export function splitRestFields<T extends Record<string, unknown>>(input: T): { base: Omit<T, ApiRestField>; rest: Partial<ApiRestSettings> } {
  const base: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if ((apiRestFieldNames as string[]).includes(key)) rest[key] = value;
    else base[key] = value;
  }
  return { base: base as Omit<T, ApiRestField>, rest: rest as Partial<ApiRestSettings> };
}

/**
 * The API's REST settings after a write: stored ones (or the defaults) with the sent fields replaced, checked
 * against the API's path. An AI service's API takes none of them (null).
 */
export function resolveApiRest(kind: ServiceKind, path: string, stored: ApiRestSettings | null, sent: Partial<ApiRestSettings>): ApiRestSettings | null {
  const named = Object.keys(sent)[0];
  if (kind !== 'rest') {
    if (named) throw badRequest(`${named}: REST settings belong to REST services; this service is of kind ${kind}`);
    return null;
  }
  const rest: ApiRestSettings = { ...(stored ?? defaultApiRest()), ...sent };
  if (rest.rewrite && 'template' in rest.rewrite) {
    const known = new Set(pathParameters(path));
    const missing = pathParameters(rest.rewrite.template).find((p) => !known.has(p));
    if (missing) throw badRequest(`rewrite.template: {${missing}} is not a parameter of the path ${path}`);
  }
  return rest;
}
