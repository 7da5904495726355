import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { accessibilityProblems, newContext, screenshot, signIn } from './browser';
import { PortalClient } from '../../apps/all-in-one/src/portal-client';
import { startWebPlatform, type WebPlatform } from './platform';

/**
 * The developer portal in a real browser: a service's page (plans, models, code samples naming the real
 * gateway, the Scalar reference under the CSP), subscribing with a note, my apps, keys shown once, rotated
 * and revoked (and what the gateway makes of them), and another team's app by URL.
 */
let w: WebPlatform;
let published: Awaited<ReturnType<WebPlatform['publishAiService']>>;
let consumer: Awaited<ReturnType<WebPlatform['createConsumer']>>;
let outsider: Awaited<ReturnType<WebPlatform['createConsumer']>>;
let context: BrowserContext;
let page: Page;
/** The admin, through the API, for what the test sets up or decides outside the page under test. */
let admin: PortalClient;

beforeAll(async () => {
  w = await startWebPlatform();
  admin = new PortalClient(w.portalUrl);
  await admin.login(w.admin.email, w.admin.password);
  published = await w.publishAiService({ approval: 'manual' });
  // What a publisher would have filled in: a description and tags (served from the next release) and limits.
  await admin.must('PATCH', `/api/services/${published.service.id}`, { description: 'Chat models for internal tools, billed per token.', tags: ['chat', 'openai'] }, 200);
  const { prompt } = await admin.must('POST', `/api/services/${published.service.id}/prompts`, {
    name: 'Summarize',
    path: '/summarize',
    description: 'A short summary of a text.',
    draft: { messages: [{ role: 'user', content: 'Summarise: {{text}}' }], variables: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] }, model: published.model },
  });
  await admin.must('POST', `/api/prompts/${prompt.id}/versions`);
  await admin.must('POST', `/api/prompts/${prompt.id}/publish`, { version: 1 }, 200);
  await admin.must('POST', `/api/services/${published.service.id}/releases`, {});
  await admin.must('PATCH', `/api/plans/${published.plan.id}`, { limits: { requestsPerMinute: 60, tokensPerDay: 100_000, perKey: { requestsPerSecond: 5 } } }, 200);
  consumer = await w.createConsumer('consumers');
  outsider = await w.createConsumer('outsiders');
  context = await newContext(w.browser, { baseURL: w.portalUrl });
  page = await context.newPage();
  await signIn(page, consumer.user.email, consumer.password);
}, 60_000);
afterAll(async () => {
  await context?.close();
  await w?.close();
});

const text = (locator: Locator, s: string) => locator.getByText(s, { exact: false }).first().waitFor({ timeout: 10_000 });

/** The gateway's answer to a key, once the snapshot carrying the change has arrived (it follows a commit closely). */
async function gatewayStatus(secret: string, want: number): Promise<number> {
  let status = 0;
  for (let i = 0; i < 50 && status !== want; i++) {
    if (i) await new Promise((r) => setTimeout(r, 100));
    status = (await fetch(`${w.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${secret}` } })).status;
  }
  return status;
}

describe('a service’s page', () => {
  it('shows plans with approval and limits, models, operations, code samples with the gateway’s address, and the reference offline', async () => {
    const elsewhere: string[] = [];
    const blocked: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(w.portalUrl) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) elsewhere.push(r.url());
    });
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) blocked.push(m.text());
    });
    await page.goto(`/services/${published.service.id}`);
    await page.getByRole('heading', { name: 'LLM', level: 1 }).waitFor();
    const plans = page.getByRole('list', { name: 'Plans' });
    await text(plans, 'standard');
    await text(plans, 'needs approval');
    await text(plans, '60 requests a minute');
    await text(plans, '100,000 tokens a day');
    await text(plans, 'per key: 5 requests a second');
    await text(page.locator('.page'), 'Chat models for internal tools');
    await text(page.getByRole('list', { name: 'Models' }), published.model);
    const operations = page.getByRole('table', { name: 'Operations' });
    await text(operations, 'POST /v1/chat/completions');
    const promptRow = operations.getByRole('row').filter({ hasText: 'Summarize' });
    await text(promptRow, 'prompt');
    await text(promptRow, 'POST /llm/summarize');
    await text(promptRow, 'A short summary of a text.');
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'service');

    await page.getByRole('tab', { name: 'Code samples' }).click();
    expect(new URL(page.url()).searchParams.get('tab')).toBe('samples');
    await text(page.getByRole('region', { name: 'Chat completions (curl)' }), `curl ${w.gatewayUrl}/v1/chat/completions`);
    await text(page.getByRole('region', { name: 'JavaScript (OpenAI SDK)' }), `baseURL: '${w.gatewayUrl}/v1'`);
    await text(page.getByRole('region', { name: 'Python (OpenAI SDK)' }), `base_url="${w.gatewayUrl}/v1"`);
    expect(await page.getByRole('region', { name: 'Chat completions (curl)' }).textContent()).toContain(`"model":"${published.model}"`);
    await text(page.getByRole('region', { name: 'Prompt API Summarize (curl)' }), `curl -X POST ${w.gatewayUrl}/llm/summarize`);
    expect(await accessibilityProblems(page)).toEqual([]);

    // By keyboard: the tab list moves with the arrow keys.
    await page.getByRole('tab', { name: 'Code samples' }).focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('tab', { name: 'Reference' }).getAttribute('aria-selected')).toBe('true');
    const reference = page.locator('.api-reference');
    await reference.getByText('Chat completions').first().waitFor({ timeout: 20_000 });
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'service-reference');
    expect(elsewhere).toEqual([]);
    expect(blocked).toEqual([]);
    page.removeAllListeners('request');
    page.removeAllListeners('console');
  });
});

