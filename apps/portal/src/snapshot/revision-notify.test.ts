import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { snapshotRevisionChannel } from '@tollgate/domain';
import { startRedisServer, type TestRedis } from '@tollgate/jobs/testing';
import { createPortalSnapshotClient, subscribeToRevisions } from '@tollgate/gateway';
import { createSnapshotPublisher } from './publisher';
import { announceRevisions, type RevisionAnnouncer } from './revision-notify';
import { internalToken, median, msUntil, servePortal, silent, timeChanges, type ServedPortal } from './propagation-testing';

let redis: TestRedis;
let portal: ServedPortal;
let announcer: RevisionAnnouncer;

/** A gateway client with the long-poll off, so only the Redis announcement or its own pull can bring news. */
function redisGateway(pollMs: number) {
  const client = createPortalSnapshotClient({ portalUrl: portal.url, internalToken, pollMs, waitSeconds: 0, logger: silent });
  const subscriber = subscribeToRevisions({ redisUrl: redis.url, logger: silent, onRevision: (revision) => client.nudge(revision) });
  client.start();
  return {
    client,
    served: () => client.source.current()?.revision,
    async stop() {
      client.stop();
      await subscriber.close();
    },
  };
}

beforeAll(async () => {
  redis = await startRedisServer();
  portal = await servePortal();
  announcer = announceRevisions({ redisUrl: redis.url, publisher: portal.f.publisher, logger: silent });
}, 30_000);
afterAll(async () => {
  await announcer?.close();
  await portal?.close();
  await redis?.close();
});

describe('Redis announcements of new revisions (ADR 0038)', () => {
  it('a change reaches a subscribed gateway in well under 200 ms (median of 5) with its poll 60 s away', async () => {
    const gw = redisGateway(60_000);
    try {
      await msUntil(() => gw.served() === portal.f.publisher.current().revision);
      // The subscription is up once its `ready` has nudged a pull.
      await msUntil(() => gw.client.health.nudges >= 1);
      const took = await timeChanges(portal, gw.served);
      expect(median(took), `times: ${took.map(Math.round).join(', ')} ms`).toBeLessThan(200);
    } finally {
      await gw.stop();
    }
  });

  it('a change whose announcement is lost still arrives, by the safety pull', async () => {
    const gw = redisGateway(700);
    try {
      await msUntil(() => gw.served() === portal.f.publisher.current().revision && gw.client.health.nudges >= 1);
      await announcer.close();
      const nudges = gw.client.health.nudges;
      const before = gw.served()!;
      await portal.change();
      // No announcement (the portal's Redis side is gone), so the poll must bring it: within ~700 ms, not at once.
      const took = await msUntil(() => gw.served()! > before, 5_000);
      expect(gw.client.health.nudges).toBe(nudges);
      expect(took).toBeLessThan(3_000);
    } finally {
      announcer = announceRevisions({ redisUrl: redis.url, publisher: portal.f.publisher, logger: silent });
      await gw.stop();
    }
  });

  it('a gateway whose subscriber connection is killed reconnects, pulls once, and hears of changes again', async () => {
    const gw = redisGateway(60_000);
    const admin = new Redis(redis.url);
    try {
      await msUntil(() => gw.served() === portal.f.publisher.current().revision && gw.client.health.nudges >= 1);
      const nudges = gw.client.health.nudges;
      expect(Number(await admin.client('KILL', 'TYPE', 'pubsub'))).toBeGreaterThanOrEqual(1);
      // Its reconnect counts as possibly missed news: one pull.
      await msUntil(() => gw.client.health.nudges > nudges, 5_000);
      const took = await timeChanges(portal, gw.served, 1);
      expect(took[0]).toBeLessThan(1_000);
    } finally {
      admin.disconnect();
      await gw.stop();
    }
  });

  it('another portal process hears of the write at once and publishes it without waiting for its revision poll', async () => {
    // A second publisher on the same database stands for a second portal; its own poll is 10 minutes away.
    const other = await createSnapshotPublisher({ db: portal.f.db, secrets: portal.f.secrets, logger: silent, pollMs: 600_000 });
    const otherAnnouncer = announceRevisions({ redisUrl: redis.url, publisher: other, logger: silent });
    const admin = new Redis(redis.url);
    try {
      // Both announcers' subscribers are on the channel before the first write.
      for (let i = 0; i < 200 && Number(((await admin.pubsub('NUMSUB', snapshotRevisionChannel)) as [string, number])[1]) < 2; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      const took = await timeChanges(portal, () => other.current().revision, 3);
      expect(median(took)).toBeLessThan(1_000);
    } finally {
      admin.disconnect();
      await otherAnnouncer.close();
      other.close();
    }
  });
});
