import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator } from 'playwright-core';
import { PortalClient } from '../../apps/all-in-one/src/portal-client';
import { accessibilityProblems, newContext, screenshot, signIn } from './browser';
import { startWebPlatform, type WebPlatform } from './platform';

/**
 * The publisher console in a real browser: a platform admin creates an AI service, routes a model to a
 * provider, offers a manual plan, publishes, releases an edit, compares releases side by side and rolls back;
 * imports OpenAPI documents (a bad one's problems shown under the file input); gives a REST service an upstream
 * with two nodes; and a developer of another team who opens the console by URL sees no service at all.
 */
let w: WebPlatform;
let api: PortalClient;
let teamId: string;
let providerId: string;
beforeAll(async () => {
  w = await startWebPlatform();
  api = new PortalClient(w.portalUrl);
  await api.login(w.admin.email, w.admin.password);
  ({ id: providerId } = (await api.must('POST', '/api/providers', { name: 'openai-main', type: 'openai', baseUrl: w.upstream.url, apiKey: 'sk-up' })).provider);
  ({ id: teamId } = (await api.must('POST', '/api/teams', { name: 'Publishers', slug: 'publishers' })).team);
}, 60_000);
afterAll(() => w?.close());

const badDocument = `openapi: 3.1.0
info:
  title: Chat
  version: '1'
paths:
  /pets:
    get:
      tags: pets
`;
const goodDocument = `openapi: 3.1.0
info:
  title: Chat
  version: '1'
paths:
  /pets:
    get:
      summary: List pets
      tags: [pets]
`;

