import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { first, services } from '@tollgate/db';
import { maxOpenApiDepth, type ServiceId } from '@tollgate/domain';
import { createPortalFixture, type PortalFixture, type TestUser } from '../testing/portal-fixture';
import { createPromptWorld, type PromptWorld } from '../prompts/test-world';

const head = { openapi: '3.1.0', info: { title: 'Deep', version: '1' }, paths: { '/pets': { get: { summary: 'List pets' } } } };
const headJson = JSON.stringify(head).slice(0, -1);

/**
 * JSON text of a document that nests exactly `depth` levels: the root, `components` and `schemas` are three,
 * `schemas.x` is a chain of `depth - 3` objects.
 */
const deepJson = (depth: number) => `${headJson},"components":{"schemas":{"x":${'{"a":'.repeat(depth - 4)}{}${'}'.repeat(depth - 4)}}}}`;

/** The same as an object, built without recursion, for writing straight into the database. */
function deepObject(depth: number): Record<string, unknown> {
  const x: Record<string, unknown> = {};
  let at = x;
  for (let i = 1; i < depth - 3; i++) at = (at.a = {}) as Record<string, unknown>;
  return { ...head, components: { schemas: { x } } };
}

const yamlHead = "openapi: 3.1.0\ninfo:\n  title: Deep\n  version: '1'\npaths:\n  /pets:\n    get:\n      summary: List pets\n";
/** Block mappings, one space more indentation per level. */
const blockMaps = (levels: number) => yamlHead + 'x-deep:\n' + Array.from({ length: levels }, (_, i) => `${' '.repeat(i + 1)}a:\n`).join('') + `${' '.repeat(levels + 1)}b: 1\n`;
/** Compact block sequences: `- - - x`, two bytes a level. */
const blockSeqs = (levels: number) => `${yamlHead}x-deep:\n${'- '.repeat(levels)}x\n`;
const flowSeqs = (levels: number) => `${yamlHead}x-deep: ${'['.repeat(levels)}${']'.repeat(levels)}\n`;

