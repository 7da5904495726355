import Database from 'better-sqlite3';
import { PortalClient } from '../portal-client';
import { createConsumer, publishAiService } from './test-platform';

/** Helpers of the SIGTERM zero-loss tests: real processes seeded through the portal API, counted in SQLite. */

/** The first admin's password, printed once by a portal starting on an empty data directory. */
export async function firstAdminPassword(output: () => string, ms = 20_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = /password: (\S+)/.exec(output());
    if (found) return found[1]!;
    if (Date.now() > deadline) throw new Error(`no admin password printed: ${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A published AI service on `upstreamUrl`, a consumer app subscribed to it, and its key. */
export async function seedChatConsumer(portalUrl: string, password: string, upstream: { url: string; key: string }) {
  const admin = new PortalClient(portalUrl);
  await admin.login('admin@localhost', password);
  const published = await publishAiService(admin, { upstreamUrl: upstream.url, upstreamKey: upstream.key, approval: 'auto' });
  const consumer = await createConsumer(admin);
  await consumer.dev.must('POST', `/api/apps/${consumer.app.id}/subscriptions`, { planId: published.plan.id });
  return { secret: consumer.secret, keyId: consumer.key.id as string };
}

/** Waits until the gateway's snapshot holds the key (a call with it answers 200). */
export async function waitServing(gatewayUrl: string, secret: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const status = await fetch(`${gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${secret}` } }).then(
      async (r) => (await r.arrayBuffer(), r.status),
      () => 0,
    );
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`gateway ${gatewayUrl} never served the key (last status ${status})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Stored chat-call records of a key: rows, distinct record ids and distinct request ids (all equal if nothing repeats). */
export function countChatRecords(dbPath: string, keyId: string): { rows: number; ids: number; requests: number } {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare(
        `SELECT count(*) AS rows, count(DISTINCT id) AS ids, count(DISTINCT request_id) AS requests
         FROM call_records WHERE key_id = ? AND path = '/v1/chat/completions'`,
      )
      .get(keyId) as { rows: number; ids: number; requests: number };
  } finally {
    db.close();
  }
}

/** Polls `countChatRecords` until it reaches `expected` rows (or the deadline), then returns the last count. */
export async function waitForChatRecords(dbPath: string, keyId: string, expected: number, ms = 15_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const count = countChatRecords(dbPath, keyId);
    if (count.rows >= expected || Date.now() > deadline) return count;
    await new Promise((r) => setTimeout(r, 100));
  }
}
