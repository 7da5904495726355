import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityProblems, newContext, screenshot, signIn } from './browser';
import { startWebPlatform, type WebPlatform } from './platform';

const webDist = path.resolve(import.meta.dirname, '../../apps/web/dist');

/** The web app's frame in a real browser: sign-in, the catalogue, URL state, small screens, accessibility. */
let w: WebPlatform;
beforeAll(async () => {
  w = await startWebPlatform();
  await w.publishAiService({ approval: 'manual' });
}, 60_000);
afterAll(() => w?.close());

describe('signing in', () => {
  it('refuses a wrong password with the portal’s message and keeps what was typed; then signs in and out', async () => {
    const context = await newContext(w.browser, { baseURL: w.portalUrl });
    const page = await context.newPage();
    await page.goto('/');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByLabel('Email').fill(w.admin.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectText(page.getByRole('alert'), 'The email or password is wrong.');
    expect(await page.getByLabel('Email').inputValue()).toBe(w.admin.email);
    await page.getByLabel('Password').fill(w.admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Catalogue', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Tollgate' }).waitFor();
    await context.close();
  });
});

describe('the first page', () => {
  it('loads at most 250 KB of JavaScript, gzipped, signed in on the catalogue', async () => {
    const context = await newContext(w.browser, { baseURL: w.portalUrl });
    const page = await context.newPage();
    const scripts = new Set<string>();
    page.on('response', (res) => {
      if (res.request().resourceType() === 'script') scripts.add(new URL(res.url()).pathname);
    });
    await signIn(page, w.admin.email, w.admin.password);
    await page.getByRole('heading', { name: 'LLM' }).waitFor();
    expect(scripts.size).toBeGreaterThan(0);
    let gzipped = 0;
    for (const script of scripts) gzipped += gzipSync(readFileSync(path.join(webDist, script))).length;
    expect(gzipped).toBeLessThanOrEqual(250 * 1024);
    await context.close();
  });
});

describe('the catalogue', () => {
  it('lists services with their plans and approval modes, filters by search in the URL, and passes axe', async () => {
    const context = await newContext(w.browser, { baseURL: w.portalUrl });
    const page = await context.newPage();
    await signIn(page, w.admin.email, w.admin.password);
    const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'LLM' }) });
    await expectText(card, 'standard');
    await expectText(card, 'needs approval');
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'catalogue');
    await page.getByLabel('Search services').fill('nothing-like-this');
    await expectText(page.locator('.empty'), 'No service matches these filters.');
    expect(new URL(page.url()).searchParams.get('q')).toBe('nothing-like-this');
    // The filtered address, opened afresh, shows the same.
    await page.goto('/?q=LLM');
    await card.waitFor();
    expect(await page.getByLabel('Search services').inputValue()).toBe('LLM');
    await context.close();
  });

  it('works at 390 px: the menu folds away and opens by keyboard', async () => {
    const context = await newContext(w.browser, { baseURL: w.portalUrl, width: 390 });
    const page = await context.newPage();
    await signIn(page, w.admin.email, w.admin.password);
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Menu' }).focus();
    await page.keyboard.press('Enter');
    await nav.getByRole('link', { name: 'Catalogue' }).waitFor();
    const width = await page.evaluate<number>('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(390);
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'catalogue-390');
    await context.close();
  });
});

async function expectText(locator: import('playwright-core').Locator, text: string) {
  await locator.getByText(text, { exact: false }).first().waitFor({ timeout: 10_000 });
}