/** Issue 16, item 1: no OpenAPI document, JSON or YAML, is nested deep enough to overflow the stack. */
describe('nesting limit on OpenAPI documents', () => {
  let f: PortalFixture;
  let owner: TestUser;
  let serviceId: ServiceId;
  let w: PromptWorld;

  const put = (body: string, contentType: string) =>
    f.api('PUT', `/api/services/${serviceId}/openapi`, { cookie: owner.cookie, body, headers: { 'content-type': contentType } });
  const stored = async () => (await first(f.db.select().from(services).where(eq(services.id, serviceId))))!.openapi;
  const apiPaths = async () => (await f.api('GET', `/api/services/${serviceId}/apis`, { cookie: owner.cookie, expect: 200 })).body.apis.map((a: { path: string }) => a.path);
  const expectTooDeep = (res: { status: number; body: any }) => {
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.code).toBe('openapi_too_deep');
    expect(res.body.error.message).toContain(`nests deeper than ${maxOpenApiDepth} levels`);
  };

  beforeAll(async () => {
    f = await createPortalFixture();
    owner = await f.createUser();
    const teamId = (await f.createTeam({ slug: 'deep-docs', ownerUserId: owner.id })).id;
    serviceId = (await f.api('POST', `/api/teams/${teamId}/services`, { cookie: owner.cookie, body: { name: 'Deep', slug: 'deep', kind: 'rest' }, expect: 201 })).body.service.id;
    await f.api('PUT', `/api/services/${serviceId}/openapi`, { cookie: owner.cookie, body: { ...head, paths: { '/before': { get: {} } } }, expect: 200 });
    w = await createPromptWorld(f);
  });
  afterAll(() => f.close());

  it('refuses a JSON document 5,000 levels deep with a 400 naming the limit, and leaves the service as it was', async () => {
    const before = await stored();
    expectTooDeep(await put(deepJson(5_000), 'application/json'));
    expectTooDeep(await put(deepJson(maxOpenApiDepth + 1), 'application/json'));
    expect(await stored()).toEqual(before);
    expect(await apiPaths()).toEqual(['/before']);
  });

  it('takes a document exactly at the limit, and exports it as YAML', async () => {
    expect((await put(deepJson(maxOpenApiDepth), 'application/json')).status).toBe(200);
    expect(JSON.stringify(await stored())).toBe(JSON.stringify(deepObject(maxOpenApiDepth)));
    const yaml = await f.api('GET', `/api/services/${serviceId}/openapi?format=yaml`, { cookie: owner.cookie });
    expect(yaml.status).toBe(200);
    expect(yaml.body).toContain('openapi: 3.1.0\n');
  });

  it('refuses deep YAML (block maps, block and flow sequences) before composing it: 400, fast, and the server still works', async () => {
    const before = await stored();
    for (const [name, text] of [
      ['1,000 block maps', blockMaps(1_000)],
      ['2,000 block sequences', blockSeqs(2_000)],
      ['2,000 flow sequences', flowSeqs(2_000)],
      ['200,000 flow sequences', flowSeqs(200_000)],
      ['2,000 flow levels as JSON text', deepJson(2_000)],
    ] as const) {
      const started = performance.now();
      const res = await put(text, 'application/yaml');
      const ms = performance.now() - started;
      expectTooDeep(res);
      expect(ms, `${name}: ${ms.toFixed(0)} ms`).toBeLessThan(1_000);
    }
    expectTooDeep(await put(flowSeqs(maxOpenApiDepth), 'text/yaml'));
    expect(await stored()).toEqual(before);
    expect((await put(`${yamlHead}x-fine: ${'['.repeat(100)}${']'.repeat(100)}\n`, 'application/x-yaml')).status).toBe(200);
    expect((await f.api('GET', '/api/auth/me', { cookie: owner.cookie })).status).toBe(200);
  });

  it('counts the depth aliases build too: a chain of shallow anchors, and an anchor inside itself', async () => {
    const chain = [yamlHead, `x-a0: &a0 ${'['.repeat(60)}${']'.repeat(60)}\n`];
    for (let i = 1; i < 4; i++) chain.push(`x-a${i}: &a${i} ${'['.repeat(60)}*a${i - 1}${']'.repeat(60)}\n`);
    expectTooDeep(await put(chain.join(''), 'application/yaml'));
    // A cycle: JSON.stringify would throw on it when the document is stored.
    expectTooDeep(await put(`${yamlHead}x-loop: &loop [*loop, *loop]\n`, 'application/yaml'));
  });

  it('refuses an alias bomb ("billion laughs") with a 400, fast', async () => {
    const lines = [yamlHead, 'x-l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n'];
    for (let i = 1; i < 10; i++) lines.push(`x-l${i}: &l${i} [${Array(10).fill(`*l${i - 1}`).join(', ')}]\n`);
    const started = performance.now();
    const res = await put(lines.join(''), 'application/yaml');
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_yaml');
    expect(res.body.error.message).toMatch(/alias/i);
  });

  it('exports a too-deep document stored by an older version: YAML as JSON text (valid YAML 1.2), never a 500', async () => {
    const deep = deepObject(2_000);
    await f.db.update(services).set({ openapi: deep }).where(eq(services.id, serviceId));
    const yaml = await f.api('GET', `/api/services/${serviceId}/openapi?format=yaml`, { cookie: owner.cookie });
    expect(yaml.status).toBe(200);
    expect(yaml.headers.get('content-type')).toBe('application/yaml; charset=utf-8');
    // Compared as text: a recursive deep-equal would itself overflow at this depth.
    expect(JSON.stringify(yaml.body)).toBe(JSON.stringify(deep));
    const json = await f.api('GET', `/api/services/${serviceId}/openapi`, { cookie: owner.cookie });
    expect(json.status).toBe(200);
    expect(JSON.stringify(json.body)).toBe(JSON.stringify(deep));
  });

  it('merges prompt APIs into a stored document deeper than structuredClone goes (3,000 levels), in JSON and YAML', async () => {
    const prompt = await w.prompt('/summarize');
    await w.version(prompt.id);
    await w.publish(prompt.id, 1);
    const slug = (await f.api('GET', `/api/services/${w.serviceId}`, { cookie: w.owner.cookie, expect: 200 })).body.service.slug;
    const deep = deepObject(3_000);
    await f.db.update(services).set({ openapi: deep }).where(eq(services.id, w.serviceId));
    for (const query of ['', '?format=yaml']) {
      const res = await f.api('GET', `/api/services/${w.serviceId}/openapi${query}`, { cookie: w.owner.cookie });
      expect(res.status, `${query}: ${JSON.stringify(res.body).slice(0, 200)}`).toBe(200);
      expect(res.body.paths['/pets']).toEqual(head.paths['/pets']);
      expect(res.body.paths[`/${slug}/summarize`].post).toMatchObject({ operationId: 'prompt-summarize', tags: ['prompts'] });
      expect(JSON.stringify(res.body.components)).toBe(JSON.stringify(deep.components));
    }
  });
});
