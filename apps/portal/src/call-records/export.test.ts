import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import type { AppId, CallRecord, ServiceId } from '@tollgate/domain';
import { callRecord } from '../testing/call-record-factory';
import { createPortalFixture, type PortalFixture, type TestUser } from '../testing/portal-fixture';
import { csvCell } from './csv';
import { insertCallRecords } from './store';

type Row = Record<string, unknown> & { id: string };

describe('call record export', () => {
  let f: PortalFixture;
  let consumer: TestUser;
  let stranger: TestUser;
  let appId: AppId;
  let serviceId: ServiceId;
  /** What the list API answers for the consumer: the export must carry the same records, field for field. */
  let listed: Row[];

  const get = (cookie: string, query: string) => f.app.request(`/api/call-records/export?${query}`, { headers: { cookie } });
  const csvOf = (text: string) => parse(text, { columns: true, record_delimiter: '\r\n' }) as Array<Record<string, string>>;
  const ndjsonOf = (text: string) => text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Row);

  beforeAll(async () => {
    f = await createPortalFixture();
    [consumer, stranger] = await Promise.all([f.createUser(), f.createUser()]);
    const team = (await f.createTeam({ slug: 'con', ownerUserId: consumer.id })).id;
    await f.createTeam({ slug: 'str', ownerUserId: stranger.id });
    appId = (await f.api('POST', `/api/teams/${team}/apps`, { cookie: consumer.cookie, body: { name: 'a' }, expect: 201 })).body.app.id;
    serviceId = (await f.api('POST', `/api/teams/${team}/services`, { cookie: consumer.cookie, body: { name: 's', slug: 'svc-s', kind: 'ai' }, expect: 201 })).body.service.id;
    const nasty = [
      'plain',
      'comma, inside',
      'a "quoted" word',
      'two\nlines',
      'crlf\r\nend',
      '=HYPERLINK("http://evil.example","x")',
      '+1+2',
      '-2+3',
      '@SUM(A1)',
      '\tTAB',
      '',
    ];
    const records: CallRecord[] = nasty.map((message, i) =>
      callRecord({ id: `call_n${String(i).padStart(2, '0')}`, appId, serviceId, startedAt: 1_000 + i, status: i % 2 ? 500 : 200, failed: i % 2 === 1, errorMessage: message || null, model: i === 3 ? '=cmd' : 'gpt-4o-mini', keyPrefix: 'tg_Ab' }),
    );
    records[0]!.bodies = { request: '{"q":"a, \\"b\\"\\nc"}', response: '=1+1', requestTruncated: false, responseTruncated: true };
    await insertCallRecords(f.db, records);
    listed = (await f.api('GET', '/api/call-records?limit=500', { cookie: consumer.cookie, expect: 200 })).body.records;
    expect(listed).toHaveLength(nasty.length);
  });
  afterAll(() => f.close());

  it('exports CSV per RFC 4180 that parses back to the records, with formulas neutralised', async () => {
    const res = await get(consumer.cookie, 'format=csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="call-records-[\w-]+\.csv"$/);
    const text = await res.text();
    expect(text.endsWith('\r\n')).toBe(true);
    const rows = csvOf(text);
    expect(Object.keys(rows[0]!)).toEqual(Object.keys(listed[0]!));
    expect(rows.map((r) => r.id)).toEqual(listed.map((r) => r.id));
    for (const [i, row] of rows.entries()) {
      for (const [field, value] of Object.entries(listed[i]!)) {
        const text = value === null ? '' : String(value);
        // Text that a spreadsheet would run as a formula gets a leading apostrophe; numbers stay numbers.
        const expected = typeof value === 'string' && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
        expect(row[field], `${row.id}.${field}`).toBe(expected);
      }
    }
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get('call_n05')!.errorMessage).toBe(`'=HYPERLINK("http://evil.example","x")`);
    expect(byId.get('call_n03')!.model).toBe(`'=cmd`);
    expect(byId.get('call_n04')!.errorMessage).toBe('crlf\r\nend');
    expect(csvCell(-5)).toBe('-5');
  });

  it('exports NDJSON, one record per line, equal to what the list API answers', async () => {
    const res = await get(consumer.cookie, 'format=ndjson');
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(res.headers.get('content-disposition')).toMatch(/\.ndjson"$/);
    const text = await res.text();
    expect(text.split('\n')).toHaveLength(listed.length + 1);
    expect(ndjsonOf(text)).toEqual(listed);
    expect(ndjsonOf(text)[0]).not.toHaveProperty('bodies');
  });

  it('adds bodies only when asked', async () => {
    const lines = ndjsonOf(await (await get(consumer.cookie, 'format=ndjson&includeBodies=true')).text());
    const first = lines.find((r) => r.id === 'call_n00')!;
    expect(first.bodies).toEqual({ request: '{"q":"a, \\"b\\"\\nc"}', response: '=1+1', requestTruncated: false, responseTruncated: true });
    expect(lines.find((r) => r.id === 'call_n01')!.bodies).toBeNull();
    const rows = csvOf(await (await get(consumer.cookie, 'format=csv&includeBodies=true')).text());
    expect(rows.find((r) => r.id === 'call_n00')).toMatchObject({ requestBody: '{"q":"a, \\"b\\"\\nc"}', responseBody: "'=1+1", requestTruncated: 'false', responseTruncated: 'true' });
    expect(rows.find((r) => r.id === 'call_n01')).toMatchObject({ requestBody: '', responseBody: '' });
  });

  it('applies the list’s filters', async () => {
    const rows = ndjsonOf(await (await get(consumer.cookie, 'format=ndjson&status=5xx&from=1004')).text());
    expect(rows.map((r) => r.id)).toEqual(['call_n09', 'call_n07', 'call_n05']);
  });

  it('gives another team nothing: a header row, or no lines', async () => {
    const csv = await (await get(stranger.cookie, 'format=csv&includeBodies=true')).text();
    expect(csv.split('\r\n')).toEqual([expect.stringMatching(/^id,requestId,/), '']);
    expect(await (await get(stranger.cookie, `format=ndjson&appId=${appId}`)).text()).toBe('');
  });

  it('refuses bad parameters with 400 naming the parameter, before streaming', async () => {
    for (const [query, param] of [
      ['', 'format'],
      ['format=xlsx', 'format'],
      ['format=csv&includeBodies=yes', 'includeBodies'],
      ['format=csv&status=9xx', 'status'],
      ['format=csv&cursor=abc', 'cursor'],
      ['format=csv&limit=10', 'limit'],
    ]) {
      const res = await get(consumer.cookie, query!);
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message, query).toMatch(new RegExp(`^${param}:`));
    }
  });

  it('streams a large export complete, in chunks as it is read', async () => {
    const total = 20_000;
    const base = 10_000_000;
    // Many calls share each millisecond, so chunks also end inside one.
    const bulk = Array.from({ length: total }, (_, i) => callRecord({ id: `call_bulk_${String(i).padStart(5, '0')}`, appId, startedAt: base + Math.floor(i / 7) }));
    for (let i = 0; i < total; i += 5_000) await insertCallRecords(f.db, bulk.slice(i, i + 5_000));
    for (const format of ['ndjson', 'csv'] as const) {
      const res = await get(consumer.cookie, `format=${format}&from=${base}`);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      let chunks = 0;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        chunks++;
        text += decoder.decode(value, { stream: true });
      }
      // About one chunk per thousand records: the file was never built whole.
      expect(chunks, format).toBeGreaterThanOrEqual(total / 1_000);
      const got = format === 'csv' ? csvOf(text).map((r) => r.id) : ndjsonOf(text).map((r) => r.id);
      expect(got).toHaveLength(total);
      expect(new Set(got).size).toBe(total);
      expect(got).toEqual(bulk.map((r) => r.id).reverse());
    }
  });
});
