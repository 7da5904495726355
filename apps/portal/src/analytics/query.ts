import { and, desc, eq, gte, inArray, lt, min, sql, type SQL } from 'drizzle-orm';
import { apis, apps, callRollups, first, prompts, services, teams, type Db, type RollupLevel } from '@tollgate/db';
import type { TeamId } from '@tollgate/domain';
import type { RollupMeasures } from './measures';
import { inTrafficScope, type TrafficScope } from '../access/traffic';

/** The dimensions a caller can group and rank by, as the API names them, and their rollup columns. */
export const dimensionColumns = {
  team: callRollups.teamId,
  service: callRollups.serviceId,
  api: callRollups.api,
  app: callRollups.appId,
  model: callRollups.model,
  statusClass: callRollups.statusClass,
} as const;
export type Dimension = keyof typeof dimensionColumns;
export const dimensionNames = Object.keys(dimensionColumns) as [Dimension, ...Dimension[]];

export interface RollupFilters {
  teamId?: string;
  serviceId?: string;
  api?: string;
  appId?: string;
  model?: string;
  statusClass?: string;
}

export interface RollupQuery {
  level: RollupLevel;
  /** Bucket starts in [from, to). */
  from: number;
  to: number;
  filters: RollupFilters;
  /** The traffic the caller may see (`access/traffic.ts`). */
  scope: TrafficScope;
}

export interface RollupRow extends RollupMeasures {
  bucketStart: number;
  /** The grouped dimension's value ('' when the calls had none); '' without grouping. */
  group: string;
}

/** The rows a caller may read, with the query's filters ANDed on, so they can only narrow the scope. */
function conditions(q: RollupQuery): SQL | undefined {
  const visible = inTrafficScope(q.scope, callRollups.appId, callRollups.serviceId);
  const f = q.filters;
  return and(
    eq(callRollups.level, q.level),
    gte(callRollups.bucketStart, q.from),
    lt(callRollups.bucketStart, q.to),
    visible,
    f.teamId === undefined ? undefined : eq(callRollups.teamId, f.teamId),
    f.serviceId === undefined ? undefined : eq(callRollups.serviceId, f.serviceId),
    f.api === undefined ? undefined : eq(callRollups.api, f.api),
    f.appId === undefined ? undefined : eq(callRollups.appId, f.appId),
    f.model === undefined ? undefined : eq(callRollups.model, f.model),
    f.statusClass === undefined ? undefined : eq(callRollups.statusClass, f.statusClass),
  );
}

const measureColumns = {
  requests: callRollups.requests,
  errors: callRollups.errors,
  latencyMsSum: callRollups.latencyMsSum,
  latencySketch: callRollups.latencySketch,
  ttftSketch: callRollups.ttftSketch,
  bytesIn: callRollups.bytesIn,
  bytesOut: callRollups.bytesOut,
  inputTokens: callRollups.inputTokens,
  cacheReadTokens: callRollups.cacheReadTokens,
  cacheWriteTokens: callRollups.cacheWriteTokens,
  outputTokens: callRollups.outputTokens,
  reasoningTokens: callRollups.reasoningTokens,
  costMicroUsd: callRollups.costMicroUsd,
};

/** Every visible rollup row of the query, with `group` set to `groupBy`'s value. */
export async function rollupRows(db: Db, q: RollupQuery, groupBy?: Dimension): Promise<RollupRow[]> {
  return db
    .select({ bucketStart: callRollups.bucketStart, group: groupBy ? dimensionColumns[groupBy] : sql<string>`''`, ...measureColumns })
    .from(callRollups)
    .where(conditions(q));
}

/** The `limit` values of `groupBy` with the most requests, and whether any other value had requests too. */
export async function topGroupsByRequests(db: Db, q: RollupQuery, groupBy: Dimension, limit: number): Promise<{ values: string[]; more: boolean }> {
  const total = sql<number>`sum(${callRollups.requests})`;
  const rows = await db
    .select({ value: dimensionColumns[groupBy], total })
    .from(callRollups)
    .where(conditions(q))
    .groupBy(dimensionColumns[groupBy])
    .orderBy(desc(total), dimensionColumns[groupBy])
    .limit(limit + 1);
  return { values: rows.slice(0, limit).map((r) => r.value), more: rows.length > limit };
}

/**
 * Where a level's data begins: the earliest bucket it holds. A range reaching further back (past the level's
 * retention, or before any traffic) is answered from what exists, and this tells the caller where that is.
 */
export async function levelDataFrom(db: Db, level: RollupLevel): Promise<number | null> {
  return (await first(db.select({ at: min(callRollups.bucketStart) }).from(callRollups).where(eq(callRollups.level, level))))?.at ?? null;
}

/**
 * Display names for dimension values the caller was shown: teams, services and apps by name, prompt APIs by
 * their prompt's name. Values with no such row (deleted since, or a dimension without names) get none.
 */
export async function displayNames(db: Db, dimension: Dimension, values: readonly string[]): Promise<Map<string, string>> {
  const ids = values.filter((v) => v !== '');
  if (ids.length === 0) return new Map();
  const pairs = (rows: Array<{ id: string; name: string }>) => new Map(rows.map((r) => [r.id, r.name]));
  switch (dimension) {
    case 'team':
      return pairs(await db.select({ id: teams.id, name: teams.name }).from(teams).where(inArray(teams.id, ids as TeamId[])));
    case 'service':
      return pairs(await db.select({ id: services.id, name: services.name }).from(services).where(inArray(services.id, ids as never[])));
    case 'app':
      return pairs(await db.select({ id: apps.id, name: apps.name }).from(apps).where(inArray(apps.id, ids as never[])));
    case 'api': {
      // Prompt APIs by their prompt's name, REST APIs as `<METHODS> <path template>` (the name a publisher gave
      // an operation is often an OpenAPI operationId; the method and path are what callers recognise).
      const idsOf = (prefix: string) => ids.filter((v) => v.startsWith(prefix)).map((v) => v.slice(prefix.length));
      const promptIds = idsOf('prompt:');
      const restIds = idsOf('rest:');
      const names = new Map<string, string>();
      if (promptIds.length > 0) {
        for (const r of await db.select({ id: prompts.id, name: prompts.name }).from(prompts).where(inArray(prompts.id, promptIds as never[]))) names.set(`prompt:${r.id}`, r.name);
      }
      if (restIds.length > 0) {
        for (const r of await db.select({ id: apis.id, methods: apis.methods, path: apis.path }).from(apis).where(inArray(apis.id, restIds as never[]))) {
          names.set(`rest:${r.id}`, `${r.methods.join(',')} ${r.path}`);
        }
      }
      return names;
    }
    default:
      return new Map();
  }
}
