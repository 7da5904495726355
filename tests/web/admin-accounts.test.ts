import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { accessibilityProblems, newContext, screenshot, signIn } from './browser';
import { startWebPlatform, type WebPlatform } from './platform';
import { PortalClient } from '../../apps/all-in-one/src/portal-client';

/**
 * The admin console, accounts and notifications in a real browser: providers with a real connection test,
 * users with a one-time password, teams with members and one-time invitation links, accepting a link signed
 * out, a used link, changing a password, the notification bell, and what a non-admin sees at admin addresses.
 */
let w: WebPlatform;
/** The admin through the API, to check what the pages did. */
const admin = () => adminApi;
let adminApi: PortalClient;
beforeAll(async () => {
  w = await startWebPlatform();
  adminApi = new PortalClient(w.portalUrl);
  await adminApi.login(w.admin.email, w.admin.password);
}, 60_000);
afterAll(() => w?.close());

const visible = (locator: Locator, text: string | RegExp) => locator.getByText(text).first().waitFor({ timeout: 10_000 });
const noAxeProblems = async (page: Page) => expect(await accessibilityProblems(page)).toEqual([]);

async function adminPage(width: 390 | 1440 = 1440) {
  const context = await newContext(w.browser, { baseURL: w.portalUrl, width });
  const page = await context.newPage();
  await signIn(page, w.admin.email, w.admin.password);
  return { context, page };
}

// Handed from one test to the next, as one admin's afternoon: the user made in the UI changes their password later.
let createdUser: { email: string; password: string };

describe('providers', () => {
  it('creates a provider from the form, tests the connection against the mock, then shows a wrong key’s failure', async () => {
    const { context, page } = await adminPage();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Providers' }).click();
    await page.getByRole('heading', { name: 'Providers', level: 1 }).waitFor();
    await visible(page.locator('.empty'), 'No provider yet');
    await page.getByRole('button', { name: 'New provider' }).click();
    await page.getByLabel('Name', { exact: true }).fill('mock-openai');
    await page.getByLabel('Type').selectOption('openai');
    await page.getByLabel('Base URL').fill(w.upstream.url);
    // A pool of two keys (the mock knows one key, so both are it) with their weights.
    await page.getByLabel('Key 1', { exact: true }).fill('sk-up');
    await page.getByRole('button', { name: 'Add a key' }).click();
    await page.getByLabel('Key 2', { exact: true }).fill('sk-up');
    await page.getByLabel('Weight of key 2').fill('3');
    await page.getByRole('button', { name: 'Add a price override' }).click();
    await page.getByLabel('Model 1', { exact: true }).fill('house-model');
    await page.getByLabel('Input price of model 1').fill('0.15');
    await page.getByLabel('Output price of model 1').fill('0.6');
    await noAxeProblems(page);
    await page.getByRole('button', { name: 'Create provider' }).click();

    const item = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'mock-openai' }) });
    await visible(item, w.upstream.url);
    await visible(item, 'house-model');
    // Keys are write-only: the page lists the pool by weight, masked, and never shows a key.
    const keys = item.getByRole('list', { name: 'Keys of mock-openai' });
    expect(await keys.getByRole('listitem').allTextContents()).toEqual(['•••• weight 1', '•••• weight 3']);
    expect(await page.content()).not.toContain('sk-up"');
    await item.getByRole('button', { name: 'Test connection' }).click();
    await visible(item.getByRole('status'), /Connection works\. Connected: the provider lists \d+ models/);
    await visible(item.getByRole('status'), 'Key 2 (weight 3): works');
    expect(w.upstream.requests.some((r) => r.method === 'GET' && r.path === '/v1/models')).toBe(true);
    await noAxeProblems(page);
    await screenshot(page, 'providers');

    await item.getByRole('button', { name: 'Edit' }).click();
    expect(new URL(page.url()).searchParams.get('edit')).toMatch(/^prv_/);
    const form = page.getByRole('form', { name: 'Edit mock-openai' });
    await form.getByRole('button', { name: 'Replace the keys' }).click();
    await form.getByLabel('Key 1', { exact: true }).fill('sk-wrong-key');
    await form.getByRole('button', { name: 'Save provider' }).click();
    await form.waitFor({ state: 'detached' });
    await item.getByRole('button', { name: 'Test connection' }).click();
    await visible(item.getByRole('alert'), 'Connection failed. The provider answered 401: Incorrect API key provided');
    expect(await item.textContent()).not.toContain('sk-wrong-key');
    await noAxeProblems(page);

    // Deleting is confirmed first; Cancel keeps it.
    await item.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete mock-openai?' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    await item.getByRole('button', { name: 'Delete' }).click();
    await noAxeProblems(page);
    await dialog.getByRole('button', { name: 'Delete provider' }).click();
    await visible(page.locator('.empty'), 'No provider yet');
    expect((await admin().must('GET', '/api/providers')).providers).toEqual([]);
    await context.close();
  });
});

