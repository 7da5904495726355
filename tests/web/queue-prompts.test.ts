import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { apps, subscriptions, transact } from '@tollgate/db';
import { newId } from '@tollgate/domain';
import { accessibilityProblems, newContext, screenshot, signIn } from './browser';
import { startWebPlatform, type WebPlatform } from './platform';

/**
 * The publisher console's queue, prompt and team pages in a real browser: an admin decides requests one by one
 * and in bulk, writes, test-runs, versions and publishes a prompt, creates a webhook and reads the audit log;
 * a consumer in another team sees none of it. Then a queue of 1,000 pending requests still opens at once.
 */
let w: WebPlatform;
let published: Awaited<ReturnType<WebPlatform['publishAiService']>>;
let consumer: Awaited<ReturnType<WebPlatform['createConsumer']>>;
/** The consumer's apps with a pending request each, besides `chatbot` (asked with the note "please"). */
const others = ['billing-bot', 'search-bot', 'triage-bot'];
let promptId = '';

beforeAll(async () => {
  w = await startWebPlatform();
  published = await w.publishAiService({ approval: 'manual' });
  consumer = await w.createConsumer();
  await consumer.dev.must('POST', `/api/apps/${consumer.app.id}/subscriptions`, { planId: published.plan.id, note: 'please' });
  for (const name of others) {
    const { app } = await consumer.dev.must('POST', `/api/teams/${consumer.team.id}/apps`, { name });
    await consumer.dev.must('POST', `/api/apps/${app.id}/subscriptions`, { planId: published.plan.id, note: `${name} for the launch` });
  }
}, 60_000);
afterAll(() => w?.close());

async function adminPage(width: 390 | 1440 = 1440): Promise<Page> {
  const context = await newContext(w.browser, { baseURL: w.portalUrl, width });
  const page = await context.newPage();
  await signIn(page, w.admin.email, w.admin.password);
  return page;
}

const row = (page: Page, app: string) => page.getByRole('row', { name: new RegExp(`^${app} \\(consumers\\)`) });

