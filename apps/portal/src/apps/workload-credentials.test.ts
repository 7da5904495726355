import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { appWorkloadCredentials, auditEvents, first } from '@tollgate/db';
import type { TeamId } from '@tollgate/domain';
import type { PortalFixture, TestUser } from '../testing/portal-fixture';
import { createCredentialFixture } from '../testing/credential-fixture';
import { compileSnapshot } from '../snapshot/compile';

describe('workload credentials of an app', () => {
  let f: PortalFixture;
  let member: TestUser;
  let outsider: TestUser;
  let teamId: TeamId;
  let appId: string;
  let otherAppId: string;

  const checkout = 'spiffe://cluster.local/ns/shop/sa/checkout';
  const create = (body: unknown, app = appId, cookie = member.cookie) => f.api('POST', `/api/apps/${app}/workload-credentials`, { cookie, body });

  beforeAll(async () => {
    ({ f, member, outsider, teamId, appId, otherAppId } = await createCredentialFixture('workload', 'shop'));
  });
  afterAll(() => f.close());

  it('registers a SPIFFE ID, audited, bumping the revision, in the next snapshot', async () => {
    const revision = await f.revision();
    const res = await create({ spiffeId: checkout });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      credential: { id: expect.stringMatching(/^crd_/), appId, type: 'workload', spiffeId: checkout, createdAt: expect.any(Number), revokedAt: null },
    });
    expect(await f.revision()).toBe(revision + 1);
    const event = await first(f.db.select().from(auditEvents).where(and(eq(auditEvents.targetId, res.body.credential.id), eq(auditEvents.action, 'credential.create'))));
    expect(event).toMatchObject({ actorUserId: member.id, teamId, targetType: 'workloadCredential', summary: { appId, type: 'workload', spiffeId: checkout } });
    expect((await compileSnapshot(f.db, f.secrets)).workloadCredentials).toEqual([{ id: res.body.credential.id, appId, spiffeId: checkout }]);
  });

  it('takes the SPIFFE spec’s whole alphabet: dots, dashes and underscores, upper case in the path', async () => {
    const id = 'spiffe://prod_eu-1.example.org/Team.A/batch-job_7/v1.2';
    expect((await create({ spiffeId: id })).status).toBe(201);
  });

  it('refuses each malformed SPIFFE ID with a 400 naming the problem', async () => {
    const cases: Array<[unknown, RegExp]> = [
      ['https://cluster.local/ns/shop/sa/checkout', /^spiffeId: the scheme must be spiffe \(lower case\), not https/],
      ['SPIFFE://cluster.local/ns/a', /^spiffeId: the scheme must be spiffe \(lower case\), not SPIFFE/],
      ['cluster.local/ns/shop', /^spiffeId: a SPIFFE ID starts with spiffe:\/\//],
      ['spiffe:/cluster.local/ns/a', /^spiffeId: a SPIFFE ID starts with spiffe:\/\//],
      ['spiffe:///ns/a', /^spiffeId: the trust domain is missing/],
      ['spiffe://Cluster.Local/ns/a', /^spiffeId: the trust domain "Cluster.Local" may hold only lower-case letters/],
      ['spiffe://clu$ter/ns/a', /^spiffeId: the trust domain "clu\$ter" may hold only/],
      ['spiffe://cluster.local:8443/ns/a', /^spiffeId: a SPIFFE ID has no port/],
      ['spiffe://admin@cluster.local/ns/a', /^spiffeId: a SPIFFE ID has no user info/],
      ['spiffe://cluster.local/ns/a?x=1', /^spiffeId: a SPIFFE ID has no query/],
      ['spiffe://cluster.local/ns/a#frag', /^spiffeId: a SPIFFE ID has no fragment/],
      ['spiffe://cluster.local', /^spiffeId: a workload SPIFFE ID needs a path/],
      ['spiffe://cluster.local/', /^spiffeId: a workload SPIFFE ID needs a path/],
      ['spiffe://cluster.local/ns//a', /^spiffeId: the path has an empty segment/],
      ['spiffe://cluster.local/ns/a/', /^spiffeId: the path has an empty segment/],
      ['spiffe://cluster.local/ns/./a', /^spiffeId: the path may not have a "\." segment/],
      ['spiffe://cluster.local/ns/../a', /^spiffeId: the path may not have a "\.\." segment/],
      ['spiffe://cluster.local/ns/a%20b', /^spiffeId: the path segment "a%20b" may hold only letters/],
      ['spiffe://cluster.local/ns/caf\u00e9', /^spiffeId: the path segment "caf\u00e9" may hold only/],
      [`spiffe://cluster.local/${'a'.repeat(2040)}`, /^spiffeId: a SPIFFE ID is at most 2048 bytes/],
      [`spiffe://${'t'.repeat(256)}/ns/a`, /^spiffeId: the trust domain is at most 255 characters/],
      [42, /^spiffeId: /],
    ];
    for (const [spiffeId, message] of cases) {
      const res = await create({ spiffeId });
      expect(res.status, String(spiffeId).slice(0, 80)).toBe(400);
      expect(res.body.error.message, String(spiffeId).slice(0, 80)).toMatch(message);
    }
    expect((await create({})).body.error.message).toMatch(/^spiffeId: /);
    expect((await create({ spiffeId: checkout, app: 'x' })).body.error.message).toMatch(/^app: unknown field/);
  });

  it('gives one SPIFFE ID to one app: 409 naming the ID, in this app or another team’s', async () => {
    const again = await create({ spiffeId: checkout });
    expect([again.status, again.body.error.message]).toEqual([409, `This app already has a workload credential for ${checkout}; revoke that one first.`]);
    const elsewhere = await create({ spiffeId: checkout }, otherAppId, outsider.cookie);
    expect([elsewhere.status, elsewhere.body.error.message]).toEqual([409, `Another app already has a workload credential for ${checkout}; revoke that one first.`]);
    // The conflict does not say whose app holds it.
    expect(elsewhere.body.error.message).not.toContain(appId);
    expect((await create({ spiffeId: 'spiffe://cluster.local/ns/theirs/sa/api' }, otherAppId, outsider.cookie)).status).toBe(201);
  });

  it('is the app team’s own: another team’s user gets 404 on every route, and learns nothing', async () => {
    const first = (await f.api('GET', `/api/apps/${appId}/workload-credentials`, { cookie: member.cookie, expect: 200 })).body.credentials.find(
      (c: { spiffeId: string }) => c.spiffeId === checkout,
    );
    for (const [method, path] of [['GET', ''], ['POST', ''], ['DELETE', `/${first.id}`]] as const) {
      const res = await f.api(method, `/api/apps/${appId}/workload-credentials${path}`, { cookie: outsider.cookie, body: method === 'POST' ? { spiffeId: 'spiffe://td/ns/x/sa/y' } : undefined });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain('checkout');
    }
    // Through their own app's URL, the id of ours is not found either.
    expect((await f.api('DELETE', `/api/apps/${otherAppId}/workload-credentials/${first.id}`, { cookie: outsider.cookie })).status).toBe(404);
  });

  it('lists and revokes, revoked ones kept; the SPIFFE ID is free again after', async () => {
    const list = (await f.api('GET', `/api/apps/${appId}/workload-credentials`, { cookie: member.cookie, expect: 200 })).body.credentials;
    expect(list.map((c: { spiffeId: string }) => c.spiffeId).sort()).toEqual([checkout, 'spiffe://prod_eu-1.example.org/Team.A/batch-job_7/v1.2']);
    const checkoutOne = list.find((c: { spiffeId: string }) => c.spiffeId === checkout);
    const revision = await f.revision();
    const revoked = await f.api('DELETE', `/api/apps/${appId}/workload-credentials/${checkoutOne.id}`, { cookie: member.cookie });
    expect(revoked.status).toBe(200);
    expect(revoked.body.credential).toMatchObject({ id: checkoutOne.id, revokedAt: expect.any(Number) });
    expect(revoked.body).not.toHaveProperty('takesEffect');
    expect(await f.revision()).toBe(revision + 1);
    expect(await first(f.db.select().from(auditEvents).where(and(eq(auditEvents.targetId, checkoutOne.id), eq(auditEvents.action, 'credential.revoke'))))).toMatchObject({
      targetType: 'workloadCredential',
      summary: { appId, type: 'workload', spiffeId: checkout },
    });
    expect((await compileSnapshot(f.db, f.secrets)).workloadCredentials.some((w) => w.spiffeId === checkout)).toBe(false);
    const again = await f.api('DELETE', `/api/apps/${appId}/workload-credentials/${checkoutOne.id}`, { cookie: member.cookie });
    expect([again.status, again.body.error.message]).toEqual([409, 'The credential is already revoked.']);
    expect((await f.api('DELETE', `/api/apps/${appId}/workload-credentials/crd_notthere000`, { cookie: member.cookie })).status).toBe(404);
    expect((await f.api('DELETE', `/api/apps/${appId}/workload-credentials/not-an-id`, { cookie: member.cookie })).status).toBe(404);
    const after = (await f.api('GET', `/api/apps/${appId}/workload-credentials`, { cookie: member.cookie })).body.credentials;
    expect(after.find((c: { id: string }) => c.id === checkoutOne.id).revokedAt).not.toBeNull();
    // Revoked, the SPIFFE ID may go to another app: the active-only unique index allows it.
    expect((await create({ spiffeId: checkout }, otherAppId, outsider.cookie)).status).toBe(201);
  });
});
