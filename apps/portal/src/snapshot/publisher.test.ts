import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { configRevision, createDb, executeRaw, type Db } from '@tollgate/db';
import type { SnapshotData } from '@tollgate/domain';
import { createSecretBox } from '../secrets/secret-box';
import { createSnapshotPublisher, type SnapshotPublisher } from './publisher';
import { msUntil } from './propagation-testing';

/** A real pino logger whose lines land in `lines`, parsed. */
const capturingLogger = () => {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
};

/** A write another process could have made: the revision goes up, nothing tells the publisher which rows. */
const bump = async (db: Db) => {
  await db.update(configRevision).set({ revision: sql`${configRevision.revision} + 1` });
};
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('the snapshot publisher', () => {
  let db: Db;
  let publisher: SnapshotPublisher;
  afterEach(() => {
    publisher?.close();
    db?.$client.close();
  });
  const start = async () => {
    db = createDb({ path: ':memory:' });
    const { logger, lines } = capturingLogger();
    publisher = await createSnapshotPublisher({ db, secrets: createSecretBox(randomBytes(32)), logger, pollMs: 600_000 });
    return lines;
  };

  it('logs a failed compile and keeps serving the old snapshot, then compiles again on the next change', async () => {
    const lines = await start();
    const before = publisher.current().revision;
    await executeRaw(db, sql.raw('ALTER TABLE plans RENAME TO plans_away'));
    await bump(db);
    publisher.configChanged();
    await msUntil(() => lines.length > 0);
    expect(lines[0]).toMatchObject({ msg: 'snapshot compile failed' });
    expect(publisher.current().revision).toBe(before);
    await executeRaw(db, sql.raw('ALTER TABLE plans_away RENAME TO plans'));
    publisher.configChanged();
    await msUntil(() => publisher.current().revision === before + 1);
  });

  it('compiles a change that arrives during a compile after it, one compile at a time', async () => {
    await start();
    const seen: number[] = [];
    const bumps: Array<Promise<void>> = [];
    publisher.subscribe((s: SnapshotData) => {
      seen.push(s.revision);
      // While the first recompile is still publishing: this change must wait for it, then be compiled too.
      if (seen.length === 2) {
        // Not awaited (a listener is synchronous): its write is queued ahead of the next compile's first read, and
        // SQLite runs a query as soon as it is awaited.
        bumps.push(bump(db));
        publisher.configChanged();
      }
    });
    const first = seen[0]!;
    await bump(db);
    publisher.configChanged();
    await msUntil(() => seen.length === 3);
    await Promise.all(bumps);
    expect(seen).toEqual([first, first + 1, first + 2]);
  });

  it('publishes nothing once closed, not even the compile a change during the last one asked for', async () => {
    await start();
    const seen: number[] = [];
    const bumps: Array<Promise<void>> = [];
    publisher.subscribe((s) => {
      seen.push(s.revision);
      if (seen.length === 2) {
        bumps.push(bump(db));
        publisher.configChanged();
        publisher.close();
      }
    });
    const first = seen[0]!;
    await bump(db);
    publisher.configChanged();
    await msUntil(() => seen.length === 2);
    await settle();
    await Promise.all(bumps);
    expect(seen).toEqual([first, first + 1]);
    expect(publisher.current().revision).toBe(first + 1);
  });
});
