import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsumer, startTestPlatform } from './testing/test-platform';

/**
 * A REST service from the portal to the wire: published with two nodes and a canary, subscribed to, approved,
 * called, split, rolled back, and then read back as call records and analytics by API.
 */
interface Node {
  name: string;
  url: string;
  seen: Array<{ url: string; headers: Record<string, string | string[] | undefined> }>;
  server: Server;
}

async function startNode(name: string): Promise<Node> {
  const seen: Node['seen'] = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    req.resume();
    req.once('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ node: name, url: req.url }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { name, url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen, server };
}

let t: Awaited<ReturnType<typeof startTestPlatform>>;
let nodes: Node[];
beforeAll(async () => {
  t = await startTestPlatform();
  nodes = await Promise.all(['a', 'b', 'canary'].map(startNode));
});
afterAll(async () => {
  await t.close();
  for (const n of nodes) await new Promise((resolve) => n.server.close(resolve));
});

/** Polls until the gateway's snapshot shows what was just released (the portal pushes it within moments). */
async function eventually<T>(attempt: () => Promise<T>, done: (value: T) => boolean, ms = 3_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await attempt();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('a REST service end to end', () => {
  it('publishes with two nodes, refuses until approved, balances, splits to a canary, rolls back, and meters by API', async () => {
    const [a, b, canary] = nodes as [Node, Node, Node];
    const { team } = await t.admin.must('POST', '/api/teams', { name: 'Pets Team', slug: 'pets-team' });
    const { service } = await t.admin.must('POST', `/api/teams/${team.id}/services`, { name: 'Pets', slug: 'pets', kind: 'rest' });
    const svc = service.id as string;
    await t.admin.must('PUT', `/api/services/${svc}/upstreams/default`, { nodes: [{ url: a.url }, { url: b.url }], credential: { header: 'x-upstream-key', value: 'up-secret' } }, 201);
    const { api } = await t.admin.must('POST', `/api/services/${svc}/apis`, { name: 'Get a pet', methods: ['GET'], path: '/pets/{id}' });
    const { plan } = await t.admin.must('POST', `/api/services/${svc}/plans`, { name: 'reviewed', approval: 'manual', limits: {} });
    await t.admin.must('POST', `/api/services/${svc}/lifecycle`, { state: 'published' }, 200);

    const consumer = await createConsumer(t.admin);
    const other = await createConsumer(t.admin, 'others');
    const { subscription } = await consumer.dev.must('POST', `/api/apps/${consumer.app.id}/subscriptions`, { planId: plan.id });
    const get = async (secret: string, path = '/pets/pets/7') => {
      const res = await fetch(`${t.platform.gatewayUrl}${path}`, { headers: { authorization: `Bearer ${secret}`, 'x-tollgate-app': 'app_forged' } });
      return { status: res.status, body: (await res.json()) as { node?: string; url?: string; error?: { code: string; message: string } }, requestId: res.headers.get('x-request-id') };
    };

    // Pending: refused with the reason, and nothing reaches a node; another team's key gets nothing either.
    const pending = await eventually(() => get(consumer.secret), (r) => r.body.error?.code === 'subscription_pending');
    expect(pending.status).toBe(403);
    expect(pending.body.error!.message).toContain('is pending approval');
    expect((await get(other.secret)).body.error!.code).toBe('not_subscribed');
    expect(a.seen.length + b.seen.length).toBe(0);

    await t.admin.must('POST', `/api/subscriptions/${subscription.id}/approve`, { reason: 'ok' }, 200);
    const first = await eventually(() => get(consumer.secret), (r) => r.status === 200);
    expect(first.body.url).toBe('/pets/7');
    const served: Record<string, number> = { [first.body.node!]: 1 };
    for (let i = 0; i < 9; i++) {
      const r = await get(consumer.secret);
      served[r.body.node!] = (served[r.body.node!] ?? 0) + 1;
    }
    expect(served).toEqual({ a: 5, b: 5 });
    const seenByA = a.seen.at(-1)!.headers;
    expect(seenByA).toMatchObject({ 'x-upstream-key': 'up-secret', 'x-tollgate-app': consumer.app.id, 'x-tollgate-team': consumer.team.id, 'x-tollgate-subscription': subscription.id });
    expect(seenByA.authorization).toBeUndefined();

    // A canary at 50 % through a release; a pin header sends a caller to it whatever the split says.
    await t.admin.must('PUT', `/api/services/${svc}/upstreams/canary`, { nodes: [{ url: canary.url }] }, 201);
    await t.admin.must('PUT', `/api/services/${svc}/traffic`, { split: [{ upstream: 'default', weight: 50 }, { upstream: 'canary', weight: 50 }], pin: { header: 'x-pin' } }, 200);
    const { release } = await t.admin.must('POST', `/api/services/${svc}/releases`);
    await eventually(() => get(consumer.secret), (r) => r.body.node === 'canary');
    const split: Record<string, number> = {};
    for (let i = 0; i < 200; i++) {
      const r = await get(consumer.secret);
      split[r.body.node === 'canary' ? 'canary' : 'default'] = (split[r.body.node === 'canary' ? 'canary' : 'default'] ?? 0) + 1;
    }
    expect(split.canary).toBeGreaterThan(60);
    expect(split.default).toBeGreaterThan(60);
    const pinned = await fetch(`${t.platform.gatewayUrl}/pets/pets/1`, { headers: { authorization: `Bearer ${consumer.secret}`, 'x-pin': 'canary' } });
    expect(((await pinned.json()) as { node: string }).node).toBe('canary');

    // Rolling back to the first release takes the canary out again.
    const { releases } = await t.admin.must('GET', `/api/services/${svc}/releases`);
    const before = releases.find((r: { version: number }) => r.version !== release.version);
    await t.admin.must('POST', `/api/services/${svc}/releases/${before.version}/publish`, undefined, 200);
    const afterRollback = await eventually(
      async () => {
        const seen = new Set<string>();
        for (let i = 0; i < 20; i++) seen.add((await get(consumer.secret)).body.node!);
        return seen;
      },
      (seen) => !seen.has('canary'),
    );
    expect(afterRollback).toEqual(new Set(['a', 'b']));

    // The records: api rest:<id>, the template, upstream and node; analytics name the API.
    await t.platform.meter.flush();
    const { records } = await t.admin.must('GET', `/api/call-records?serviceId=${svc}&upstream=canary`);
    expect(records.length).toBeGreaterThan(40);
    expect(new Set(records.map((r: { upstream: string }) => r.upstream))).toEqual(new Set(['canary']));
    expect(records[0]).toMatchObject({ api: `rest:${api.id}`, route: '/pets/{id}', method: 'GET', upstream: 'canary', upstreamNode: canary.url, status: 200 });
    // No model, no tokens, no cost: a REST call is metered by status, latency and bytes.
    expect(records[0]).toMatchObject({ model: null, providerId: null, inputTokens: 0, outputTokens: 0, costMicroUsd: 0, bytesOut: expect.any(Number) });
    expect(records[0].traceId).toMatch(/^[0-9a-f]{32}$/);
    const refused = (await t.admin.must('GET', `/api/call-records?serviceId=${svc}&status=403`)).records;
    expect(refused.length).toBeGreaterThanOrEqual(1);
    const top = await eventually(
      () => t.admin.must('GET', `/api/analytics/top?dimension=api&metric=requests&serviceId=${svc}`),
      (x: { rows?: unknown[]; items?: unknown[] }) => JSON.stringify(x).includes(`rest:${api.id}`),
      5_000,
    );
    expect(JSON.stringify(top)).toContain('GET /pets/{id}');
  });
});
