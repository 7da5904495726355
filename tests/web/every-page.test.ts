import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertCallRecords } from '@tollgate/portal';
import { callRecord } from '../../apps/portal/src/testing/call-record-factory';
import { accessibilityProblems, newContext, signIn } from './browser';
import { startWebPlatform, type WebPlatform } from './platform';

/**
 * Every page of the web app, opened by address at both widths, as the person it is for: it shows its heading,
 * fits the screen, and axe finds nothing serious or critical. Plus the call log over 10,000 records.
 */
let w: WebPlatform;
const pages: { admin: string[]; consumer: string[] } = { admin: [], consumer: [] };
let consumer: Awaited<ReturnType<WebPlatform['createConsumer']>>;

beforeAll(async () => {
  w = await startWebPlatform();
  const published = await w.publishAiService({ approval: 'manual' });
  const svc = published.service.id as string;
  consumer = await w.createConsumer('consumers');
  const { subscription } = await consumer.dev.must('POST', `/api/apps/${consumer.app.id}/subscriptions`, { planId: published.plan.id, note: 'please' });
  await w.api.must('POST', `/api/subscriptions/${subscription.id}/approve`, { reason: 'ok' }, 200);
  const { prompt } = await w.api.must('POST', `/api/services/${svc}/prompts`, {
    name: 'Greet',
    path: '/greet',
    draft: { messages: [{ role: 'user', content: 'Hello {{name}}' }], variables: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] }, model: published.model },
  });
  // 10,000 calls of the consumer's app, straight into the store the gateway's meter writes to.
  const base = Date.now() - 3_600_000;
  const records = Array.from({ length: 10_000 }, (_, i) =>
    callRecord({ startedAt: base + i * 300, teamId: consumer.team.id, appId: consumer.app.id, keyId: consumer.key.id, serviceId: svc, subscriptionId: subscription.id, status: i % 10 === 0 ? 429 : 200 }),
  );
  insertCallRecords(w.platform.portal.db, records);
  const teams = (await w.api.must('GET', '/api/teams')).teams as Array<{ id: string; slug: string }>;
  const team = teams.find((t) => t.slug === 'ai-platform');
  pages.consumer = ['/', `/services/${svc}`, '/apps', `/apps/${consumer.app.id}`, '/usage', '/logs', `/logs/${records[0]!.id}`, '/account'];
  pages.admin = [
    '/publish/services',
    `/publish/services/${svc}`,
    '/queue',
    '/prompts',
    `/prompts/${prompt.id}`,
    '/team/webhooks',
    '/team/audit',
    '/admin/providers',
    '/admin/users',
    '/admin/teams',
    ...(team ? [`/admin/teams/${team.id}`] : []),
    '/admin/audit',
    '/admin/analytics',
  ];
}, 90_000);
afterAll(() => w?.close());

describe('every page', () => {
  for (const width of [1440, 390] as const) {
    it(`opens by address at ${width} px with a heading, no sideways scroll and no serious axe finding`, { timeout: 120_000 }, async () => {
      const problems: string[] = [];
      for (const [who, list] of [['consumer', pages.consumer], ['admin', pages.admin]] as const) {
        const context = await newContext(w.browser, { baseURL: w.portalUrl, width });
        const page = await context.newPage();
        await (who === 'admin' ? signIn(page, w.admin.email, w.admin.password) : signIn(page, consumer.user.email, consumer.password));
        for (const url of list) {
          await page.goto(url);
          await page.getByRole('heading', { level: 1 }).first().waitFor();
          // Let lazy chunks, queries and charts settle before judging the page.
          await page.waitForLoadState('networkidle');
          if ((await page.getByRole('heading', { name: /not found|cannot open/i, level: 1 }).count()) > 0) problems.push(`${url}: refused or not found`);
          for (const alert of await page.getByRole('alert').allTextContents()) problems.push(`${url}: shows an error: ${alert}`);
          const scroll = await page.evaluate<number>('document.documentElement.scrollWidth');
          if (scroll > width) problems.push(`${url} at ${width} px: ${scroll} px wide`);
          for (const p of await accessibilityProblems(page)) problems.push(`${url} at ${width} px: ${p}`);
        }
        await context.close();
      }
      expect(problems).toEqual([]);
    });
  }
});

describe('the call log over 10,000 records', () => {
  it('shows the first page quickly and pages on, never rendering them all', { timeout: 60_000 }, async () => {
    const context = await newContext(w.browser, { baseURL: w.portalUrl });
    const page = await context.newPage();
    await signIn(page, consumer.user.email, consumer.password);
    const started = Date.now();
    await page.goto('/logs');
    await page.getByRole('row').nth(1).waitFor();
    expect(Date.now() - started).toBeLessThan(3_000);
    const rows = await page.getByRole('row').count();
    expect(rows).toBeLessThanOrEqual(201);
    const first = await page.getByRole('row').nth(1).textContent();
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.waitForFunction(`document.querySelector('tbody tr')?.textContent !== ${JSON.stringify(first)}`);
    await context.close();
  });
});
