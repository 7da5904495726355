import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { callRollups } from '@tollgate/db';
import { createCallRecordWriter } from '../call-records/store';
import { callRecord } from '../testing/call-record-factory';
import { createPortalFixture, type PortalFixture } from '../testing/portal-fixture';

/** Input the analytics API must refuse, naming the parameter. */
const start = Date.UTC(2026, 4, 4);

let f: PortalFixture;
beforeAll(async () => {
  f = await createPortalFixture();
});
afterAll(() => f.close());

const get = (query: string) => f.api('GET', `/api/analytics/${query}`, { cookie: f.admin.cookie });

describe('analytics input', () => {
  it('refuses a range too long for any level without an interval, rather than building millions of buckets', async () => {
    // 1970 to 2026 is over 20,000 day buckets; to the year 33658, millions.
    for (const query of [`timeseries?from=0&to=${start}`, `top?from=0&to=999999999999999`]) {
      const res = await get(query);
      expect(res.status, query).toBe(400);
      expect(res.body.error.message, query).toMatch(/^(from|interval): /);
    }
  });

  it('refuses an unknown parameter and a repeated one, naming it', async () => {
    const cases: Array<[string, RegExp]> = [
      ['timeseries?groupby=app', /^groupby: /],
      ['top?serviceID=svc_x', /^serviceID: /],
      [`top?statusClass=5xx&statusClass=2xx`, /^statusClass: /],
      [`timeseries?interval=hour&interval=day`, /^interval: /],
    ];
    for (const [query, message] of cases) {
      const res = await get(query);
      expect(res.status, query).toBe(400);
      expect(res.body.error.message, query).toMatch(message);
    }
  });

  it('refuses a date-time without a zone: it would be read in the server’s zone, not UTC', async () => {
    const res = await get('timeseries?from=2026-05-04T10:00&to=2026-05-04T12:00');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^from: /);
  });
});

describe('the default interval under retention', () => {
  it('reads a range past the minute level’s retention from hours, which still hold it', async () => {
    const g = await createPortalFixture({ settings: { retention: { rawDays: 30, minuteDays: 1, hourDays: 90, dayDays: 0 } } });
    try {
      const at = Math.floor((Date.now() - 8 * 86_400_000) / 3_600_000) * 3_600_000;
      await createCallRecordWriter(g.db)([callRecord({ startedAt: at + 60_000 })]);
      // What the retention job leaves: no minute rows that old.
      await g.db.delete(callRollups).where(eq(callRollups.level, 'minute'));
      const body = (await g.api('GET', `/api/analytics/timeseries?from=${at}&to=${at + 3 * 3_600_000}`, { cookie: g.admin.cookie, expect: 200 })).body;
      expect(body.interval).toBe('hour');
      expect(body.series[0].totals.requests).toBe(1);
    } finally {
      await g.close();
    }
  });
});
