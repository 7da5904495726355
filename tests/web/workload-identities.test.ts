import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { accessibilityProblems } from './browser';
import { startWebPlatform, type WebPlatform } from './platform';
import { openSignedIn, requestedPaths } from './signed-in';

/**
 * The app page's "Workload identities" section in a real browser: a developer adds a SPIFFE ID, sees the portal's
 * reason beside the field for a malformed one and above the table for one another app holds, removes it after a
 * confirmation (it stays, revoked), and another team's user opening the app's URL learns none of it.
 */
let w: WebPlatform;
let consumer: Awaited<ReturnType<WebPlatform['createConsumer']>>;
let outsider: Awaited<ReturnType<WebPlatform['createConsumer']>>;
let secondAppId: string;
let context: BrowserContext;
let page: Page;

const checkout = 'spiffe://cluster.local/ns/shop/sa/checkout';
// As long as real ones get (a trust domain per region, long service-account names): the table must hold it.
const longId = 'spiffe://prod-eu-west-1.payments.internal.example.org/ns/payments-settlement-reconciliation/sa/settlement-reconciliation-batch-worker-v2';

beforeAll(async () => {
  w = await startWebPlatform();
  consumer = await w.createConsumer('shop');
  outsider = await w.createConsumer('outsiders');
  // A second app of the same team, made through the API: its creation is not what this file is about.
  ({ app: { id: secondAppId } } = await consumer.dev.must('POST', `/api/teams/${consumer.team.id}/apps`, { name: 'batch-jobs' }));
  ({ context, page } = await openSignedIn(w.browser, { baseURL: w.portalUrl }, { email: consumer.user.email, password: consumer.password }));
}, 90_000);
afterAll(async () => {
  await context?.close();
  await w?.close();
});

/** The section on the app page at `appId`, once the page has loaded that app. */
async function openSection(appId: string, appName: string): Promise<Locator> {
  await page.goto(`/apps/${appId}`);
  await page.getByRole('heading', { name: appName, level: 1 }).waitFor();
  const section = page.getByRole('region', { name: 'Workload identities', exact: true });
  await section.getByRole('heading', { name: 'Workload identities', level: 2 }).waitFor();
  return section;
}

async function add(section: Locator, spiffeId: string): Promise<void> {
  await section.getByLabel('SPIFFE ID', { exact: true }).fill(spiffeId);
  await section.getByRole('button', { name: 'Add identity' }).click();
}

const rowOf = (section: Locator, spiffeId: string) => section.getByRole('row').filter({ has: section.page().locator('code', { hasText: spiffeId }) });

/** What the portal holds for an app, read as its developer: the page's claims are checked against it. */
async function stored(appId: string): Promise<Array<{ id: string; spiffeId: string; revokedAt: number | null }>> {
  return (await consumer.dev.must('GET', `/api/apps/${appId}/workload-credentials`)).credentials;
}

