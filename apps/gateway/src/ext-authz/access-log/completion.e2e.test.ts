import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { CallRecord } from '@tollgate/domain';
import { testKeys } from '../../testing/test-snapshot';
import { restKeys } from '../../testing/rest-snapshot';
import { startRestUpstream, type RestUpstreamServer } from '../../testing/rest-upstream';
import { checkSnapshot } from '../check-snapshot';
import { envoyAccessLogEntry, envoyCheck, headersOf, httpStatusNumber, startGrpcGateway, streamAccessLogs, type GrpcGateway } from '../grpc/grpc-harness';

/**
 * The authorizer mode end to end (ADR 0036), on real loopback HTTP/2 with Envoy-shaped messages: a gRPC check
 * allows a call, Envoy's access log entry for it arrives on the same server, and the one call record carries
 * what Envoy measured. AI calls are checked on their body, reserve their tokens, and settle from the entry.
 */
let node: RestUpstreamServer;
let g: GrpcGateway;

beforeAll(async () => {
  node = await startRestUpstream('a');
  const snapshot = checkSnapshot(node.url, {
    ai: {
      planLimits: { tokensPerMinute: 5_000 },
      priceOverrides: { 'gpt-4o-mini': { input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 } },
    },
  });
  g = await startGrpcGateway(snapshot, { trustedProxies: ['127.0.0.1'], extAuthzAccessLogWaitMs: 60_000 });
});
afterAll(async () => {
  await g.close();
  await node.close();
});

const recordsOf = async (requestId: string, wait = true): Promise<CallRecord[]> => {
  for (let i = 0; i < (wait ? 40 : 1); i++) {
    const found = (await g.gateway.flushed()).filter((r) => r.requestId === requestId);
    if (found.length) return found;
    await new Promise((r) => setTimeout(r, 25));
  }
  return [];
};

const metric = async (outcome: string) => {
  const text = await (await request(`${g.gateway.url}/metrics`)).body.text();
  return Number(new RegExp(`tollgate_gateway_ext_authz_access_log_entries\\{outcome="${outcome}"\\} (\\d+)`).exec(text)?.[1]);
};

const chatBody = (o: object = {}) => JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Write a haiku about tolls.' }], max_tokens: 200, ...o });

/** A chat call's check with the body Istio's `includeRequestBodyInCheck` puts in `attributes.request.http.body`. */
function aiCheck(body: string | null, key = testKeys.approved) {
  const check = envoyCheck('POST', '/v1/chat/completions', { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, { host: 'llm.example.org' });
  if (body !== null) Object.assign(check.request.attributes.request.http, { body, size: Buffer.byteLength(body) });
  return check;
}

describe('a REST call decided by the check and completed by the access log', () => {
  it('holds the record until Envoy reports the call, then writes it once with the real status, latency and bytes', async () => {
    const { request: check, requestId } = envoyCheck('POST', '/items', { 'x-api-key': restKeys.approved });
    const { response } = await g.check(check);
    expect(response!.status.code).toBe(0);
    expect(headersOf(response!.ok_response!.headers)['x-request-id']).toBe(requestId);
    // The check alone writes nothing: its record waits for the entry.
    expect(await recordsOf(requestId, false)).toEqual([]);
    const answered = await streamAccessLogs(g, [
      { identifier: { log_name: 'tollgate' }, http_logs: { log_entry: [envoyAccessLogEntry({ requestId, method: 'POST', path: '/items', status: 201, headers: { 'x-tollgate-app': 'app_approved000000000' } })] } },
    ]);
    expect(answered.error).toBeNull();
    const records = await recordsOf(requestId);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ status: 201, failed: false, latencyMs: 1_250, bytesIn: 42, bytesOut: 1_337, upstream: 'ext_authz', upstreamNode: 'outbound|8080||pets.default.svc.cluster.local', method: 'POST', path: '/items' });
    expect(records[0]!.appId).not.toBeNull();
    expect(node.requests).toHaveLength(0);
    expect(await metric('completed')).toBeGreaterThanOrEqual(1);
  });

  it('records a denial at check time, and only counts its entry', async () => {
    const { request: check, requestId } = envoyCheck('GET', '/items', { 'x-api-key': 'tg_wrong_key_0000000000000' });
    const { response } = await g.check(check);
    expect(httpStatusNumber(response!.denied_response!.status.code as never)).toBe(401);
    const before = await metric('denied');
    await streamAccessLogs(g, [{ http_logs: { log_entry: [envoyAccessLogEntry({ requestId, method: 'GET', path: '/items', status: 401, flags: { unauthorized_details: { reason: 'EXTERNAL_SERVICE' } } })] } }]);
    expect(await metric('denied')).toBe(before + 1);
  });

  it('counts calls no check allowed (what failOpen lets through) on Tollgate\u2019s hosts, and ignores other services', async () => {
    const [unchecked, foreign] = [await metric('unchecked'), await metric('foreign')];
    await streamAccessLogs(g, [
      {
        http_logs: {
          log_entry: [
            envoyAccessLogEntry({ requestId: 'open-1', method: 'GET', path: '/items', status: 200 }),
            envoyAccessLogEntry({ requestId: 'other-1', method: 'GET', path: '/', status: 200, authority: 'shop.example.org' }),
          ],
        },
      },
    ]);
    expect([await metric('unchecked'), await metric('foreign')]).toEqual([unchecked + 1, foreign + 1]);
    expect(await recordsOf('open-1', false)).toEqual([]);
  });
});

