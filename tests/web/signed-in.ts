import type { Browser, BrowserContext, Page } from 'playwright-core';
import { newContext, signIn } from './browser';

/** A fresh browser profile signed in as one person: for a second viewer (another team, a phone) beside a test's main page. */
export async function openSignedIn(browser: Browser, o: { baseURL: string; width?: 390 | 1440 }, who: { email: string; password: string }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await newContext(browser, o);
  const page = await context.newPage();
  await signIn(page, who.email, who.password);
  return { context, page };
}

/** The path of every request the page makes from now on: to show what a page refused to show it never fetched either. */
export function requestedPaths(page: Page): string[] {
  const asked: string[] = [];
  page.on('request', (r) => asked.push(new URL(r.url()).pathname));
  return asked;
}
