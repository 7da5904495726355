import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type SQL } from 'drizzle-orm';
import { selectRaw, type RollupLevel } from '@tollgate/db';
import type { CallRecord } from '@tollgate/domain';
import { createCallRecordWriter } from '../call-records/store';
import { createPortalFixture, type PortalFixture, type TestUser } from '../testing/portal-fixture';
import { levelWidthMs, rollupLevels, statusClassOf } from './rollups';
import { quantileOf, SketchBuilder, sketchRelativeAccuracy } from './sketch';
import { createAnalyticsWorld, generateRecords, random, type AnalyticsWorld } from './test-world';

/**
 * The rollups against the raw records they came from, on 100,000 generated calls over three days written in
 * batches through the real writer — mostly in time order, with late records held back into later batches, a
 * batch delivered twice and a batch half of which was already stored. For every level: each dimension's totals
 * equal the sums over the raw rows, and the merged sketches' p50/p95/p99 are within the sketch's relative
 * accuracy of the exact quantiles. Then the analytics API against raw SQL over the same rows.
 */
const total = 100_000;
const day = 86_400_000;
const start = Date.UTC(2026, 2, 1);
const span = 3 * day;

let f: PortalFixture;
let world: AnalyticsWorld;

type Dim = 'team' | 'service' | 'api' | 'app' | 'model' | 'statusClass';
const dims: Dim[] = ['team', 'service', 'api', 'app', 'model', 'statusClass'];
type Row = Record<string, number | string | Buffer | null>;
// Raw SQL that runs on both databases: aliases are quoted (PostgreSQL folds unquoted ones to lower case).
const all = (query: SQL) => selectRaw<Row>(f.db, query);

/** A raw record's value of each dimension, as the rollups keep it ('' when absent). */
const rawValue: Record<Dim, (r: Row) => string> = {
  team: (r) => (r.team_id as string | null) ?? '',
  service: (r) => (r.service_id as string | null) ?? '',
  api: (r) => (r.api as string | null) ?? '',
  app: (r) => (r.app_id as string | null) ?? '',
  model: (r) => (r.model as string | null) ?? '',
  statusClass: (r) => statusClassOf(r.status as number),
};
const rollupValue: Record<Dim, (r: Row) => string> = {
  team: (r) => r.team_id as string,
  service: (r) => r.service_id as string,
  api: (r) => r.api as string,
  app: (r) => r.app_id as string,
  model: (r) => r.model as string,
  statusClass: (r) => r.status_class as string,
};

// The same eleven sums from either side: a raw row counts once, a rollup row adds its sums.
const measureNames = ['requests', 'errors', 'latency', 'bytesIn', 'bytesOut', 'input', 'cacheRead', 'cacheWrite', 'output', 'reasoning', 'cost'];
const rawMeasures = (r: Row) => [1, Number(r.failed), r.latency_ms, r.bytes_in, r.bytes_out, r.input_tokens, r.cache_read_tokens, r.cache_write_tokens, r.output_tokens, r.reasoning_tokens, r.cost_micro_usd] as number[];
const rollupMeasures = (r: Row) => [r.requests, r.errors, r.latency_ms_sum, r.bytes_in, r.bytes_out, r.input_tokens, r.cache_read_tokens, r.cache_write_tokens, r.output_tokens, r.reasoning_tokens, r.cost_micro_usd] as number[];

/** Sums per key, as sorted `[key, {measure: sum}]` pairs: compared as JSON, which over 100,000 rows is much faster than a deep equal. */
function sumsBy(rows: Row[], key: (r: Row) => string, measures: (r: Row) => number[]): string {
  const sums = new Map<string, number[]>();
  for (const row of rows) {
    const k = key(row);
    const acc = sums.get(k) ?? sums.set(k, measureNames.map(() => 0)).get(k)!;
    measures(row).forEach((v, i) => (acc[i]! += v));
  }
  return JSON.stringify([...sums].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, Object.fromEntries(measureNames.map((m, i) => [m, v[i]]))]));
}

let rawCache: Promise<Row[]> | undefined;
/** Every stored call record, read back from the table. */
const rawRows = () =>
  (rawCache ??= all(sql`SELECT started_at, team_id, service_id, api, app_id, model, status, failed, stream, latency_ms, ttft_ms, bytes_in, bytes_out,
    input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens, cost_micro_usd FROM call_records`));
const rawSums = new Map<Dim, string>();
const rawSumsBy = async (dim: Dim) => {
  const rows = await rawRows();
  return rawSums.get(dim) ?? rawSums.set(dim, sumsBy(rows, rawValue[dim], rawMeasures)).get(dim)!;
};
const rollupCache = new Map<RollupLevel, Promise<Row[]>>();
const rollupRowsAt = (level: RollupLevel) => rollupCache.get(level) ?? rollupCache.set(level, all(sql`SELECT * FROM call_rollups WHERE level = ${level}`)).get(level)!;

