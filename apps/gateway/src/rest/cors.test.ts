import { describe, expect, it } from 'vitest';
import type { CorsPolicy } from '@tollgate/domain';
import { answerPreflight, corsResponseHeaders, originAllowed } from './cors';

const policy = (o: Partial<CorsPolicy> = {}): CorsPolicy => ({
  allowOrigins: ['https://app.example.com', 'https://*.example.org'],
  allowMethods: ['GET', 'POST'],
  allowHeaders: ['authorization', 'content-type', 'x-api-key'],
  exposeHeaders: ['x-request-id'],
  allowCredentials: false,
  maxAgeSeconds: 600,
  ...o,
});

describe('CORS origins', () => {
  it('matches exact origins and subdomain wildcards of one label or more, never the bare domain or another scheme', () => {
    const p = policy();
    expect(originAllowed(p, 'https://app.example.com')).toBe(true);
    expect(originAllowed(p, 'https://evil.example.com')).toBe(false);
    expect(originAllowed(p, 'https://a.example.org')).toBe(true);
    expect(originAllowed(p, 'https://a.b.example.org')).toBe(true);
    expect(originAllowed(p, 'https://example.org')).toBe(false);
    expect(originAllowed(p, 'http://a.example.org')).toBe(false);
    expect(originAllowed(p, 'https://a.example.org:8443')).toBe(false);
    expect(originAllowed(p, 'https://evil.com/.example.org')).toBe(false);
  });
});

describe('preflight answers', () => {
  it('echo the origin (never *), the methods, the requested headers and max-age, and vary on what they read', () => {
    const answer = answerPreflight(policy({ allowCredentials: true }), 'https://app.example.com', 'POST', 'Content-Type, X-Api-Key');
    expect(answer).toEqual({
      ok: true,
      headers: {
        'access-control-allow-origin': 'https://app.example.com',
        'access-control-allow-methods': 'GET, POST',
        'access-control-allow-headers': 'content-type, x-api-key',
        'access-control-allow-credentials': 'true',
        'access-control-max-age': '600',
        vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
      },
    });
  });

  it('refuse an origin, a method or a header the policy does not allow, naming it', () => {
    expect(answerPreflight(policy(), 'https://evil.com', 'GET', undefined)).toMatchObject({ ok: false, code: 'cors_origin_not_allowed' });
    expect(answerPreflight(policy(), 'https://app.example.com', 'DELETE', undefined)).toMatchObject({ ok: false, code: 'cors_method_not_allowed' });
    const header = answerPreflight(policy(), 'https://app.example.com', 'GET', 'x-secret');
    expect(header).toMatchObject({ ok: false, code: 'cors_header_not_allowed', message: expect.stringContaining('x-secret') });
  });

  it('take * for headers and methods only without credentials', () => {
    const open = policy({ allowHeaders: ['*'], allowMethods: ['*'] });
    expect(answerPreflight(open, 'https://app.example.com', 'PATCH', 'x-anything')).toMatchObject({ ok: true, headers: { 'access-control-allow-methods': 'PATCH' } });
    const credentialed = policy({ allowHeaders: ['*'], allowMethods: ['*'], allowCredentials: true });
    expect(answerPreflight(credentialed, 'https://app.example.com', 'PATCH', undefined)).toMatchObject({ ok: false, code: 'cors_method_not_allowed' });
    expect(answerPreflight(policy({ allowHeaders: ['*'], allowCredentials: true }), 'https://app.example.com', 'GET', 'x-anything')).toMatchObject({ ok: false });
  });
});

describe('actual calls', () => {
  it('carry the allowed origin, credentials and exposed headers; another origin gets only Vary', () => {
    expect(corsResponseHeaders(policy({ allowCredentials: true }), 'https://a.example.org')).toEqual({
      'access-control-allow-origin': 'https://a.example.org',
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'x-request-id',
      vary: 'Origin',
    });
    expect(corsResponseHeaders(policy(), 'https://evil.com')).toEqual({ vary: 'Origin' });
    expect(corsResponseHeaders(policy(), undefined)).toEqual({ vary: 'Origin' });
  });
});
