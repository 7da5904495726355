import { describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../config';
import { checkedPath, extAuthzPrefixProblem } from './prefix';

describe('the ext_authz path prefix', () => {
  it('takes the original path after it, segment-wise', () => {
    expect(checkedPath('/ext-authz', '/ext-authz/pets/items')).toBe('/pets/items');
    expect(checkedPath('/ext-authz', '/ext-authz')).toBe('/');
    expect(checkedPath('/ext-authz', '/ext-authz/')).toBe('/');
    expect(checkedPath('/ext-authz', '/ext-authzx/items')).toBeNull();
    expect(checkedPath('/ext-authz', '/pets/ext-authz/items')).toBeNull();
    expect(checkedPath('/mesh/check', '/mesh/check/items')).toBe('/items');
  });

  it('refuses prefixes that are not plain paths or that shadow the gateway’s own segments', () => {
    expect(extAuthzPrefixProblem('/ext-authz')).toBeNull();
    expect(extAuthzPrefixProblem('/mesh/check')).toBeNull();
    expect(extAuthzPrefixProblem('ext-authz')).toMatch(/not a path prefix/);
    expect(extAuthzPrefixProblem('/ext-authz/')).toMatch(/no trailing/);
    expect(extAuthzPrefixProblem('/a b')).toMatch(/not a path prefix/);
    expect(extAuthzPrefixProblem('/v1/check')).toMatch(/starts with \/v1, which the gateway serves itself/);
    expect(extAuthzPrefixProblem('/healthz')).toMatch(/serves itself/);
  });

  it('is off unless set, and needs trusted proxies when set', () => {
    expect(parseGatewayConfig({}).TOLLGATE_EXT_AUTHZ_PATH_PREFIX).toBeUndefined();
    expect(parseGatewayConfig({ TOLLGATE_EXT_AUTHZ_PATH_PREFIX: '' }).TOLLGATE_EXT_AUTHZ_PATH_PREFIX).toBeUndefined();
    expect(parseGatewayConfig({ TOLLGATE_EXT_AUTHZ_PATH_PREFIX: '/ext-authz', TOLLGATE_TRUSTED_PROXIES: '10.0.0.0/8' }).TOLLGATE_EXT_AUTHZ_PATH_PREFIX).toBe('/ext-authz');
    expect(() => parseGatewayConfig({ TOLLGATE_EXT_AUTHZ_PATH_PREFIX: '/ext-authz' })).toThrow(/TOLLGATE_EXT_AUTHZ_PATH_PREFIX: needs TOLLGATE_TRUSTED_PROXIES/);
    expect(() => parseGatewayConfig({ TOLLGATE_EXT_AUTHZ_PATH_PREFIX: '/v1', TOLLGATE_TRUSTED_PROXIES: '10.0.0.0/8' })).toThrow(/serves itself/);
  });
});