describe('users, teams and invitations', () => {
  it('creates a user (password once), a team with a member, and an invitation whose link a new person uses once', async () => {
    const { context, page } = await adminPage();
    await page.goto('/admin/users');
    await page.getByRole('button', { name: 'New user' }).click();
    await page.getByLabel('Email').fill('casey@example.test');
    await page.getByLabel('Name', { exact: true }).fill('Casey');
    await page.getByRole('button', { name: 'Create user' }).click();
    const shown = page.getByLabel('The new password');
    await shown.waitFor();
    createdUser = { email: 'casey@example.test', password: (await shown.textContent())! };
    expect(createdUser.password).toMatch(/^[A-Za-z0-9_-]{20}$/);
    await page.getByRole('button', { name: 'Copy password' }).click();
    await visible(page.getByRole('status'), 'Copied.');
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(createdUser.password);
    await visible(page.getByRole('table', { name: 'Users' }), 'casey@example.test');
    await noAxeProblems(page);
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.content()).not.toContain(createdUser.password);
    // Shown once: a fresh load of the page has no trace of it.
    await page.reload();
    await visible(page.getByRole('table', { name: 'Users' }), 'casey@example.test');
    expect(await page.content()).not.toContain(createdUser.password);

    await page.goto('/admin/teams');
    await page.getByRole('button', { name: 'New team' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Platform Ops');
    await page.getByLabel('Slug').fill('platform-ops');
    await page.getByRole('button', { name: 'Create team' }).click();
    await page.getByRole('heading', { name: 'Platform Ops', level: 1 }).waitFor();
    const members = page.getByRole('table', { name: 'Members' });
    await visible(members, w.admin.email);
    await page.getByLabel('User to add').selectOption({ label: 'Casey (casey@example.test)' });
    await page.getByRole('button', { name: 'Add member' }).click();
    await visible(members, 'casey@example.test');
    await page.getByLabel('Role of casey@example.test').selectOption('admin');
    await expect.poll(async () => (await admin().must('GET', `/api/teams/${teamIdOf(page)}/members`)).members.find((m: { email: string }) => m.email === 'casey@example.test')?.role).toBe('admin');

    await page.getByLabel('Email to invite').fill('newcomer@example.test');
    await page.getByRole('button', { name: 'Create invitation' }).click();
    const linkText = page.getByLabel('The invitation link');
    await linkText.waitFor();
    const link = (await linkText.textContent())!;
    expect(link).toMatch(new RegExp(`^${w.portalUrl}/invitations/tgi_[A-Za-z0-9_-]{43}$`));
    await visible(page.getByRole('table', { name: 'Invitations' }), 'newcomer@example.test');
    await noAxeProblems(page);
    await screenshot(page, 'team');
    await page.goto('/admin/audit?action=team.');
    await visible(page.getByRole('list', { name: 'Audit events' }), 'team.invitation_create');
    expect(await page.getByLabel('Action').inputValue()).toBe('team.');
    await noAxeProblems(page);
    await context.close();

    // A new person opens the link signed out, creates their account and lands signed in.
    const stranger = await newContext(w.browser, { baseURL: w.portalUrl });
    const newcomer = await stranger.newPage();
    await newcomer.goto(link);
    await newcomer.getByRole('heading', { name: 'Join Platform Ops', level: 1 }).waitFor();
    await visible(newcomer.getByRole('main'), 'newcomer@example.test to the team Platform Ops as member');
    await noAxeProblems(newcomer);
    await screenshot(newcomer, 'invitation');
    await newcomer.getByLabel('Your name').fill('Nico Newcomer');
    await newcomer.getByLabel('Choose a password').fill('short');
    await newcomer.getByLabel('Password again').fill('short');
    await newcomer.getByRole('button', { name: 'Create account and join Platform Ops' }).click();
    await visible(newcomer.locator('.field-error'), 'at least 12 characters');
    expect(await newcomer.getByLabel('Your name').inputValue()).toBe('Nico Newcomer');
    await newcomer.getByLabel('Choose a password').fill('newcomer password 1');
    await newcomer.getByLabel('Password again').fill('newcomer password 1');
    await newcomer.getByRole('button', { name: 'Create account and join Platform Ops' }).click();
    await newcomer.getByRole('heading', { name: 'Account', level: 1 }).waitFor();
    await visible(newcomer.getByRole('status'), 'You joined Platform Ops as member');
    await newcomer.getByRole('button', { name: 'Sign out' }).waitFor();
    await visible(newcomer.locator('.topbar'), 'newcomer@example.test');
    await noAxeProblems(newcomer);

    // The used link afterwards, signed in or not: a page that says so and what to do.
    await newcomer.goto(link);
    await newcomer.getByRole('heading', { name: 'This invitation was already used', level: 1 }).waitFor();
    await visible(newcomer.getByRole('alert'), 'This invitation has been used already; each link works once.');
    await noAxeProblems(newcomer);
    await stranger.close();
    const anyone = await (await newContext(w.browser, { baseURL: w.portalUrl })).newPage();
    await anyone.goto(link);
    await anyone.getByRole('heading', { name: 'This invitation was already used', level: 1 }).waitFor();
    await anyone.context().close();
  }, 45_000);
});

describe('account', () => {
  it('changes a password: a wrong current one and a short new one are named, then the new one signs in', async () => {
    const context = await newContext(w.browser, { baseURL: w.portalUrl, width: 390 });
    const page = await context.newPage();
    await signIn(page, createdUser.email, createdUser.password);
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByRole('heading', { name: 'Account', level: 1 }).waitFor();
    await visible(page.getByRole('main'), 'Platform Ops');
    await page.getByLabel('Current password').fill('not the password');
    await page.getByLabel('New password', { exact: true }).fill('casey new password');
    await page.getByLabel('New password again').fill('casey new password');
    await page.getByRole('button', { name: 'Change password' }).click();
    await visible(page.locator('.field-error'), 'this is not your current password');
    await page.getByLabel('Current password').fill(createdUser.password);
    await page.getByLabel('New password', { exact: true }).fill('too short');
    await page.getByRole('button', { name: 'Change password' }).click();
    await visible(page.locator('.field-error'), 'at least 12 characters');
    await page.getByLabel('New password', { exact: true }).fill('casey new password');
    await page.getByRole('button', { name: 'Change password' }).click();
    await visible(page.getByRole('status'), 'Your password is changed.');
    const wide = await page.evaluate<string[]>(`[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > 390).map((e) => e.tagName + '.' + e.className)`);
    expect(wide).toEqual([]);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await noAxeProblems(page);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, createdUser.email, 'casey new password');
    await context.close();
  });
});

