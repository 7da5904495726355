import { z } from 'zod';
import { restDefaults, type CorsPolicy, type KeyLocations, type TrafficPolicy } from '@tollgate/domain';
import type { ServiceRestSettings } from '@tollgate/db';
import { headerNameSchema, headerValueSchema, hostHeaderSchema, nodeUrlSchema, originSchema, queryNameSchema, upstreamHeaderNameSchema } from './http-schemas';
import { httpMethods } from '../services/apis-schemas';

/**
 * The bodies of a REST service's proxy settings (ADR 0018). Every default is filled in here, at write time, so
 * the working copy and its releases hold what the gateway will do, and a diff shows it.
 */

export const upstreamNameSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'use 1 to 32 lowercase letters, digits and hyphens, starting with a letter or digit');

/** The upstream a service sends its calls to while no traffic split is set. */
export const defaultUpstream = 'default';

const ms = (max: number) => z.number().int().min(1).max(max);

const nodeSchema = z.strictObject({ url: nodeUrlSchema, weight: z.number().int().min(0).max(1_000).default(1) });

const balancerSchema = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('round-robin') }),
    z.strictObject({ type: z.literal('least-requests') }),
    z.strictObject({ type: z.literal('hash'), on: z.enum(['header', 'cookie', 'ip']), name: z.string().min(1).max(128).optional() }),
  ])
  .superRefine((b, ctx) => {
    if (b.type !== 'hash') return;
    if (b.on !== 'ip' && !b.name) ctx.addIssue({ code: 'custom', path: ['name'], message: `name the ${b.on} to hash on` });
    if (b.on === 'header' && b.name && !headerNameSchema.safeParse(b.name).success) ctx.addIssue({ code: 'custom', path: ['name'], message: 'not an HTTP header name' });
    if (b.on === 'ip' && b.name) ctx.addIssue({ code: 'custom', path: ['name'], message: 'hashing on the client IP takes no name' });
  })
  .transform((b) => (b.type === 'hash' && b.on === 'header' && b.name ? { ...b, name: b.name.toLowerCase() } : b));

const d = restDefaults;

const healthCheckSchema = z
  .strictObject({
    path: z.string().max(1000).regex(/^\/\S*$/, 'must start with / and contain no whitespace'),
    intervalMs: z.number().int().min(1_000).max(3_600_000).default(d.healthCheck.intervalMs),
    timeoutMs: ms(60_000).default(d.healthCheck.timeoutMs),
    healthyThreshold: z.number().int().min(1).max(100).default(d.healthCheck.healthyThreshold),
    unhealthyThreshold: z.number().int().min(1).max(100).default(d.healthCheck.unhealthyThreshold),
  })
  .refine((h) => h.timeoutMs < h.intervalMs, { message: 'must be shorter than intervalMs', path: ['timeoutMs'] });

const outlierSchema = z
  .strictObject({
    consecutive5xx: z.number().int().min(1).max(1_000).default(d.outlier.consecutive5xx),
    consecutiveConnectFailures: z.number().int().min(1).max(1_000).default(d.outlier.consecutiveConnectFailures),
    baseEjectionMs: ms(3_600_000).default(d.outlier.baseEjectionMs),
    maxEjectionMs: ms(86_400_000).default(d.outlier.maxEjectionMs),
    maxEjectedPercent: z.number().int().min(0).max(100).default(d.outlier.maxEjectedPercent),
  })
  .refine((o) => o.maxEjectionMs >= o.baseEjectionMs, { message: 'must be at least baseEjectionMs', path: ['maxEjectionMs'] })
  .prefault({});

const timeoutsSchema = z
  .strictObject({
    connectMs: ms(60_000).default(d.timeouts.connectMs),
    firstByteMs: ms(600_000).default(d.timeouts.firstByteMs),
    totalMs: z.number().int().min(0).max(86_400_000).default(d.timeouts.totalMs),
  })
  .refine((t) => t.totalMs === 0 || t.totalMs >= t.connectMs, { message: '0 (no bound) or at least connectMs', path: ['totalMs'] })
  .prefault({});

const retriesSchema = z
  .strictObject({
    attempts: z.number().int().min(0).max(5).default(d.retries.attempts),
    budgetPercent: z.number().int().min(0).max(100).default(d.retries.budgetPercent),
    minPerSecond: z.number().int().min(0).max(1_000).default(d.retries.minPerSecond),
  })
  .prefault({});

