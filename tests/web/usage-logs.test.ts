import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import type { CallRecord, CallRecordPage } from '../../apps/portal/src/api-types';
import { accessibilityProblems, newContext, screenshot, signIn } from './browser';
import { PortalClient } from '../../apps/all-in-one/src/portal-client';
import { startWebPlatform, type WebPlatform } from './platform';

/**
 * Usage charts, the call log explorer and the admin analytics in a real browser, over real calls through the
 * gateway: a consumer's app calls the published AI service (some calls fail), the meter writes the records
 * and rollups, and the pages show what the API holds.
 */
let w: WebPlatform;
let consumer: Awaited<ReturnType<WebPlatform['createConsumer']>>;
let rival: Awaited<ReturnType<WebPlatform['createConsumer']>>;
let published: Awaited<ReturnType<WebPlatform['publishAiService']>>;
/** The consumer's records as the API lists them, newest first. */
let records: CallRecordPage['records'];
let rivalRecordId: string;
/** The admin through the API, for setting up and for what the admin may read. */
let admin: PortalClient;
let context: BrowserContext;
let page: Page;

const okCalls = 9;
const failingCalls = 3;

async function call(secret: string, model: string): Promise<number> {
  const res = await fetch(`${w.gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: `hello ${model}` }] }),
  });
  await res.arrayBuffer();
  return res.status;
}

async function subscribeApproved(c: typeof consumer) {
  const { subscription } = await c.dev.must('POST', `/api/apps/${c.app.id}/subscriptions`, { planId: published.plan.id, note: 'for the tests' });
  await admin.must('POST', `/api/subscriptions/${subscription.id}/approve`, { reason: 'ok' }, 200);
}

beforeAll(async () => {
  w = await startWebPlatform();
  admin = new PortalClient(w.portalUrl);
  await admin.login(w.admin.email, w.admin.password);
  published = await w.publishAiService({ approval: 'manual' });
  // Bodies kept, so a record's page has captured bodies to show.
  await admin.must('PATCH', `/api/services/${published.service.id}`, { capture: { bodies: true, redact: [] } }, 200);
  consumer = await w.createConsumer('acme');
  rival = await w.createConsumer('rivals');
  await subscribeApproved(consumer);
  await subscribeApproved(rival);
  // The approval reaches the gateway with its next snapshot: call until the key is let through.
  for (let i = 0; i < 50 && (await call(consumer.secret, published.model)) !== 200; i++) await new Promise((r) => setTimeout(r, 100));
  for (let i = 1; i < okCalls; i++) expect(await call(consumer.secret, published.model)).toBe(200);
  for (let i = 0; i < failingCalls; i++) expect(await call(consumer.secret, 'no-such-model')).toBeGreaterThanOrEqual(400);
  for (let i = 0; i < 50 && (await call(rival.secret, published.model)) !== 200; i++) await new Promise((r) => setTimeout(r, 100));
  await w.platform.meter.flush();
  records = (await consumer.dev.must<CallRecordPage>('GET', `/api/call-records?appId=${consumer.app.id}&limit=500`)).records;
  rivalRecordId = (await rival.dev.must<CallRecordPage>('GET', `/api/call-records?limit=1`)).records[0]!.id;
  context = await newContext(w.browser, { baseURL: w.portalUrl });
  page = await context.newPage();
  await signIn(page, consumer.user.email, consumer.password);
}, 60_000);
afterAll(async () => {
  await context?.close();
  await w?.close();
});

const nav = () => page.getByRole('navigation', { name: 'Main' });
const statValue = (label: string) => page.locator('.stat').filter({ has: page.getByText(label, { exact: true }) }).locator('.stat-value');
const rows = () => page.locator('table.record-table tbody tr');
async function rowCount(n: number) {
  await expect.poll(() => rows().count(), { timeout: 8_000 }).toBe(n);
}
const waitText = (locator: Locator, s: string) => locator.getByText(s, { exact: false }).first().waitFor({ timeout: 10_000 });

describe('usage', () => {
  it('shows my app’s totals as the records count them, and charts drawn on a canvas with a text alternative', async () => {
    expect(records.length).toBeGreaterThanOrEqual(okCalls + failingCalls);
    // At least the unknown-model calls; a call sent before the approval reached the gateway is an error too.
    const errors = records.filter((r) => r.failed || r.status >= 400).length;
    expect(errors).toBeGreaterThanOrEqual(failingCalls);
    await nav().getByRole('link', { name: 'Usage' }).click();
    await page.getByRole('heading', { name: 'Usage', level: 1 }).waitFor();
    await expect.poll(() => statValue('Requests').textContent()).toBe(String(records.length));
    expect(await statValue('Errors').textContent()).toBe(String(errors));
    const tokens = records.reduce((sum, r) => sum + r.inputTokens + r.cacheReadTokens + r.cacheWriteTokens + r.outputTokens + r.reasoningTokens, 0);
    expect(await statValue('Tokens').textContent()).toBe(tokens.toLocaleString('en'));

    const requestsChart = page.getByRole('figure', { name: 'Requests and errors' });
    await requestsChart.locator('canvas').first().waitFor();
    expect(await page.locator('figure.chart canvas').count()).toBeGreaterThanOrEqual(4);
    // The picture's text alternative carries the same totals.
    const described = await requestsChart.getByRole('img').getAttribute('aria-label');
    expect(described).toContain(`Requests: total ${records.length}`);
    expect(described).toContain(`Errors: total ${errors}`);
    await waitText(page.getByRole('figure', { name: 'Tokens by kind' }), 'Input');
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'usage');
    // The data table, opened by keyboard, lists the buckets with the calls in them.
    await requestsChart.getByText('Data table').focus();
    await page.keyboard.press('Enter');
    const table = requestsChart.getByRole('table');
    await table.waitFor();
    const counted = await table.locator('tbody tr td:nth-child(2)').allTextContents();
    expect(counted.reduce((sum, v) => sum + Number(v), 0)).toBe(records.length);
    expect(await accessibilityProblems(page)).toEqual([]);
    await requestsChart.getByText('Data table').click();

    // The range lives in the URL and survives a reload.
    await page.getByLabel('Time range').selectOption('1h');
    await expect.poll(() => new URL(page.url()).searchParams.get('range')).toBe('1h');
    await page.reload();
    expect(await page.getByLabel('Time range').inputValue()).toBe('1h');
    await expect.poll(() => statValue('Requests').textContent()).toBe(String(records.length));
    // A custom range with its end before its start is refused beside the field, before asking the portal.
    await page.getByLabel('Time range').selectOption('custom');
    await page.getByLabel('To', { exact: true }).fill('2020-01-01T00:00');
    await waitText(page.locator('.field-error'), 'Must be later than the start.');
    expect(await accessibilityProblems(page)).toEqual([]);
  });
});

describe('call logs', () => {
  it('filters by status in the URL, shows the portal’s field errors, and pages by cursor', async () => {
    await nav().getByRole('link', { name: 'Call logs' }).click();
    await page.getByRole('heading', { name: 'Call logs', level: 1 }).waitFor();
    await rowCount(records.length);
    await waitText(rows().first(), 'chatbot');
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'call-logs');

    await page.getByLabel('Status').fill('4xx');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const failing = records.filter((r) => r.status >= 400 && r.status < 500).length;
    expect(failing).toBeGreaterThanOrEqual(failingCalls);
    await rowCount(failing);
    expect(new URL(page.url()).searchParams.get('status')).toBe('4xx');
    // The same address opened afresh shows the same filter in the form.
    await page.reload();
    expect(await page.getByLabel('Status').inputValue()).toBe('4xx');
    await rowCount(failing);

    // A status the portal cannot read is refused beside the field.
    await page.getByLabel('Status').fill('teapot');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await waitText(page.locator('.field-error'), 'An HTTP status such as 429');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await rowCount(records.length);

    await page.getByLabel('Per page').selectOption('10');
    await rowCount(10);
    const firstPage = await rows().locator('td:first-child').allTextContents();
    await page.getByRole('button', { name: 'Next page' }).click();
    await rowCount(records.length - 10);
    expect(new URL(page.url()).searchParams.get('cursor')).toBeTruthy();
    await waitText(page.getByRole('status').filter({ hasText: 'Page 2' }), 'the last page');
    expect(await page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await rowCount(10);
    expect(await rows().locator('td:first-child').allTextContents()).toEqual(firstPage);
  });

  it('opens one record with every field and its captured bodies', async () => {
    await page.goto('/logs');
    await rowCount(records.length);
    // The newest call that the service answered (its bodies were captured).
    const index = records.findIndex((r) => r.status === 200);
    const { record } = await consumer.dev.must<{ record: CallRecord }>('GET', `/api/call-records/${records[index]!.id}`);
    await rows().nth(index).getByRole('link').click();
    await page.getByRole('heading', { name: 'Call record', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/logs/${record.id}`);
    const fields = page.locator('dl.fields');
    await waitText(fields, record.requestId);
    await waitText(fields, record.id);
    await waitText(fields, 'chatbot');
    if (record.model) await waitText(fields, record.model);
    // Every field of the record has its line (bodies apart).
    expect(await fields.locator('dt').count()).toBe(Object.keys(record).length - 1);
    expect(record.bodies?.request).toContain('hello');
    await waitText(page.getByRole('region', { name: 'Request body' }), `"content": "hello ${published.model}"`);
    await waitText(page.getByRole('region', { name: 'Response body' }), 'Echo: hello');
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'call-record');
    await page.getByRole('link', { name: 'Back to call logs' }).click();
    await page.getByRole('heading', { name: 'Call logs', level: 1 }).waitFor();
  });

  it('exports the filtered records as CSV with visible progress, one line per record', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-export-'));
    const exportAs = async (search: string, expected: number) => {
      await page.goto(`/logs${search}`);
      await rowCount(expected);
      const download = page.waitForEvent('download');
      await page.getByRole('button', { name: 'Export records' }).click();
      const file = path.join(dir, (await download).suggestedFilename());
      await (await download).saveAs(file);
      await waitText(page.locator('.export-status'), `${expected} rows`);
      const lines = readFileSync(file, 'utf8').split('\r\n').filter(Boolean);
      expect(lines[0]).toMatch(/^id,requestId,startedAt,/);
      expect(lines).toHaveLength(expected + 1);
      return lines;
    };
    const all = await exportAs('', records.length);
    expect(all.slice(1).map((l) => l.split(',')[0])).toEqual(records.map((r) => r.id));
    await exportAs('?status=4xx', records.filter((r) => r.status >= 400 && r.status < 500).length);
    expect(await accessibilityProblems(page)).toEqual([]);
  });

  it('shows the export’s progress while it runs and cancels it without saving anything', async () => {
    // The portal's answer held back, as a long export's would be, so the running state can be seen.
    await page.route('**/api/call-records/export*', async (route) => {
      await new Promise((r) => setTimeout(r, 15_000));
      await route.continue().catch(() => undefined);
    });
    let downloaded = false;
    page.on('download', () => (downloaded = true));
    await page.goto('/logs');
    await rowCount(records.length);
    await page.getByRole('button', { name: 'Export records' }).click();
    await page.getByRole('progressbar', { name: 'Export progress' }).waitFor();
    await waitText(page.locator('.export-status'), 'so far');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByRole('button', { name: 'Cancel export' }).click();
    await waitText(page.locator('.export-status'), 'Export cancelled; nothing was saved.');
    expect(await page.getByRole('progressbar').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Export records' }).isEnabled()).toBe(true);
    expect(downloaded).toBe(false);
    await page.unroute('**/api/call-records/export*');
  });
});