describe('workload identities on the app page', () => {
  it('adds a SPIFFE ID and lists it as active', async () => {
    const section = await openSection(consumer.app.id, 'chatbot');
    await section.getByText('No workload identity.').waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    await add(section, checkout);
    await rowOf(section, checkout).getByText('active', { exact: true }).waitFor();
    // The field is emptied for the next one, and no refusal is shown.
    expect(await section.getByLabel('SPIFFE ID', { exact: true }).inputValue()).toBe('');
    expect(await section.getByRole('alert').count()).toBe(0);
    expect(await stored(consumer.app.id)).toMatchObject([{ spiffeId: checkout, revokedAt: null }]);
  }, 30_000);

  it('shows the portal’s 400 reason under the field for a malformed SPIFFE ID, keeps what was typed, adds nothing', async () => {
    const section = await openSection(consumer.app.id, 'chatbot');
    const input = section.getByLabel('SPIFFE ID', { exact: true });
    const cases: Array<[string, string]> = [
      ['http://x', 'the scheme must be spiffe (lower case), not http'],
      ['spiffe://Cluster.local/ns/a/sa/b', 'the trust domain "Cluster.local" may hold only lower-case letters, digits, ".", "-" and "_"'],
    ];
    for (const [bad, reason] of cases) {
      await add(section, bad);
      await section.getByText(reason, { exact: true }).waitFor();
      // Beside the field and tied to it, so a screen reader reads the reason with the input.
      expect(await input.getAttribute('aria-invalid')).toBe('true');
      const describedBy = (await input.getAttribute('aria-describedby'))!;
      expect(await page.locator(`[id="${describedBy}"]`).textContent()).toBe(reason);
      expect(await input.inputValue()).toBe(bad);
      // Said once: the field names it, so no second copy above the form.
      expect(await section.getByRole('alert').count()).toBe(0);
    }
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(await section.getByRole('table', { name: 'Workload identities of this app' }).locator('tbody tr').count()).toBe(1);
    expect((await stored(consumer.app.id)).map((c) => c.spiffeId)).toEqual([checkout]);
  }, 30_000);

  it('shows the 409 conflict when the SPIFFE ID already belongs to another app, or to this one', async () => {
    const second = await openSection(secondAppId, 'batch-jobs');
    await add(second, checkout);
    const refusal = second.getByRole('alert');
    await refusal.getByText(`Another app already has a workload credential for ${checkout}; revoke that one first.`).waitFor();
    await refusal.getByText('The identity was not added.').waitFor();
    // Not a field's fault: the field is not marked, and the list stays empty.
    expect(await second.getByLabel('SPIFFE ID', { exact: true }).getAttribute('aria-invalid')).toBeNull();
    await second.getByText('No workload identity.').waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(await stored(secondAppId)).toEqual([]);

    const first = await openSection(consumer.app.id, 'chatbot');
    await add(first, checkout);
    await first.getByRole('alert').getByText(`This app already has a workload credential for ${checkout}; revoke that one first.`).waitFor();
    expect(await stored(consumer.app.id)).toHaveLength(1);
  }, 30_000);

  it('asks before removing, then lists it as revoked; the SPIFFE ID is free for another app after', async () => {
    const section = await openSection(consumer.app.id, 'chatbot');
    const remove = section.getByRole('button', { name: `Remove workload identity ${checkout}` });
    const dialog = page.getByRole('dialog', { name: 'Remove this workload identity?' });

    // Cancelled, nothing happens.
    await remove.click();
    await dialog.getByText(checkout).waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await stored(consumer.app.id)).toMatchObject([{ spiffeId: checkout, revokedAt: null }]);

    await remove.click();
    await dialog.getByText('stays listed as revoked').waitFor();
    await dialog.getByRole('button', { name: 'Remove identity' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const row = rowOf(section, checkout);
    await row.getByText('revoked', { exact: true }).waitFor();
    expect(await row.getByRole('button').count()).toBe(0);
    expect((await stored(consumer.app.id))[0]!.revokedAt).toEqual(expect.any(Number));

    // A long ID beside it, for the look of the section (and its screenshot) with real-world lengths.
    await add(section, longId);
    await rowOf(section, longId).getByText('active', { exact: true }).waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.screenshot({ path: '/tmp/workload-section.png', fullPage: true });

    // Revoked for real: the second app may now take it.
    const second = await openSection(secondAppId, 'batch-jobs');
    await add(second, checkout);
    await rowOf(second, checkout).getByText('active', { exact: true }).waitFor();
  }, 40_000);

  it('holds at 390 px: nothing in the section reaches past the screen, long IDs scroll inside the table', async () => {
    const { context: narrow, page: phone } = await openSignedIn(w.browser, { baseURL: w.portalUrl, width: 390 }, { email: consumer.user.email, password: consumer.password });
    await phone.goto(`/apps/${consumer.app.id}`);
    const section = phone.getByRole('region', { name: 'Workload identities', exact: true });
    await rowOf(section, longId).waitFor();
    // Measured on each element's text too (a range over its contents): an unbreakable ID spills out of a box
    // that itself fits, and only the text's own rectangle shows it.
    const wide = await phone.evaluate<string[]>(
      `[...document.querySelectorAll('#workload-heading ~ *, #workload-heading ~ * *')].filter((e) => !e.closest('.table-wrap') && !e.closest('dialog')).filter((e) => { const r = document.createRange(); r.selectNodeContents(e); return Math.max(e.getBoundingClientRect().right, r.getBoundingClientRect().right) > 390; }).map((e) => e.tagName + '.' + e.className + ': ' + e.textContent.slice(0, 60))`,
    );
    expect(wide).toEqual([]);
    await phone.screenshot({ path: '/tmp/workload-section-390.png', fullPage: true });
    await narrow.close();
  }, 30_000);

  it('shows another team’s user only "App not found" at that app’s URL, and asks for none of its identities', async () => {
    const { context: other, page: stranger } = await openSignedIn(w.browser, { baseURL: w.portalUrl }, { email: outsider.user.email, password: outsider.password });
    const asked = requestedPaths(stranger);
    await stranger.goto(`/apps/${consumer.app.id}`);
    await stranger.getByRole('heading', { name: 'App not found', level: 1 }).waitFor();
    const html = await stranger.content();
    expect(html).not.toContain('spiffe://');
    expect(html).not.toContain('Workload identities');
    expect(asked).toContain(`/api/apps/${consumer.app.id}`);
    expect(asked.filter((p) => p.startsWith(`/api/apps/${consumer.app.id}/`))).toEqual([]);
    expect(await accessibilityProblems(stranger)).toEqual([]);
    await other.close();
  }, 30_000);
});
