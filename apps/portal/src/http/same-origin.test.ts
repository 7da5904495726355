import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPortalFixture, type PortalFixture } from '../testing/portal-fixture';

/** The CSRF check on state-changing calls (ADR 0021): a browser's change must come from the portal's own pages. */
let f: PortalFixture;
beforeAll(async () => {
  f = await createPortalFixture();
});
afterAll(() => f.close());

const createTeam = (headers: Record<string, string>, slug: string) =>
  f.api('POST', '/api/teams', { cookie: f.admin.cookie, body: { name: slug, slug }, headers: { host: 'portal.example.com', ...headers } });

describe('state-changing calls', () => {
  it('pass from the portal’s own origin, and from clients that are no browser (no Origin, no Sec-Fetch-Site)', async () => {
    expect((await createTeam({ origin: 'https://portal.example.com', 'sec-fetch-site': 'same-origin' }, 'own-page')).status).toBe(201);
    expect((await createTeam({}, 'curl-like')).status).toBe(201);
  });

  it('are refused with 403 from another site, a sibling subdomain or an opaque origin, and change nothing', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' }, 'cross-site'],
      [{ 'sec-fetch-site': 'same-site', origin: 'https://other.example.com' }, 'same-site'],
      [{ origin: 'https://evil.example' }, 'https://evil.example'],
      [{ origin: 'null' }, 'null'],
    ];
    for (const [headers, named] of cases) {
      const res = await createTeam(headers, `refused-${cases.findIndex((c) => c[0] === headers)}`);
      expect(res.status, named).toBe(403);
      expect(res.body.error.code).toBe('cross_origin_request');
      expect(res.body.error.message).toContain(named);
    }
    const teams = await f.api('GET', '/api/teams', { cookie: f.admin.cookie });
    expect(teams.body.teams.map((t: { slug: string }) => t.slug).filter((s: string) => s.startsWith('refused'))).toEqual([]);
  });

  it('does not stop reads from another origin (the session cookie is SameSite=Strict; reads change nothing)', async () => {
    const res = await f.api('GET', '/api/teams', { cookie: f.admin.cookie, headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' } });
    expect(res.status).toBe(200);
  });
});
