import { describe, expect, it } from 'vitest';
import { clientIpFrom, traceFrom } from './context';

const headers = (h: Record<string, string>) => (name: string) => h[name];

describe('traceFrom', () => {
  it('continues a valid W3C trace with a new parent span, keeping the flags', () => {
    const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const trace = traceFrom(headers({ traceparent: incoming, tracestate: 'congo=t61rcWkgMzE' }));
    const [version, traceId, spanId, flags] = trace.traceparent.split('-');
    expect([version, traceId, flags]).toEqual(['00', '4bf92f3577b34da6a3ce929d0e0e4736', '01']);
    expect(spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(spanId).not.toBe('00f067aa0ba902b7');
    expect(trace.headers.tracestate).toBe('congo=t61rcWkgMzE');
  });

  it('starts a new trace for a missing, malformed or all-zero traceparent', () => {
    for (const bad of [undefined, 'garbage', '00-00000000000000000000000000000000-00f067aa0ba902b7-01', '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01']) {
      const trace = traceFrom(headers(bad ? { traceparent: bad } : {}));
      expect(trace.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect(trace.traceparent).not.toContain('4bf92f3577b34da6a3ce929d0e0e4736');
    }
  });

  it('passes B3 headers through unchanged', () => {
    const trace = traceFrom(headers({ 'x-b3-traceid': 'abc', 'x-b3-spanid': 'def', 'x-b3-sampled': '1', b3: 'abc-def-1' }));
    expect(trace.headers).toMatchObject({ 'x-b3-traceid': 'abc', 'x-b3-spanid': 'def', 'x-b3-sampled': '1', b3: 'abc-def-1' });
  });
});

describe('clientIpFrom', () => {
  const trusted = new Set(['10.0.0.1', '10.0.0.2']);

  it('ignores forwarding headers from an untrusted peer', () => {
    expect(clientIpFrom('203.0.113.9', headers({ 'x-forwarded-for': '1.2.3.4', 'x-envoy-external-address': '5.6.7.8' }), trusted)).toBe('203.0.113.9');
  });

  it('takes the nearest untrusted hop of x-forwarded-for from a trusted proxy', () => {
    // A client can prepend anything; only the hops added by our proxies are believed.
    expect(clientIpFrom('10.0.0.1', headers({ 'x-forwarded-for': '6.6.6.6, 198.51.100.7, 10.0.0.2' }), trusted)).toBe('198.51.100.7');
  });

  it("prefers Envoy's external address from a trusted proxy", () => {
    expect(clientIpFrom('10.0.0.1', headers({ 'x-envoy-external-address': '198.51.100.8', 'x-forwarded-for': '1.1.1.1' }), trusted)).toBe('198.51.100.8');
  });

  it('falls back to the peer when a trusted proxy sent no forwarding header', () => {
    expect(clientIpFrom('10.0.0.1', headers({}), trusted)).toBe('10.0.0.1');
  });
});
