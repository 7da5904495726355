import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { first, providers, releases, subscriptions } from '@tollgate/db';
import { newId, type AppId, type PlanId, type ProviderId, type ServiceId, type SubscriptionId } from '@tollgate/domain';
import { sealCredentials } from '../providers/credentials';
import { createSecretBox } from '../secrets/secret-box';
import { createPortalFixture, type PortalFixture } from '../testing/portal-fixture';
import { compileSnapshot } from './compile';
import { createSnapshotPublisher } from './publisher';

/** A real pino logger whose lines land in `lines`, parsed. */
const capturingLogger = () => {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
};

describe('compileSnapshot', () => {
  let f: PortalFixture;
  let team: string;
  let serviceId: ServiceId;
  const plan = {} as Record<'auto' | 'manual', PlanId>;

  const compiled = async (id: string) => (await compileSnapshot(f.db, f.secrets)).subscriptions.filter((s) => s.id === id);
  const newApp = async () =>
    (await f.api('POST', `/api/teams/${team}/apps`, { cookie: f.admin.cookie, body: { name: `app-${randomBytes(3).toString('hex')}` }, expect: 201 })).body.app.id as AppId;
  const subscribe = async (appId: AppId, planId: PlanId) =>
    (await f.api('POST', `/api/apps/${appId}/subscriptions`, { cookie: f.admin.cookie, body: { planId }, expect: 201 })).body.subscription.id as SubscriptionId;

  beforeAll(async () => {
    f = await createPortalFixture();
    team = (await f.createTeam({ slug: 'snapshot-team' })).id;
    const as = (method: string, path: string, body: unknown, expect = 201) => f.api(method, path, { cookie: f.admin.cookie, body, expect });
    serviceId = (await as('POST', `/api/teams/${team}/services`, { name: 'Weather', slug: 'weather', kind: 'rest' })).body.service.id;
    plan.auto = (await as('POST', `/api/services/${serviceId}/plans`, { name: 'Free', approval: 'auto' })).body.plan.id;
    plan.manual = (await as('POST', `/api/services/${serviceId}/plans`, { name: 'Gold', approval: 'manual' })).body.plan.id;
    await as('POST', `/api/services/${serviceId}/lifecycle`, { state: 'published' }, 200);
  });
  afterAll(() => f.close());

  it('carries the publishing team\'s slug and when the live release was made, for /v1/models', async () => {
    const service = (await compileSnapshot(f.db, f.secrets)).services.find((s) => s.id === serviceId);
    const live = (await first(f.db.select().from(releases).where(eq(releases.serviceId, serviceId))))!;
    expect(service).toMatchObject({ teamSlug: 'snapshot-team', release: live.version, releasedAt: live.createdAt });
  });

  it('carries a paused subscription as paused, and as approved again once resumed', async () => {
    const id = await subscribe(await newApp(), plan.auto);
    expect(await compiled(id)).toEqual([expect.objectContaining({ state: 'approved', serviceId, planId: plan.auto })]);
    await f.api('POST', `/api/subscriptions/${id}/pause`, { cookie: f.admin.cookie, body: { reason: 'Overdue' }, expect: 200 });
    expect(await compiled(id)).toEqual([expect.objectContaining({ state: 'paused' })]);
    await f.api('POST', `/api/subscriptions/${id}/resume`, { cookie: f.admin.cookie, expect: 200 });
    expect(await compiled(id)).toEqual([expect.objectContaining({ state: 'approved' })]);
  });

  it('keeps the approved subscription when the same app has a newer pending one to the service', async () => {
    const appId = await newApp();
    const approved = await subscribe(appId, plan.auto);
    // The API refuses a second request while one is live; a plan change waiting for approval looks like this.
    const pending = newId('subscription');
    const later = Date.now() + 60_000;
    await f.db.insert(subscriptions)
      .values({ id: pending, appId, serviceId, planId: plan.manual, state: 'pending', createdAt: later, updatedAt: later });
    const forApp = (await compileSnapshot(f.db, f.secrets)).subscriptions.filter((s) => s.appId === appId);
    expect(forApp).toEqual([{ id: approved, appId, serviceId, planId: plan.auto, state: 'approved' }]);

    // With nothing approved, the most recent one is the one whose state the gateway names.
    await f.api('POST', `/api/subscriptions/${approved}/cancel`, { cookie: f.admin.cookie, expect: 200 });
    expect((await compileSnapshot(f.db, f.secrets)).subscriptions.filter((s) => s.appId === appId)).toEqual([
      expect.objectContaining({ id: pending, state: 'pending' }),
    ]);
  });

  it('leaves out a provider whose credentials cannot be opened, names it in the log, and compiles the rest', async () => {
    const create = async (name: string) =>
      (await f.api('POST', '/api/providers', { cookie: f.admin.cookie, body: { name, type: 'openai', baseUrl: `https://${name}.example.test/v1`, apiKey: `sk-${name}` }, expect: 201 })).body.provider.id as ProviderId;
    const healthy = await create('healthy');
    const broken = await create('broken');
    // As if restored from a backup made under another master key.
    const otherBox = createSecretBox(randomBytes(32));
    await f.db.update(providers).set({ credentials: sealCredentials(otherBox, { keys: [{ key: 'sk-broken', weight: 1 }] }) }).where(eq(providers.id, broken));

    const { logger, lines } = capturingLogger();
    const snapshot = await compileSnapshot(f.db, f.secrets, logger);
    expect(snapshot.providers.map((p) => p.id)).toContain(healthy);
    expect(snapshot.providers.find((p) => p.id === healthy)).toMatchObject({ name: 'healthy', apiKey: 'sk-healthy' });
    expect(snapshot.providers.map((p) => p.id)).not.toContain(broken);
    expect(snapshot.subscriptions.length).toBeGreaterThan(0);
    expect(lines).toEqual([expect.objectContaining({ level: 50, providerId: broken, msg: expect.stringContaining(`provider ${broken} (broken)`) })]);
    expect(JSON.stringify(lines)).not.toContain('sk-broken');

    // The publisher starts on the same database, and a later change still reaches it.
    const publisher = await createSnapshotPublisher({ db: f.db, secrets: f.secrets, logger });
    try {
      expect(publisher.current().providers.map((p) => p.id)).toEqual(expect.arrayContaining([healthy]));
      expect(publisher.current().providers.map((p) => p.id)).not.toContain(broken);
      const seen: ProviderId[][] = [];
      publisher.subscribe((s) => seen.push(s.providers.map((p) => p.id)));
      const fresh = await create('fresh');
      publisher.configChanged();
      await publisher.settled();
      expect(seen.at(-1)).toEqual(expect.arrayContaining([healthy, fresh]));
      expect(seen.at(-1)).not.toContain(broken);
    } finally {
      publisher.close();
    }
  });
});
