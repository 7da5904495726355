import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxJsonDepth } from '@tollgate/domain';
import { createPortalFixture, type PortalFixture, type TestUser } from '../testing/portal-fixture';

/** `{"name": [[…"x"…]]}`: the object is one level, so `depth - 1` arrays around the value. */
const nested = (depth: number) => `{"name":${'['.repeat(depth - 1)}"x"${']'.repeat(depth - 1)}}`;

/** Every JSON body of the portal API is refused past `maxJsonDepth` before it is parsed (issue 16, item 1). */
describe('nesting limit on portal JSON bodies', () => {
  let f: PortalFixture;
  let owner: TestUser;
  let teamId: string;

  const createService = (body: string) =>
    f.api('POST', `/api/teams/${teamId}/services`, { cookie: owner.cookie, body, headers: { 'content-type': 'application/json' } });

  beforeAll(async () => {
    f = await createPortalFixture();
    owner = await f.createUser();
    teamId = (await f.createTeam({ slug: 'depth', ownerUserId: owner.id })).id;
  });
  afterAll(() => f.close());

  it('refuses a body 100 levels deep with json_too_deep, naming the limit', async () => {
    expect(maxJsonDepth).toBe(64);
    const res = await createService(nested(100));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('json_too_deep');
    expect(res.body.error.message).toContain('deeper than 64 levels');
  });

  it('lets 60 and exactly 64 levels through to validation (a 400 about the field, not the depth)', async () => {
    for (const depth of [60, 64]) {
      const res = await createService(nested(depth));
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.message).toMatch(/^name:/);
    }
    expect((await createService(nested(65))).body.error.code).toBe('json_too_deep');
  });

  it('counts brackets, not characters inside strings', async () => {
    const body = JSON.stringify({ name: `x${'[{'.repeat(50)}`, slug: 'brackets-in-text', kind: 'rest' });
    expect(await createService(body)).toMatchObject({ status: 201 });
  });

  it('a 10,000-deep body is refused as fast, and ordinary requests still work afterwards', async () => {
    const started = performance.now();
    const res = await createService(nested(10_000));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(res.body.error.code).toBe('json_too_deep');
    expect((await createService(JSON.stringify({ name: 'After', slug: 'after-deep', kind: 'rest' }))).status).toBe(201);
  });

  it('a route that takes no body refuses a deep one with json_too_deep too', async () => {
    const res = await f.api('POST', '/api/auth/logout', { cookie: owner.cookie, body: `{"a":${'['.repeat(99)}${']'.repeat(99)}}`, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('json_too_deep');
    // Refused before anything happened: the session is still signed in.
    expect((await f.api('GET', '/api/auth/me', { cookie: owner.cookie })).status).toBe(200);
  });
});
