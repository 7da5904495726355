import { Hono } from 'hono';
import { z } from 'zod';
import type { RollupLevel } from '@tollgate/db';
import type { PortalContext, PortalEnv } from '../context';
import type { RetentionSettings } from './retention';
import { requireSignedIn } from '../access/policy';
import { trafficScope } from '../access/traffic';
import type { Actor } from '../auth/sessions';
import { instantSchema, readKnownQuery } from '../http/validate';
import { badRequest } from '../http/errors';
import { idSchema } from '../http/ids';
import { Totals, type Measures } from './measures';
import { bucketOf, levelWidthMs, rollupLevels } from './rollups';
import { dimensionNames, displayNames, levelDataFrom, rollupRows, topGroupsByRequests, type Dimension, type RollupQuery } from './query';

/** The most buckets one answer may span; a longer range needs a coarser interval. */
export const maxBuckets = 1_500;
/** Without an interval, the finest level that spans the range in at most this many buckets. */
const defaultMaxBuckets = 500;
const defaultRangeMs = 86_400_000;

const filterShape = {
  teamId: idSchema('team').optional(),
  serviceId: idSchema('service').optional(),
  appId: idSchema('app').optional(),
  api: z.string().min(1).max(300).optional(),
  model: z.string().min(1).max(300).optional(),
  statusClass: z.string().regex(/^(\dxx|499)$/, 'a status class: 2xx, 4xx, 5xx, … or 499').optional(),
};
const rangeShape = {
  from: instantSchema.optional(),
  to: instantSchema.optional(),
  interval: z.enum(rollupLevels as [RollupLevel, ...RollupLevel[]]).optional(),
};

const timeseriesSchema = z.object({
  ...rangeShape,
  ...filterShape,
  groupBy: z.enum(dimensionNames).optional(),
  /** Series shown with groupBy; the rest are summed into one "other" series. */
  limit: z.coerce.number().int().min(1).max(50).default(10),
});

const metrics = {
  requests: (m: Measures) => m.requests,
  errors: (m: Measures) => m.errors,
  cost: (m: Measures) => m.costMicroUsd,
  tokens: (m: Measures) => m.tokens.total,
  latencyP95: (m: Measures) => m.latencyMs.p95 ?? -1,
};
const topSchema = z.object({
  ...rangeShape,
  ...filterShape,
  dimension: z.enum(dimensionNames).default('service'),
  metric: z.enum(Object.keys(metrics) as [keyof typeof metrics, ...Array<keyof typeof metrics>]).default('requests'),
  limit: z.coerce.number().int().min(1).max(100).default(10),
});

interface Window {
  level: RollupLevel;
  from: number;
  to: number;
  buckets: number;
}

const dayMs = 86_400_000;
const levelDays: Record<RollupLevel, keyof RetentionSettings> = { minute: 'minuteDays', hour: 'hourDays', day: 'dayDays' };

/**
 * The range in whole buckets of the interval's level: `from` rounds down and `to` up to a bucket edge (UTC).
 * Defaults: the last 24 hours, at the finest level that spans them in at most 500 buckets and whose
 * retention still holds them (three hours last week is read from hours once minutes are kept for a day).
 */
function resolveWindow(q: { from?: number; to?: number; interval?: RollupLevel }, now: number, retention?: RetentionSettings): Window {
  const to = q.to ?? now;
  const from = q.from ?? to - defaultRangeMs;
  if (from >= to) throw badRequest('from: must be before to', 'invalid_query');
  const span = (level: RollupLevel) => {
    const start = bucketOf(from, level);
    const end = bucketOf(to - 1, level) + levelWidthMs[level];
    return { level, from: start, to: end, buckets: (end - start) / levelWidthMs[level] };
  };
  if (!q.interval) {
    const kept = (level: RollupLevel) => {
      const days = retention?.[levelDays[level]] ?? 0;
      return days === 0 || from >= now - days * dayMs;
    };
    const window = rollupLevels.map(span).find((w) => w.buckets <= defaultMaxBuckets && kept(w.level)) ?? span('day');
    // Day buckets over decades (or to=2^52) would be an answer of millions of points, built in memory.
    if (window.buckets > maxBuckets) throw badRequest(`from: the range spans ${window.buckets} days; the most is ${maxBuckets}: use a shorter range`, 'invalid_query');
    return window;
  }
  const window = span(q.interval);
  if (window.buckets > maxBuckets) {
    throw badRequest(`interval: ${q.interval} buckets over this range would be ${window.buckets}; the most is ${maxBuckets}: use a coarser interval or a shorter range`, 'invalid_query');
  }
  return window;
}

const OTHER = '\u0000other';
const valueOf = (v: string) => (v === '' ? null : v);