describe('what another team’s user cannot open', () => {
  it('shows not found for another team’s record and forbidden for the admin analytics, with no data', async () => {
    const { record } = await rival.dev.must<{ record: CallRecord }>('GET', `/api/call-records/${rivalRecordId}`);
    await page.goto(`/logs/${rivalRecordId}`);
    await page.getByRole('heading', { name: 'Call record not found', level: 1 }).waitFor();
    expect(await page.locator('main').textContent()).not.toContain(record.requestId);
    expect(await accessibilityProblems(page)).toEqual([]);

    expect(await nav().getByRole('link', { name: 'Analytics' }).count()).toBe(0);
    const asked: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/analytics')) asked.push(r.url());
    });
    await page.goto('/admin/analytics');
    await page.getByRole('heading', { name: 'You cannot open this page', level: 1 }).waitFor();
    expect(asked).toEqual([]);
    expect(await accessibilityProblems(page)).toEqual([]);

    // Another team's app named in the usage address: refused on the page, and its usage never asked for.
    const usageAsked: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/') && r.url().includes(rival.app.id)) usageAsked.push(r.url());
    });
    await page.goto(`/usage?app=${rival.app.id}`);
    await waitText(page.getByRole('alert'), 'None of your apps has the id in this address');
    expect(usageAsked).toEqual([]);
    expect(await page.locator('figure.chart').count()).toBe(0);
  });
});

