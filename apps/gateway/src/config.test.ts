import { describe, expect, it } from 'vitest';
import { parseGatewayConfig } from './config';

describe('gateway configuration: behind the ingress (ADR 0033)', () => {
  it('accepts exact addresses and CIDR ranges of both families as trusted proxies', () => {
    const config = parseGatewayConfig({ TOLLGATE_TRUSTED_PROXIES: '10.0.0.0/8, fd00::/8,127.0.0.1, ::1' });
    expect(config.TOLLGATE_TRUSTED_PROXIES).toEqual(['10.0.0.0/8', 'fd00::/8', '127.0.0.1', '::1']);
    expect(config.TOLLGATE_TRUSTED_HOPS).toBeUndefined();
    expect(config.TOLLGATE_MESH_JWT_PAYLOAD_HEADER).toBeUndefined();
  });

  it('refuses a bad trusted proxy entry at start, naming it', () => {
    expect(() => parseGatewayConfig({ TOLLGATE_TRUSTED_PROXIES: '10.0.0.0/8,10.0.0.0/33' })).toThrow(/TOLLGATE_TRUSTED_PROXIES: "10\.0\.0\.0\/33" has a bad prefix length/);
    expect(() => parseGatewayConfig({ TOLLGATE_TRUSTED_PROXIES: 'istio-ingressgateway' })).toThrow(/TOLLGATE_TRUSTED_PROXIES: "istio-ingressgateway" is not an IP address or CIDR range/);
  });

  it('reads a hop count, only alongside trusted proxies', () => {
    expect(parseGatewayConfig({ TOLLGATE_TRUSTED_PROXIES: '10.0.0.0/8', TOLLGATE_TRUSTED_HOPS: '2' }).TOLLGATE_TRUSTED_HOPS).toBe(2);
    expect(parseGatewayConfig({ TOLLGATE_TRUSTED_PROXIES: '10.0.0.0/8', TOLLGATE_TRUSTED_HOPS: '' }).TOLLGATE_TRUSTED_HOPS).toBeUndefined();
    expect(() => parseGatewayConfig({ TOLLGATE_TRUSTED_PROXIES: '10.0.0.0/8', TOLLGATE_TRUSTED_HOPS: '0' })).toThrow(/TOLLGATE_TRUSTED_HOPS/);
    expect(() => parseGatewayConfig({ TOLLGATE_TRUSTED_HOPS: '1' })).toThrow(/TOLLGATE_TRUSTED_HOPS: needs TOLLGATE_TRUSTED_PROXIES/);
  });

  it('reads the mesh JWT payload header in lower case, only alongside trusted proxies', () => {
    const config = parseGatewayConfig({ TOLLGATE_TRUSTED_PROXIES: '10.0.0.0/8', TOLLGATE_MESH_JWT_PAYLOAD_HEADER: 'X-Jwt-Payload' });
    expect(config.TOLLGATE_MESH_JWT_PAYLOAD_HEADER).toBe('x-jwt-payload');
    expect(() => parseGatewayConfig({ TOLLGATE_MESH_JWT_PAYLOAD_HEADER: 'x-jwt-payload' })).toThrow(/TOLLGATE_MESH_JWT_PAYLOAD_HEADER: needs TOLLGATE_TRUSTED_PROXIES/);
    for (const bad of ['authorization', 'X-Api-Key', 'x-tollgate-app', 'x jwt', 'x_jwt']) {
      expect(() => parseGatewayConfig({ TOLLGATE_TRUSTED_PROXIES: '10.0.0.0/8', TOLLGATE_MESH_JWT_PAYLOAD_HEADER: bad }), bad).toThrow(/TOLLGATE_MESH_JWT_PAYLOAD_HEADER/);
    }
  });
});
