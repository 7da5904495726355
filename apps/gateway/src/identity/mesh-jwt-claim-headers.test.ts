import { describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../config';
import { meshClaimsFromHeaders } from './mesh-jwt-claim-headers';

/** `TOLLGATE_MESH_JWT_CLAIM_HEADERS` as the gateway reads it at start (ADR 0033), and the claims the headers give. */
const trusted = { TOLLGATE_TRUSTED_PROXIES: '10.0.0.0/8' };
const parse = (value: string, more: Record<string, string> = {}) => parseGatewayConfig({ ...trusted, ...more, TOLLGATE_MESH_JWT_CLAIM_HEADERS: value }).TOLLGATE_MESH_JWT_CLAIM_HEADERS;

describe('TOLLGATE_MESH_JWT_CLAIM_HEADERS', () => {
  it('reads claim:header pairs, headers in lower case, spaces around entries ignored; unset or empty is off', () => {
    expect(parse(' iss:X-Jwt-Iss, sub:x-jwt-sub ,aud:x-jwt-aud,exp:x-jwt-exp,client_id:x-jwt-client-id')).toEqual([
      { claim: 'iss', header: 'x-jwt-iss' },
      { claim: 'sub', header: 'x-jwt-sub' },
      { claim: 'aud', header: 'x-jwt-aud' },
      { claim: 'exp', header: 'x-jwt-exp' },
      { claim: 'client_id', header: 'x-jwt-client-id' },
    ]);
    expect(parseGatewayConfig({}).TOLLGATE_MESH_JWT_CLAIM_HEADERS).toBeUndefined();
    expect(parse('')).toBeUndefined();
  });

  it('needs trusted proxies: the claims are believed only from the mesh', () => {
    expect(() => parseGatewayConfig({ TOLLGATE_MESH_JWT_CLAIM_HEADERS: 'iss:x-jwt-iss,exp:x-jwt-exp' })).toThrow(/TOLLGATE_MESH_JWT_CLAIM_HEADERS: needs TOLLGATE_TRUSTED_PROXIES/);
  });

  it.each([
    ['an entry without a colon', 'iss:x-jwt-iss,exp:x-jwt-exp,x-jwt-sub', /"x-jwt-sub" is not claim:header/],
    ['a nested claim', 'iss:x-jwt-iss,exp:x-jwt-exp,realm.role:x-role', /"realm\.role:x-role": the claim must be a top-level claim name/],
    ['an empty claim', 'iss:x-jwt-iss,exp:x-jwt-exp,:x-jwt-sub', /":x-jwt-sub": the claim must be/],
    ['a header that is not a header name', 'iss:x-jwt-iss,exp:x_jwt_exp', /"exp:x_jwt_exp": the header must be a header name/],
    ['a header the gateway reads itself', 'iss:x-jwt-iss,exp:x-jwt-exp,sub:X-Api-Key', /"sub:X-Api-Key": must not be a header the gateway already reads or writes/],
    ['an x-tollgate-* header', 'iss:x-jwt-iss,exp:x-jwt-exp,sub:x-tollgate-app', /"sub:x-tollgate-app": must not be/],
    ['a claim mapped twice', 'iss:x-jwt-iss,exp:x-jwt-exp,iss:x-other', /"iss:x-other": claim "iss" is mapped twice/],
    ['a header carrying two claims', 'iss:x-jwt-iss,exp:x-jwt-exp,sub:X-JWT-ISS', /"sub:X-JWT-ISS": header "x-jwt-iss" carries two claims/],
    ['no exp', 'iss:x-jwt-iss,sub:x-jwt-sub', /"exp" must be mapped/],
    ['neither iss nor exp', 'sub:x-jwt-sub', /"iss" and "exp" must be mapped/],
  ])('refuses %s at start, naming the entry', (_, value, message) => {
    expect(() => parse(value)).toThrow(/TOLLGATE_MESH_JWT_CLAIM_HEADERS: /);
    expect(() => parse(value)).toThrow(message);
  });

  it('reports every bad entry at once', () => {
    expect(() => parse('iss:x-jwt-iss,exp:x-jwt-exp,a:x_1,b:host')).toThrow(/"a:x_1": the header must be.*"b:host": must not be/);
  });

  it('may be combined with the payload header, but not on the same header', () => {
    const both = parse('iss:x-jwt-iss,exp:x-jwt-exp', { TOLLGATE_MESH_JWT_PAYLOAD_HEADER: 'x-jwt-payload' });
    expect(both).toHaveLength(2);
    expect(() => parse('iss:x-jwt-iss,exp:x-jwt-exp,sub:X-Jwt-Payload', { TOLLGATE_MESH_JWT_PAYLOAD_HEADER: 'x-jwt-payload' })).toThrow(
      /TOLLGATE_MESH_JWT_CLAIM_HEADERS: "x-jwt-payload" is TOLLGATE_MESH_JWT_PAYLOAD_HEADER/,
    );
  });
});

describe('the claims the headers give', () => {
  const value = (claim: string, v: string) => ({ claim, header: `x-jwt-${claim}`, value: v });

  it('reads dates as integers, aud as a comma-separated list, anything else as the text it is', () => {
    const claims = meshClaimsFromHeaders([value('iss', 'https://idp.example.com'), value('exp', ' 1900000000 '), value('nbf', '0'), value('aud', 'a, b,,c'), value('sub', '42')]);
    expect(claims).toEqual({ iss: 'https://idp.example.com', exp: 1_900_000_000, nbf: 0, aud: ['a', 'b', 'c'], sub: '42' });
  });

  it.each(['soon', '1.9e9', '-5', '1900000000.5', ''])('refuses an exp of %j with the 401 of a malformed payload, naming the header', (bad) => {
    expect(() => meshClaimsFromHeaders([value('iss', 'x'), value('exp', bad)])).toThrow(/^Malformed mesh JWT claim in the "x-jwt-exp" header: "exp" must be a whole number of seconds/);
    const refusal = (() => {
      try {
        meshClaimsFromHeaders([value('iat', bad)]);
      } catch (err) {
        return err;
      }
    })();
    expect(refusal).toMatchObject({ status: 401, code: 'invalid_token', message: expect.stringMatching(/"x-jwt-iat" header: "iat" must be/) });
  });
});
