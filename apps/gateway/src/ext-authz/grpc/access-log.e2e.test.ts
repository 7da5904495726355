import { afterAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import type { HttpAccessLogEntry } from '../access-log/entry';
import { envoyAccessLogEntry as entry, startGrpcGateway, streamAccessLogs as stream, type GrpcGateway } from './grpc-harness';

/**
 * The access log service receiver (`envoy.service.accesslog.v3.AccessLogService/StreamAccessLogs`) on real
 * loopback HTTP/2: a client stream as Envoy's HTTP gRPC access logger sends it, identifier first.
 */
const started: GrpcGateway[] = [];
afterAll(async () => {
  for (const g of started) await g.close();
});

async function withSink(trustedProxies = ['127.0.0.1']) {
  const batches: HttpAccessLogEntry[][] = [];
  const g = await startGrpcGateway(null, { trustedProxies, onAccessLogs: (entries) => void batches.push(entries) });
  started.push(g);
  return { g, batches };
}

describe('StreamAccessLogs', () => {
  it('decodes each batch of a stream, identifier first, and answers empty when Envoy ends it', async () => {
    const { g, batches } = await withSink();
    const answer = await stream(g, [
      {
        identifier: { node: { id: 'router~10.8.0.3~istio-ingressgateway-7f9c.istio-system~istio-system.svc.cluster.local', cluster: 'istio-ingressgateway' }, log_name: 'tollgate-als' },
        http_logs: { log_entry: [entry({ requestId: 'req-1', method: 'POST', path: '/items?color=red', status: 201, headers: { 'X-Tollgate-App': 'app_1' } })] },
      },
      {
        http_logs: {
          log_entry: [
            entry({ requestId: 'req-2', method: 'GET', path: '/items', status: 503, flags: { upstream_connection_failure: true, no_healthy_upstream: false } }),
            entry({ requestId: 'req-3', method: 'DELETE', path: '/items/7', flags: { unauthorized_details: { reason: 'EXTERNAL_SERVICE' }, downstream_connection_termination: true } }),
          ],
        },
      },
      // A message with no HTTP entries reaches no sink (TCP batches, which these protos leave out, decode to one).
      { tcp_logs: { log_entry: [{}] } },
    ]);
    expect(answer.error).toBeNull();
    expect(answer.response).toEqual({});
    expect(batches).toHaveLength(2);
    expect(batches[0]).toEqual([
      {
        requestId: 'req-1',
        method: 'POST',
        path: '/items?color=red',
        authority: 'pets.example.org',
        status: 201,
        requestHeaders: { 'x-tollgate-app': 'app_1' },
        requestBodyBytes: 42,
        responseBodyBytes: 1_337,
        startTimeMs: 1_796_000_000_123,
        durationMs: 1_250.25,
        firstUpstreamByteMs: 41.5,
        upstreamCluster: 'outbound|8080||pets.default.svc.cluster.local',
        responseFlags: [],
      },
    ]);
    expect(batches[1]!.map((e) => [e.requestId, e.method, e.status, e.responseFlags])).toEqual([
      ['req-2', 'GET', 503, ['upstream_connection_failure']],
      ['req-3', 'DELETE', null, ['unauthorized_details', 'downstream_connection_termination']],
    ]);
  });

  it('reads unset fields as null, not as zero', async () => {
    const { g, batches } = await withSink();
    await stream(g, [{ http_logs: { log_entry: [{ request: { request_method: 'METHOD_UNSPECIFIED' } }] } }]);
    expect(batches[0]).toEqual([
      { requestId: null, method: null, path: null, authority: null, status: null, requestHeaders: {}, requestBodyBytes: 0, responseBodyBytes: 0, startTimeMs: null, durationMs: null, firstUpstreamByteMs: null, upstreamCluster: null, responseFlags: [] },
    ]);
  });

  it('refuses a stream from a peer outside the trusted proxies: forged logs would falsify call records', async () => {
    const { g, batches } = await withSink(['10.0.0.0/8']);
    const answer = await stream(g, [{ http_logs: { log_entry: [entry({ requestId: 'req-x', method: 'GET', path: '/items', status: 200 })] } }]);
    expect(answer.error?.code).toBe(status.PERMISSION_DENIED);
    expect(batches).toEqual([]);
  });

  it('answers an open stream when the server drains, so Envoy reconnects to another replica', async () => {
    const { g, batches } = await withSink();
    const answer = stream(g, [{ http_logs: { log_entry: [entry({ requestId: 'req-d', method: 'GET', path: '/items', status: 200 })] } }], false);
    for (let i = 0; i < 40 && batches.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(batches).toHaveLength(1);
    const drained = Date.now();
    await g.grpc.drain(2_000);
    expect(Date.now() - drained).toBeLessThan(1_900);
    expect((await answer).error).toBeNull();
  });
});