describe('an AI call decided by the check', () => {
  it('reserves its tokens at check time and settles them from the entry: the estimate billed, marked as such', async () => {
    const { request: check, requestId } = aiCheck(chatBody());
    const { response } = await g.check(check);
    expect(response!.status.code).toBe(0);
    const toClient = headersOf(response!.ok_response!.response_headers_to_add);
    expect(toClient['ratelimit-policy']).toMatch(/;q=5000;w=60;qu="tokens"/);
    // The key must not reach the model server.
    expect(response!.ok_response!.headers_to_remove).toContain('authorization');
    // 600 bytes of answer: about 200 tokens of output, the allowance the call asked for.
    await streamAccessLogs(g, [{ http_logs: { log_entry: [envoyAccessLogEntry({ requestId, method: 'POST', path: '/v1/chat/completions', status: 200, bytesOut: 600, authority: 'llm.example.org' })] } }]);
    const [record] = await recordsOf(requestId);
    expect(record).toMatchObject({ status: 200, model: 'gpt-4o-mini', serviceId: 'svc_llm00000000', providerId: 'prv_primary0000', usageProblem: 'usage_missing', outputTokens: 200 });
    expect(record!.inputTokens).toBeGreaterThan(0);
    expect(record!.costMicroUsd).toBeGreaterThan(0);
  });

  it('releases the reservation of a call the model server failed', async () => {
    const { request: check, requestId } = aiCheck(chatBody({ max_tokens: 4_000 }));
    const first = headersOf((await g.check(check)).response!.ok_response!.response_headers_to_add);
    // The plan's one limit is the token limit: x-ratelimit-remaining is its tokens left.
    const reservedRemaining = Number(first['x-ratelimit-remaining']);
    expect(Number.isInteger(reservedRemaining)).toBe(true);
    await streamAccessLogs(g, [{ http_logs: { log_entry: [envoyAccessLogEntry({ requestId, method: 'POST', path: '/v1/chat/completions', status: 503, flags: { upstream_connection_failure: true }, authority: 'llm.example.org' })] } }]);
    const [record] = await recordsOf(requestId);
    expect(record).toMatchObject({ status: 503, failed: true, errorCode: 'upstream_failed', outputTokens: 0 });
    // The next call sees the 4,000 reserved tokens back.
    const next = headersOf((await g.check(aiCheck(chatBody({ max_tokens: 10 })).request)).response!.ok_response!.response_headers_to_add);
    const remaining = Number(next['x-ratelimit-remaining']);
    expect(remaining).toBeGreaterThan(reservedRemaining + 3_000);
  });

  it('needs the body, whole, and refuses the AI calls only the gateway can serve', async () => {
    const missing = await g.check(aiCheck(null).request);
    expect(httpStatusNumber(missing.response!.denied_response!.status.code as never)).toBe(400);
    expect(JSON.parse(missing.response!.denied_response!.body).error.code).toBe('ext_authz_body_required');
    const partial = aiCheck(chatBody().slice(0, 20));
    Object.assign(partial.request.attributes.request.http.headers, { 'x-envoy-auth-partial-body': 'true' });
    const cut = await g.check(partial.request);
    expect(JSON.parse(cut.response!.denied_response!.body).error.code).toBe('ext_authz_partial_body');
    const models = await g.check(envoyCheck('GET', '/v1/models', { authorization: `Bearer ${testKeys.approved}` }).request);
    expect(JSON.parse(models.response!.denied_response!.body).error.code).toBe('ext_authz_not_supported');
    const unknownModel = await g.check(aiCheck(chatBody({ model: 'gpt-9' })).request);
    expect(JSON.parse(unknownModel.response!.denied_response!.body).error.code).toBe('model_not_found');
    const badJson = await g.check(aiCheck('{"model":').request);
    expect(httpStatusNumber(badJson.response!.denied_response!.status.code as never)).toBe(400);
  });
});