describe('notifications', () => {
  it('shows a count when a subscription request arrives, without a reload, and drops it on mark-read', async () => {
    const { service, plan } = await w.publishAiService({ approval: 'manual' });
    const consumer = await w.createConsumer();
    const { context, page } = await adminPage();
    await page.goto('/admin/teams');
    const bell = page.getByRole('button', { name: /^Notifications/ });
    expect(await bell.getAttribute('aria-label')).toBe('Notifications');
    await consumer.dev.must('POST', `/api/apps/${consumer.app.id}/subscriptions`, { planId: plan.id, note: 'for the chatbot' });
    // The notifier writes the notification after the change commits; once it exists, the page learns of it
    // without a navigation: the bell refetches when the window comes back into view (and polls every 15 s).
    await expect.poll(async () => (await admin().must('GET', '/api/notifications?unread=true')).unread, { timeout: 10_000 }).toBe(1);
    await page.evaluate("document.dispatchEvent(new Event('visibilitychange', { bubbles: true }))");
    await page.getByRole('button', { name: 'Notifications, 1 unread' }).waitFor({ timeout: 5_000 });
    await bell.click();
    const panel = page.getByRole('region', { name: 'Notifications' });
    const title = 'chatbot asks to subscribe to LLM (standard)';
    await visible(panel, title);
    expect(await panel.getByRole('link', { name: title }).getAttribute('href')).toBe(`/queue?service=${service.id}`);
    await noAxeProblems(page);
    await screenshot(page, 'notifications');
    await panel.getByRole('button', { name: `Mark read: ${title}` }).click();
    await page.getByRole('button', { name: 'Notifications', exact: true }).waitFor();
    expect((await admin().must('GET', '/api/notifications?unread=true')).unread).toBe(0);
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
    await context.close();
  }, 40_000);
});

