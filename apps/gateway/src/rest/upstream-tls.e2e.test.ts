import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { request } from 'undici';
import WebSocket from 'ws';
import type { ActiveHealthCheck } from '@tollgate/domain';
import { parseGatewayConfig } from '../config';
import { createGatewayRuntime } from '../runtime';
import { startHttpServer } from '../http/server';
import { SnapshotHolder } from '../snapshot/snapshot-source';
import { startTestGateway } from '../testing/gateway-harness';
import { restKeys, restSnapshot, type TestUpstream } from '../testing/rest-snapshot';
import { clientSubject, tlsFixture, tlsFixturePath } from '../testing/tls/fixtures';
import { startMtlsUpstream, type MtlsUpstream } from '../testing/tls/mtls-upstream';

/**
 * The "in front of the ingress" topology (ADR 0037): the REST node is an HTTPS server that, like an Istio ingress
 * with `tls.mode: MUTUAL`, has a certificate from a private CA and refuses a client without a certificate of it.
 */
let ingress: MtlsUpstream;
const closers: Array<() => Promise<void>> = [];
beforeAll(async () => {
  ingress = await startMtlsUpstream();
  closers.push(ingress.close);
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

const snapshot = (upstream: Partial<TestUpstream> = {}) =>
  restSnapshot({ upstreams: [{ name: 'default', nodes: [{ url: ingress.url, weight: 1 }], ...upstream }], apis: [{ path: '/items' }] });
const upstreamTls = { cert: tlsFixture('client.pem'), key: tlsFixture('client.key'), ca: tlsFixture('ca.pem') };

async function call(gatewayUrl: string, path = '/pets/items') {
  const res = await request(`${gatewayUrl}${path}`, { headers: { authorization: `Bearer ${restKeys.approved}` } });
  const text = await res.body.text();
  return { status: res.statusCode, json: JSON.parse(text) };
}

/** Opens a WebSocket through the gateway: the first echo, or the status the gateway refused the upgrade with. */
const echoThrough = (gatewayUrl: string) =>
  new Promise<string | number>((resolve, reject) => {
    const ws = new WebSocket(`${gatewayUrl.replace('http', 'ws')}/pets/live`, { headers: { authorization: `Bearer ${restKeys.approved}` } });
    ws.once('open', () => ws.send('hello'));
    ws.once('message', (data) => {
      resolve(data.toString());
      ws.close();
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });

describe('a client certificate for the ingress', () => {
  it('is presented by a WebSocket upgrade too, which opens its own TLS connection', async () => {
    const ws = () => restSnapshot({ upstreams: [{ name: 'default', nodes: [{ url: ingress.url, weight: 1 }] }], apis: [{ path: '/live', websocket: true, name: 'live' }] });
    const withCert = await startTestGateway(ws(), { upstreamTls });
    const without = await startTestGateway(ws(), {});
    closers.push(withCert.close, without.close);
    ingress.requests.length = 0;
    expect(await echoThrough(withCert.url)).toBe('echo: hello');
    expect(ingress.requests).toEqual([{ path: '/live', subject: clientSubject, sni: null }]);
    // No certificate (and the private CA unknown): the upgrade fails as any upstream failure does.
    expect(await echoThrough(without.url)).toBe(502);
  });

  it('is presented with the settings: the call succeeds and the upstream saw its subject', async () => {
    const gateway = await startTestGateway(snapshot(), { upstreamTls });
    closers.push(gateway.close);
    ingress.requests.length = 0;
    const res = await call(gateway.url);
    expect(res).toEqual({ status: 200, json: { path: '/items', subject: clientSubject } });
    // An IP address is no server name: no SNI.
    expect(ingress.requests).toEqual([{ path: '/items', subject: clientSubject, sni: null }]);
    expect((await gateway.flushed()).at(-1)).toMatchObject({ status: 200, upstream: 'default' });
  });

  it("sends the upstream's hostHeader as SNI and checks the ingress's certificate against it", async () => {
    // An Istio ingress chooses the Gateway server (and its certificate and client CA) by SNI, so it must be the host.
    const named = await startTestGateway(snapshot({ hostHeader: 'localhost' }), { upstreamTls });
    const mismatched = await startTestGateway(snapshot({ hostHeader: 'pets.example.com' }), { upstreamTls });
    closers.push(named.close, mismatched.close);
    ingress.requests.length = 0;
    expect(await call(named.url)).toMatchObject({ status: 200, json: { subject: clientSubject } });
    expect(ingress.requests).toEqual([{ path: '/items', subject: clientSubject, sni: 'localhost' }]);
    // The test server's certificate is for localhost only: another name fails the check, and the call is a 502.
    expect((await call(mismatched.url)).status).toBe(502);
    expect(ingress.requests).toHaveLength(1);
  });

  it("without the settings, the gateway refuses the private CA's server certificate: the normal 502, recorded", async () => {
    const gateway = await startTestGateway(snapshot());
    closers.push(gateway.close);
    ingress.requests.length = 0;
    const res = await call(gateway.url);
    expect(res.status).toBe(502);
    expect(res.json.error).toMatchObject({ code: 'upstream_failed', message: "The upstream of service 'Pets' could not be reached or failed before answering." });
    expect(ingress.requests).toHaveLength(0);
    expect((await gateway.flushed()).at(-1)).toMatchObject({ status: 502, failed: true, errorCode: 'upstream_failed' });
    // The gateway still serves: the failure was one call's.
    expect((await request(`${gateway.url}/healthz`)).statusCode).toBe(200);
  });

  it('with the CA alone, the ingress refuses the handshake for want of a certificate: a 502 too', async () => {
    const gateway = await startTestGateway(snapshot(), { upstreamTls: { ca: upstreamTls.ca } });
    closers.push(gateway.close);
    ingress.requests.length = 0;
    ingress.handshakeErrors.length = 0;
    const res = await call(gateway.url);
    expect(res.status).toBe(502);
    expect(res.json.error.code).toBe('upstream_failed');
    expect(ingress.requests).toHaveLength(0);
    // It is the ingress that refused, on the missing certificate: the gateway did trust its server certificate.
    expect(ingress.handshakeErrors.some((m) => /peer did not return a certificate/.test(m))).toBe(true);
  });
});

describe('from the environment, through the runtime', () => {
  it('reads the three files and presents the certificate on calls and on health probes alike', async () => {
    const config = parseGatewayConfig({
      TOLLGATE_UPSTREAM_TLS_CERT_FILE: tlsFixturePath('client.pem'),
      TOLLGATE_UPSTREAM_TLS_KEY_FILE: tlsFixturePath('client.key'),
      TOLLGATE_UPSTREAM_TLS_CA_FILE: tlsFixturePath('ca.pem'),
    });
    const snapshots = new SnapshotHolder();
    // Probes that failed the handshake would take the only node out: then calls would be 503s.
    const healthCheck: ActiveHealthCheck = { path: '/health', intervalMs: 50, timeoutMs: 1_000, healthyThreshold: 1, unhealthyThreshold: 1 };
    snapshots.install(snapshot({ healthCheck }));
    const runtime = createGatewayRuntime(config, { snapshots, sink: { write: () => {} }, logger: pino({ level: 'silent' }) });
    const http = startHttpServer({ fetch: runtime.app.fetch, hostname: '127.0.0.1', port: 0, requestTimeoutMs: 30_000 });
    closers.push(async () => {
      await http.drain();
      await runtime.close();
    });
    const gatewayUrl = `http://127.0.0.1:${await http.listening}`;
    ingress.requests.length = 0;
    // The first call installs the snapshot's upstreams, and with them the probes.
    expect((await call(gatewayUrl)).json.subject).toEqual(clientSubject);
    const deadline = Date.now() + 2_000;
    while (Date.now() < deadline && ingress.requests.filter((r) => r.path === '/health').length < 3) await new Promise((r) => setTimeout(r, 25));
    const probes = ingress.requests.filter((r) => r.path === '/health');
    expect(probes.length).toBeGreaterThanOrEqual(3);
    expect(probes.every((p) => p.subject.CN === clientSubject.CN)).toBe(true);
    expect((await call(gatewayUrl)).status).toBe(200);
  });
});