describe('an AI service from creation to rollback', () => {
  it('creates, routes, plans, publishes, releases, compares, rolls back and imports OpenAPI, by clicking', async () => {
    const context = await newContext(w.browser, { baseURL: w.portalUrl });
    const page = await context.newPage();
    await signIn(page, w.admin.email, w.admin.password);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My services' }).click();
    await page.getByRole('heading', { name: 'My services', level: 1 }).waitFor();
    await visible(page.locator('.empty'), 'Your teams publish no service yet.');

    // A bad slug: the portal's message beside the slug input, and everything typed still there.
    await page.getByRole('button', { name: 'New service' }).click();
    await page.getByLabel('Team').first().waitFor();
    await page.getByRole('form', { name: 'New service' }).getByLabel('Team').selectOption({ label: 'Publishers' });
    await page.getByLabel('Name').fill('Chat');
    await page.getByLabel('Slug').fill('Bad Slug');
    await page.getByLabel('Description').fill('Chat completions for everyone');
    await page.getByLabel('Tags').fill('chat, demo');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByRole('button', { name: 'Create service' }).click();
    const slug = page.getByLabel('Slug');
    await expect.poll(() => slug.getAttribute('aria-invalid')).toBe('true');
    const slugError = page.locator(`[id="${await describedBy(slug, 'error')}"]`);
    expect(await slugError.textContent()).toContain('use lowercase letters, digits and single hyphens');
    expect(await slug.inputValue()).toBe('Bad Slug');
    expect(await page.getByLabel('Description').inputValue()).toBe('Chat completions for everyone');
    expect(await accessibilityProblems(page)).toEqual([]);

    await slug.fill('chat');
    await page.getByRole('button', { name: 'Create service' }).click();
    await page.getByRole('heading', { name: 'Chat', level: 1 }).waitFor();
    const serviceId = new URL(page.url()).pathname.split('/')[3]!;
    expect(serviceId).toMatch(/^svc_/);
    const sections = page.getByRole('navigation', { name: 'Service sections' });
    expect(await sections.getByRole('link', { name: 'Overview' }).getAttribute('aria-current')).toBe('page');
    expect(await page.getByLabel('Description').inputValue()).toBe('Chat completions for everyone');
    expect(await accessibilityProblems(page)).toEqual([]);

    // A model route to the provider the admin connected.
    await sections.getByRole('link', { name: 'Models' }).click();
    expect(new URL(page.url()).pathname).toBe(`/publish/services/${serviceId}/models`);
    await visible(page.locator('.empty'), 'No model yet');
    await page.getByLabel('Model name').fill('gpt-4o-mini');
    await page.getByLabel('Provider of target 1').selectOption({ label: 'openai-main (openai)' });
    await page.getByLabel('Upstream model of target 1').fill('gpt-4o-mini');
    await page.getByRole('button', { name: 'Add model route' }).click();
    const modelRow = page.getByRole('row').filter({ hasText: 'gpt-4o-mini' });
    await visible(modelRow, 'openai-main');
    await visible(page.getByRole('status'), 'takes effect when the service is first published');
    expect(await accessibilityProblems(page)).toEqual([]);
    const models = (await api.must('GET', `/api/services/${serviceId}/models`)).models;
    expect(models).toMatchObject([{ name: 'gpt-4o-mini', targets: [{ providerId, model: 'gpt-4o-mini' }] }]);

    // A manual plan with a request limit, shown in words.
    await sections.getByRole('link', { name: 'Plans' }).click();
    await page.getByLabel('Plan name').fill('standard');
    await page.getByLabel('Approval').selectOption('manual');
    await page.getByLabel('Requests per minute').fill('100');
    await visible(page.getByRole('form', { name: 'Create a plan' }), 'Reads as: 100 requests a minute');
    await page.getByRole('button', { name: 'Create plan' }).click();
    const planRow = page.getByRole('row').filter({ hasText: 'standard' });
    await visible(planRow, '100 requests a minute');
    await visible(planRow, 'Manual');
    expect(await accessibilityProblems(page)).toEqual([]);
    // Editing the limits: the open plan is in the URL, and the form starts from what is stored.
    await page.getByRole('button', { name: 'Edit standard' }).click();
    expect(new URL(page.url()).searchParams.get('plan')).toMatch(/^plan_/);
    const editPlan = page.getByRole('form', { name: 'Edit the plan standard' });
    expect(await editPlan.getByLabel('Requests per minute').inputValue()).toBe('100');
    await editPlan.getByLabel('Requests per day').fill('5000');
    await editPlan.getByRole('button', { name: 'Save plan' }).click();
    await visible(planRow, '100 requests a minute · 5,000 requests a day');
    expect((await api.must('GET', `/api/services/${serviceId}/plans`)).plans).toMatchObject([{ name: 'standard', approval: 'manual', limits: { requestsPerMinute: 100, requestsPerDay: 5000 } }]);

    // Publishing, behind a dialog that says what happens.
    await sections.getByRole('link', { name: 'Lifecycle' }).click();
    await page.getByRole('button', { name: 'Publish' }).click();
    const dialog = page.getByRole('dialog', { name: 'Publish Chat?' });
    await visible(dialog, 'becomes release 1');
    expect(await accessibilityProblems(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Publish' }).click();
    await visible(page.getByRole('status'), 'release 1 is live');
    await sections.getByRole('link', { name: 'Releases' }).click();
    await visible(page.getByRole('row').filter({ hasText: 'Release 1' }), 'live');
    await visible(page.locator('.empty').first(), 'Nothing to release');

    // An edit waits for the next release, and says so.
    await sections.getByRole('link', { name: 'Overview' }).click();
    await page.getByLabel('Description').fill('Chat completions, now faster');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await visible(page.getByRole('status'), 'takes effect with the next release');

    await sections.getByRole('link', { name: 'Releases' }).click();
    await visible(page.locator('.change-list').first(), 'service.description');
    await page.getByRole('button', { name: 'Release the working copy' }).click();
    const releaseDialog = page.getByRole('dialog', { name: 'Release the working copy?' });
    await visible(releaseDialog, 'becomes release 2');
    await releaseDialog.getByRole('button', { name: 'Release', exact: true }).click();
    await visible(page.getByRole('status'), 'Release 2 is live');

    // Release 1 against the live one (2), side by side.
    await page.getByRole('button', { name: 'Compare release 1' }).click();
    await expect.poll(() => new URL(page.url()).search).toBe('?from=1&to=live');
    const diffRow = page.getByRole('table', { name: /Changes from Release 1 to Live release/ }).getByRole('row').filter({ hasText: 'service.description' });
    await diffRow.waitFor();
    expect(await diffRow.locator('td').nth(0).textContent()).toBe('Chat completions for everyone');
    expect(await diffRow.locator('td').nth(1).textContent()).toBe('Chat completions, now faster');
    expect(await accessibilityProblems(page)).toEqual([]);
    // The comparison at the top of the window, for the screenshot.
    await page.getByRole('heading', { name: 'Compare' }).evaluate((e) => e.scrollIntoView());
    await screenshot(page, 'releases-diff');

    // Rollback, confirmed.
    await page.getByRole('button', { name: 'Make release 1 live' }).click();
    const rollback = page.getByRole('dialog', { name: 'Make release 1 live?' });
    await visible(rollback, 'instead of release 2');
    await rollback.getByRole('button', { name: 'Make release 1 live' }).click();
    await visible(page.getByRole('status'), 'Release 1 is live again');
    await visible(page.getByRole('row').filter({ hasText: 'Release 1' }), 'live');
    const releases = (await api.must('GET', `/api/services/${serviceId}/releases`)).releases as Array<{ version: number; live: boolean }>;
    expect(releases.map((r) => [r.version, r.live])).toEqual([[2, false], [1, true]]);

    // OpenAPI: a bad document's problem listed with its place, under the file input; then a good one.
    await sections.getByRole('link', { name: 'APIs' }).click();
    await visible(page.getByRole('table'), '/v1/chat/completions');
    const file = page.getByLabel('OpenAPI document', { exact: true });
    await file.setInputFiles({ name: 'bad.yaml', mimeType: 'application/yaml', buffer: Buffer.from(badDocument) });
    await page.getByRole('button', { name: 'Import document' }).click();
    const problems = page.getByRole('list', { name: 'Problems in the document' });
    await visible(problems, 'paths./pets.get.tags');
    expect(await problems.textContent()).toMatch(/paths\.\/pets\.get\.tags: .*expected array/);
    expect(await file.getAttribute('aria-describedby')).toBeTruthy();
    expect(await page.locator(`[id="${await file.getAttribute('aria-describedby')}"]`).textContent()).toContain('bad.yaml was not imported');
    expect(await accessibilityProblems(page)).toEqual([]);
    await file.setInputFiles({ name: 'good.yaml', mimeType: 'application/yaml', buffer: Buffer.from(goodDocument) });
    await page.getByRole('button', { name: 'Import document' }).click();
    await visible(page.getByRole('status').filter({ hasText: 'Imported' }), 'Imported 1 operation; the service now has 2 APIs');
    await visible(page.getByRole('row').filter({ hasText: 'List pets' }), '/pets');
    expect(await problems.count()).toBe(0);
    await page.getByRole('heading', { name: 'Chat', level: 1 }).evaluate((e) => e.scrollIntoView());
    await screenshot(page, 'publisher-service');

    // Deprecation with a sunset date, confirmed; the date reaches the service.
    const sunset = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    await sections.getByRole('link', { name: 'Lifecycle' }).click();
    await page.getByLabel('Sunset date').fill(sunset);
    await page.getByRole('button', { name: 'Deprecate' }).click();
    const deprecate = page.getByRole('dialog', { name: 'Deprecate Chat?' });
    await visible(deprecate, `Sunset date: ${sunset}.`);
    await deprecate.getByRole('button', { name: 'Deprecate' }).click();
    await visible(page.getByRole('status'), 'The service is now deprecated');
    await visible(page.getByRole('region', { name: 'Lifecycle' }), `retires on ${sunset}`);
    expect(await page.getByRole('button', { name: 'Retire' }).isVisible()).toBe(true);
    const { service } = await api.must('GET', `/api/services/${serviceId}`);
    expect([service.lifecycle, new Date(service.sunsetAt).toISOString().slice(0, 10)]).toEqual(['deprecated', sunset]);

    // The list shows it in its new state; the team filter lives in the URL.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My services' }).click();
    await page.getByLabel('Team').selectOption({ label: 'Publishers' });
    await expect.poll(() => new URL(page.url()).searchParams.get('team')).toBe(teamId);
    await visible(page.getByRole('row').filter({ hasText: 'Chat' }), 'deprecated');
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'publisher-services');
    await context.close();
  }, 60_000);
});

describe('a REST service', () => {
  it('gets an upstream with two weighted nodes and a health check, at 390 px', async () => {
    const { service } = await api.must('POST', `/api/teams/${teamId}/services`, { name: 'Pets', slug: 'pets', kind: 'rest' });
    const context = await newContext(w.browser, { baseURL: w.portalUrl, width: 390 });
    const page = await context.newPage();
    await signIn(page, w.admin.email, w.admin.password);
    await page.goto(`/publish/services/${service.id}/upstreams`);
    await visible(page.locator('.empty'), 'No upstream yet');
    expect(await page.getByRole('navigation', { name: 'Service sections' }).getByRole('link', { name: 'Models' }).count()).toBe(0);
    await page.getByLabel('Node 1 URL').fill('http://127.0.0.1:9001');
    await page.getByLabel('Node 1 weight').fill('3');
    await page.getByRole('button', { name: 'Add a node' }).click();
    await page.getByLabel('Node 2 URL').fill('http://127.0.0.1:9002');
    await page.getByLabel('Node 2 weight').fill('1');
    await page.getByLabel('Check the nodes’ health').check();
    await page.getByLabel('Health check path').fill('/health');
    await page.getByRole('button', { name: 'Save upstream' }).click();
    const row = page.getByRole('row').filter({ hasText: 'default' });
    await visible(row, 'http://127.0.0.1:9001');
    await visible(row, 'http://127.0.0.1:9002');
    await visible(row, '/health');
    await visible(page.getByRole('status'), 'first published');
    // The console's own content fits the width: wide tables scroll inside their cards, nothing widens the page.
    expect(await page.evaluate<number>(`(() => { const m = document.querySelector('main'); return m.scrollWidth - m.clientWidth; })()`)).toBe(0);
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByRole('heading', { name: 'Upstreams' }).evaluate((e) => e.scrollIntoView());
    await screenshot(page, 'publisher-upstreams-390');
    const { upstreams } = await api.must('GET', `/api/services/${service.id}/upstreams`);
    expect(upstreams).toMatchObject([{ name: 'default', nodes: [{ url: 'http://127.0.0.1:9001', weight: 3 }, { url: 'http://127.0.0.1:9002', weight: 1 }], healthCheck: { path: '/health' } }]);

    // A canary beside it, and a 90/10 split between the two.
    expect(await page.getByLabel('Upstream name').inputValue()).toBe('');
    await page.getByLabel('Upstream name').fill('canary');
    await page.getByLabel('Node 1 URL').fill('http://127.0.0.1:9003');
    await page.getByRole('button', { name: 'Save upstream' }).click();
    await page.getByRole('row').filter({ hasText: 'canary' }).waitFor();
    await page.getByLabel('Share for default').fill('90');
    await page.getByLabel('Share for canary').fill('10');
    await page.getByRole('button', { name: 'Save traffic split' }).click();
    await visible(page.getByRole('form', { name: 'Traffic split' }).getByRole('status'), 'first published');
    expect((await api.must('GET', `/api/services/${service.id}/upstreams`)).traffic.split).toEqual([{ upstream: 'canary', weight: 10 }, { upstream: 'default', weight: 90 }]);

    // An API added by hand, then deleted behind a confirmation.
    const sections = page.getByRole('navigation', { name: 'Service sections' });
    await sections.getByRole('link', { name: 'APIs' }).click();
    await page.getByLabel('API name').fill('Get pet');
    await page.getByLabel('Methods').fill('GET, HEAD');
    await page.getByLabel('Path', { exact: true }).fill('/pets/{id}');
    await page.getByRole('button', { name: 'Add API' }).click();
    const apiRow = page.getByRole('row').filter({ hasText: 'Get pet' });
    await visible(apiRow, '/pets/{id}');
    await visible(apiRow, 'GET, HEAD');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByRole('button', { name: 'Delete Get pet' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete Get pet?' });
    await confirm.getByRole('button', { name: 'Delete API' }).click();
    await visible(page.locator('.empty'), 'No API yet');
    expect((await api.must('GET', `/api/services/${service.id}/apis`)).apis).toEqual([]);
    await context.close();
  }, 30_000);
});

describe('security', () => {
  it('shows a developer of another team no service of ours, published or not, and no console data', async () => {
    const { service } = await api.must('POST', `/api/teams/${teamId}/services`, { name: 'Secret draft', slug: 'secret-draft', kind: 'ai', description: 'internal plans' });
    const published = (await api.must('GET', '/api/services?q=chat')).services[0];
    const consumer = await w.createConsumer('outsiders');
    const context = await newContext(w.browser, { baseURL: w.portalUrl });
    const page = await context.newPage();
    await signIn(page, consumer.user.email, consumer.password);
    for (const id of [service.id, published.id]) {
      await page.goto(`/publish/services/${id}/releases`);
      await page.getByRole('heading', { name: 'Service not found', level: 1 }).waitFor();
      const text = (await page.locator('main').textContent()) ?? '';
      for (const secret of ['Secret draft', 'internal plans', 'Release 1', 'Chat completions']) expect(text).not.toContain(secret);
      expect(await accessibilityProblems(page)).toEqual([]);
    }
    // The portal itself refuses: the console's check is a courtesy, not the guard.
    expect((await consumer.dev.request('GET', `/api/services/${published.id}/releases`)).status).toBe(404);
    expect((await consumer.dev.request('PATCH', `/api/services/${published.id}`, { description: 'mine now' })).status).toBe(404);
    await page.goto('/publish/services');
    await visible(page.locator('.empty'), 'Your teams publish no service yet');
    await context.close();
  }, 30_000);
});

async function visible(locator: Locator, text: string) {
  await locator.getByText(text, { exact: false }).first().waitFor({ timeout: 10_000 });
}

/** The id of the element that describes an input's `kind` (its error or hint), from aria-describedby. */
async function describedBy(input: Locator, kind: 'error' | 'hint'): Promise<string> {
  const ids = ((await input.getAttribute('aria-describedby')) ?? '').split(' ');
  const id = ids.find((i) => i.endsWith(`-${kind}`));
  if (!id) throw new Error(`the input has no ${kind}`);
  return id;
}
