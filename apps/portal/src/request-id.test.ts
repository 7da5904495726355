import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from './http/errors';
import { createPortalFixture, type PortalFixture } from './testing/portal-fixture';

/**
 * Every error the portal answers carries a request id, the same one in the body and in `x-request-id`: for
 * unknown URLs, refused sessions, bad media types, oversized and malformed bodies and unknown resources alike.
 */
const maxBodyBytes = 2_000;
type Case = [name: string, method: string, path: string, body: string | undefined, headers: Record<string, string>, signedIn: boolean, status: number];
const json = { 'content-type': 'application/json' };
const cases: Case[] = [
  ['an unknown URL', 'GET', '/nope', undefined, {}, false, 404],
  ['an unknown API URL', 'GET', '/api/nope', undefined, {}, false, 404],
  ['an unknown API URL, signed in', 'POST', '/api/nope', '{}', json, true, 404],
  ['no session', 'GET', '/api/users', undefined, {}, false, 401],
  ['a body that is not JSON', 'POST', '/api/users', '{nope', json, true, 400],
  ['a body that is not JSON at all (415)', 'POST', '/api/users', 'x', { 'content-type': 'text/plain' }, true, 415],
  ['an oversized body (413)', 'POST', '/api/users', JSON.stringify({ email: 'a@b.test', name: 'x'.repeat(maxBodyBytes) }), json, true, 413],
  ['an unknown resource', 'GET', '/api/services/svc_doesnotexist00', undefined, {}, true, 404],
  ['a wrong password', 'POST', '/api/auth/login', JSON.stringify({ email: 'nobody@example.test', password: 'wrong-password-1' }), json, false, 401],
  ['the internal channel without its token', 'GET', '/api/internal/snapshot', undefined, {}, false, 401],
];

let f: PortalFixture;
beforeAll(async () => {
  f = await createPortalFixture({ settings: { maxBodyBytes, internalToken: 'internal-token-'.padEnd(40, 'x') } });
});
afterAll(() => f.close());

describe('request ids on every portal error', () => {
  it.each(cases)('%s: %s %s', async (_name, method, path, body, headers, signedIn, status) => {
    const send = (extra: Record<string, string> = {}) =>
      f.app.request(path, { method, body, headers: { ...headers, ...(signedIn ? { cookie: f.admin.cookie } : {}), ...extra } });
    const res = await send();
    expect(res.status).toBe(status);
    const requestId = res.headers.get('x-request-id');
    expect(requestId).toMatch(/^req_[A-Za-z0-9_-]{8,}$/);
    expect(((await res.json()) as ApiErrorBody).error).toEqual({ code: expect.any(String), message: expect.any(String), requestId });

    const echoed = await send({ 'x-request-id': 'caller-chosen-1' });
    expect(echoed.headers.get('x-request-id')).toBe('caller-chosen-1');
    expect(((await echoed.json()) as ApiErrorBody).error.requestId).toBe('caller-chosen-1');
  });
});
