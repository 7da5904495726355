import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityProblems, newContext } from './browser';
import { startWebPlatform, type WebPlatform } from './platform';

/** Invitation links for people who already have an account, and links that no longer work. */
let w: WebPlatform;
let team: { id: string; name: string };
beforeAll(async () => {
  w = await startWebPlatform();
  team = (await w.api.must('POST', '/api/teams', { name: 'Data Science', slug: 'data-science' })).team;
}, 60_000);
afterAll(() => w?.close());

const invite = async (email: string) => (await w.api.must('POST', `/api/teams/${team.id}/invitations`, { email, role: 'member' })) as { invitation: { id: string }; token: string };

describe('an invitation link', () => {
  it('lets someone with an account sign in on the page and join with that account', async () => {
    const { user, password } = await w.api.must('POST', '/api/users', { email: 'kim@example.test', name: 'Kim' });
    const { token } = await invite('kim@example.test');
    const page = await (await newContext(w.browser, { baseURL: w.portalUrl })).newPage();
    await page.goto(`/invitations/${token}`);
    await page.getByRole('heading', { name: 'Already have an account?' }).waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByLabel('Your password').fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('button', { name: `Join Data Science as kim@example.test` }).click();
    await page.getByText('You joined Data Science as member').waitFor();
    const { members } = await w.api.must('GET', `/api/teams/${team.id}/members`);
    expect(members.map((m: { userId?: string; user?: { id: string } }) => m.userId ?? m.user?.id)).toContain(user.id);
  });

  it('says a revoked link was revoked and what to do, signed out, with no form to fill', async () => {
    const { invitation, token } = await invite('lee@example.test');
    await w.api.must('DELETE', `/api/teams/${team.id}/invitations/${invitation.id}`, undefined, 204);
    const page = await (await newContext(w.browser, { baseURL: w.portalUrl })).newPage();
    await page.goto(`/invitations/${token}`);
    await page.getByRole('heading', { name: 'This invitation was revoked' }).waitFor();
    await page.getByText('Ask a team admin to invite you again.').waitFor();
    expect(await page.getByRole('textbox').count()).toBe(0);
    expect(await accessibilityProblems(page)).toEqual([]);
  });

  it('says a made-up link is not valid', async () => {
    const page = await (await newContext(w.browser, { baseURL: w.portalUrl })).newPage();
    await page.goto('/invitations/tgi_not-a-real-token');
    await page.getByRole('heading', { name: 'This invitation link is not valid' }).waitFor();
  });
});
