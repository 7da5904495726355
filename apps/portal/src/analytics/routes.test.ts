import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRecord } from '@tollgate/domain';
import { createCallRecordWriter } from '../call-records/store';
import { callRecord } from '../testing/call-record-factory';
import { createPortalFixture, type PortalFixture, type TestUser } from '../testing/portal-fixture';
import { createAnalyticsWorld, generateRecords, type AnalyticsWorld } from './test-world';

/**
 * The analytics API on a few thousand calls: who sees what (consumer, publisher, someone in both kinds of
 * team, outsider, admin), filters that only narrow, zero-filled buckets, the "other" series, names, and a 400
 * naming the parameter for every kind of bad input.
 */
const hour = 3_600_000;
const start = Date.UTC(2026, 4, 4);

let f: PortalFixture;
let w: AnalyticsWorld;
let records: CallRecord[];

beforeAll(async () => {
  f = await createPortalFixture();
  w = await createAnalyticsWorld(f);
  // Six hours of calls, then nothing in the seventh: the empty bucket must still be there.
  records = generateRecords(w, 3_000, start, 6 * hour, 3);
  await createCallRecordWriter(f.db)(records);
});
afterAll(() => f.close());

const get = async (user: TestUser | undefined, query: string) => f.api('GET', `/api/analytics/${query}`, { cookie: user?.cookie });
const range = `from=${start}&to=${start + 7 * hour}`;
const count = (where: (r: CallRecord) => boolean) => records.filter(where).length;
const totalRequests = (body: { series: Array<{ totals: { requests: number } }> }) => body.series.reduce((n, s) => n + s.totals.requests, 0);

describe('analytics scoping', () => {
  const ownApps = (teamId: string) => new Set(w.apps.filter((a) => w.appTeam.get(a) === teamId));
  const ownServices = (teamId: string) => new Set(w.services.filter((s) => w.serviceTeam.get(s) === teamId));

  it('shows a consumer their apps’ calls, a publisher their services’ calls, and both to someone in both teams', async () => {
    const cases: Array<[TestUser, (r: CallRecord) => boolean]> = [
      [w.users.conOne, (r) => ownApps(w.teams.conOne).has(r.appId as never)],
      [w.users.pubOne, (r) => ownServices(w.teams.pubOne).has(r.serviceId as never)],
      [w.users.both, (r) => ownApps(w.teams.conTwo).has(r.appId as never) || ownServices(w.teams.pubTwo).has(r.serviceId as never)],
      [f.admin, () => true],
    ];
    for (const [user, visible] of cases) {
      const expected = count(visible);
      expect(expected).toBeGreaterThan(0);
      const series = (await get(user, `timeseries?${range}&interval=hour`)).body;
      expect(totalRequests(series)).toBe(expected);
      const top = (await get(user, `top?${range}&dimension=service&limit=100`)).body;
      expect(top.rows.reduce((n: number, r: { requests: number }) => n + r.requests, 0)).toBe(expected);
    }
    // A consumer's top services are the services their apps called, named; a publisher's top apps are the
    // consumers' apps calling them.
    const conTop = (await get(w.users.conOne, `top?${range}&dimension=service`)).body.rows;
    expect(conTop.map((r: { value: string }) => r.value).sort()).toEqual([...new Set(records.filter((r) => ownApps(w.teams.conOne).has(r.appId as never)).map((r) => r.serviceId))].sort());
    expect(conTop.every((r: { name: string }) => r.name.startsWith('Service llm-'))).toBe(true);
    const pubTop = (await get(w.users.pubTwo, `top?${range}&dimension=team`)).body.rows;
    expect(pubTop.map((r: { name: string }) => r.name).sort()).toEqual(['Team con-one', 'Team con-two', 'Team pub-two']);
  });

  it('shows an outsider nothing, and a filter never widens what is visible', async () => {
    const outsider = (await get(w.users.outsider, `timeseries?${range}&interval=hour`)).body;
    expect(totalRequests(outsider)).toBe(0);
    expect(outsider.series[0].points.every((p: { requests: number }) => p.requests === 0)).toBe(true);
    expect((await get(w.users.outsider, `top?${range}&dimension=app`)).body.rows).toEqual([]);
    // Another team's app or service as a filter: only the caller's own share of it, or nothing.
    const foreignApp = w.apps.find((a) => w.appTeam.get(a) === w.teams.conTwo)!;
    expect((await get(w.users.conOne, `top?${range}&appId=${foreignApp}`)).body.rows).toEqual([]);
    expect((await get(w.users.outsider, `top?${range}&teamId=${w.teams.conOne}`)).body.rows).toEqual([]);
    const pubService = w.services[2]!;
    const shared = (await get(w.users.conOne, `timeseries?${range}&serviceId=${pubService}`)).body;
    expect(totalRequests(shared)).toBe(count((r) => r.serviceId === pubService && ownApps(w.teams.conOne).has(r.appId as never)));
  });

  it('needs a session', async () => {
    expect((await get(undefined, 'timeseries')).status).toBe(401);
    expect((await get(undefined, 'top')).status).toBe(401);
  });
});

