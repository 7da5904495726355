import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import OpenAI from 'openai';
import { startMockOpenAi } from '@tollgate/providers';
import { parseGatewayConfig } from '@tollgate/gateway/config';
import { parsePortalConfig } from '@tollgate/portal';
import type { PlanLimits } from '@tollgate/domain';
import { startAllInOne, type AllInOneHooks } from '../start';
import { PortalClient } from '../portal-client';

/** The all-in-one platform on free loopback ports with a throwaway data directory, admin signed in. */
export async function startTestPlatform(env: Record<string, string> = {}, hooks: AllInOneHooks = {}) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tollgate-test-'));
  const base = { TOLLGATE_DATA_DIR: dataDir, TOLLGATE_PORTAL_PORT: '0', TOLLGATE_GATEWAY_PORT: '0', TOLLGATE_LOG_LEVEL: 'silent', ...env };
  const platform = await startAllInOne(parsePortalConfig(base), parseGatewayConfig(base), pino({ level: 'silent' }), hooks);
  const firstAdmin = platform.portal.firstAdmin;
  if (!firstAdmin) throw new Error('a fresh data directory must create the first admin');
  const admin = new PortalClient(platform.portalUrl);
  await admin.login(firstAdmin.email, firstAdmin.password);
  return {
    platform,
    admin,
    dataDir,
    async close() {
      await platform.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The publisher's half of the tour: a provider, a team, an AI service exposing `model`, a plan, published. */
export async function publishAiService(
  admin: PortalClient,
  o: { upstreamUrl: string; upstreamKey: string; approval: 'auto' | 'manual'; limits?: PlanLimits; model?: string },
) {
  const model = o.model ?? 'gpt-4o-mini';
  const { provider } = await admin.must('POST', '/api/providers', { name: 'openai-main', type: 'openai', baseUrl: o.upstreamUrl, apiKey: o.upstreamKey });
  const { team } = await admin.must('POST', '/api/teams', { name: 'AI Platform', slug: 'ai-platform' });
  const { service } = await admin.must('POST', `/api/teams/${team.id}/services`, { name: 'LLM', slug: 'llm', kind: 'ai' });
  await admin.must('POST', `/api/services/${service.id}/models`, { name: model, targets: [{ providerId: provider.id, model }] });
  const { plan } = await admin.must('POST', `/api/services/${service.id}/plans`, { name: 'standard', approval: o.approval, limits: o.limits ?? {} });
  await admin.must('POST', `/api/services/${service.id}/lifecycle`, { state: 'published' }, 200);
  return { provider, team, service, plan, model };
}

/** The consumer's half: a developer with their own team, an app and a key (the secret, shown once). */
export async function createConsumer(admin: PortalClient, slug = 'consumers') {
  const { user, password } = await admin.must('POST', '/api/users', { email: `dev@${slug}.test`, name: 'Dev' });
  const { team } = await admin.must('POST', '/api/teams', { name: slug, slug, ownerUserId: user.id });
  const dev = new PortalClient(admin.baseUrl);
  await dev.login(user.email, password);
  const { app } = await dev.must('POST', `/api/teams/${team.id}/apps`, { name: 'chatbot' });
  const { key, secret } = await dev.must('POST', `/api/apps/${app.id}/keys`, { name: 'default' });
  // The password too, so a browser test can sign in as this developer.
  return { dev, user, password: password as string, team, app, key, secret: secret as string };
}

/**
 * A platform with one published AI service on an auto-approval plan over a mock OpenAI, and an approved
 * consumer's official SDK client: the start of every test about what the gateway serves.
 */
export async function startSubscribedPlatform() {
  const upstream = await startMockOpenAi({ apiKey: 'sk-up' });
  const t = await startTestPlatform();
  const published = await publishAiService(t.admin, { upstreamUrl: upstream.url, upstreamKey: 'sk-up', approval: 'auto' });
  const consumer = await createConsumer(t.admin);
  await consumer.dev.must('POST', `/api/apps/${consumer.app.id}/subscriptions`, { planId: published.plan.id });
  const client = new OpenAI({ apiKey: consumer.secret, baseURL: `${t.platform.gatewayUrl}/v1`, maxRetries: 0 });
  return {
    ...t,
    upstream,
    client,
    serviceId: published.service.id as string,
    providerId: published.provider.id as string,
    async close() {
      await t.close();
      await upstream.close();
    },
  };
}
