import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createDb } from '@tollgate/db';
import { newId, type AppId, type KeyId } from '@tollgate/domain';
import { createSecretBox } from '@tollgate/portal';

/**
 * Seeds a data directory for the scale bench straight into SQLite (no portal API): one transaction of
 * prepared inserts, rows shaped as the portal writes them. The shape: a few hundred services published by the
 * first teams (AI services on one provider, and REST services), each with two plans; every team has apps, each
 * app keys and subscriptions spread round-robin over all the services. Every AI service also offers the shared
 * name `gpt-4o-mini` (many teams wrap the same model), so that name has one route per AI service: the gateway's
 * per-call candidate list is as long as it gets. The bench's own service is inserted last.
 */
export interface ScaleShape {
  teams: number;
  appsPerTeam: number;
  keysPerApp: number;
  subscriptionsPerApp: number;
  aiServices: number;
  restServices: number;
}

export const fullShape: ScaleShape = { teams: 10_000, appsPerTeam: 5, keysPerApp: 2, subscriptionsPerApp: 2, aiServices: 200, restServices: 100 };
export const oneTenant: ScaleShape = { teams: 1, appsPerTeam: 1, keysPerApp: 2, subscriptionsPerApp: 1, aiServices: 1, restServices: 0 };

/** `factor` scales the teams and services (apps, keys and subscriptions follow the teams). */
export const scaledShape = (factor: number): ScaleShape => ({
  ...fullShape,
  teams: Math.max(1, Math.round(fullShape.teams * factor)),
  aiServices: Math.max(1, Math.round(fullShape.aiServices * factor)),
  restServices: Math.round(fullShape.restServices * factor),
});

export interface SeededScale {
  dbPath: string;
  /** The bench's app: subscribed to the bench service, which offers `gpt-4o-mini` and `bench-llm-model`. */
  appId: AppId;
  /** Serves the load. */
  secret: string;
  /** A second key of the same app, revoked by the bench to time a single change. */
  revokeKeyId: KeyId;
  revokeSecret: string;
  counts: { teams: number; apps: number; keys: number; subscriptions: number; services: number; plans: number };
  seedMs: number;
}

const newSecret = () => `tg_${randomBytes(32).toString('base64url')}`;
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const benchLimits = JSON.stringify({ requestsPerMinute: 1_000_000_000, tokensPerMinute: 1_000_000_000_000 });