describe('subscribing', () => {
  it('asks with a note, shows pending as waiting for approval, then approved with the publisher’s reason', async () => {
    await page.goto(`/services/${published.service.id}`);
    const panel = page.getByRole('region', { name: 'Subscribe' });
    await panel.getByLabel('App').selectOption({ label: 'chatbot (consumers)' });
    await panel.getByLabel('Plan').selectOption({ label: 'standard — needs approval' });
    await panel.getByLabel('Note to the publisher').fill('For the support bot, about 1,000 calls a day');
    await panel.getByRole('button', { name: 'Request subscription' }).click();
    await text(panel.getByRole('status'), 'waiting for approval');
    // A second request for the same app is refused, with the portal's reason next to the form.
    await panel.getByRole('button', { name: 'Request subscription' }).click();
    await text(panel.getByRole('alert'), 'already has a subscription to this service that is pending');

    const { subscriptions } = await consumer.dev.must('GET', `/api/apps/${consumer.app.id}/subscriptions`);
    expect(subscriptions[0].note).toBe('For the support bot, about 1,000 calls a day');
    await admin.must('POST', `/api/subscriptions/${subscriptions[0].id}/approve`, { reason: 'Welcome aboard' }, 200);
    await page.reload();
    const mine = page.getByRole('list', { name: 'Your apps’ subscriptions' });
    await text(mine, 'approved');
    await text(mine, 'Welcome aboard');
    expect(await accessibilityProblems(page)).toEqual([]);
  });
});

describe('subscribing without an app', () => {
  it('offers to create one inline, then the subscribe form picks it', async () => {
    const { user, password } = await admin.must('POST', '/api/users', { email: 'new@newcomers.test', name: 'Newcomer' });
    await admin.must('POST', '/api/teams', { name: 'newcomers', slug: 'newcomers', ownerUserId: user.id });
    const fresh = await newContext(w.browser, { baseURL: w.portalUrl, width: 390 });
    const newcomer = await fresh.newPage();
    await signIn(newcomer, user.email, password);
    await newcomer.goto(`/services/${published.service.id}`);
    const panel = newcomer.getByRole('region', { name: 'Subscribe' });
    await text(panel, 'You need an app to subscribe');
    expect(await accessibilityProblems(newcomer)).toEqual([]);
    await panel.getByLabel('App name').fill('first-app');
    await panel.getByRole('button', { name: 'Create app' }).click();
    await panel.getByRole('button', { name: 'Request subscription' }).waitFor();
    // The service page holds at 390 px: nothing on it reaches past the screen's edge.
    expect(await newcomer.evaluate<string[]>(`[...document.querySelectorAll('.page *')].filter((e) => !e.closest('.table-wrap') && e.getBoundingClientRect().right > 390).map((e) => e.tagName + '.' + e.className)`)).toEqual([]);
    const chosen = panel.getByLabel('App', { exact: true });
    expect(await chosen.locator('option:checked').textContent()).toBe('first-app (newcomers)');
    await fresh.close();
  });
});

