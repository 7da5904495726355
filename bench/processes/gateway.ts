import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { parseGatewayConfig } from '@tollgate/gateway/config';
import { parsePortalConfig } from '@tollgate/portal';
import { startAllInOne } from '@tollgate/all-in-one';
import { PortalClient } from '@tollgate/all-in-one/portal-client';
import { reportLoopDelay } from './loop-delay';

/**
 * The gateway under test with its full chain: key lookup, subscription check, plan limits that are counted
 * (a request limit and a token limit, reserved and settled, set high enough never to refuse), and metering
 * into SQLite. Seeded through the portal's HTTP API. A second argument is a Redis URL for the shared limiter.
 * `BENCH_EXT_AUTHZ=1` also answers Envoy ext_authz checks under /ext-authz from 127.0.0.1 (ADR 0035), as a
 * gateway behind an Istio ingress does; the other scenarios run without it, so their figures stay comparable.
 */
const upstreamUrl = process.argv[2]!;
const redisUrl = process.argv[3];
const dataDir = mkdtempSync(path.join(tmpdir(), 'tollgate-bench-'));
const env = {
  TOLLGATE_DATA_DIR: dataDir,
  TOLLGATE_PORTAL_PORT: '0',
  TOLLGATE_GATEWAY_PORT: '0',
  TOLLGATE_LOG_LEVEL: 'silent',
  ...(redisUrl ? { TOLLGATE_REDIS_URL: redisUrl } : {}),
  ...(process.env.BENCH_EXT_AUTHZ === '1' ? { TOLLGATE_EXT_AUTHZ_PATH_PREFIX: '/ext-authz', TOLLGATE_TRUSTED_PROXIES: '127.0.0.1' } : {}),
  // A setting to try under load (TOLLGATE_METER_BATCH_SIZE=100 npm run bench:check), passed on as given.
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('TOLLGATE_'))),
};
// The wide event per call is written as in production (info), to /dev/null, so its cost is in the figures.
const logger = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'info' }, pino.destination({ dest: '/dev/null', sync: false }));
const platform = await startAllInOne(parsePortalConfig(env), parseGatewayConfig(env), logger);
const admin = new PortalClient(platform.portalUrl);
await admin.login(platform.portal.firstAdmin!.email, platform.portal.firstAdmin!.password);

const { provider } = await admin.must('POST', '/api/providers', { name: 'bench-openai', type: 'openai', baseUrl: upstreamUrl, apiKey: 'sk-bench' });
const { team } = await admin.must('POST', '/api/teams', { name: 'Bench', slug: 'bench' });
const { service } = await admin.must('POST', `/api/teams/${team.id}/services`, { name: 'Bench LLM', slug: 'bench-llm', kind: 'ai' });
await admin.must('POST', `/api/services/${service.id}/models`, { name: 'gpt-4o-mini', targets: [{ providerId: provider.id, model: 'gpt-4o-mini' }] });
const { plan } = await admin.must('POST', `/api/services/${service.id}/plans`, { name: 'unlimited', approval: 'auto', limits: { requestsPerMinute: 1_000_000_000, tokensPerMinute: 1_000_000_000_000 } });
await admin.must('POST', `/api/services/${service.id}/lifecycle`, { state: 'published' }, 200);
const { app } = await admin.must('POST', `/api/teams/${team.id}/apps`, { name: 'bench' });
const { secret } = await admin.must('POST', `/api/apps/${app.id}/keys`, { name: 'bench' });
await admin.must('POST', `/api/apps/${app.id}/subscriptions`, { planId: plan.id });
// Wait until the gateway serves the new key (the snapshot swap follows the write).
for (let ok = false; !ok; ) {
  const res = await fetch(`${platform.gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'warm up' }] }),
  });
  ok = res.status === 200;
  await res.arrayBuffer();
}

// A REST service in front of the same mock upstream, for the REST target: the same key, its own plan with a
// counted (never reached) request limit, metered like any call. Its APIs rewrite to the mock's own paths. Its
// host is what an ingress's ext_authz check names (the client's Host); proxied calls reach it by slug.
const { service: rest } = await admin.must('POST', `/api/teams/${team.id}/services`, { name: 'Bench REST', slug: 'bench-rest', kind: 'rest', hosts: ['bench-rest.example.com'] });
await admin.must('PUT', `/api/services/${rest.id}/upstreams/default`, {
  nodes: [{ url: new URL(upstreamUrl).origin }],
  credential: { header: 'authorization', value: 'Bearer sk-bench' },
}, 201);
await admin.must('POST', `/api/services/${rest.id}/apis`, { name: 'models', methods: ['GET'], path: '/models', rewrite: { template: '/v1/models' } });
await admin.must('POST', `/api/services/${rest.id}/apis`, { name: 'chat', methods: ['POST'], path: '/chat', rewrite: { template: '/v1/chat/completions' } });
const { plan: restPlan } = await admin.must('POST', `/api/services/${rest.id}/plans`, { name: 'unlimited', approval: 'auto', limits: { requestsPerMinute: 1_000_000_000 } });
await admin.must('POST', `/api/services/${rest.id}/lifecycle`, { state: 'published' }, 200);
await admin.must('POST', `/api/apps/${app.id}/subscriptions`, { planId: restPlan.id });
for (let ok = false; !ok; ) {
  const res = await fetch(`${platform.gatewayUrl}/bench-rest/models`, { headers: { authorization: `Bearer ${secret}` } });
  ok = res.status === 200;
  await res.arrayBuffer();
  if (!ok) await new Promise((resolve) => setTimeout(resolve, 50));
}

reportLoopDelay();
process.stdout.write(`READY ${new URL(platform.gatewayUrl).port} ${secret}\n`);
process.on('SIGTERM', () => {
  const recorded = platform.meter.stats;
  void platform.close().then(() => {
    rmSync(dataDir, { recursive: true, force: true });
    process.stderr.write(`gateway meter: ${JSON.stringify(recorded)}\n`);
    process.exit(0);
  });
});