// `failed` is an integer on SQLite and a boolean on PostgreSQL, which has no sum(boolean).
const rawTotals = sql.raw(`count(*) AS requests, sum(CASE WHEN failed THEN 1 ELSE 0 END) AS errors, sum(latency_ms) AS latency, sum(bytes_in) AS "bytesIn",
  sum(bytes_out) AS "bytesOut", sum(input_tokens) AS input, sum(cache_read_tokens) AS "cacheRead", sum(cache_write_tokens) AS "cacheWrite",
  sum(output_tokens) AS output, sum(reasoning_tokens) AS reasoning, sum(cost_micro_usd) AS cost`);

const exactQuantile = (sorted: number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))]!;
const withinAccuracy = (estimate: number | null, exact: number) => estimate !== null && Math.abs(estimate - exact) <= sketchRelativeAccuracy * exact + 0.01;

beforeAll(async () => {
  f = await createPortalFixture();
  world = await createAnalyticsWorld(f);
  const records = generateRecords(world, total, start, span, 7).sort((a, b) => a.startedAt - b.startedAt);
  // 3% of the calls arrive late, in a batch up to 20 batches after their time.
  const rnd = random(99);
  const batches: CallRecord[][] = Array.from({ length: total / 1_000 }, () => []);
  records.forEach((r, i) => {
    const due = Math.floor(i / 1_000);
    batches[rnd() < 0.03 ? Math.min(batches.length - 1, due + 1 + Math.floor(rnd() * 20)) : due]!.push(r);
  });
  const write = createCallRecordWriter(f.db);
  for (const batch of batches) await write(batch);
  // A redelivered batch, and one half of which was already stored: neither may count anything twice.
  await write(batches[17]!);
  await write([...batches[40]!.slice(0, 500), ...batches[41]!.slice(0, 10)]);
}, 60_000);
afterAll(() => f.close());

let exactCache: Map<string, { latency: number[]; ttft: number[] }> | undefined;
/** Latencies and streamed TTFTs of the stored raw records, sorted, for all calls and per dimension value. */
async function exactValues() {
  if (exactCache) return exactCache;
  const exact = new Map<string, { latency: number[]; ttft: number[] }>();
  for (const r of await rawRows()) {
    for (const key of ['all', ...dims.map((d) => `${d}=${rawValue[d](r)}`)]) {
      const e = exact.get(key) ?? exact.set(key, { latency: [], ttft: [] }).get(key)!;
      e.latency.push(r.latency_ms as number);
      if (r.stream && r.ttft_ms !== null) e.ttft.push(r.ttft_ms as number);
    }
  }
  for (const e of exact.values()) {
    e.latency.sort((a, b) => a - b);
    e.ttft.sort((a, b) => a - b);
  }
  return (exactCache = exact);
}

describe('rollups against raw records (100,000 calls)', () => {
  it('stores every call once', async () => {
    expect(await rawRows()).toHaveLength(total);
    for (const level of rollupLevels) expect((await rollupRowsAt(level)).reduce((n, r) => n + (r.requests as number), 0), level).toBe(total);
  });

  it.each(rollupLevels)('%s: every dimension’s totals, and each bucket’s per service, equal the sums over the raw rows', async (level) => {
    for (const dim of dims) {
      const raw = await rawSumsBy(dim);
      expect(sumsBy(await rollupRowsAt(level), rollupValue[dim], rollupMeasures), `${level} by ${dim}`).toBe(raw);
      expect(JSON.parse(raw).length, `${dim} has several values`).toBeGreaterThan(2);
    }
    // Each call sits in its own UTC bucket.
    const width = levelWidthMs[level];
    const raw = sumsBy(await rawRows(), (r) => `${Math.floor((r.started_at as number) / width) * width}|${rawValue.service(r)}`, rawMeasures);
    expect(sumsBy(await rollupRowsAt(level), (r) => `${r.bucket_start}|${r.service_id}`, rollupMeasures), `${level} buckets by service`).toBe(raw);
  });

  it.each(rollupLevels)('%s: p50, p95 and p99 from merged sketches are within the sketch’s relative accuracy of the exact quantiles, per dimension value', async (level) => {
    const exact = await exactValues();
    const merged = new Map<string, { latency: SketchBuilder; ttft: SketchBuilder }>();
    for (const row of await rollupRowsAt(level)) {
      // Decoded once, merged into the seven sketches the row counts in.
      const latency = new SketchBuilder().add(row.latency_sketch as Buffer);
      const ttft = new SketchBuilder().add(row.ttft_sketch as Buffer | null);
      for (const key of ['all', ...dims.map((d) => `${d}=${rollupValue[d](row)}`)]) {
        const m = merged.get(key) ?? merged.set(key, { latency: new SketchBuilder(), ttft: new SketchBuilder() }).get(key)!;
        m.latency.merge(latency);
        m.ttft.merge(ttft);
      }
    }
    expect([...merged.keys()].sort()).toEqual([...exact.keys()].sort());
    for (const [key, e] of exact) {
      const latency = merged.get(key)!.latency.sketch();
      const ttft = merged.get(key)!.ttft.sketch();
      expect(latency!.count, key).toBe(e.latency.length);
      for (const q of [0.5, 0.95, 0.99]) {
        const want = exactQuantile(e.latency, q);
        expect(withinAccuracy(quantileOf(latency, q), want), `${level} ${key} latency p${q * 100}: ${quantileOf(latency, q)} vs ${want}`).toBe(true);
      }
      expect(ttft?.count ?? 0, key).toBe(e.ttft.length);
      for (const q of [0.5, 0.95]) {
        if (e.ttft.length === 0) continue;
        const want = exactQuantile(e.ttft, q);
        expect(withinAccuracy(quantileOf(ttft, q), want), `${level} ${key} ttft p${q * 100}: ${quantileOf(ttft, q)} vs ${want}`).toBe(true);
      }
    }
  });
});

