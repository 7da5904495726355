import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { apiKeys, auditEvents, first } from '@tollgate/db';
import { newId } from '@tollgate/domain';
import { createPortalFixture, type PortalFixture, type TestUser } from '../testing/portal-fixture';
import { generateApiKey, hashApiKey } from './keys';
import { insertCallRecords } from '../call-records/store';
import { callRecord } from '../testing/call-record-factory';

describe('generateApiKey', () => {
  it('makes a tg_ secret of 256 random bits with a 12-character prefix and its SHA-256', () => {
    const { secret, prefix, hash } = generateApiKey();
    expect(secret).toMatch(/^tg_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secret.slice(3), 'base64url')).toHaveLength(32);
    expect(prefix).toBe(secret.slice(0, 12));
    expect(hash).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(hashApiKey(secret)).toBe(hash);
    expect(generateApiKey().secret).not.toBe(secret);
  });
});

describe('keys API', () => {
  let f: PortalFixture;
  let member: TestUser;
  let outsider: TestUser;
  let appId: string;
  const seen: string[] = [];

  beforeAll(async () => {
    f = await createPortalFixture();
    [member, outsider] = await Promise.all([f.createUser(), f.createUser()]);
    const team = await f.createTeam({ slug: 'keys' });
    await f.addMember(team.id, member.id, 'member');
    appId = (await f.api('POST', `/api/teams/${team.id}/apps`, { cookie: member.cookie, body: { name: 'App' }, expect: 201 })).body.app.id;
  });
  afterAll(() => f.close());

  it('shows the secret once and stores only its hash', async () => {
    const revision = await f.revision();
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const res = await f.api('POST', `/api/apps/${appId}/keys`, { cookie: member.cookie, body: { name: 'prod', expiresAt } });
    expect(res.status).toBe(201);
    const { key, secret } = res.body;
    expect(secret).toMatch(/^tg_/);
    expect(key).toEqual({ id: expect.any(String), name: 'prod', prefix: secret.slice(0, 12), expiresAt: Date.parse(expiresAt), createdAt: expect.any(Number) });
    seen.push(secret);

    const row = (await first(f.db.select().from(apiKeys).where(eq(apiKeys.id, key.id))))!;
    expect(row.hash).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(await f.revision()).toBe(revision + 1);
    const event = (await first(f.db.select().from(auditEvents).where(eq(auditEvents.targetId, key.id))))!;
    expect(event.action).toBe('key.create');
    expect(JSON.stringify(event)).not.toContain(secret);

    const list = await f.api('GET', `/api/apps/${appId}/keys`, { cookie: member.cookie });
    expect(list.body.keys).toEqual([expect.objectContaining({ id: key.id, prefix: key.prefix, revokedAt: null })]);
    expect(JSON.stringify(list.body)).not.toContain(secret);
    expect(JSON.stringify(list.body)).not.toContain(row.hash);

    await f.publisher.settled();
    expect(f.publisher.current().keys).toEqual([expect.objectContaining({ id: key.id, hash: row.hash, expiresAt: Date.parse(expiresAt) })]);
  });

  it('validates the expiry', async () => {
    const past = await f.api('POST', `/api/apps/${appId}/keys`, { cookie: member.cookie, body: { name: 'old', expiresAt: '2001-01-01T00:00:00Z' } });
    expect(past.status).toBe(400);
    expect(past.body.error.message).toMatch(/^expiresAt: must be in the future/);
    const bad = await f.api('POST', `/api/apps/${appId}/keys`, { cookie: member.cookie, body: { name: 'x', expiresAt: 'tomorrow' } });
    expect(bad.body.error.message).toMatch(/^expiresAt:/);
    const noName = await f.api('POST', `/api/apps/${appId}/keys`, { cookie: member.cookie, body: {} });
    expect(noName.body.error.message).toMatch(/^name:/);
    const withoutExpiry = await f.api('POST', `/api/apps/${appId}/keys`, { cookie: member.cookie, body: { name: 'forever' } });
    expect(withoutExpiry.body.key.expiresAt).toBeNull();
    expect((await f.api('POST', `/api/apps/${appId}/keys`, { cookie: outsider.cookie, body: { name: 'x' } })).status).toBe(404);
  });

  it('revokes a key: gone from the snapshot, once', async () => {
    const { key } = (await f.api('POST', `/api/apps/${appId}/keys`, { cookie: member.cookie, body: { name: 'short-lived' }, expect: 201 })).body;
    expect((await f.api('POST', `/api/apps/${appId}/keys/${key.id}/revoke`, { cookie: outsider.cookie })).status).toBe(404);
    const revision = await f.revision();
    const res = await f.api('POST', `/api/apps/${appId}/keys/${key.id}/revoke`, { cookie: member.cookie });
    expect(res.status).toBe(200);
    expect(res.body.key.revokedAt).toEqual(expect.any(Number));
    expect(await f.revision()).toBe(revision + 1);
    await f.publisher.settled();
    expect(f.publisher.current().keys.map((k) => k.id)).not.toContain(key.id);
    expect((await f.api('POST', `/api/apps/${appId}/keys/${key.id}/revoke`, { cookie: member.cookie })).status).toBe(409);
    expect((await f.api('POST', `/api/apps/${appId}/keys/${newId('key')}/revoke`, { cookie: member.cookie })).status).toBe(404);
    expect((await f.api('POST', `/api/apps/${appId}/keys/bad/revoke`, { cookie: member.cookie })).status).toBe(404);
  });

  it('rotates a key: a new key now, the old one ends after the grace period, both in one change', async () => {
    const { key: old } = (await f.api('POST', `/api/apps/${appId}/keys`, { cookie: member.cookie, body: { name: 'rotating' }, expect: 201 })).body;
    const revision = await f.revision();
    const before = Date.now();
    const res = await f.api('POST', `/api/apps/${appId}/keys/${old.id}/rotate`, { cookie: member.cookie, body: { graceSeconds: 3_600 } });
    expect(res.status).toBe(201);
    expect(res.body.secret).toMatch(/^tg_/);
    expect(res.body.key).toMatchObject({ name: 'rotating', expiresAt: null, revokedAt: null });
    expect(res.body.previous.id).toBe(old.id);
    expect(res.body.previous.expiresAt).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(res.body.previous.expiresAt).toBeLessThanOrEqual(Date.now() + 3_600_000);
    expect(await f.revision()).toBe(revision + 1);
    expect((await first(f.db.select().from(auditEvents).where(eq(auditEvents.action, 'key.rotate'))))?.targetId).toBe(old.id);
    seen.push(res.body.secret);

    // A grace period never extends a key that would have expired sooner.
    const soon = new Date(Date.now() + 60_000).toISOString();
    const { key: short } = (await f.api('POST', `/api/apps/${appId}/keys`, { cookie: member.cookie, body: { name: 'short', expiresAt: soon }, expect: 201 })).body;
    const rotated = await f.api('POST', `/api/apps/${appId}/keys/${short.id}/rotate`, { cookie: member.cookie, body: { graceSeconds: 86_400 } });
    expect(rotated.body.previous.expiresAt).toBe(Date.parse(soon));

    expect((await f.api('POST', `/api/apps/${appId}/keys/${old.id}/rotate`, { cookie: member.cookie, body: { graceSeconds: -1 } })).status).toBe(400);
    expect((await f.api('POST', `/api/apps/${appId}/keys/${old.id}/rotate`, { cookie: outsider.cookie, body: {} })).status).toBe(404);
    await f.api('POST', `/api/apps/${appId}/keys/${res.body.key.id}/revoke`, { cookie: member.cookie, expect: 200 });
    expect((await f.api('POST', `/api/apps/${appId}/keys/${res.body.key.id}/rotate`, { cookie: member.cookie, body: {} })).status).toBe(409);
  });

  it('records when a key was last used, from the call records the store takes in', async () => {
    const { key } = (await f.api('POST', `/api/apps/${appId}/keys`, { cookie: member.cookie, body: { name: 'used' }, expect: 201 })).body;
    await insertCallRecords(f.db, [callRecord({ keyId: key.id, appId, startedAt: 1_000 }), callRecord({ keyId: key.id, appId, startedAt: 5_000 })]);
    await insertCallRecords(f.db, [callRecord({ keyId: key.id, appId, startedAt: 3_000 })]);
    const list = await f.api('GET', `/api/apps/${appId}/keys`, { cookie: member.cookie });
    // The latest use wins, whatever order the batches arrive in.
    expect(list.body.keys.find((k: { id: string }) => k.id === key.id).lastUsedAt).toBe(5_000);
  });

  it('never repeats a secret in a later list', async () => {
    const list = await f.api('GET', `/api/apps/${appId}/keys`, { cookie: member.cookie });
    for (const secret of seen) expect(JSON.stringify(list.body)).not.toContain(secret);
  });
});