describe('small screens', () => {
  it('fits every admin page into 390 px and passes axe there', async () => {
    const { context, page } = await adminPage(390);
    const { team } = await admin().must('POST', '/api/teams', { name: 'A team with a rather long name for a phone', slug: 'narrow-screens' });
    await admin().must('POST', `/api/teams/${team.id}/invitations`, { email: 'somebody.with.a.long.address@example.test', role: 'member' });
    for (const address of ['/admin/providers', '/admin/users', '/admin/teams', `/admin/teams/${team.id}`, '/admin/audit', '/account']) {
      await page.goto(address);
      await page.getByRole('heading', { level: 1 }).waitFor();
      await page.getByRole('status').filter({ hasText: /^Loading/ }).waitFor({ state: 'detached' });
      // What sticks out, by name (inside a table's own scrolling frame is fine), so a failure says what to fix.
      const sticking = await page.evaluate<string[]>(`[...document.querySelectorAll('body *')].filter((e) => !e.closest('.table-wrap') && e.getBoundingClientRect().right > 390.5).map((e) => e.tagName + '.' + e.className)`);
      expect(sticking, address).toEqual([]);
      expect(await page.evaluate<number>('document.documentElement.scrollWidth'), address).toBeLessThanOrEqual(390);
      expect(await accessibilityProblems(page), address).toEqual([]);
    }
    await context.close();
  }, 30_000);
});

describe('security', () => {
  it('shows a non-admin a forbidden page at admin addresses, and asks the portal for none of its data', async () => {
    const consumer = await w.createConsumer('outsiders');
    const context = await newContext(w.browser, { baseURL: w.portalUrl, width: 390 });
    const page = await context.newPage();
    const asked: string[] = [];
    page.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (/^\/api\/(users|providers|audit-events)/.test(path)) asked.push(path);
    });
    await signIn(page, consumer.user.email, consumer.password);
    for (const address of ['/admin/providers', '/admin/users', '/admin/teams', '/admin/audit']) {
      await page.goto(address);
      await page.getByRole('heading', { name: 'You cannot open this page', level: 1 }).waitFor();
      const text = (await page.getByRole('main').textContent())!;
      for (const secret of ['mock-openai', 'casey@example.test', w.admin.email, w.upstream.url]) expect(text, address).not.toContain(secret);
    }
    expect(asked).toEqual([]);
    // The admin console is not even offered.
    await page.getByRole('button', { name: 'Menu' }).click();
    expect(await page.getByRole('navigation', { name: 'Main' }).getByText('Admin console').count()).toBe(0);
    await noAxeProblems(page);
    await context.close();
  });
});

const teamIdOf = (page: Page) => new URL(page.url()).pathname.split('/').at(-1)!;
