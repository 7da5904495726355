import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { startTestGateway } from '../testing/gateway-harness';
import { restIds, restKeys, restSnapshot, type RestSnapshotOptions } from '../testing/rest-snapshot';
import { startRestUpstream, type RestUpstreamServer } from '../testing/rest-upstream';

/** What the upstream sees, and what the client gets back: rewrites, header rules, identity, stripping. */
let node: RestUpstreamServer;
const closers: Array<() => Promise<void>> = [];
beforeAll(async () => {
  node = await startRestUpstream('a', (req, res) => {
    req.resume();
    req.once('end', () => {
      res.writeHead(200, {
        'content-type': 'application/json',
        connection: 'x-internal-hop',
        'x-internal-hop': 'should not pass',
        'x-upstream-secret': 'strip me',
        'x-kept': 'kept',
        vary: 'Accept-Encoding',
      });
      res.end(JSON.stringify({ url: req.url, headers: req.headers }));
    });
  });
  closers.push(node.close);
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

async function gatewayWith(o: Partial<RestSnapshotOptions>, deps: Parameters<typeof startTestGateway>[1] = {}) {
  const gateway = await startTestGateway(
    restSnapshot({
      upstreams: [{ name: 'default', nodes: [{ url: `${node.url}/base`, weight: 1 }] }],
      apis: [{ path: '/pets/{id}' }],
      ...o,
    }),
    deps,
  );
  closers.push(gateway.close);
  return gateway;
}

/** node:http, not undici, as the client: it sends a Connection header naming other headers as it is told. */
const seen = (url: string, headers: Record<string, string>) =>
  new Promise<{ status: number; res: http.IncomingHttpHeaders; url: string; headers: Record<string, string> }>((resolve, reject) => {
    const req = http.request(url, { headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (chunk: Buffer) => parts.push(chunk));
      res.on('end', () => {
        const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as { url: string; headers: Record<string, string> };
        resolve({ status: res.statusCode ?? 0, res: res.headers, url: body.url, headers: body.headers });
      });
    });
    req.on('error', reject);
    req.end();
  });

describe('the upstream request', () => {
  it('is rewritten by template under the node base path, with addQuery, and the rules applied', async () => {
    const gateway = await gatewayWith({
      apis: [
        {
          path: '/pets/{id}',
          rewrite: { template: '/v2/animals/{id}' },
          addQuery: { tenant: 'acme' },
          requestHeaders: { set: { 'x-set': 'set-by-rule' }, add: { 'x-multi': 'second' }, remove: ['x-drop-me'] },
          responseHeaders: { set: { 'x-powered-by': 'tollgate' }, add: {}, remove: ['x-upstream-secret'] },
        },
      ],
    });
    const got = await seen(`${gateway.url}/pets/pets/42?tenant=evil&keep=1`, {
      authorization: `Bearer ${restKeys.approved}`,
      'x-multi': 'first',
      'x-drop-me': 'x',
      'x-set': 'client value',
    });
    expect(got.url).toBe('/base/v2/animals/42?keep=1&tenant=acme');
    expect(got.headers).toMatchObject({ 'x-set': 'set-by-rule', 'x-multi': 'first, second' });
    expect(got.headers['x-drop-me']).toBeUndefined();
    // Response: rules applied, hop-by-hop (and what Connection named) gone, Vary kept and extended.
    expect(got.res).toMatchObject({ 'x-powered-by': 'tollgate', 'x-kept': 'kept' });
    expect(got.res['x-upstream-secret']).toBeUndefined();
    expect(got.res['x-internal-hop']).toBeUndefined();
  });

  it('carries the caller identity and trace, never the client x-tollgate-* headers or the consumer credential', async () => {
    const gateway = await gatewayWith({ keyLocations: { header: 'x-pets-key', query: 'api_key' } });
    const got = await seen(`${gateway.url}/pets/pets/1?api_key=${restKeys.approved}&a=1`, {
      'x-api-key': restKeys.approved,
      'x-pets-key': 'something',
      'x-tollgate-app': 'app_forged',
      'x-tollgate-anything': 'forged',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      tracestate: 'congo=t61rcWkgMzE',
      b3: 'abc-def-1',
      'x-request-id': 'client-chosen-id-0001',
      connection: 'close, x-client-hop',
      'x-client-hop': 'hop',
      'proxy-authorization': 'Basic secret',
    });
    expect(got.status).toBe(200);
    expect(got.headers).toMatchObject({
      'x-tollgate-app': restIds.app,
      'x-tollgate-team': restIds.team,
      'x-tollgate-subscription': restIds.subscription,
      tracestate: 'congo=t61rcWkgMzE',
      b3: 'abc-def-1',
      'x-request-id': 'client-chosen-id-0001',
    });
    expect(got.headers.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(got.headers.traceparent).not.toContain('00f067aa0ba902b7');
    for (const stripped of ['x-api-key', 'authorization', 'x-pets-key', 'x-tollgate-anything', 'x-client-hop', 'proxy-authorization']) {
      expect(got.headers[stripped], stripped).toBeUndefined();
    }
    expect(got.url).toBe('/base/pets/1?a=1');
    expect(JSON.stringify(got.headers)).not.toContain(restKeys.approved);
  });

  it("adds the upstream's static credential and Host, and x-forwarded-* (a trusted proxy's chain extended)", async () => {
    const gateway = await gatewayWith(
      { upstreams: [{ name: 'default', nodes: [{ url: node.url, weight: 1 }], credential: { header: 'X-Upstream-Key', value: 'up-secret' }, hostHeader: 'pets.internal' }] },
      { trustedProxies: ['127.0.0.1'] },
    );
    const got = await seen(`${gateway.url}/pets/pets/1`, {
      authorization: `Bearer ${restKeys.approved}`,
      'x-forwarded-for': '198.51.100.7',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'api.example.com',
      'x-upstream-key': 'client tries to set it',
    });
    expect(got.headers).toMatchObject({
      'x-upstream-key': 'up-secret',
      host: 'pets.internal',
      'x-forwarded-for': '198.51.100.7, 127.0.0.1',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'api.example.com',
    });
  });

  it('drops the forwarding claims of an untrusted peer', async () => {
    const gateway = await gatewayWith({});
    const got = await seen(`${gateway.url}/pets/pets/1`, { authorization: `Bearer ${restKeys.approved}`, 'x-forwarded-for': '6.6.6.6', 'x-forwarded-proto': 'https' });
    expect(got.headers).toMatchObject({ 'x-forwarded-for': '127.0.0.1', 'x-forwarded-proto': 'http', 'x-forwarded-host': new URL(gateway.url).host });
  });
});