describe('admin analytics', () => {
  it('groups the platform’s traffic by model and service, with names, charts and a top list', async () => {
    const adminContext = await newContext(w.browser, { baseURL: w.portalUrl });
    const p = await adminContext.newPage();
    await signIn(p, w.admin.email, w.admin.password);
    await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Analytics' }).click();
    await p.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
    const top = p.getByRole('table').last();
    // By service (the default): the service's name, not its id.
    await waitText(top.getByRole('rowheader'), 'LLM');
    await p.getByLabel('Group by').selectOption('model');
    await expect.poll(() => new URL(p.url()).searchParams.get('groupBy')).toBe('model');
    await p.getByRole('heading', { name: 'Top models by requests' }).waitFor();
    const row = top.getByRole('row').filter({ has: p.getByRole('rowheader', { name: published.model }) });
    // Both teams' calls to the published model, as the API counts them for the admin.
    const byModel = (await admin.must<CallRecordPage>('GET', `/api/call-records?model=${published.model}&limit=500`)).records.length;
    await expect.poll(async () => (await row.locator('td').nth(1).textContent()) ?? '').toBe(String(byModel));
    await p.getByRole('figure', { name: 'Requests by model' }).locator('canvas').first().waitFor();
    await waitText(p.getByRole('list', { name: 'Legend of Requests by model' }), published.model);
    expect(await p.locator('figure.chart canvas').count()).toBeGreaterThanOrEqual(7);
    expect(await accessibilityProblems(p)).toEqual([]);
    await screenshot(p, 'analytics');
    await adminContext.close();
  });

  it('works at 390 px: usage, logs and analytics fit the width', async () => {
    const narrow = await newContext(w.browser, { baseURL: w.portalUrl, width: 390 });
    const p = await narrow.newPage();
    await signIn(p, consumer.user.email, consumer.password);
    for (const address of ['/usage', '/logs']) {
      await p.goto(address);
      await p.locator(address === '/usage' ? 'figure.chart canvas' : 'table.record-table tbody tr').first().waitFor();
      expect(await p.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      expect(await accessibilityProblems(p)).toEqual([]);
    }
    await p.getByRole('button', { name: 'Sign out' }).click();
    await signIn(p, w.admin.email, w.admin.password);
    await p.goto('/admin/analytics');
    await p.locator('figure.chart canvas').first().waitFor();
    expect(await p.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    expect(await accessibilityProblems(p)).toEqual([]);
    await narrow.close();
  });
});
