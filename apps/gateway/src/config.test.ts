import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { parseGatewayConfig } from './config';
import { tlsFixture, tlsFixturePath } from './testing/tls/fixtures';

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

describe('gateway configuration: ext_authz over gRPC', () => {
  it('is off by default and an empty value reads as unset', () => {
    expect(parseGatewayConfig({}).TOLLGATE_EXT_AUTHZ_GRPC_PORT).toBeUndefined();
    expect(parseGatewayConfig({ TOLLGATE_EXT_AUTHZ_GRPC_PORT: '' }).TOLLGATE_EXT_AUTHZ_GRPC_PORT).toBeUndefined();
  });

  it('takes a port, only with trusted proxies, and refuses what is not a port', () => {
    expect(parseGatewayConfig({ TOLLGATE_TRUSTED_PROXIES: '10.0.0.0/8', TOLLGATE_EXT_AUTHZ_GRPC_PORT: '9191' }).TOLLGATE_EXT_AUTHZ_GRPC_PORT).toBe(9191);
    expect(() => parseGatewayConfig({ TOLLGATE_EXT_AUTHZ_GRPC_PORT: '9191' })).toThrow(/TOLLGATE_EXT_AUTHZ_GRPC_PORT: needs TOLLGATE_TRUSTED_PROXIES/);
    for (const bad of ['70000', '-1', 'grpc', '91.5']) {
      expect(() => parseGatewayConfig({ TOLLGATE_TRUSTED_PROXIES: '10.0.0.0/8', TOLLGATE_EXT_AUTHZ_GRPC_PORT: bad }), bad).toThrow(/TOLLGATE_EXT_AUTHZ_GRPC_PORT/);
    }
  });
});

