import { describe, expect, it } from 'vitest';
import { clientIpFrom, traceFrom } from './context';
import { trustedProxies } from '../identity/trusted-proxies';

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
  const trusted = trustedProxies(['10.0.0.1', '10.0.0.2']);

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

  it('trusts nothing with an empty list', () => {
    expect(clientIpFrom('127.0.0.1', headers({ 'x-forwarded-for': '1.2.3.4', 'x-envoy-external-address': '5.6.7.8' }), trustedProxies([]))).toBe('127.0.0.1');
  });
});

describe('trusted proxies by CIDR range', () => {
  const ranges = trustedProxies(['10.0.0.0/8', 'fd00::/8', '127.0.0.1', '::1']);
  const xff = headers({ 'x-forwarded-for': '6.6.6.6, 198.51.100.7, 10.200.0.9' });

  it('matches IPv4 ranges and exact addresses', () => {
    expect(ranges.has('10.1.2.3')).toBe(true);
    expect(ranges.has('127.0.0.1')).toBe(true);
    expect(ranges.has('11.0.0.1')).toBe(false);
    expect(ranges.has('127.0.0.2')).toBe(false);
    expect(clientIpFrom('10.9.9.9', xff, ranges)).toBe('198.51.100.7');
  });

  it('matches IPv6 ranges and exact addresses', () => {
    expect(ranges.has('fd12:3456::1')).toBe(true);
    expect(ranges.has('::1')).toBe(true);
    expect(ranges.has('fe80::1')).toBe(false);
    expect(ranges.has('2001:db8::1')).toBe(false);
    expect(clientIpFrom('fd00::7', xff, ranges)).toBe('198.51.100.7');
    expect(clientIpFrom('2001:db8::1', xff, ranges)).toBe('2001:db8::1');
  });

  it('matches IPv4-mapped IPv6 peers against IPv4 ranges', () => {
    expect(ranges.has('::ffff:10.1.2.3')).toBe(true);
    expect(ranges.has('::ffff:127.0.0.1')).toBe(true);
    expect(ranges.has('::ffff:11.1.2.3')).toBe(false);
  });

  it('never trusts what is not an address (a hostname, a port, garbage)', () => {
    for (const odd of ['localhost', '10.0.0.1:80', 'unknown', '', '10.0.0.256']) expect(ranges.has(odd), odd).toBe(false);
    // An unparseable hop from a trusted proxy is the nearest untrusted one: it is what the proxy reported.
    expect(clientIpFrom('10.0.0.1', headers({ 'x-forwarded-for': '1.1.1.1, unknown' }), ranges)).toBe('unknown');
  });

  it('refuses a bad entry, naming it', () => {
    expect(() => trustedProxies(['10.0.0.0/33'])).toThrow(/"10\.0\.0\.0\/33" has a bad prefix length: use 0 to 32/);
    expect(() => trustedProxies(['fd00::/129'])).toThrow(/"fd00::\/129" has a bad prefix length: use 0 to 128/);
    expect(() => trustedProxies(['10.0.0.300'])).toThrow(/"10\.0\.0\.300" is not an IP address or CIDR range/);
    expect(() => trustedProxies(['ingress.local'])).toThrow(/"ingress\.local"/);
    expect(() => trustedProxies(['10.0.0.0/x'])).toThrow(/bad prefix length/);
  });
});

describe('trusted hop count (Istio numTrustedProxies, Envoy xff_num_trusted_hops)', () => {
  const chain = headers({ 'x-forwarded-for': '6.6.6.6, 203.0.113.5, 198.51.100.7' });

  it('takes the N-th address from the right of x-forwarded-for from a trusted peer', () => {
    expect(clientIpFrom('10.0.0.1', chain, trustedProxies(['10.0.0.0/8'], 1))).toBe('198.51.100.7');
    expect(clientIpFrom('10.0.0.1', chain, trustedProxies(['10.0.0.0/8'], 2))).toBe('203.0.113.5');
    expect(clientIpFrom('10.0.0.1', chain, trustedProxies(['10.0.0.0/8'], 3))).toBe('6.6.6.6');
  });

  it('counts hops whatever their addresses (unlike the address walk)', () => {
    // 10.3.3.3 is in a trusted range, but with a count the position alone decides.
    expect(clientIpFrom('10.0.0.1', headers({ 'x-forwarded-for': '198.51.100.7, 10.3.3.3' }), trustedProxies(['10.0.0.0/8'], 1))).toBe('10.3.3.3');
  });

  it('falls back to the peer when x-forwarded-for has fewer than N addresses (as Envoy does)', () => {
    expect(clientIpFrom('10.0.0.1', chain, trustedProxies(['10.0.0.0/8'], 4))).toBe('10.0.0.1');
    expect(clientIpFrom('10.0.0.1', headers({}), trustedProxies(['10.0.0.0/8'], 1))).toBe('10.0.0.1');
  });

  it('is not applied for an untrusted peer', () => {
    expect(clientIpFrom('203.0.113.9', chain, trustedProxies(['10.0.0.0/8'], 2))).toBe('203.0.113.9');
  });

  it("still prefers Envoy's external address from a trusted peer", () => {
    expect(clientIpFrom('10.0.0.1', headers({ 'x-envoy-external-address': '192.0.2.44', 'x-forwarded-for': '6.6.6.6, 198.51.100.7' }), trustedProxies(['10.0.0.0/8'], 1))).toBe('192.0.2.44');
  });
});
