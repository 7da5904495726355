import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryLimiter } from '@tollgate/limiter';
import { configRevision, first, isPostgres, users } from '@tollgate/db';
import { createTestDatabase } from '@tollgate/db/pg/testing';
import { parsePortalConfig } from './config';
import { createPortalRuntime } from './runtime';

describe('portal runtime', () => {
  const dirs: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('takes the body limit from the environment and closes the sign-in limiter with everything else', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-runtime-'));
    dirs.push(dir);
    const config = parsePortalConfig({ TOLLGATE_DATA_DIR: dir, TOLLGATE_PORTAL_MAX_BODY_BYTES: '4096' });
    expect(config.maxBodyBytes).toBe(4096);
    const runtime = await createPortalRuntime(config, pino({ level: 'silent' }));
    const res = await runtime.app.request('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'a@b', password: 'x'.repeat(5000) }),
    });
    expect(res.status).toBe(413);

    const close = vi.spyOn(MemoryLimiter.prototype, 'close');
    await runtime.close();
    expect(close).toHaveBeenCalledTimes(1);
  });

  it('runs on the PostgreSQL TOLLGATE_DATABASE_URL names: migrated, first admin, sign-in, a change, and a clean close', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-runtime-'));
    dirs.push(dir);
    const database = await createTestDatabase();
    try {
      const config = parsePortalConfig({ TOLLGATE_DATA_DIR: dir, TOLLGATE_DATABASE_URL: database.url });
      const runtime = await createPortalRuntime(config, pino({ level: 'silent' }));
      try {
        expect(isPostgres(runtime.db)).toBe(true);
        const admin = runtime.firstAdmin!;
        const login = await runtime.app.request('/api/auth/login', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: admin.email, password: admin.password }),
        });
        expect(login.status).toBe(200);
        const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
        const json = { cookie, 'content-type': 'application/json' };
        const team = await runtime.app.request('/api/teams', { method: 'POST', headers: json, body: JSON.stringify({ name: 'On pg', slug: 'on-pg' }) });
        expect(team.status).toBe(201);
        const before = (await first(runtime.db.select().from(configRevision)))!.revision;
        // An app is what the gateway serves: its change bumps the revision, and the snapshot follows.
        const teamId = ((await team.json()) as { team: { id: string } }).team.id;
        const app = await runtime.app.request(`/api/teams/${teamId}/apps`, { method: 'POST', headers: json, body: JSON.stringify({ name: 'pg client' }) });
        expect(app.status).toBe(201);
        expect((await first(runtime.db.select().from(configRevision)))!.revision).toBe(before + 1);
        await runtime.publisher.settled();
        expect(runtime.publisher.current().apps.map((a) => a.name)).toEqual(['pg client']);
        expect(await runtime.db.select({ email: users.email }).from(users)).toEqual([{ email: admin.email }]);
      } finally {
        await runtime.close();
      }
      // Nothing of SQLite's was made: the data directory holds only the master key.
      expect(existsSync(path.join(dir, 'tollgate.db'))).toBe(false);
    } finally {
      await database.drop();
    }
  });
});
