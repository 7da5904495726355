import { describe, expect, it } from 'vitest';
import { ApiTrie, type MatchFacts } from './api-trie';
import { compileRestRoutes, hostName, locateService, rawPathAndQuery } from './route-table';
import { apiOf, restSnapshot, type TestApi } from '../testing/rest-snapshot';
import { upstreamPath, upstreamQuery } from './node-target';

const trie = (apis: TestApi[]) => new ApiTrie(apis.map((a, i) => apiOf({ name: a.name ?? a.path, ...a }, i)));
const facts = (method: string, headers: Record<string, string> = {}, query: Record<string, string> = {}): MatchFacts => ({
  method,
  header: (n) => headers[n],
  query: (n) => query[n],
});
const matched = (t: ApiTrie, path: string, f = facts('GET')) => {
  const r = t.match(path, f);
  return r.kind === 'match' ? r.match.api.api.name : r;
};

describe('API matching', () => {
  it('prefers a literal segment over a parameter over a prefix, at the first segment where they differ', () => {
    const t = trie([
      { path: '/pets', pathType: 'prefix', name: 'prefix' },
      { path: '/pets/{id}', name: 'param' },
      { path: '/pets/mine', name: 'literal' },
    ]);
    expect(matched(t, '/pets/mine')).toBe('literal');
    expect(matched(t, '/pets/42')).toBe('param');
    expect(matched(t, '/pets/42/toys')).toBe('prefix');
    expect(matched(t, '/pets')).toBe('prefix');
  });

  it('falls back to a less specific API when the more specific one does not take the method', () => {
    const t = trie([
      { path: '/pets/{id}', methods: ['GET'], name: 'get one' },
      { path: '/pets/mine', methods: ['POST'], name: 'post mine' },
    ]);
    expect(matched(t, '/pets/mine', facts('GET'))).toBe('get one');
    expect(matched(t, '/pets/mine', facts('POST'))).toBe('post mine');
  });

  it('prefers more header/query conditions, and skips APIs whose conditions do not hold', () => {
    const t = trie([
      { path: '/search', name: 'plain' },
      { path: '/search', headers: { 'x-version': '2' }, name: 'v2' },
      { path: '/search', headers: { 'x-version': '2' }, query: { beta: '1' }, name: 'v2 beta' },
    ]);
    expect(matched(t, '/search')).toBe('plain');
    expect(matched(t, '/search', facts('GET', { 'x-version': '2' }))).toBe('v2');
    expect(matched(t, '/search', facts('GET', { 'x-version': '2' }, { beta: '1' }))).toBe('v2 beta');
    expect(matched(t, '/search', facts('GET', { 'x-version': '3' }, { beta: '1' }))).toBe('plain');
  });

  it('says which methods a path takes (405) apart from a path nothing serves (404); HEAD is answered by GET', () => {
    const t = trie([{ path: '/pets/{id}', methods: ['GET', 'DELETE'] }, { path: '/pets/{id}', methods: ['PUT'], headers: { 'x-admin': '1' } }]);
    expect(t.match('/pets/1', facts('POST'))).toEqual({ kind: 'method', allow: ['DELETE', 'GET'] });
    expect(t.match('/pets/1', facts('POST', { 'x-admin': '1' }))).toEqual({ kind: 'method', allow: ['DELETE', 'GET', 'PUT'] });
    expect(t.match('/cats/1', facts('GET'))).toEqual({ kind: 'none' });
    expect(t.match('/pets/1/x', facts('GET'))).toEqual({ kind: 'none' });
    expect(t.match('/pets/1', facts('HEAD')).kind).toBe('match');
  });

  it('captures parameters raw and cuts the rest of the path for rewrites', () => {
    const t = trie([
      { path: '/pets/{id}', rewrite: { template: '/v2/animals/{id}' } },
      { path: '/files/{bucket}', pathType: 'prefix', rewrite: { template: '/storage/{bucket}' } },
      { path: '/api/v1', pathType: 'prefix', rewrite: { stripPrefix: true } },
      { path: '/orders/{id}/items', rewrite: { stripPrefix: true } },
    ]);
    const at = (path: string) => {
      const r = t.match(path, facts('GET'));
      if (r.kind !== 'match') throw new Error(`no match for ${path}`);
      return upstreamPath(r.match);
    };
    expect(at('/pets/a%2Fb')).toBe('/v2/animals/a%2Fb');
    expect(at('/files/photos/2024/cat.jpg')).toBe('/storage/photos/2024/cat.jpg');
    expect(at('/files/photos')).toBe('/storage/photos');
    expect(at('/api/v1/users/7')).toBe('/users/7');
    expect(at('/api/v1')).toBe('/');
    expect(at('/orders/9/items')).toBe('/9/items');
  });
});

describe('the REST route table', () => {
  const data = restSnapshot({
    upstreams: [{ name: 'default', nodes: [{ url: 'http://127.0.0.1:9', weight: 1 }] }],
    apis: [{ path: '/pets' }],
    hosts: ['pets.example.com', '*.pets.example.org'],
  });

  it('finds a service by exact host, by a wildcard host of one label or more, then by slug', () => {
    const table = compileRestRoutes(data);
    expect(locateService(table, 'pets.example.com:8080', '/pets')).toMatchObject({ apiPath: '/pets', byHost: true });
    expect(locateService(table, 'a.pets.example.org', '/pets')?.byHost).toBe(true);
    expect(locateService(table, 'a.b.pets.example.org', '/pets')?.byHost).toBe(true);
    expect(locateService(table, 'pets.example.org', '/pets')?.byHost).toBe(false);
    expect(locateService(table, 'localhost:8080', '/pets/pets')).toMatchObject({ apiPath: '/pets', byHost: false });
    expect(locateService(table, 'localhost', '/pets')).toMatchObject({ apiPath: '/', byHost: false });
    expect(locateService(table, 'localhost', '/cats/pets')).toBeNull();
  });

  it("keeps the gateway's own first segments on every host", () => {
    const table = compileRestRoutes(data);
    for (const path of ['/v1/chat/completions', '/healthz', '/readyz', '/metrics', '/internal/prompt-runs']) {
      expect(locateService(table, 'pets.example.com', path)).toBeNull();
    }
  });

  it('serves no draft service, and keeps a retired one only to answer 410', () => {
    const draft = structuredClone(data);
    draft.services.find((s) => s.kind === 'rest')!.lifecycle = 'draft';
    expect(compileRestRoutes(draft).bySlug.size).toBe(0);
    const retired = structuredClone(data);
    retired.services.find((s) => s.kind === 'rest')!.lifecycle = 'retired';
    retired.restServices = [];
    const table = compileRestRoutes(retired);
    expect(table.bySlug.get('pets')).toMatchObject({ rest: null });
    expect(table.byHost.size).toBe(0);
  });

  it('reads host names and raw paths the way they were sent', () => {
    expect(hostName('[::1]:8080')).toBe('[::1]');
    expect(hostName('API.Example.com:443')).toBe('api.example.com');
    expect(rawPathAndQuery('http://h:1/a%2Fb/c?x=1&y=%20#frag')).toEqual({ path: '/a%2Fb/c', query: 'x=1&y=%20' });
    expect(upstreamQuery('a=1&api_key=secret&b=2', 'api_key', {})).toBe('a=1&b=2');
    expect(upstreamQuery('a=1&tenant=evil', null, { tenant: 'acme' })).toBe('a=1&tenant=acme');
    expect(upstreamQuery('a=%201', null, {})).toBe('a=%201');
  });
});
