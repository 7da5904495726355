import { z } from 'zod';
import type { ServiceKind } from '@tollgate/domain';

/**
 * What an API (one operation of a service) and a service tag may look like, shared by the manual API routes,
 * the OpenAPI import and the service routes, so an API is valid by one rule however it was made.
 */

/** The operation keys of an OpenAPI path item, upper-cased: the methods an API may name. */
export const httpMethods = ['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'TRACE'] as const;
export type HttpMethod = (typeof httpMethods)[number];

/** Catalogue tags are filter keys (`?tag=`), so they get a URL- and eye-friendly shape. */
export const serviceTagSchema = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'use lowercase letters, digits and hyphens, starting with a letter or digit');

const unique = <T>(items: T[]) => [...new Set(items)];

export const serviceTagsSchema = z
  .array(serviceTagSchema)
  .transform(unique)
  .refine((tags) => tags.length <= 20, 'at most 20 tags');

/**
 * API tags mirror OpenAPI operation tags, which are free text ("Pet store"), so they are only bounded, not
 * shaped; they group operations in docs and are not catalogue filters.
 */
export const apiTagsSchema = z
  .array(z.string().trim().min(1).max(80))
  .max(20)
  .transform(unique);

export const apiNameSchema = z.string().trim().min(1).max(120);
export const apiDescriptionSchema = z.string().max(10_000);

/** Kept as written, `{param}` templates included; whitespace would make the path unroutable. */
export const apiPathSchema = z
  .string()
  .max(1000)
  .regex(/^\/\S*$/, 'must start with / and contain no whitespace');

export const apiMethodsSchema = z
  .array(z.string().transform((m) => m.toUpperCase()).pipe(z.enum(httpMethods)))
  .transform(unique)
  .pipe(z.array(z.enum(httpMethods)).min(1).max(8));

export const createApiSchema = z.strictObject({
  name: apiNameSchema,
  methods: apiMethodsSchema,
  path: apiPathSchema,
  description: apiDescriptionSchema.default(''),
  tags: apiTagsSchema.default([]),
});

export type ApiInput = z.infer<typeof createApiSchema>;

/** The operation every AI service exposes: the gateway's OpenAI-compatible endpoint. */
export const chatCompletionsApi = { name: 'Chat completions', methods: ['POST'], path: '/v1/chat/completions' };

/** An AI service's chat endpoint is what the gateway serves it through: no import or delete may remove it. */
export const isBuiltinApi = (kind: ServiceKind, api: { methods: string[]; path: string }) =>
  kind === 'ai' && api.path === chatCompletionsApi.path && api.methods.includes('POST');

/** `GET /pets`, `GET,HEAD /pets`: how audit events and conflicts name an API. */
export const apiLabel = (api: { methods: string[]; path: string }) => `${api.methods.join(',')} ${api.path}`;
