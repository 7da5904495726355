import { afterEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { auditEvents, first, webhooks } from '@tollgate/db';
import { fixturePerTest, type PortalFixture } from '../testing/portal-fixture';
import { createMarket, type Market } from '../notifications/test-market';

const fixture = fixturePerTest(afterEach);

describe('webhooks API', () => {
  let f: PortalFixture;
  let m: Market;
  const setup = async () => {
    f = await fixture();
    m = await createMarket(f);
  };
  const create = (body: unknown, cookie = m.users.pAdmin.cookie, team: string = m.publisherTeam) =>
    f.api('POST', `/api/teams/${team}/webhooks`, { cookie, body });

  it('creates a webhook, shows its secret once and stores it sealed', async () => {
    await setup();
    const res = await create({ url: 'https://hooks.example.test/tollgate/s3cr3t-path', events: ['subscription.requested'] });
    expect(res.status).toBe(201);
    expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(res.body.webhook).toMatchObject({
      teamId: m.publisherTeam,
      url: 'https://hooks.example.test/tollgate/s3cr3t-path',
      events: ['subscription.requested'],
      active: true,
      createdBy: m.users.pAdmin.id,
    });
    expect(res.body.webhook).not.toHaveProperty('secret');
    const row = (await first(f.db.select().from(webhooks).where(eq(webhooks.id, res.body.webhook.id))))!;
    expect(row.secret).not.toContain(res.body.secret);
    expect(f.secrets.open(row.secret)).toBe(res.body.secret);

    const listed = await f.api('GET', `/api/teams/${m.publisherTeam}/webhooks`, { cookie: m.users.pOwner.cookie, expect: 200 });
    expect(listed.body.webhooks).toEqual([res.body.webhook]);
    expect(JSON.stringify(listed.body)).not.toContain(res.body.secret);

    const audit = await f.db.select().from(auditEvents).where(eq(auditEvents.targetId, res.body.webhook.id));
    expect(audit.map((a) => a.action)).toEqual(['webhook.create']);
    // The audit log keeps the origin only: a path can be a credential (think Slack-style hook URLs).
    expect(JSON.stringify(audit)).not.toContain('s3cr3t-path');
    expect(JSON.stringify(audit)).not.toContain(res.body.secret);
    expect(audit[0]!.after).toEqual({ url: 'https://hooks.example.test', events: ['subscription.requested'], active: true });
  });

  it('takes http(s) URLs only, without credentials, up to 2048 characters, and known event names', async () => {
    await setup();
    const bad: Array<[unknown, string]> = [
      [{ url: 'ftp://files.example.test/x' }, 'url'],
      [{ url: 'javascript:alert(1)' }, 'url'],
      [{ url: 'not a url' }, 'url'],
      [{ url: 'https://user:pass@hooks.example.test/' }, 'url'],
      [{ url: `https://hooks.example.test/${'a'.repeat(2048)}` }, 'url'],
      [{}, 'url'],
      [{ url: 'https://hooks.example.test/', events: ['subscription.exploded'] }, 'events'],
      [{ url: 'https://hooks.example.test/', events: ['subscription.approved', 'subscription.approved'] }, 'events'],
      [{ url: 'https://hooks.example.test/', events: 'subscription.approved' }, 'events'],
    ];
    for (const [body, field] of bad) {
      const res = await create(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message, JSON.stringify(body)).toContain(field);
    }
    expect((await f.api('POST', `/api/teams/${m.publisherTeam}/webhooks`, { cookie: m.users.pAdmin.cookie, body: 'url=x', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    // Private addresses are allowed on purpose: on-prem receivers are normal (ADR 0007).
    expect((await create({ url: 'http://10.0.0.5:8080/hook' })).status).toBe(201);
    expect((await create({ url: 'http://localhost/hook' })).status).toBe(201);
    expect(await f.db.select().from(webhooks)).toHaveLength(2);
  });

  it('lets team admins and owners manage webhooks; a plain member gets 403, an outsider 404', async () => {
    await setup();
    const { pMember, stranger, cOwner } = m.users;
    expect((await create({ url: 'https://hooks.example.test/' }, pMember.cookie)).status).toBe(403);
    expect((await create({ url: 'https://hooks.example.test/' }, stranger.cookie)).status).toBe(404);
    expect((await create({ url: 'https://hooks.example.test/' }, cOwner.cookie)).status).toBe(404);
    expect((await f.api('GET', `/api/teams/${m.publisherTeam}/webhooks`, { cookie: pMember.cookie })).status).toBe(403);
    const hook = (await create({ url: 'https://hooks.example.test/' }, m.users.pOwner.cookie)).body.webhook;
    for (const [method, path, body] of [
      ['PATCH', `/api/webhooks/${hook.id}`, { active: false }],
      ['DELETE', `/api/webhooks/${hook.id}`, undefined],
      ['GET', `/api/webhooks/${hook.id}/deliveries`, undefined],
    ] as const) {
      expect((await f.api(method, path, { cookie: pMember.cookie, body })).status, `${method} ${path}`).toBe(403);
      expect((await f.api(method, path, { cookie: stranger.cookie, body })).status, `${method} ${path}`).toBe(404);
    }
    expect((await f.api('GET', '/api/webhooks/whk_doesnotexist/deliveries', { cookie: m.users.pOwner.cookie })).status).toBe(404);
    expect((await f.api('PATCH', '/api/webhooks/not-an-id', { cookie: m.users.pOwner.cookie, body: { active: false } })).status).toBe(404);
    expect((await first(f.db.select().from(webhooks)))!.active).toBe(true);
  });

  it('updates url, events and active with before/after in the audit log, and deletes with 204', async () => {
    await setup();
    const hook = (await create({ url: 'https://old.example.test/x' })).body.webhook;
    const patched = await f.api('PATCH', `/api/webhooks/${hook.id}`, {
      cookie: m.users.pAdmin.cookie,
      body: { url: 'https://new.example.test/y', events: ['subscription.cancelled'], active: false },
      expect: 200,
    });
    expect(patched.body.webhook).toMatchObject({ url: 'https://new.example.test/y', events: ['subscription.cancelled'], active: false });
    for (const body of [{}, { active: 'no' }, { url: 'gopher://x' }, { events: ['nope'] }]) {
      expect((await f.api('PATCH', `/api/webhooks/${hook.id}`, { cookie: m.users.pAdmin.cookie, body })).status, JSON.stringify(body)).toBe(400);
    }
    const update = (await first(f.db.select().from(auditEvents).where(eq(auditEvents.action, 'webhook.update'))))!;
    expect(update.before).toEqual({ url: 'https://old.example.test', events: [], active: true });
    expect(update.after).toEqual({ url: 'https://new.example.test', events: ['subscription.cancelled'], active: false });
    expect(update.teamId).toBe(m.publisherTeam);

    const revision = await f.revision();
    expect((await f.api('DELETE', `/api/webhooks/${hook.id}`, { cookie: m.users.pAdmin.cookie })).status).toBe(204);
    expect(await f.db.select().from(webhooks)).toEqual([]);
    expect((await f.api('DELETE', `/api/webhooks/${hook.id}`, { cookie: m.users.pAdmin.cookie })).status).toBe(404);
    // Webhooks are not part of the gateway's snapshot: no config revision for them.
    expect(await f.revision()).toBe(revision);
    const deleted = (await first(f.db.select().from(auditEvents).where(eq(auditEvents.action, 'webhook.delete'))))!;
    expect(deleted.before).toEqual({ url: 'https://new.example.test', events: ['subscription.cancelled'], active: false });
    expect(deleted.after).toBeNull();
  });

  it('rejects a bad deliveries limit with 400', async () => {
    await setup();
    const hook = (await create({ url: 'https://hooks.example.test/' })).body.webhook;
    for (const limit of ['0', '201', 'ten']) {
      const res = await f.api('GET', `/api/webhooks/${hook.id}/deliveries?limit=${limit}`, { cookie: m.users.pAdmin.cookie });
      expect(res.status, limit).toBe(400);
      expect(res.body.error.message).toContain('limit');
    }
  });
});
