import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { gatewayEnvSchema } from '../../apps/gateway/src/config';
import { portalEnvSchema } from '../../apps/portal/src/config';

// No Docker engine runs here, so the compose file is checked by reading it: it must parse, and every
// command, variable and file it names must exist in this repository.
const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'));
const envOf = (service: string) => compose.services[service].environment as Record<string, string>;
// What `docker compose` puts for `${VAR:?message}` given the .env the header asks for.
const dotEnv: Record<string, string> = { TOLLGATE_INTERNAL_TOKEN: 'x'.repeat(32), TOLLGATE_POSTGRES_PASSWORD: 'pg-secret' };
const interpolate = (value: string) =>
  value.replace(/\$\{(\w+):\?[^}]*\}/g, (_, name: string) => {
    if (!(name in dotEnv)) throw new Error(`docker-compose.yml needs ${name}, which the header does not ask for`);
    return dotEnv[name]!;
  });
const resolved = (service: string) => Object.fromEntries(Object.entries(envOf(service)).map(([k, v]) => [k, interpolate(v)]));

describe('docker-compose.yml', () => {
  it('runs PostgreSQL, redis, one portal and replicated gateways', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['gateway', 'portal', 'postgres', 'redis']);
    expect(compose.services.gateway.deploy.replicas).toBeGreaterThan(1);
    expect(compose.services.gateway.depends_on.portal.condition).toBe('service_healthy');
  });

  it('starts the built entry points (plain node, no tsx), from a Dockerfile that exists', () => {
    expect(existsSync(new URL('../../Dockerfile', import.meta.url))).toBe(true);
    for (const name of ['portal', 'gateway']) {
      const command = compose.services[name].command as string[];
      // dist/ is what scripts/build.mjs wrote in this test run's global setup.
      expect(command, name).toEqual(['node', `dist/${name}.mjs`]);
      expect(existsSync(new URL(`../../${command.at(-1)}`, import.meta.url)), name).toBe(true);
    }
  });

  it('sets only variables the apps parse, with values their schemas accept', () => {
    const portalEnv = resolved('portal');
    const gatewayEnv = resolved('gateway');
    expect(Object.keys(portalEnv).every((k) => k in portalEnvSchema.shape)).toBe(true);
    expect(Object.keys(gatewayEnv).every((k) => k in gatewayEnvSchema.shape)).toBe(true);
    expect(portalEnvSchema.safeParse(portalEnv).success).toBe(true);
    const gateway = gatewayEnvSchema.parse(gatewayEnv);
    expect(new URL(gateway.TOLLGATE_PORTAL_URL!).host).toBe(`portal:${portalEnv.TOLLGATE_PORTAL_PORT}`);
    expect(portalEnv.TOLLGATE_INTERNAL_TOKEN).toBe(gatewayEnv.TOLLGATE_INTERNAL_TOKEN);
  });

  it('queues call records in the Redis the portal consumes, under the same key prefix, kept across Redis restarts', () => {
    const portal = portalEnvSchema.parse(resolved('portal'));
    const gateway = gatewayEnvSchema.parse(resolved('gateway'));
    expect(gateway.TOLLGATE_REDIS_URL).toBeDefined();
    expect(gateway.TOLLGATE_REDIS_URL).toBe(portal.TOLLGATE_REDIS_URL);
    expect(new URL(gateway.TOLLGATE_REDIS_URL!).hostname).toBe('redis');
    expect(gateway.TOLLGATE_CALL_RECORD_QUEUE_PREFIX).toBe(portal.TOLLGATE_CALL_RECORD_QUEUE_PREFIX);
    const redis = compose.services.redis.command as string[];
    expect(redis[redis.indexOf('--appendonly') + 1]).toBe('yes');
    expect(compose.services.redis.volumes).toHaveLength(1);
  });
});

describe('docker-compose.yml on PostgreSQL', () => {
  it('runs the portal on the compose file’s PostgreSQL, with its credentials, once it is ready', () => {
    const portal = portalEnvSchema.parse(resolved('portal'));
    const url = new URL(portal.TOLLGATE_DATABASE_URL!);
    const postgres = resolved('postgres');
    expect(url.protocol).toBe('postgres:');
    expect(url.hostname).toBe('postgres');
    expect(url.port).toBe('5432');
    expect(url.username).toBe(postgres.POSTGRES_USER);
    expect(decodeURIComponent(url.password)).toBe(postgres.POSTGRES_PASSWORD);
    expect(url.pathname).toBe(`/${postgres.POSTGRES_DB}`);
    expect(compose.services.portal.depends_on.postgres.condition).toBe('service_healthy');
    expect(compose.services.postgres.healthcheck.test).toEqual(['CMD', 'pg_isready', '-U', postgres.POSTGRES_USER, '-d', postgres.POSTGRES_DB]);
    // Its data survives a container's replacement.
    expect(compose.services.postgres.volumes).toEqual(['postgres-data:/var/lib/postgresql/data']);
    expect(Object.keys(compose.volumes)).toContain('postgres-data');
  });
});

describe('Dockerfile', () => {
  it('copies every workspace package.json before npm ci, so the image installs every workspace', () => {
    const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
    const beforeInstall = dockerfile.slice(0, dockerfile.indexOf('RUN npm ci'));
    const root = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { workspaces: string[] };
    const workspaces = root.workspaces.flatMap((pattern) => {
      const dir = pattern.replace(/\/\*$/, '');
      return readdirSync(new URL(`../../${dir}`, import.meta.url), { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(new URL(`../../${dir}/${d.name}/package.json`, import.meta.url)))
        .map((d) => `${dir}/${d.name}`);
    });
    expect(workspaces.length).toBeGreaterThan(5);
    for (const ws of workspaces) expect(beforeInstall, ws).toContain(`COPY ${ws}/package.json ${ws}/`);
  });

  it('runs the built all-in-one with plain node, the build copied from its own stage', () => {
    const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
    expect(dockerfile).toContain('RUN node scripts/build.mjs');
    expect(dockerfile).toContain('COPY --from=servers /app/dist ./dist');
    expect(dockerfile.trim().split('\n').at(-1)).toBe('CMD ["node", "dist/all-in-one.mjs"]');
    expect(dockerfile).not.toMatch(/tsx/);
    expect(existsSync(new URL('../../dist/all-in-one.mjs', import.meta.url))).toBe(true);
  });
});