describe('analytics API against raw SQL (100,000 calls)', () => {
  const get = (user: TestUser, path: string) => f.api('GET', path, { cookie: user.cookie, expect: 200 }).then((r) => r.body);
  const range = `from=${start}&to=${start + span}`;

  it('admin: hourly series per service match the raw rows bucket by bucket, quantiles within the sketch’s accuracy', async () => {
    const body = await get(f.admin, `/api/analytics/timeseries?${range}&interval=hour&groupBy=service`);
    expect(body).toMatchObject({ interval: 'hour', from: start, to: start + span, groupBy: 'service' });
    expect(body.series.map((s: { value: string }) => s.value).sort()).toEqual([...world.services].sort());
    const raw = await all(sql`SELECT (started_at / 3600000) * 3600000 AS t, service_id AS value, ${rawTotals} FROM call_records GROUP BY 1, 2`);
    const rawAt = new Map(raw.map((r) => [`${r.value}@${r.t}`, r]));
    for (const series of body.series) {
      expect(series.name).toMatch(/^Service llm-/);
      expect(series.points).toHaveLength(72);
      for (const p of series.points) {
        const want = rawAt.get(`${series.value}@${p.t}`)!;
        expect({ requests: p.requests, errors: p.errors, cost: p.costMicroUsd, input: p.tokens.input, reasoning: p.tokens.reasoning, bytesOut: p.bytesOut }).toEqual({
          requests: want.requests, errors: want.errors, cost: want.cost, input: want.input, reasoning: want.reasoning, bytesOut: want.bytesOut,
        });
      }
      const latencies = (await exactValues()).get(`service=${series.value}`)!.latency;
      for (const [q, field] of [[0.5, 'p50'], [0.95, 'p95'], [0.99, 'p99']] as const) {
        expect(withinAccuracy(series.totals.latencyMs[field], exactQuantile(latencies, q)), field).toBe(true);
      }
    }
  });

  it('consumer: top apps by cost are their own apps only, with the raw sums', async () => {
    const { conOne } = world.users;
    const body = await get(conOne, `/api/analytics/top?${range}&dimension=app&metric=cost&interval=day`);
    const mine = world.apps.filter((a) => world.appTeam.get(a) === world.teams.conOne);
    const raw = await all(sql`SELECT app_id AS value, ${rawTotals} FROM call_records WHERE app_id IN (${sql.join(mine.map((id) => sql`${id}`), sql`, `)}) GROUP BY 1 ORDER BY cost DESC`);
    expect(body.rows.map((r: { value: string }) => r.value)).toEqual(raw.map((r) => r.value));
    expect(body.rows.map((r: { costMicroUsd: number; requests: number }) => [r.costMicroUsd, r.requests])).toEqual(raw.map((r) => [r.cost, r.requests]));
    expect(body.rows.map((r: { name: string }) => r.name).sort()).toEqual(['App one', 'App two']);
  });

  it('publisher: daily series filtered by model count their services’ calls from every consumer', async () => {
    const { pubOne } = world.users;
    const body = await get(pubOne, `/api/analytics/timeseries?${range}&interval=day&model=gpt-4o-mini`);
    const mine = world.services.filter((s) => world.serviceTeam.get(s) === world.teams.pubOne);
    const raw = await all(sql`SELECT (started_at / ${sql.raw(String(day))}) * ${sql.raw(String(day))} AS t, ${rawTotals} FROM call_records WHERE service_id IN (${sql.join(mine.map((id) => sql`${id}`), sql`, `)}) AND model = 'gpt-4o-mini' GROUP BY 1 ORDER BY 1`);
    expect(body.series).toHaveLength(1);
    expect(body.series[0].points.map((p: { t: number; requests: number; tokens: { output: number } }) => [p.t, p.requests, p.tokens.output])).toEqual(raw.map((r) => [r.t, r.requests, r.output]));
  });
});