describe('analytics answers', () => {
  it('zero-fills every bucket of the range, with null quantiles where there were no calls', async () => {
    const body = (await get(f.admin, `timeseries?${range}&interval=hour`)).body;
    expect(body).toMatchObject({ interval: 'hour', from: start, to: start + 7 * hour, groupBy: null, dataFrom: expect.any(Number) });
    const points = body.series[0].points;
    expect(points.map((p: { t: number }) => p.t)).toEqual(Array.from({ length: 7 }, (_, i) => start + i * hour));
    expect(points.slice(0, 6).every((p: { requests: number }) => p.requests > 0)).toBe(true);
    expect(points[6]).toMatchObject({ requests: 0, errors: 0, errorRate: 0, costMicroUsd: 0, latencyMs: { avg: null, p50: null, p95: null, p99: null }, ttftMs: { p50: null, p95: null } });
    const first = points[0];
    const inFirst = records.filter((r) => r.startedAt < start + hour);
    expect(first.requests).toBe(inFirst.length);
    expect(first.errors).toBe(inFirst.filter((r) => r.failed).length);
    expect(first.errorRate).toBeCloseTo(first.errors / first.requests, 10);
    expect(first.tokens.total).toBe(inFirst.reduce((n, r) => n + r.inputTokens + r.cacheReadTokens + r.cacheWriteTokens + r.outputTokens + r.reasoningTokens, 0));
    expect(first.latencyMs.p50).toBeLessThanOrEqual(first.latencyMs.p95);
    expect(first.latencyMs.p95).toBeLessThanOrEqual(first.latencyMs.p99);
  });

  it('rounds an unaligned range out to whole buckets and picks the interval from its length', async () => {
    const body = (await get(f.admin, `timeseries?from=${start + 90_000}&to=${start + 3 * hour - 1}`)).body;
    // Three hours: 180 minute buckets fit the default's 500.
    expect(body).toMatchObject({ interval: 'minute', from: start + 60_000, to: start + 3 * hour });
    expect(body.series[0].points).toHaveLength(179);
    expect((await get(f.admin, `timeseries?from=${start}&to=${start + 10 * 24 * hour}`)).body.interval).toBe('hour');
    expect((await get(f.admin, `top?from=${start}&to=${start + 60 * 24 * hour}`)).body.interval).toBe('day');
  });

  it('groups a series per dimension value, the biggest first, the rest summed into “other”', async () => {
    const body = (await get(f.admin, `timeseries?${range}&interval=hour&groupBy=app&limit=2`)).body;
    expect(body.series.map((s: { other: boolean }) => s.other)).toEqual([false, false, true]);
    expect(body.series[2]).toMatchObject({ value: null, name: 'other' });
    expect(totalRequests(body)).toBe(records.length);
    const [a, b] = body.series;
    expect(a.totals.requests).toBeGreaterThanOrEqual(b.totals.requests);
    expect(a.totals.requests).toBe(count((r) => (r.appId ?? null) === a.value));
    expect(a.name).toMatch(/^App /);
    // Per bucket, the series add up to the ungrouped answer.
    const whole = (await get(f.admin, `timeseries?${range}&interval=hour`)).body.series[0].points;
    whole.forEach((p: { requests: number; costMicroUsd: number }, i: number) => {
      expect(body.series.reduce((n: number, s: { points: Array<{ requests: number }> }) => n + s.points[i]!.requests, 0)).toBe(p.requests);
    });
  });

  it('ranks top rows by the metric asked for, with every measure', async () => {
    for (const metric of ['requests', 'errors', 'cost', 'tokens', 'latencyP95'] as const) {
      const rows = (await get(f.admin, `top?${range}&dimension=model&metric=${metric}`)).body.rows;
      const key = { requests: (r: any) => r.requests, errors: (r: any) => r.errors, cost: (r: any) => r.costMicroUsd, tokens: (r: any) => r.tokens.total, latencyP95: (r: any) => r.latencyMs.p95 }[metric];
      expect(rows.map(key), metric).toEqual([...rows.map(key)].sort((x, y) => y - x));
      expect(rows).toHaveLength(4);
    }
    const byStatus = (await get(f.admin, `top?${range}&dimension=statusClass`)).body.rows;
    expect(byStatus.map((r: { value: string }) => r.value).sort()).toEqual(['2xx', '499', '4xx', '5xx']);
    const clientLeft = byStatus.find((r: { value: string }) => r.value === '499');
    expect(clientLeft.requests).toBe(count((r) => r.status === 499));
    // A call without a model is its own row, shown as null.
    const models = (await get(f.admin, `top?${range}&dimension=model`)).body.rows;
    expect(models.find((r: { value: string | null }) => r.value === null).requests).toBe(count((r) => r.model === null));
    const filtered = (await get(f.admin, `top?${range}&dimension=api&statusClass=5xx&model=claude-haiku`)).body.rows;
    expect(filtered.map((r: { value: string; requests: number }) => [r.value, r.requests])).toEqual([
      ['/v1/messages', count((r) => r.status >= 500 && r.status < 600 && r.model === 'claude-haiku')],
    ]);
  });

  it('answers a range reaching before any data from what exists, saying where the data begins', async () => {
    const body = (await get(f.admin, `timeseries?from=${start - 30 * 24 * hour}&to=${start + 7 * hour}&interval=day`)).body;
    expect(body.dataFrom).toBe(start);
    expect(totalRequests(body)).toBe(records.length);
  });

  it('refuses bad input with a 400 naming the parameter', async () => {
    const cases: Array<[string, RegExp]> = [
      ['timeseries?from=yesterday', /^from: /],
      ['timeseries?to=2026-13-45', /^to: /],
      [`timeseries?from=${start + hour}&to=${start}`, /^from: must be before to/],
      [`timeseries?from=${start}&to=${start}`, /^from: must be before to/],
      ['timeseries?interval=week', /^interval: /],
      [`timeseries?from=${start}&to=${start + 3 * 24 * hour}&interval=minute`, /^interval: minute buckets over this range would be 4320; the most is 1500/],
      ['timeseries?groupBy=planet', /^groupBy: /],
      ['timeseries?groupBy=app&limit=0', /^limit: /],
      ['top?dimension=key', /^dimension: /],
      ['top?metric=fun', /^metric: /],
      ['top?limit=101', /^limit: /],
      ['top?teamId=team-a', /^teamId: not a valid team id/],
      ['top?serviceId=nope', /^serviceId: /],
      ['top?appId=app', /^appId: /],
      ['top?statusClass=200', /^statusClass: /],
      [`top?from=${start}&to=${start + 400 * 24 * hour}&interval=hour`, /^interval: /],
    ];
    for (const [query, message] of cases) {
      const res = await get(f.admin, query);
      expect(res.status, query).toBe(400);
      expect(res.body.error, query).toMatchObject({ code: 'invalid_query', requestId: expect.any(String) });
      expect(res.body.error.message, query).toMatch(message);
    }
  });
});

