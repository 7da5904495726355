import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { configRevision, first } from '@tollgate/db';
import { createPortalSnapshotClient } from '@tollgate/gateway';
import { releaseSnapshotWaiters, snapshotWaiters } from './revision-notify';
import { internalToken, median, msUntil, servePortal, silent, timeChanges, type ServedPortal } from './propagation-testing';

let portal: ServedPortal;
const auth = { authorization: `Bearer ${internalToken}` };
const snapshotUrl = (query = '') => `${portal.url}/api/internal/snapshot${query}`;
const revisionNow = () => portal.f.publisher.current().revision;

beforeAll(async () => {
  portal = await servePortal();
});
afterAll(() => portal.close());

describe('long-poll on the internal snapshot channel (ADR 0038)', () => {
  it('a change reaches a waiting gateway in well under 200 ms (median of 5), and the pull waits again after', async () => {
    // A poll interval far beyond the test: only the long-poll can bring the changes this fast.
    const client = createPortalSnapshotClient({ portalUrl: portal.url, internalToken, pollMs: 60_000, waitSeconds: 25, logger: silent });
    client.start();
    try {
      await msUntil(() => client.source.current()?.revision === revisionNow());
      await msUntil(() => snapshotWaiters(portal.f.publisher).size() === 1);
      const took = await timeChanges(portal, () => client.source.current()?.revision);
      expect(median(took), `times: ${took.map(Math.round).join(', ')} ms`).toBeLessThan(200);
      // Key changes came as deltas, not as the whole snapshot.
      expect(client.stats.deltas).toBeGreaterThanOrEqual(4);
      await msUntil(() => snapshotWaiters(portal.f.publisher).size() === 1);
    } finally {
      client.stop();
    }
    // stop() aborted the held request: its waiter is gone with it.
    await msUntil(() => snapshotWaiters(portal.f.publisher).size() === 0, 2_000);
  });

  it('answers at once when the gateway is behind, and with a 304 when the wait ends', async () => {
    const started = performance.now();
    const behind = await request(snapshotUrl('?wait=25'), { headers: { ...auth, 'if-none-match': `"${revisionNow() - 1}"` } });
    expect(behind.statusCode).toBe(200);
    expect(((await behind.body.json()) as { revision: number }).revision).toBe(revisionNow());
    expect(performance.now() - started).toBeLessThan(2_000);

    const held = performance.now();
    const level = await request(snapshotUrl('?wait=1'), { headers: { ...auth, 'if-none-match': `"${revisionNow()}"` } });
    await level.body.dump();
    expect(level.statusCode).toBe(304);
    expect(performance.now() - held).toBeGreaterThanOrEqual(950);
  });

  it('a gateway ahead of a database that went back gets the snapshot at once, not a wait', async () => {
    const stored = (await first(portal.f.db.select().from(configRevision)))!.revision;
    const res = await request(snapshotUrl('?wait=25'), { headers: { ...auth, 'if-none-match': `"${stored + 100}"` } });
    expect(res.statusCode).toBe(200);
    expect(((await res.body.json()) as { revision: number }).revision).toBe(revisionNow());
  });

  it('20 waiting long-polls that all disconnect leave no waiter behind', async () => {
    const waiters = snapshotWaiters(portal.f.publisher);
    const controllers = Array.from({ length: 20 }, () => new AbortController());
    const pending = controllers.map((c) =>
      request(snapshotUrl('?wait=30'), { headers: { ...auth, 'if-none-match': `"${revisionNow()}"` }, signal: c.signal }).then(
        () => 'answered',
        () => 'aborted',
      ),
    );
    await msUntil(() => waiters.size() === 20);
    for (const c of controllers) c.abort();
    expect(await Promise.all(pending)).toEqual(Array(20).fill('aborted'));
    await msUntil(() => waiters.size() === 0, 2_000);
  });

  it('a gateway whose long-poll connection is cut reconnects and still gets the next change', async () => {
    const client = createPortalSnapshotClient({ portalUrl: portal.url, internalToken, pollMs: 60_000, waitSeconds: 25, logger: silent });
    client.start();
    try {
      await msUntil(() => client.source.current()?.revision === revisionNow() && snapshotWaiters(portal.f.publisher).size() === 1);
      portal.http.server.closeAllConnections();
      await msUntil(() => client.health.failures === 1);
      // Back after its backoff (250 ms, jittered), waiting again: the next change arrives as before.
      await msUntil(() => snapshotWaiters(portal.f.publisher).size() === 1, 3_000);
      const took = await timeChanges(portal, () => client.source.current()?.revision, 1);
      expect(took[0]).toBeLessThan(1_000);
      expect(client.health.failures).toBe(0);
    } finally {
      client.stop();
    }
  });

  it('a stopping portal answers its waiting long-polls at once (304), so its drain is not held', async () => {
    const other = await servePortal();
    try {
      const revision = other.f.publisher.current().revision;
      const held = request(`${other.url}/api/internal/snapshot?wait=30`, { headers: { ...auth, 'if-none-match': `"${revision}"` } });
      await msUntil(() => snapshotWaiters(other.f.publisher).size() === 1);
      const started = performance.now();
      releaseSnapshotWaiters(other.f.publisher);
      const res = await held;
      await res.body.dump();
      expect(res.statusCode).toBe(304);
      expect(performance.now() - started).toBeLessThan(1_000);
      // A long-poll asked for afterwards is not held either.
      const late = await request(`${other.url}/api/internal/snapshot?wait=30`, { headers: { ...auth, 'if-none-match': `"${revision}"` } });
      await late.body.dump();
      expect(late.statusCode).toBe(304);
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      await other.close();
    }
  });

  it('refuses a bad wait with a 400 naming it, and still requires the internal token', async () => {
    for (const wait of ['abc', '-1', '61', '2.5', '']) {
      const res = await request(snapshotUrl(`?wait=${wait}`), { headers: auth });
      const body = (await res.body.json()) as { error: { code: string; message: string } };
      expect(res.statusCode, `wait=${wait}`).toBe(400);
      expect(body.error).toMatchObject({ code: 'invalid_query', message: expect.stringMatching(/^wait: .*0 to 60/) });
    }
    for (const headers of [{}, { authorization: 'Bearer wrong' }]) {
      const res = await request(snapshotUrl('?wait=25'), { headers: { ...headers, 'if-none-match': `"${revisionNow()}"` } });
      await res.body.dump();
      expect(res.statusCode).toBe(401);
    }
  });
});
