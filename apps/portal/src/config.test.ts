import { describe, expect, it } from 'vitest';
import { parsePortalConfig } from './config';

describe('portal config', () => {
  it('limits request bodies to 1 MiB unless TOLLGATE_PORTAL_MAX_BODY_BYTES says otherwise', () => {
    expect(parsePortalConfig({}).maxBodyBytes).toBe(1024 * 1024);
    expect(parsePortalConfig({ TOLLGATE_PORTAL_MAX_BODY_BYTES: '65536' }).maxBodyBytes).toBe(65_536);
    for (const bad of ['0', '-1', '1.5', 'lots']) {
      expect(() => parsePortalConfig({ TOLLGATE_PORTAL_MAX_BODY_BYTES: bad }), bad).toThrow(/TOLLGATE_PORTAL_MAX_BODY_BYTES/);
    }
  });

  it('uses Redis for notification jobs only when TOLLGATE_REDIS_URL is a redis:// or rediss:// URL', () => {
    expect(parsePortalConfig({}).redisUrl).toBeUndefined();
    expect(parsePortalConfig({ TOLLGATE_REDIS_URL: '' }).redisUrl).toBeUndefined();
    expect(parsePortalConfig({ TOLLGATE_REDIS_URL: 'redis://redis:6379' }).redisUrl).toBe('redis://redis:6379');
    expect(parsePortalConfig({ TOLLGATE_REDIS_URL: 'rediss://:pw@cache.example:6380/2' }).redisUrl).toBe('rediss://:pw@cache.example:6380/2');
    for (const bad of ['http://redis:6379', 'redis:6379', 'localhost']) {
      expect(() => parsePortalConfig({ TOLLGATE_REDIS_URL: bad }), bad).toThrow(/TOLLGATE_REDIS_URL/);
    }
  });

  it('tries webhook deliveries 6 times, 2 s backoff base, 10 s timeout unless told otherwise', () => {
    expect(parsePortalConfig({}).webhookDelivery).toEqual({ attempts: 6, backoffMs: 2_000, timeoutMs: 10_000 });
    const tuned = parsePortalConfig({ TOLLGATE_WEBHOOK_ATTEMPTS: '3', TOLLGATE_WEBHOOK_BACKOFF_MS: '500', TOLLGATE_WEBHOOK_TIMEOUT_MS: '2500' });
    expect(tuned.webhookDelivery).toEqual({ attempts: 3, backoffMs: 500, timeoutMs: 2_500 });
    for (const [name, bad] of [['TOLLGATE_WEBHOOK_ATTEMPTS', '0'], ['TOLLGATE_WEBHOOK_BACKOFF_MS', 'soon'], ['TOLLGATE_WEBHOOK_TIMEOUT_MS', '-5']]) {
      expect(() => parsePortalConfig({ [name!]: bad }), name).toThrow(new RegExp(name!));
    }
  });

  it('runs on PostgreSQL only when TOLLGATE_DATABASE_URL is a postgres:// URL, and names a wrong one', () => {
    expect(parsePortalConfig({}).databaseUrl).toBeUndefined();
    expect(parsePortalConfig({ TOLLGATE_DATABASE_URL: '' }).databaseUrl).toBeUndefined();
    expect(parsePortalConfig({ TOLLGATE_DATABASE_URL: 'postgres://tollgate@db:5432/tollgate' }).databaseUrl).toBe('postgres://tollgate@db:5432/tollgate');
    expect(parsePortalConfig({ TOLLGATE_DATABASE_URL: 'postgresql://db/tollgate' }).databaseUrl).toBe('postgresql://db/tollgate');
    expect(() => parsePortalConfig({ TOLLGATE_DATABASE_URL: 'mysql://db/tollgate' })).toThrow(/TOLLGATE_DATABASE_URL: a postgres:\/\/ or postgresql:\/\/ URL/);
  });
});