describe('gateway configuration: upstream client certificate (ADR 0037)', () => {
  const cert = tlsFixturePath('client.pem');
  const key = tlsFixturePath('client.key');
  const tmp = mkdtempSync(join(tmpdir(), 'tollgate-tls-'));
  const fileWith = (name: string, text: string) => {
    const path = join(tmp, name);
    writeFileSync(path, text);
    return path;
  };
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('reads the files once, at parse, and reads empty values as unset', () => {
    const config = parseGatewayConfig({ TOLLGATE_UPSTREAM_TLS_CERT_FILE: cert, TOLLGATE_UPSTREAM_TLS_KEY_FILE: key, TOLLGATE_UPSTREAM_TLS_CA_FILE: tlsFixturePath('ca.pem') });
    expect(config.TOLLGATE_UPSTREAM_TLS_CERT_FILE).toEqual({ path: cert, pem: tlsFixture('client.pem') });
    expect(config.TOLLGATE_UPSTREAM_TLS_KEY_FILE?.pem).toBe(tlsFixture('client.key'));
    expect(config.TOLLGATE_UPSTREAM_TLS_CA_FILE?.pem).toBe(tlsFixture('ca.pem'));
    const unset = parseGatewayConfig({ TOLLGATE_UPSTREAM_TLS_CERT_FILE: '', TOLLGATE_UPSTREAM_TLS_KEY_FILE: '', TOLLGATE_UPSTREAM_TLS_CA_FILE: '' });
    expect([unset.TOLLGATE_UPSTREAM_TLS_CERT_FILE, unset.TOLLGATE_UPSTREAM_TLS_KEY_FILE, unset.TOLLGATE_UPSTREAM_TLS_CA_FILE]).toEqual([undefined, undefined, undefined]);
    // A CA alone is enough for an ingress with a private server certificate that asks for no client certificate.
    expect(parseGatewayConfig({ TOLLGATE_UPSTREAM_TLS_CA_FILE: tlsFixturePath('ca.pem') }).TOLLGATE_UPSTREAM_TLS_CERT_FILE).toBeUndefined();
  });

  it('needs the certificate and the key together, naming the missing one', () => {
    expect(() => parseGatewayConfig({ TOLLGATE_UPSTREAM_TLS_CERT_FILE: cert })).toThrow(/TOLLGATE_UPSTREAM_TLS_KEY_FILE: missing: TOLLGATE_UPSTREAM_TLS_CERT_FILE is set/);
    expect(() => parseGatewayConfig({ TOLLGATE_UPSTREAM_TLS_KEY_FILE: key })).toThrow(/TOLLGATE_UPSTREAM_TLS_CERT_FILE: missing: TOLLGATE_UPSTREAM_TLS_KEY_FILE is set/);
  });

  it('refuses a file it cannot read, naming the variable and the file', () => {
    const missing = join(tmp, 'nope.pem');
    expect(() => parseGatewayConfig({ TOLLGATE_UPSTREAM_TLS_CA_FILE: missing })).toThrow(`TOLLGATE_UPSTREAM_TLS_CA_FILE: cannot read "${missing}" (ENOENT)`);
    expect(() => parseGatewayConfig({ TOLLGATE_UPSTREAM_TLS_CERT_FILE: tmp, TOLLGATE_UPSTREAM_TLS_KEY_FILE: key })).toThrow(`TOLLGATE_UPSTREAM_TLS_CERT_FILE: cannot read "${tmp}" (EISDIR)`);
  });

  it('refuses files that are not PEM, or whose PEM does not parse', () => {
    const text = fileWith('notes.txt', 'not a certificate\n');
    expect(() => parseGatewayConfig({ TOLLGATE_UPSTREAM_TLS_CA_FILE: text })).toThrow(`TOLLGATE_UPSTREAM_TLS_CA_FILE: "${text}" is not PEM: it has no -----BEGIN CERTIFICATE----- block`);
    expect(() => parseGatewayConfig({ TOLLGATE_UPSTREAM_TLS_CERT_FILE: cert, TOLLGATE_UPSTREAM_TLS_KEY_FILE: text })).toThrow(`TOLLGATE_UPSTREAM_TLS_KEY_FILE: "${text}" is not PEM: it has no -----BEGIN PRIVATE KEY----- block`);
    // A certificate given as the key is PEM, but not a key.
    expect(() => parseGatewayConfig({ TOLLGATE_UPSTREAM_TLS_CERT_FILE: cert, TOLLGATE_UPSTREAM_TLS_KEY_FILE: cert })).toThrow(/TOLLGATE_UPSTREAM_TLS_KEY_FILE: .* is not PEM: it has no -----BEGIN PRIVATE KEY----- block/);
    // The second certificate of a bundle is broken: the message says which.
    const bundle = fileWith('bundle.pem', `${tlsFixture('ca.pem')}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`);
    expect(() => parseGatewayConfig({ TOLLGATE_UPSTREAM_TLS_CA_FILE: bundle })).toThrow(`TOLLGATE_UPSTREAM_TLS_CA_FILE: "${bundle}": certificate 2 of 2 does not parse`);
    const badKey = fileWith('bad.key', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
    expect(() => parseGatewayConfig({ TOLLGATE_UPSTREAM_TLS_CERT_FILE: cert, TOLLGATE_UPSTREAM_TLS_KEY_FILE: badKey })).toThrow(`TOLLGATE_UPSTREAM_TLS_KEY_FILE: "${badKey}": the private key does not parse`);
  });

  it('refuses an encrypted key: there is no passphrase setting', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const encrypted = fileWith('encrypted.key', privateKey);
    expect(() => parseGatewayConfig({ TOLLGATE_UPSTREAM_TLS_CERT_FILE: cert, TOLLGATE_UPSTREAM_TLS_KEY_FILE: encrypted })).toThrow(`TOLLGATE_UPSTREAM_TLS_KEY_FILE: "${encrypted}" holds an encrypted key`);
  });

  it("refuses a key that is not the certificate's, in words rather than OpenSSL's", () => {
    const other = tlsFixturePath('server.key');
    expect(() => parseGatewayConfig({ TOLLGATE_UPSTREAM_TLS_CERT_FILE: cert, TOLLGATE_UPSTREAM_TLS_KEY_FILE: other })).toThrow(
      `TOLLGATE_UPSTREAM_TLS_KEY_FILE: "${other}" is not the private key of the certificate in TOLLGATE_UPSTREAM_TLS_CERT_FILE`,
    );
  });
});