describe('my apps and keys', () => {
  it('lists my apps and creates one', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My apps' }).click();
    await page.getByRole('heading', { name: 'My apps', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'chatbot' }).waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'my-apps');
    await page.getByLabel('App name').fill('support-bot');
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.getByRole('heading', { name: 'support-bot', level: 1 }).waitFor();
    await text(page.locator('.empty').first(), 'No key yet');
    await page.goto('/apps');
    await page.getByRole('link', { name: 'support-bot' }).waitFor();
  });

  it('shows a new key’s secret once with a copy button, and the key calls the gateway; rotate and revoke work', async () => {
    await page.goto(`/apps/${consumer.app.id}`);
    await page.getByRole('heading', { name: 'chatbot', level: 1 }).waitFor();
    // The subscription with its state and the publisher's reason, linking to the service.
    const subs = page.getByRole('table', { name: 'Subscriptions of this app' });
    await text(subs, 'Welcome aboard');
    await subs.getByRole('link', { name: 'LLM' }).waitFor();

    await page.getByLabel('Key name').fill('laptop');
    await page.getByRole('button', { name: 'Create key' }).click();
    const panel = page.getByRole('region', { name: 'New key secret' });
    await text(panel, 'you will not see it again');
    const secret = (await panel.locator('code').textContent())!;
    expect(secret.length).toBeGreaterThan(20);
    await panel.getByRole('button', { name: 'Copy secret' }).click();
    await text(panel, 'Copied.');
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(secret);
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'app-keys');
    expect(await gatewayStatus(secret, 200)).toBe(200);

    await page.reload();
    await page.getByRole('table', { name: 'Keys of this app' }).getByText('laptop').waitFor();
    expect(await page.content()).not.toContain(secret);
    expect(await page.getByRole('region', { name: 'New key secret' }).count()).toBe(0);

    const keyOf = async (name: string) => ((await consumer.dev.must('GET', `/api/apps/${consumer.app.id}/keys`)).keys as Array<{ name: string; prefix: string; revokedAt: number | null; expiresAt: number | null }>).filter((k) => k.name === name);
    const [laptop] = await keyOf('laptop');
    await page.getByRole('button', { name: `Rotate key laptop (${laptop!.prefix})` }).click();
    const rotate = page.getByRole('dialog', { name: 'Rotate key laptop?' });
    await rotate.getByLabel('Grace period').selectOption({ label: 'Keep the old key for 1 hour' });
    expect(await accessibilityProblems(page)).toEqual([]);
    await rotate.getByRole('button', { name: 'Rotate key' }).click();
    const rotated = (await page.getByRole('region', { name: 'New key secret' }).locator('code').textContent())!;
    expect(rotated).not.toBe(secret);
    const laptops = await keyOf('laptop');
    expect(laptops).toHaveLength(2);
    const old = laptops.find((k) => k.prefix === laptop!.prefix)!;
    expect(old.expiresAt! - Date.now()).toBeGreaterThan(3_500_000);
    expect(old.expiresAt! - Date.now()).toBeLessThanOrEqual(3_600_000);
    // Both work during the grace period.
    expect(await gatewayStatus(rotated, 200)).toBe(200);
    expect(await gatewayStatus(secret, 200)).toBe(200);

    const fresh = laptops.find((k) => k.prefix !== laptop!.prefix)!;
    await page.getByRole('button', { name: `Revoke key laptop (${fresh.prefix})` }).click();
    const revoke = page.getByRole('dialog', { name: 'Revoke key laptop?' });
    await text(revoke, 'This cannot be undone');
    await revoke.getByRole('button', { name: 'Revoke key' }).click();
    const row = page.getByRole('row').filter({ hasText: fresh.prefix });
    await text(row, 'revoked');
    expect(await row.getByRole('button').count()).toBe(0);
    expect(await gatewayStatus(rotated, 401)).toBe(401);
  });
});

describe('another team’s app by URL', () => {
  it('shows not found and asks for none of its data', async () => {
    const other = await newContext(w.browser, { baseURL: w.portalUrl, width: 390 });
    const stranger = await other.newPage();
    await signIn(stranger, outsider.user.email, outsider.password);
    const asked: string[] = [];
    stranger.on('request', (r) => asked.push(new URL(r.url()).pathname));
    await stranger.goto(`/apps/${consumer.app.id}`);
    await stranger.getByRole('heading', { name: 'App not found', level: 1 }).waitFor();
    const html = await stranger.content();
    expect(html).not.toContain('chatbot');
    expect(html).not.toContain(consumer.key.prefix);
    expect(asked.filter((p) => p.startsWith(`/api/apps/${consumer.app.id}/`))).toEqual([]);
    expect(await accessibilityProblems(stranger)).toEqual([]);
    // Another team's unpublished service: not found, its name nowhere.
    const { service: draft } = await admin.must('POST', `/api/teams/${published.team.id}/services`, { name: 'Secret project', slug: 'secret-project', kind: 'ai' });
    await stranger.goto(`/services/${draft.id}`);
    await stranger.getByRole('heading', { name: 'Service not found', level: 1 }).waitFor();
    expect(await stranger.content()).not.toContain('Secret project');
    // Their own app page holds at 390 px: wide tables scroll inside their frame, not the page.
    await stranger.goto(`/apps/${outsider.app.id}`);
    await stranger.getByRole('heading', { name: 'chatbot', level: 1 }).waitFor();
    await stranger.getByRole('table', { name: 'Keys of this app' }).waitFor();
    // (The shell's top bar is measured by its own test; this one is about the page.)
    const wide = await stranger.evaluate<string[]>(`[...document.querySelectorAll('.page *')].filter((e) => !e.closest('.table-wrap') && e.getBoundingClientRect().right > 390).map((e) => e.tagName + '.' + e.className)`);
    expect(wide).toEqual([]);
    expect(await accessibilityProblems(stranger)).toEqual([]);
    await other.close();
  });
});