/** One series of a timeseries answer: the dimension's value and display name, its totals, a point per bucket. */
const seriesView = (key: string, name: string | null, totals: Totals, points: Array<{ t: number } & Measures>) => {
  const other = key === OTHER;
  return { value: other ? null : valueOf(key), name: other ? 'other' : name, other, totals: totals.measures(), points };
};

/** The timeseries answer; named views (here and `topView`) so the web app's types follow the API's. */
export const timeseriesView = (window: Window, groupBy: Dimension | null, dataFrom: number | null, series: Array<ReturnType<typeof seriesView>>) => ({
  interval: window.level,
  from: window.from,
  to: window.to,
  groupBy,
  dataFrom,
  series,
});

export const topView = (
  dimension: Dimension,
  metric: keyof typeof metrics,
  window: Window,
  dataFrom: number | null,
  ranked: Array<{ value: string; name: string | null; measures: Measures }>,
) => ({
  dimension,
  metric,
  interval: window.level,
  from: window.from,
  to: window.to,
  dataFrom,
  rows: ranked.map((r) => ({ value: valueOf(r.value), name: r.name, ...r.measures })),
});

export function analyticsRoutes(ctx: PortalContext, clock: () => number = Date.now) {
  const app = new Hono<PortalEnv>();

  const scoped = async (actor: Actor, window: Window, filters: z.infer<z.ZodObject<typeof filterShape>>): Promise<RollupQuery> => ({
    level: window.level,
    from: window.from,
    to: window.to,
    filters,
    scope: await trafficScope(ctx.db, actor),
  });

  /**
   * Buckets over a range, zero-filled: every bucket of the window has a point, with zeros (and null
   * quantiles) where there were no calls. With `groupBy`, one series per value of the dimension, the `limit`
   * values with the most requests first and the rest summed into one `other` series.
   */
  app.get('/analytics/timeseries', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const { from, to, interval, groupBy, limit, ...filters } = readKnownQuery(c, timeseriesSchema, Object.keys(timeseriesSchema.shape));
    const window = resolveWindow({ from, to, interval }, clock(), ctx.settings.retention);
    const q = await scoped(actor, window, filters);
    const top = groupBy ? await topGroupsByRequests(ctx.db, q, groupBy, limit) : { values: [''], more: false };
    const shown = new Set(top.values);
    const keys = top.more ? [...top.values, OTHER] : top.values;
    const cells = new Map(keys.map((k) => [k, new Map<number, Totals>()]));
    const totals = new Map(keys.map((k) => [k, new Totals()]));
    for (const row of await rollupRows(ctx.db, q, groupBy)) {
      const key = shown.has(row.group) ? row.group : OTHER;
      // A value that was not in the top-N read (written by another process in between) joins `other`.
      if (!cells.has(key)) {
        keys.push(key);
        cells.set(key, new Map());
        totals.set(key, new Totals());
      }
      const byBucket = cells.get(key)!;
      let cell = byBucket.get(row.bucketStart);
      if (!cell) byBucket.set(row.bucketStart, (cell = new Totals()));
      cell.add(row);
      totals.get(key)!.add(row);
    }
    const names = groupBy ? await displayNames(ctx.db, groupBy, top.values) : new Map<string, string>();
    const width = levelWidthMs[window.level];
    const series = keys.map((key) => {
      const byBucket = cells.get(key)!;
      const points = Array.from({ length: window.buckets }, (_, i) => {
        const t = window.from + i * width;
        return { t, ...(byBucket.get(t) ?? new Totals()).measures() };
      });
      return seriesView(key, names.get(key) ?? null, totals.get(key)!, points);
    });
    return c.json(timeseriesView(window, groupBy ?? null, await levelDataFrom(ctx.db, window.level), series));
  });

  /** The `limit` values of a dimension ranked by `metric` over the range, each with every measure. */
  app.get('/analytics/top', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const { from, to, interval, dimension, metric, limit, ...filters } = readKnownQuery(c, topSchema, Object.keys(topSchema.shape));
    const window = resolveWindow({ from, to, interval }, clock(), ctx.settings.retention);
    const groups = new Map<string, Totals>();
    for (const row of await rollupRows(ctx.db, await scoped(actor, window, filters), dimension)) {
      let totals = groups.get(row.group);
      if (!totals) groups.set(row.group, (totals = new Totals()));
      totals.add(row);
    }
    const rank = metrics[metric];
    const ranked = [...groups]
      .map(([value, totals]) => ({ value, measures: totals.measures() }))
      .sort((a, b) => rank(b.measures) - rank(a.measures) || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
      .slice(0, limit);
    const names = await displayNames(ctx.db, dimension as Dimension, ranked.map((r) => r.value));
    return c.json(topView(dimension, metric, window, await levelDataFrom(ctx.db, window.level), ranked.map((r) => ({ ...r, name: names.get(r.value) ?? null }))));
  });

  return app;
}