/** The credential the gateway adds for this upstream; write-only: answers show the header name, never the value. */
export const upstreamCredentialSchema = z.strictObject({ header: upstreamHeaderNameSchema, value: headerValueSchema.min(1) });

/** `PUT /services/:id/upstreams/:name`: the whole upstream; `credential` absent keeps the stored one, null removes it. */
export const upstreamBodySchema = z.strictObject({
  nodes: z
    .array(nodeSchema)
    .min(1)
    .max(64)
    .superRefine((nodes, ctx) => {
      const seen = new Set<string>();
      nodes.forEach((n, i) => {
        if (seen.has(n.url)) ctx.addIssue({ code: 'custom', path: [i, 'url'], message: `${n.url} is listed twice` });
        seen.add(n.url);
      });
      if (nodes.every((n) => n.weight === 0)) ctx.addIssue({ code: 'custom', message: 'at least one node needs a weight above 0' });
    }),
  balancer: balancerSchema.default(d.balancer),
  healthCheck: healthCheckSchema.nullable().default(null),
  outlier: outlierSchema,
  timeouts: timeoutsSchema,
  retries: retriesSchema,
  hostHeader: hostHeaderSchema.nullable().default(null),
  credential: upstreamCredentialSchema.nullable().optional(),
});

/** `PUT /services/:id/traffic`: the whole policy. Upstream names are checked against the service's upstreams. */
export const trafficSchema = z.strictObject({
  split: z
    .array(z.strictObject({ upstream: upstreamNameSchema, weight: z.number().int().min(0).max(1_000) }))
    .max(16)
    .default([])
    .superRefine((split, ctx) => {
      const seen = new Set<string>();
      split.forEach((s, i) => {
        if (seen.has(s.upstream)) ctx.addIssue({ code: 'custom', path: [i, 'upstream'], message: `${s.upstream} is listed twice` });
        seen.add(s.upstream);
      });
      if (split.length && split.every((s) => s.weight === 0)) ctx.addIssue({ code: 'custom', message: 'the weights must add up to more than 0' });
    }),
  pin: z
    .strictObject({ header: headerNameSchema.optional(), cookie: z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/, 'not a cookie name').optional() })
    .refine((p) => p.header !== undefined || p.cookie !== undefined, 'name a header, a cookie or both whose value picks the upstream')
    .nullable()
    .default(null),
  mirror: z.strictObject({ upstream: upstreamNameSchema, percent: z.number().min(0).max(100) }).nullable().default(null),
}) satisfies z.ZodType<TrafficPolicy, unknown>;

const methodSchema = z
  .string()
  .transform((m) => m.toUpperCase())
  .pipe(z.enum(httpMethods));

const unique = <T>(items: T[]) => [...new Set(items)];

/** CORS of a service; the gateway answers preflights itself. `*` cannot be combined with credentials (Fetch §3.2.5). */
export const corsSchema = z
  .strictObject({
    allowOrigins: z.array(originSchema).min(1).max(50).transform(unique),
    allowMethods: z.array(methodSchema).max(8).transform(unique).default(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']),
    allowHeaders: z.array(headerNameSchema).max(50).transform(unique).default(['authorization', 'content-type']),
    exposeHeaders: z.array(headerNameSchema).max(50).transform(unique).default([]),
    allowCredentials: z.boolean().default(false),
    maxAgeSeconds: z.number().int().min(0).max(86_400).default(600),
  })
  .refine((c) => !(c.allowCredentials && c.allowOrigins.includes('*')), { message: 'an origin of * cannot be combined with allowCredentials; list the origins', path: ['allowOrigins'] }) satisfies z.ZodType<CorsPolicy, unknown>;

/** Where else the gateway takes an API key from; `Authorization: Bearer` and `x-api-key` always work. */
export const keyLocationsSchema = z.strictObject({
  header: headerNameSchema
    .refine((h) => h !== 'authorization' && h !== 'x-api-key', 'authorization and x-api-key are always read; name another header')
    .nullable()
    .default(null),
  query: queryNameSchema.nullable().default(null),
}) satisfies z.ZodType<KeyLocations, unknown>;

/** A REST service before anyone configured it: no hosts, upstreams or CORS; calls go to `default` once it exists. */
export const emptyServiceRest = (): ServiceRestSettings => ({
  hosts: [],
  keyLocations: { header: null, query: null },
  cors: null,
  upstreams: [],
  traffic: { split: [], pin: null, mirror: null },
});
