import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditEvents, first } from '@tollgate/db';
import type { TeamId } from '@tollgate/domain';
import type { PortalFixture, TestUser } from '../testing/portal-fixture';
import { createCredentialFixture } from '../testing/credential-fixture';

const jwkOf = (type: 'rsa' | 'ec' | 'ed25519', which: 'publicKey' | 'privateKey' = 'publicKey', curve = 'P-256') => {
  const pair = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : type === 'ec' ? generateKeyPairSync('ec', { namedCurve: curve }) : generateKeyPairSync('ed25519');
  return pair[which].export({ format: 'jwk' }) as Record<string, unknown>;
};

describe('JWT credentials of an app', () => {
  let f: PortalFixture;
  let member: TestUser;
  let outsider: TestUser;
  let teamId: TeamId;
  let appId: string;
  let otherAppId: string;

  const base = { issuer: 'https://login.example.test/', audiences: ['pets-api'], subject: 'client-123' };
  const create = (body: unknown, app = appId, cookie = member.cookie) => f.api('POST', `/api/apps/${app}/jwt-credentials`, { cookie, body });

  beforeAll(async () => {
    ({ f, member, outsider, teamId, appId, otherAppId } = await createCredentialFixture('jwt', 'mobile'));
  });
  afterAll(() => f.close());

  it('creates a credential with a JWKS URL, defaults filled, served at once with no takesEffect', async () => {
    const revision = await f.revision();
    const res = await create({ ...base, jwksUrl: 'https://login.example.test/.well-known/jwks.json' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      credential: {
        id: expect.stringMatching(/^crd_/),
        appId,
        type: 'jwt',
        issuer: 'https://login.example.test/',
        jwksUrl: 'https://login.example.test/.well-known/jwks.json',
        keys: null,
        audiences: ['pets-api'],
        subjectClaim: 'sub',
        subject: 'client-123',
        algorithms: ['RS256', 'ES256', 'EdDSA'],
        createdAt: expect.any(Number),
        revokedAt: null,
      },
    });
    expect(await f.revision()).toBe(revision + 1);
    const event = await first(f.db.select().from(auditEvents).where(and(eq(auditEvents.targetId, res.body.credential.id), eq(auditEvents.action, 'credential.create'))));
    expect(event).toMatchObject({ actorUserId: member.id, teamId, targetType: 'credential', summary: { appId, type: 'jwt', issuer: base.issuer, subject: 'client-123' } });
  });

  it('takes inline public keys of each allowed type', async () => {
    const keys = [{ ...jwkOf('rsa'), kid: 'r1', use: 'sig', alg: 'RS256' }, { ...jwkOf('ec'), kid: 'e1' }, { ...jwkOf('ed25519'), kid: 'o1' }];
    const res = await create({ issuer: 'https://inline.example.test', audiences: ['a', 'a', 'b'], subjectClaim: 'azp', subject: 'svc', keys });
    expect(res.status).toBe(201);
    expect(res.body.credential).toMatchObject({ jwksUrl: null, keys, audiences: ['a', 'b'], subjectClaim: 'azp' });
    const only = await create({ issuer: 'https://inline.example.test', audiences: ['c'], subject: 'svc-2', keys: [jwkOf('ec')], algorithms: ['ES256'] });
    expect(only.body.credential.algorithms).toEqual(['ES256']);
  });

  it('refuses bad credentials with a 400 naming the field', async () => {
    const jwks = { jwksUrl: 'https://login.example.test/jwks' };
    const cases: Array<[unknown, RegExp]> = [
      [{ ...base }, /^jwksUrl: give either jwksUrl or keys/],
      [{ ...base, ...jwks, keys: [jwkOf('ec')] }, /^jwksUrl: give either jwksUrl or keys/],
      [{ ...base, jwksUrl: 'ftp://login.example.test/jwks' }, /^jwksUrl: use an http or https URL/],
      [{ ...base, jwksUrl: 'jwks.json' }, /^jwksUrl: not an absolute URL/],
      [{ ...base, ...jwks, issuer: ' ' }, /^issuer:/],
      [{ ...base, ...jwks, audiences: [] }, /^audiences:/],
      [{ ...base, ...jwks, subject: '' }, /^subject:/],
      [{ ...base, ...jwks, algorithms: ['HS256'] }, /^algorithms\.0:/],
      [{ ...base, ...jwks, algorithms: ['none'] }, /^algorithms\.0:/],
      [{ ...base, ...jwks, algorithms: [] }, /^algorithms:/],
      [{ ...base, ...jwks, subjectClaim: 'a b' }, /^subjectClaim:/],
      [{ ...base, keys: [jwkOf('rsa', 'privateKey')] }, /^keys\.0\.d: a private or symmetric key member/],
      [{ ...base, keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }, /^keys\.0\.k: a private or symmetric key member/],
      [{ ...base, keys: [jwkOf('ec', 'publicKey', 'P-384')] }, /^keys\.0\.kty: an EC key on P-384/],
      [{ ...base, keys: [{ ...jwkOf('ec'), alg: 'RS256' }] }, /^keys\.0\.alg: a EC key verifies ES256, not RS256/],
      [{ ...base, keys: [{ ...jwkOf('ec'), use: 'enc' }] }, /^keys\.0\.use:/],
      [{ ...base, keys: [{ kty: 'RSA', n: 'AQAB', e: 'AQAB' }] }, /^keys\.0: an RSA key needs a modulus of at least 2048 bits/],
      [{ ...base, keys: [{ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }] }, /^keys\.0: not a valid public key/],
      [{ ...base, keys: [{ ...jwkOf('ec'), kid: 'k' }, { ...jwkOf('ec'), kid: 'k' }] }, /^keys: two keys share a kid/],
      [{ ...base, keys: [jwkOf('rsa')], algorithms: ['ES256'] }, /^keys\.0: a key for RS256, which algorithms does not allow/],
    ];
    for (const [body, message] of cases) {
      const res = await create(body);
      expect(res.status, JSON.stringify(body).slice(0, 200)).toBe(400);
      expect(res.body.error.message, JSON.stringify(body).slice(0, 200)).toMatch(message);
    }
  });

  it('refuses a second credential that would accept the same tokens, in this app or another', async () => {
    const same = { ...base, jwksUrl: 'https://login.example.test/jwks' };
    expect((await create(same)).body.error.message).toMatch(/^this app already has a JWT credential for issuer/);
    const elsewhere = await create(same, otherAppId, outsider.cookie);
    expect([elsewhere.status, elsewhere.body.error.message]).toEqual([409, `another app already has a JWT credential for issuer ${base.issuer}, sub client-123 and one of these audiences.`]);
    // Another audience is another token.
    expect((await create({ ...same, audiences: ['other-api'] }, otherAppId, outsider.cookie)).status).toBe(201);
  });

  it('lists and revokes, revoked ones kept in the list, to the app’s team only', async () => {
    const list = await f.api('GET', `/api/apps/${appId}/jwt-credentials`, { cookie: member.cookie, expect: 200 });
    const first = list.body.credentials.find((c: { subject: string }) => c.subject === 'client-123');
    expect(list.body.credentials).toHaveLength(3);
    for (const [method, path] of [['GET', ''], ['POST', ''], ['DELETE', `/${first.id}`]] as const) {
      const res = await f.api(method, `/api/apps/${appId}/jwt-credentials${path}`, { cookie: outsider.cookie, body: method === 'POST' ? { ...base, jwksUrl: 'https://x.example.test' } : undefined });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain('client-123');
    }
    expect((await f.api('DELETE', `/api/apps/${otherAppId}/jwt-credentials/${first.id}`, { cookie: outsider.cookie })).status).toBe(404);
    const revoked = await f.api('DELETE', `/api/apps/${appId}/jwt-credentials/${first.id}`, { cookie: member.cookie });
    expect(revoked.status).toBe(200);
    expect(revoked.body.credential).toMatchObject({ id: first.id, revokedAt: expect.any(Number) });
    expect(revoked.body).not.toHaveProperty('takesEffect');
    expect((await f.api('DELETE', `/api/apps/${appId}/jwt-credentials/${first.id}`, { cookie: member.cookie })).status).toBe(409);
    expect((await f.api('DELETE', `/api/apps/${appId}/jwt-credentials/crd_notthere000`, { cookie: member.cookie })).status).toBe(404);
    const after = (await f.api('GET', `/api/apps/${appId}/jwt-credentials`, { cookie: member.cookie })).body.credentials;
    expect(after.find((c: { id: string }) => c.id === first.id).revokedAt).not.toBeNull();
    // Revoked, the same issuer and subject may be registered again.
    expect((await create({ ...base, jwksUrl: 'https://login.example.test/jwks' })).status).toBe(201);
  });
});
