import { eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { callRecords } from '@tollgate/db';
import { idSchema } from '../http/ids';
import { instantSchema } from '../http/validate';

const textFilter = (max: number) => z.string().min(1).max(max);

/** The log explorer's filters. Each one narrows what the caller may see; none widens it. */
const filterShape = {
  /** Inclusive start and exclusive end of `startedAt`. */
  from: instantSchema.optional(),
  to: instantSchema.optional(),
  /** The calling team (the app's team; a prompt test run's is the service's). */
  teamId: idSchema('team').optional(),
  serviceId: idSchema('service').optional(),
  appId: idSchema('app').optional(),
  api: textFilter(200).optional(),
  /** Matched against the start of the stored key prefix. */
  keyPrefix: textFilter(64).optional(),
  model: textFilter(200).optional(),
  status: z
    .string()
    .regex(/^[1-5](?:\d\d|xx)$/i, 'an HTTP status such as 429, or a class such as 5xx')
    .optional(),
  requestId: textFilter(200).optional(),
  /** REST calls: the matched API's path template (`/pets/{id}`) and the upstream that served it (`canary`). */
  route: textFilter(512).optional(),
  upstream: textFilter(64).optional(),
  failed: z.enum(['true', 'false'], { message: 'true or false' }).transform((v) => v === 'true').optional(),
};

export interface Cursor {
  startedAt: number;
  id: string;
}

/**
 * The position after the last record of a page, as an opaque token: the keyset (started_at, id), so records
 * that share a millisecond are neither skipped nor repeated, and rows written meanwhile do not shift pages.
 */
export const encodeCursor = (row: Cursor): string => Buffer.from(JSON.stringify([row.startedAt, row.id])).toString('base64url');

const cursorSchema = z.string().transform((text, ctx): Cursor => {
  let decoded: unknown;
  try {
    decoded = /^[A-Za-z0-9_-]{1,400}$/.test(text) ? JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) : undefined;
  } catch {
    decoded = undefined;
  }
  if (Array.isArray(decoded) && decoded.length === 2 && Number.isSafeInteger(decoded[0]) && decoded[0] >= 0 && typeof decoded[1] === 'string' && decoded[1].length <= 100) {
    return { startedAt: decoded[0], id: decoded[1] };
  }
  ctx.addIssue({ code: 'custom', message: 'not a cursor from this API; pass the nextCursor of the previous page' });
  return z.NEVER;
});

const refineRange = <T extends { from?: number; to?: number }>(f: T) => f.from === undefined || f.to === undefined || f.from < f.to;
const rangeIssue = { message: 'must be later than from', path: ['to'] };

export const listQuerySchema = z
  .object({
    ...filterShape,
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: cursorSchema.optional(),
  })
  .refine(refineRange, rangeIssue);

export const exportQuerySchema = z
  .object({
    ...filterShape,
    format: z.enum(['csv', 'ndjson'], { message: 'csv or ndjson' }),
    includeBodies: z.enum(['true', 'false'], { message: 'true or false' }).transform((v) => v === 'true').default(false),
  })
  .refine(refineRange, rangeIssue);

export type Filters = z.infer<typeof listQuerySchema>;

export const listParams = [...Object.keys(filterShape), 'limit', 'cursor'];
export const exportParams = [...Object.keys(filterShape), 'format', 'includeBodies'];

/** The filters as conditions, to be ANDed with the visibility rule. */
export function filterConditions(f: Partial<Filters>): SQL[] {
  const conditions: SQL[] = [];
  const r = callRecords;
  if (f.from !== undefined) conditions.push(gte(r.startedAt, f.from));
  if (f.to !== undefined) conditions.push(lt(r.startedAt, f.to));
  if (f.teamId) conditions.push(eq(r.teamId, f.teamId));
  if (f.serviceId) conditions.push(eq(r.serviceId, f.serviceId));
  if (f.appId) conditions.push(eq(r.appId, f.appId));
  if (f.api) conditions.push(eq(r.api, f.api));
  // substr, not LIKE: key prefixes contain `_`, a LIKE wildcard, and LIKE ignores case.
  if (f.keyPrefix) conditions.push(sql`substr(${r.keyPrefix}, 1, ${f.keyPrefix.length}) = ${f.keyPrefix}`);
  if (f.model) conditions.push(eq(r.model, f.model));
  if (f.requestId) conditions.push(eq(r.requestId, f.requestId));
  if (f.route) conditions.push(eq(r.route, f.route));
  if (f.upstream) conditions.push(eq(r.upstream, f.upstream));
  if (f.failed !== undefined) conditions.push(eq(r.failed, f.failed));
  if (f.status) {
    const code = f.status.toLowerCase();
    if (code.endsWith('xx')) {
      const base = Number(code[0]) * 100;
      conditions.push(gte(r.status, base), lt(r.status, base + 100));
    } else {
      conditions.push(eq(r.status, Number(code)));
    }
  }
  return conditions;
}