describe('the approval queue', () => {
  it('filters in the URL and approves one request with a reason, the row showing its new state', async () => {
    const page = await adminPage();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Approval queue' }).click();
    await page.getByRole('heading', { name: 'Approval queue', level: 1 }).waitFor();
    await row(page, 'triage-bot').waitFor({ timeout: 10_000 });
    expect(await page.getByRole('row').count()).toBe(5);
    await page.getByLabel('Search', { exact: true }).fill('please');
    await row(page, 'chatbot').waitFor();
    await page.waitForFunction("document.querySelectorAll('tbody tr').length === 1");
    expect(new URL(page.url()).searchParams.get('q')).toBe('please');
    expect(await row(page, 'chatbot').textContent()).toContain('standard');
    expect(await accessibilityProblems(page)).toEqual([]);

    await page.getByRole('button', { name: 'Approve chatbot (consumers)' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Reason (optional)').fill('Welcome aboard');
    expect(await accessibilityProblems(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Approve' }).click();
    await row(page, 'chatbot').getByText('approved', { exact: true }).waitFor();
    await row(page, 'chatbot').getByText('“Welcome aboard”').waitFor();
    // The new state is the portal's, not only the page's.
    const { subscriptions: mine } = await consumer.dev.must('GET', `/api/apps/${consumer.app.id}/subscriptions`);
    expect(mine[0]).toMatchObject({ state: 'approved', decisionReason: 'Welcome aboard' });

    // A reject needs a reason: the dialog says so before sending.
    await page.getByLabel('Search', { exact: true }).fill('triage');
    await page.getByRole('button', { name: 'Reject triage-bot (consumers)' }).click();
    await dialog.getByRole('button', { name: 'Reject' }).click();
    await dialog.getByText('Give a reason: the consumer sees it.').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await page.context().close();
  });

  it('rejects in bulk and shows each row’s own result, a refused one with the portal’s message', async () => {
    const page = await adminPage();
    await page.goto('/queue?state=all');
    await row(page, 'chatbot').waitFor();
    for (const app of ['chatbot', ...others]) await page.getByLabel(`Select ${app} (consumers)`).check();
    await page.getByLabel('Bulk action').selectOption('reject');
    await page.getByLabel('Reason for all (required)').fill('The launch is full');
    await page.getByRole('button', { name: 'Reject selected' }).click();
    await page.getByText('Rejected 3 of 4; 1 refused (see each row).').waitFor();
    for (const app of others) await row(page, app).getByText('✓ Rejected').waitFor();
    await row(page, 'chatbot').getByText(/Cannot reject a subscription that is approved/).waitFor();
    expect(await row(page, 'triage-bot').getByText('“The launch is full”').count()).toBe(1);
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'approval-queue');
    await page.context().close();
  });

  it('lists subscribers by service and pauses one from there', async () => {
    const page = await adminPage();
    await page.goto('/queue');
    await page.getByRole('navigation', { name: 'Queue views' }).getByRole('link', { name: 'Subscribers' }).click();
    await page.getByRole('heading', { name: /^LLM/ }).waitFor();
    await page.getByRole('button', { name: 'Pause chatbot (consumers)' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Pause' }).click();
    await row(page, 'chatbot').getByText('paused', { exact: true }).waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByLabel('State').selectOption('paused');
    await page.getByRole('button', { name: 'Resume chatbot (consumers)' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Resume' }).click();
    await row(page, 'chatbot').getByText('approved', { exact: true }).waitFor();
    await page.context().close();
  });
});

describe('prompts', () => {
  it('creates a prompt, edits and test-runs it, freezes a version, compares and publishes', async () => {
    const page = await adminPage();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Prompts' }).click();
    await page.getByRole('heading', { name: 'LLM' }).waitFor();
    await page.getByText('No prompt yet.').waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByLabel('Name').fill('Summarize');
    await page.getByLabel('Path').fill('/summarize');
    expect(await page.getByLabel('Model').inputValue()).toBe('gpt-4o-mini');
    await page.getByRole('button', { name: 'Create prompt' }).click();
    await page.getByRole('heading', { name: 'Summarize', level: 1 }).waitFor();
    promptId = new URL(page.url()).pathname.split('/').at(-1)!;

    // An undeclared variable: the portal's message beside the message that uses it, what was typed kept.
    const content = page.getByLabel('Message 1 content');
    await content.fill('Please summarise {{text}} for {{reader}}');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByText(/uses \{\{reader\}\}, which is not declared/).waitFor();
    expect(await content.inputValue()).toBe('Please summarise {{text}} for {{reader}}');
    await content.fill('Please summarise: {{text}}');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByText('Draft saved.').waitFor();

    await page.getByLabel('Sample variables (JSON)').fill('{"text": "the quarterly report"}');
    const answered = page.waitForResponse((r) => r.url().endsWith('/test-run'));
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    // Streamed: the panel reads server-sent events, not one JSON body.
    expect((await answered).headers()['content-type']).toMatch(/^text\/event-stream/);
    await page.locator('.answer').getByText('Echo: Please summarise: the quarterly report').waitFor();
    await page.getByText('Answer complete.').waitFor();

    await page.getByRole('button', { name: 'Freeze the saved draft as a version' }).click();
    await page.getByText('Version 1 frozen.').waitFor();
    await content.fill('Summarise in three bullets: {{text}}');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByText('Draft saved.').waitFor();
    const diff = page.getByRole('table', { name: 'Changes from version 1 to draft' });
    await diff.getByText('Summarise in three bullets: {{text}}').waitFor();
    await diff.getByText('Please summarise: {{text}}').waitFor();
    expect(new URL(page.url()).searchParams.get('from')).toBeNull();
    await page.getByLabel('To', { exact: true }).selectOption('1');
    await page.getByText('No difference between version 1 and version 1.').waitFor();
    expect(new URL(page.url()).searchParams.get('to')).toBe('1');
    await page.getByLabel('To', { exact: true }).selectOption('draft');
    await diff.waitFor();

    await page.getByRole('button', { name: 'Publish version 1' }).click();
    await page.getByRole('dialog').getByText('It takes effect with the service’s next release').waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Publish' }).click();
    await page.getByText('Version 1 is published in the working copy. It takes effect with the service’s next release').waitFor();
    await page.getByText('version 1 published').first().waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, 'prompt-editor');
    await page.getByRole('heading', { name: 'Compare' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'prompt-versions');
    await page.context().close();
  });
});

describe('team pages', () => {
  it('creates a webhook whose secret shows once, with a copy button, then never again', async () => {
    const page = await adminPage();
    await page.goto(`/team/webhooks?team=${published.team.id}`);
    await page.getByText('No webhook yet.').waitFor();
    await page.getByLabel('URL').fill('ftp://example.test/hook');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await page.getByText('an http:// or https:// URL without user:password@').waitFor();
    expect(await page.getByLabel('URL').inputValue()).toBe('ftp://example.test/hook');
    await page.getByLabel('URL').fill('https://hooks.example.test/tollgate');
    await page.getByLabel('subscription.requested').check();
    await page.getByRole('button', { name: 'Create webhook' }).click();
    const secret = (await page.locator('.secret-once code').textContent())!;
    expect(secret.length).toBeGreaterThan(16);
    await page.getByRole('button', { name: 'Copy the secret' }).click();
    await page.getByText('Copied.').waitFor();
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(secret);
    await page.getByRole('listitem').getByText('https://hooks.example.test/tollgate').waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'webhooks');
    await page.getByRole('button', { name: 'I have stored it' }).click();
    await page.reload();
    await page.getByText('https://hooks.example.test/tollgate').waitFor();
    expect(await page.content()).not.toContain(secret);
    await page.getByRole('button', { name: 'Show deliveries' }).click();
    await page.getByText('Nothing sent yet.').waitFor();
    expect(new URL(page.url()).searchParams.get('webhook')).toMatch(/^wh/);
    // A new request is an event the webhook listens to: its delivery (to a host that does not exist) is listed.
    const { app } = await consumer.dev.must('POST', `/api/teams/${consumer.team.id}/apps`, { name: 'hooked-bot' });
    await consumer.dev.must('POST', `/api/apps/${app.id}/subscriptions`, { planId: published.plan.id });
    await page.reload();
    await page.getByRole('table', { name: 'Deliveries to https://hooks.example.test/tollgate' }).getByText('subscription.requested').waitFor();
    await page.context().close();
  });

  it('shows the team’s audit log, filtered in the URL, with an event’s before and after', async () => {
    const page = await adminPage();
    await page.goto(`/team/audit?team=${published.team.id}`);
    await page.getByRole('button', { name: 'subscription.approve' }).first().waitFor();
    await page.getByLabel('Action').fill('prompt.');
    await page.getByRole('button', { name: 'prompt.publish' }).waitFor();
    await page.waitForFunction("[...document.querySelectorAll('tbody tr')].every((tr) => tr.textContent.includes('prompt.'))");
    await page.getByRole('button', { name: 'prompt.publish' }).click();
    await page.getByRole('heading', { name: 'Before' }).waitFor();
    await screenshot(page, 'team-audit');
    await page.getByText('"publishedVersion": 1').waitFor();
    expect(new URL(page.url()).searchParams.get('action')).toBe('prompt.');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.context().close();
  });
});

describe('security', () => {
  it('a consumer sees no other team’s queue, prompt, webhooks or audit log by URL', async () => {
    const context = await newContext(w.browser, { baseURL: w.portalUrl });
    const page = await context.newPage();
    await signIn(page, consumer.user.email, consumer.password);
    await page.goto('/queue?state=all');
    await page.getByText('No subscription matches these filters.').waitFor();
    expect(await page.getByText('LLM').count()).toBe(0);
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.goto(`/prompts/${promptId}`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    expect(await page.content()).not.toContain('Please summarise');
    await page.goto(`/team/webhooks?team=${published.team.id}`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await page.goto(`/team/audit?team=${published.team.id}`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    expect(await page.content()).not.toContain('hooks.example.test');
    await context.close();
  });
});

describe('a queue of 1,000', () => {
  it('opens within two seconds, 50 rows a page, and pages on', async () => {
    // Seeded in the database directly: 1,000 apps each asking once, as fast as a test can make them.
    const db = w.platform.portal.db;
    const now = Date.now();
    const appRows = Array.from({ length: 1000 }, (_, i) => ({ id: newId('app'), teamId: consumer.team.id, name: `load-${String(i).padStart(4, '0')}` }));
    await transact(db, async (tx) => {
      for (let i = 0; i < appRows.length; i += 200) await tx.insert(apps).values(appRows.slice(i, i + 200));
      const subs = appRows.map((a, i) => ({ id: newId('subscription'), appId: a.id, serviceId: published.service.id, planId: published.plan.id, state: 'pending' as const, requestNote: 'load test', createdAt: now + i, updatedAt: now + i }));
      for (let i = 0; i < subs.length; i += 200) await tx.insert(subscriptions).values(subs.slice(i, i + 200));
    });
    const page = await adminPage();
    const started = Date.now();
    await page.goto('/queue');
    await row(page, 'load-0999').waitFor();
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(2_000);
    expect(await page.locator('tbody tr').count()).toBe(50);
    await page.getByRole('button', { name: 'Next page' }).click();
    await row(page, 'load-0949').waitFor();
    expect(await page.locator('tbody tr').count()).toBe(50);
    await page.getByText('Page 2 · 50 rows').waitFor();
    await page.getByRole('button', { name: 'Previous page' }).click();
    await row(page, 'load-0999').waitFor();
    await page.context().close();
  });

  it('holds at 390 px: tables scroll in their own box, no page is wider than the screen', async () => {
    const page = await adminPage(390);
    await page.goto('/queue');
    await page.locator('tbody tr').first().waitFor();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'approval-queue-390');
    const pages: Array<[string, string]> = [
      ['/queue/subscribers', 'Subscribers'],
      ['/prompts', 'Prompts'],
      [`/prompts/${promptId}`, 'Summarize'],
      [`/team/webhooks?team=${published.team.id}`, 'Webhooks'],
      [`/team/audit?team=${published.team.id}`, 'Audit log'],
    ];
    for (const [url, title] of pages) {
      await page.goto(url);
      await page.getByRole('heading', { name: title, level: 1 }).waitFor();
      // Measured once every list is in: a loading line is narrower than what replaces it.
      await page.getByText(/^Loading /).first().waitFor({ state: 'detached' });
      expect(await page.evaluate<number>('document.documentElement.scrollWidth'), url).toBeLessThanOrEqual(390);
      // The prompt page's diff table scrolls sideways here: it must be reachable by keyboard.
      if (title === 'Summarize') expect(await accessibilityProblems(page)).toEqual([]);
    }
    await page.context().close();
  });
});

