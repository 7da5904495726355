import type { AppId, CallRecord, ServiceId, TeamId } from '@tollgate/domain';
import { callRecord } from '../testing/call-record-factory';
import type { PortalFixture, TestUser } from '../testing/portal-fixture';

/**
 * The tenants analytics tests share, made through the portal API: two publisher teams with three AI services,
 * two consumer teams with three apps, a person in a consumer and a publisher team at once, and an outsider.
 */
export interface AnalyticsWorld {
  users: { pubOne: TestUser; pubTwo: TestUser; conOne: TestUser; conTwo: TestUser; both: TestUser; outsider: TestUser };
  teams: { pubOne: TeamId; pubTwo: TeamId; conOne: TeamId; conTwo: TeamId };
  services: ServiceId[];
  /** Which team publishes each service. */
  serviceTeam: Map<ServiceId, TeamId>;
  apps: AppId[];
  /** Which team owns each app. */
  appTeam: Map<AppId, TeamId>;
}

export async function createAnalyticsWorld(f: PortalFixture): Promise<AnalyticsWorld> {
  const [pubOne, pubTwo, conOne, conTwo, both, outsider] = await Promise.all(Array.from({ length: 6 }, () => f.createUser()));
  const team = async (slug: string, owner: TestUser) => (await f.createTeam({ slug, name: `Team ${slug}`, ownerUserId: owner.id })).id;
  const teams = { pubOne: await team('pub-one', pubOne!), pubTwo: await team('pub-two', pubTwo!), conOne: await team('con-one', conOne!), conTwo: await team('con-two', conTwo!) };
  await f.addMember(teams.conTwo, both!.id, 'member');
  await f.addMember(teams.pubTwo, both!.id, 'member');
  const service = async (teamId: TeamId, owner: TestUser, slug: string) =>
    (await f.api('POST', `/api/teams/${teamId}/services`, { cookie: owner.cookie, body: { name: `Service ${slug}`, slug, kind: 'ai' }, expect: 201 })).body.service.id as ServiceId;
  const app = async (teamId: TeamId, owner: TestUser, name: string) =>
    (await f.api('POST', `/api/teams/${teamId}/apps`, { cookie: owner.cookie, body: { name }, expect: 201 })).body.app.id as AppId;
  const services = [await service(teams.pubOne, pubOne!, 'llm-one'), await service(teams.pubOne, pubOne!, 'llm-two'), await service(teams.pubTwo, pubTwo!, 'llm-three')];
  const apps = [await app(teams.conOne, conOne!, 'App one'), await app(teams.conOne, conOne!, 'App two'), await app(teams.conTwo, conTwo!, 'App three')];
  return {
    users: { pubOne: pubOne!, pubTwo: pubTwo!, conOne: conOne!, conTwo: conTwo!, both: both!, outsider: outsider! },
    teams,
    services,
    serviceTeam: new Map([[services[0]!, teams.pubOne], [services[1]!, teams.pubOne], [services[2]!, teams.pubTwo]]),
    apps,
    appTeam: new Map([[apps[0]!, teams.conOne], [apps[1]!, teams.conOne], [apps[2]!, teams.conTwo]]),
  };
}

/** A small deterministic PRNG (xorshift32): the same records on every run, so a failure can be replayed. */
export function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4_294_967_296;
  };
}

const models = ['gpt-4o-mini', 'claude-haiku', 'text-embedding-3-small', null] as const;
/** The API follows from the model, as in real traffic; calls refused before a model was known have none. */
const apiOf = (model: (typeof models)[number], rnd: () => number) =>
  model === 'claude-haiku' ? '/v1/messages' : model === 'text-embedding-3-small' ? '/v1/embeddings' : rnd() < 0.3 ? 'prompt:prm_summarise' : '/v1/chat/completions';
const statuses = [200, 200, 200, 200, 200, 200, 200, 200, 201, 400, 401, 429, 499, 500, 502];

export function generateRecords(world: AnalyticsWorld, n: number, start: number, spanMs: number, seed = 1): CallRecord[] {
  const rnd = random(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rnd() * items.length)]!;
  // Each app mostly calls one service with one model, as a real consumer does; the rest is spread wide.
  const habits = new Map(world.apps.map((app) => [app, { serviceId: pick(world.services), model: pick(models) }]));
  return Array.from({ length: n }, (_, i) => {
    const appId = rnd() < 0.1 ? null : pick(world.apps);
    const habit = appId && rnd() < 0.8 ? habits.get(appId)! : { serviceId: pick(world.services), model: pick(models) };
    const { serviceId, model } = habit;
    const status = pick(statuses);
    const stream = rnd() < 0.4;
    const latencyMs = rnd() < 0.01 ? 0 : Math.round(3 + rnd() ** 3 * 25_000);
    const cutEarly = stream && rnd() < 0.05;
    return callRecord({
      id: `call_gen${seed}_${i}`,
      startedAt: start + Math.floor(rnd() * spanMs),
      teamId: appId ? world.appTeam.get(appId)! : world.serviceTeam.get(serviceId)!,
      appId,
      serviceId,
      api: apiOf(model, rnd),
      model,
      status,
      failed: status >= 400 || cutEarly,
      stream,
      latencyMs,
      ttftMs: stream && !cutEarly ? Math.floor(latencyMs * rnd() * 0.5) : null,
      bytesIn: Math.floor(rnd() * 5_000),
      bytesOut: Math.floor(rnd() * 20_000),
      inputTokens: Math.floor(rnd() * 2_000),
      cacheReadTokens: rnd() < 0.3 ? Math.floor(rnd() * 1_000) : 0,
      cacheWriteTokens: rnd() < 0.1 ? Math.floor(rnd() * 500) : 0,
      outputTokens: Math.floor(rnd() * 800),
      reasoningTokens: rnd() < 0.2 ? Math.floor(rnd() * 400) : 0,
      costMicroUsd: Math.floor(rnd() * 3_000),
    });
  });
}