export function seedScale(dataDir: string, shape: ScaleShape, upstreamUrl: string): SeededScale {
  const started = performance.now();
  // The portal reads this master key at start and opens the provider's credentials with it.
  const masterKey = randomBytes(32);
  writeFileSync(path.join(dataDir, 'master.key'), `${masterKey.toString('hex')}\n`, { mode: 0o600 });
  const secrets = createSecretBox(masterKey);
  const dbPath = path.join(dataDir, 'tollgate.db');
  const db = createDb({ path: dbPath });
  const sql = db.$client;
  const now = Date.now();
  const insert = (table: string, columns: string[]) => {
    const statement = sql.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
    return (...values: unknown[]) => statement.run(...values);
  };
  const team = insert('teams', ['id', 'name', 'slug', 'created_at']);
  const provider = insert('providers', ['id', 'name', 'type', 'base_url', 'credentials', 'price_overrides', 'settings', 'created_at']);
  const service = insert('services', ['id', 'team_id', 'name', 'slug', 'kind', 'lifecycle', 'rest', 'created_at', 'updated_at']);
  const release = insert('releases', ['id', 'service_id', 'version', 'config', 'created_at']);
  const setLive = sql.prepare('UPDATE services SET live_release_id = ? WHERE id = ?');
  const modelRoute = insert('model_routes', ['id', 'service_id', 'name', 'targets', 'created_at']);
  const api = insert('apis', ['id', 'service_id', 'name', 'methods', 'path', 'rest', 'created_at']);
  const plan = insert('plans', ['id', 'service_id', 'name', 'approval', 'limits', 'created_at']);
  const app = insert('apps', ['id', 'team_id', 'name', 'created_at']);
  const key = insert('api_keys', ['id', 'app_id', 'name', 'prefix', 'hash', 'expires_at', 'created_at']);
  const subscription = insert('subscriptions', ['id', 'app_id', 'service_id', 'plan_id', 'state', 'decided_at', 'created_at', 'updated_at']);

  const seeded = sql.transaction(() => {
    const teamIds = Array.from({ length: shape.teams }, (_, i) => {
      const id = newId('team');
      team(id, `Team ${i}`, `team-${i}`, now);
      return id;
    });
    const providerId = newId('provider');
    const credentials = secrets.seal(JSON.stringify({ keys: [{ key: 'sk-bench', weight: 1 }] }));
    provider(providerId, 'bench-openai', 'openai', `${upstreamUrl}/v1`, credentials, '{}', '{}', now);

    // Services and their plans; the bench's own AI service last (the worst place in the candidate list).
    const servicePlans: Array<{ serviceId: string; planIds: string[] }> = [];
    const addService = (i: number, kind: 'ai' | 'rest', slug: string, name: string) => {
      const serviceId = newId('service');
      const ownerTeam = teamIds[i % teamIds.length]!;
      const apis = kind === 'rest' ? ['/items', '/items/:id', '/orders', '/orders/:id', '/health'].map((p) => ({ id: newId('api'), name: p.replaceAll(/[/:]/g, '') || 'root', methods: ['GET'], path: p, description: '', tags: [], rest: null })) : [];
      const rest = kind === 'rest' ? { hosts: [], upstreams: [{ name: 'default', nodes: [{ url: upstreamUrl, weight: 1 }] }] } : null;
      const models = kind === 'ai' ? ['gpt-4o-mini', `${slug}-model`].map((m) => ({ name: m, targets: [{ providerId, model: 'gpt-4o-mini' }] })) : [];
      service(serviceId, ownerTeam, name, slug, kind, 'published', rest ? JSON.stringify(rest) : null, now, now);
      for (const m of models) modelRoute(newId('modelRoute'), serviceId, m.name, JSON.stringify(m.targets), now);
      for (const a of apis) api(a.id, serviceId, a.name, JSON.stringify(a.methods), a.path, null, now);
      // What publishWorkingCopy freezes; readReleaseConfig fills the REST defaults the gateway needs.
      const config = { service: { name, description: '', kind, directModels: false }, apis, models, openapi: null, prompts: [], rest };
      const releaseId = newId('release');
      release(releaseId, serviceId, 1, JSON.stringify(config), now);
      setLive.run(releaseId, serviceId);
      const planIds = ['standard', 'unlimited'].map((planName) => {
        const id = newId('plan');
        plan(id, serviceId, planName, 'auto', benchLimits, now);
        return id;
      });
      servicePlans.push({ serviceId, planIds });
    };
    for (let i = 0; i < shape.aiServices - 1; i++) addService(i, 'ai', `llm-${i}`, `LLM ${i}`);
    for (let i = 0; i < shape.restServices; i++) addService(i, 'rest', `rest-${i}`, `REST ${i}`);
    addService(0, 'ai', 'bench-llm', 'Bench LLM');

    let appCount = 0;
    let keyCount = 0;
    let subscriptionCount = 0;
    const known = { appId: '' as AppId, secret: '', revokeKeyId: '' as KeyId, revokeSecret: '' };
    for (const [t, teamId] of teamIds.entries()) {
      for (let a = 0; a < shape.appsPerTeam; a++) {
        const appId = newId('app');
        app(appId, teamId, `App ${t}-${a}`, now);
        const first = appCount === 0;
        for (let k = 0; k < shape.keysPerApp; k++) {
          const keyId = newId('key');
          const secret = newSecret();
          // One key in ten has an expiry (a year out), as rotated keys do.
          key(keyId, appId, `key ${k}`, secret.slice(0, 12), sha256(secret), keyCount % 10 === 0 ? now + 365 * 86_400_000 : null, now);
          keyCount++;
          if (first && k === 0) Object.assign(known, { appId, secret });
          if (first && k === 1) Object.assign(known, { revokeKeyId: keyId, revokeSecret: secret });
        }
        for (let s = 0; s < shape.subscriptionsPerApp; s++) {
          // The bench's app subscribes to the bench service (the last) first; the others round-robin over all services.
          const index = first ? servicePlans.length - 1 - s : (appCount * shape.subscriptionsPerApp + s) % servicePlans.length;
          const target = servicePlans[index]!;
          // A few in fifty are still waiting for approval, as on a live platform.
          const state = !first && subscriptionCount % 50 === 7 ? 'pending' : 'approved';
          subscription(newId('subscription'), appId, target.serviceId, target.planIds[subscriptionCount % 2], state, state === 'approved' ? now : null, now, now);
          subscriptionCount++;
        }
        appCount++;
      }
    }
    return { known, counts: { teams: teamIds.length, apps: appCount, keys: keyCount, subscriptions: subscriptionCount, services: servicePlans.length, plans: servicePlans.length * 2 } };
  })();
  sql.pragma('wal_checkpoint(TRUNCATE)');
  sql.close();
  return { dbPath, ...seeded.known, counts: seeded.counts, seedMs: performance.now() - started };
}
