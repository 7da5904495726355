import { describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { ConnectTimeouts } from './connector';
import { restSnapshot } from '../testing/rest-snapshot';
import { startRestUpstream } from '../testing/rest-upstream';
import { rootCertificates } from 'node:tls';
import { upstreamTlsContextOptions } from './upstream-tls';
import { clientSubject, tlsFixture } from '../testing/tls/fixtures';
import { startMtlsUpstream } from '../testing/tls/mtls-upstream';

describe('per-origin connect timeouts', () => {
  it("give each REST node origin its upstream's connectMs (the shortest when shared) and others undici's default", async () => {
    const data = restSnapshot({
      upstreams: [
        { name: 'default', nodes: [{ url: 'http://10.0.0.1:8080/base', weight: 1 }, { url: 'https://api.example.com', weight: 1 }], timeouts: { connectMs: 800, firstByteMs: 1_000, totalMs: 0 } },
        { name: 'canary', nodes: [{ url: 'http://10.0.0.1:8080', weight: 1 }], timeouts: { connectMs: 300, firstByteMs: 1_000, totalMs: 0 } },
      ],
      apis: [{ path: '/' }],
    });
    const timeouts = new ConnectTimeouts();
    timeouts.install(data.restServices);
    expect(timeouts.timeoutFor('http://10.0.0.1:8080')).toBe(300);
    expect(timeouts.timeoutFor('https://api.example.com')).toBe(800);
    expect(timeouts.timeoutFor('https://api.openai.com')).toBeNull();
  });

  it('connect through an Agent built on them', async () => {
    const node = await startRestUpstream('a');
    const timeouts = new ConnectTimeouts();
    timeouts.install(restSnapshot({ upstreams: [{ name: 'default', nodes: [{ url: node.url, weight: 1 }] }], apis: [{ path: '/' }] }).restServices);
    const agent = new Agent({ connect: timeouts.connect });
    const res = await request(`${node.url}/ping`, { dispatcher: agent });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    await agent.close();
    await node.close();
  });
});

describe('upstream TLS settings on the connectors (ADR 0037)', () => {
  const upstreamTls = { cert: tlsFixture('client.pem'), key: tlsFixture('client.key'), ca: tlsFixture('ca.pem') };

  it("add the CA file to Node's roots instead of replacing them, and are nothing when unset", () => {
    const options = upstreamTlsContextOptions(upstreamTls)!;
    expect(options.ca).toEqual([...rootCertificates, upstreamTls.ca]);
    expect(upstreamTlsContextOptions({ cert: upstreamTls.cert, key: upstreamTls.key })!.ca).toBeUndefined();
    expect(upstreamTlsContextOptions(undefined)).toBeNull();
    expect(upstreamTlsContextOptions({})).toBeNull();
  });

  it('present the client certificate through the connector of a REST origin with its own timeout and through the default one', async () => {
    const [restNode, other] = await Promise.all([startMtlsUpstream(), startMtlsUpstream()]);
    const timeouts = new ConnectTimeouts(upstreamTls);
    timeouts.install(restSnapshot({ upstreams: [{ name: 'default', nodes: [{ url: restNode.url, weight: 1 }], timeouts: { connectMs: 2_000, firstByteMs: 1_000, totalMs: 0 } }], apis: [{ path: '/' }] }).restServices);
    expect(timeouts.timeoutFor(restNode.url)).toBe(2_000);
    expect(timeouts.timeoutFor(other.url)).toBeNull();
    const agent = new Agent({ connect: timeouts.connect });
    for (const server of [restNode, other]) {
      const res = await request(`${server.url}/ping`, { dispatcher: agent });
      expect(res.statusCode).toBe(200);
      await res.body.dump();
      expect(server.requests).toEqual([{ path: '/ping', subject: clientSubject, sni: null }]);
    }
    await agent.close();
    await Promise.all([restNode.close(), other.close()]);
  });
});