describe('analytics as records arrive', () => {
  it('rolls nothing up from a batch that failed, and nothing of it reaches the next batch', async () => {
    const write = createCallRecordWriter(f.db);
    const at = start + 5 * hour + 1_000;
    const before = (await get(f.admin, `timeseries?${range}&interval=hour`)).body.series[0].points[5].requests;
    const good = callRecord({ appId: w.apps[1]!, serviceId: w.services[1]!, teamId: w.teams.conOne, startedAt: at });
    // The store refuses a record without a method: the whole batch rolls back.
    const broken = { ...callRecord({ startedAt: at }), method: null as unknown as string };
    await expect(write([good, broken])).rejects.toThrow();
    await write([callRecord({ appId: w.apps[1]!, serviceId: w.services[1]!, teamId: w.teams.conOne, startedAt: at })]);
    expect((await get(f.admin, `timeseries?${range}&interval=hour`)).body.series[0].points[5].requests).toBe(before + 1);
    await write([good]);
    expect((await get(f.admin, `timeseries?${range}&interval=hour`)).body.series[0].points[5].requests).toBe(before + 2);
    records.push(good);
  });

  it('counts a call that arrives after its bucket was written, in its own bucket', async () => {
    const late = callRecord({ appId: w.apps[0]!, serviceId: w.services[0]!, teamId: w.teams.conOne, startedAt: start + 30 * 60_000, latencyMs: 999_999 });
    const before = (await get(f.admin, `timeseries?${range}&interval=hour`)).body.series[0].points[0];
    await createCallRecordWriter(f.db)([late]);
    const after = (await get(f.admin, `timeseries?${range}&interval=hour`)).body.series[0].points[0];
    expect(after.requests).toBe(before.requests + 1);
    expect(after.latencyMs.p99).toBeLessThanOrEqual(999_999 * 1.01);
    // Delivered again, it changes nothing.
    await createCallRecordWriter(f.db)([late]);
    expect((await get(f.admin, `timeseries?${range}&interval=hour`)).body.series[0].points[0].requests).toBe(after.requests);
    records.push(late);
  });
});
