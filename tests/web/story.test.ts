import OpenAI from 'openai';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityProblems, newContext, screenshot, signIn } from './browser';
import { startWebPlatform, type WebPlatform } from './platform';

/**
 * The whole story of issue 14, by clicking, in two browser profiles: the admin connects the mock provider and
 * publishes an AI service with a manual plan; a consumer in another team finds it in the catalogue, subscribes
 * with a note and sees "pending"; the admin approves it in the queue with a reason; the consumer creates a key
 * and copies it; the test calls the gateway with the official OpenAI SDK and that key; the consumer sees the
 * call in the call log and in the usage chart.
 */
let w: WebPlatform;
beforeAll(async () => {
  w = await startWebPlatform();
  // Setup the story does not click through: the publishing team, and the consumer's account, team and app.
  await w.api.must('POST', '/api/teams', { name: 'AI Platform', slug: 'ai-platform' });
}, 60_000);
afterAll(() => w?.close());

const visible = (locator: Locator, text: string | RegExp) => locator.getByText(text).first().waitFor();
const nav = (page: Page) => page.getByRole('navigation', { name: 'Main' });

describe('the story, by clicking', () => {
  it('publish → find → subscribe (pending) → approve → key → call with the OpenAI SDK → see it in the log and the usage chart', { timeout: 120_000 }, async () => {
    const consumer = await w.createConsumer('consumers');
    const admin = await (await newContext(w.browser, { baseURL: w.portalUrl })).newPage();
    const dev = await (await newContext(w.browser, { baseURL: w.portalUrl })).newPage();

    // 1. The admin connects the mock provider.
    await signIn(admin, w.admin.email, w.admin.password);
    await nav(admin).getByRole('link', { name: 'Providers' }).click();
    await admin.getByRole('button', { name: 'New provider' }).click();
    await admin.getByLabel('Name', { exact: true }).fill('mock-openai');
    await admin.getByLabel('Type').selectOption('openai');
    await admin.getByLabel('Base URL').fill(w.upstream.url);
    await admin.getByLabel('Key 1', { exact: true }).fill('sk-up');
    await admin.getByRole('button', { name: 'Create provider' }).click();
    const provider = admin.getByRole('listitem').filter({ has: admin.getByRole('heading', { name: 'mock-openai' }) });
    await provider.getByRole('button', { name: 'Test connection' }).click();
    await visible(provider.getByRole('status'), /Connection works/);

    // 2. ... and publishes an AI service with a manual plan.
    await nav(admin).getByRole('link', { name: 'My services' }).click();
    await admin.getByRole('button', { name: 'New service' }).click();
    const form = admin.getByRole('form', { name: 'New service' });
    await form.getByLabel('Team').selectOption({ label: 'AI Platform' });
    await form.getByLabel('Name').fill('LLM');
    await form.getByLabel('Slug').fill('llm');
    await form.getByLabel('Description').fill('Chat models for every team.');
    await admin.getByRole('button', { name: 'Create service' }).click();
    await admin.getByRole('heading', { name: 'LLM', level: 1 }).waitFor();
    const sections = admin.getByRole('navigation', { name: 'Service sections' });
    await sections.getByRole('link', { name: 'Models' }).click();
    await admin.getByLabel('Model name').fill('gpt-4o-mini');
    await admin.getByLabel('Provider of target 1').selectOption({ label: 'mock-openai (openai)' });
    await admin.getByLabel('Upstream model of target 1').fill('gpt-4o-mini');
    await admin.getByRole('button', { name: 'Add model route' }).click();
    await admin.getByRole('row').filter({ hasText: 'gpt-4o-mini' }).waitFor();
    await sections.getByRole('link', { name: 'Plans' }).click();
    await admin.getByLabel('Plan name').fill('standard');
    await admin.getByLabel('Approval').selectOption('manual');
    await admin.getByLabel('Requests per minute').fill('60');
    await admin.getByRole('button', { name: 'Create plan' }).click();
    await admin.getByRole('row').filter({ hasText: 'standard' }).waitFor();
    await sections.getByRole('link', { name: 'Lifecycle' }).click();
    await admin.getByRole('button', { name: 'Publish' }).click();
    await admin.getByRole('dialog', { name: 'Publish LLM?' }).getByRole('button', { name: 'Publish' }).click();
    await visible(admin.getByRole('status'), 'release 1 is live');

    // 3. The consumer, in another team, finds it in the catalogue and asks for it with a note.
    await signIn(dev, consumer.user.email, consumer.password);
    await dev.getByLabel('Search services').fill('chat models');
    await dev.getByRole('link', { name: 'LLM' }).click();
    await dev.getByRole('heading', { name: 'LLM', level: 1 }).waitFor();
    const subscribe = dev.getByRole('region', { name: 'Subscribe' });
    await subscribe.getByLabel('App').selectOption({ label: 'chatbot (consumers)' });
    await subscribe.getByLabel('Plan').selectOption({ label: 'standard — needs approval' });
    await subscribe.getByLabel('Note to the publisher').fill('For the support bot');
    await subscribe.getByRole('button', { name: 'Request subscription' }).click();
    await visible(subscribe.getByRole('status'), 'waiting for approval');
    expect(await accessibilityProblems(dev)).toEqual([]);

    // 4. The admin approves it in the queue, with a reason.
    await nav(admin).getByRole('link', { name: 'Approval queue' }).click();
    await admin.getByRole('heading', { name: 'Approval queue', level: 1 }).waitFor();
    await visible(admin.getByRole('row', { name: /^chatbot \(consumers\)/ }), 'For the support bot');
    await admin.getByRole('button', { name: 'Approve chatbot (consumers)' }).click();
    await admin.getByRole('dialog').getByLabel('Reason (optional)').fill('Welcome aboard');
    await admin.getByRole('dialog').getByRole('button', { name: 'Approve' }).click();
    await visible(admin.getByRole('row', { name: /^chatbot \(consumers\)/ }), 'approved');

    // 5. The consumer sees it approved with the reason, creates a key and copies it.
    await nav(dev).getByRole('link', { name: 'My apps' }).click();
    await dev.getByRole('link', { name: 'chatbot' }).click();
    const subscriptions = dev.getByRole('table', { name: 'Subscriptions of this app' });
    await visible(subscriptions, 'approved');
    await visible(subscriptions, 'Welcome aboard');
    await dev.getByLabel('Key name').fill('story');
    await dev.getByRole('button', { name: 'Create key' }).click();
    const secretPanel = dev.getByRole('region', { name: 'New key secret' });
    await secretPanel.getByRole('button', { name: 'Copy secret' }).click();
    const secret = await dev.evaluate<string>('navigator.clipboard.readText()');
    expect(secret).toMatch(/^tg_/);
    expect((await secretPanel.locator('code').textContent())?.trim()).toBe(secret);

    // 6. The copied key calls the gateway through the official OpenAI SDK (once the gateway has the new key).
    const openai = new OpenAI({ apiKey: secret, baseURL: `${w.gatewayUrl}/v1`, maxRetries: 0 });
    let reply: string | null | undefined;
    for (const deadline = Date.now() + 5_000; reply === undefined; ) {
      try {
        reply = (await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello from the story' }] })).choices[0]?.message.content;
      } catch (err) {
        if (!(err instanceof OpenAI.AuthenticationError) || Date.now() > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    expect(reply).toBe('Echo: hello from the story');
    await w.platform.meter.flush();

    // 7. The consumer sees the call in the call log and in the usage chart.
    await nav(dev).getByRole('link', { name: 'Call logs' }).click();
    await dev.getByRole('heading', { name: 'Call logs', level: 1 }).waitFor();
    const call = dev.getByRole('row').filter({ hasText: 'gpt-4o-mini' }).filter({ hasText: '200' });
    await call.first().waitFor();
    await screenshot(dev, 'story-call-log');
    await nav(dev).getByRole('link', { name: 'Usage' }).click();
    await dev.getByRole('heading', { name: 'Usage', level: 1 }).waitFor();
    const requests = dev.locator('.stat').filter({ has: dev.getByText('Requests', { exact: true }) });
    await visible(requests, /^[1-9]\d*$/);
    const chart = dev.getByRole('figure', { name: 'Requests and errors' });
    await chart.locator('canvas').first().waitFor();
    expect(await chart.getByRole('img').getAttribute('aria-label')).toMatch(/Requests[^.]*\b[1-9]/);
    expect(await accessibilityProblems(dev)).toEqual([]);
    await screenshot(dev, 'story-usage');
  });
});
