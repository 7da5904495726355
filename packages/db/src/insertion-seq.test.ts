import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { asc, eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { describe, expect, it } from 'vitest';
import { newId, type AuditEventId } from '@tollgate/domain';
import { auditEvents } from './schema';
import { nextInsertionSeq } from './columns';
import { createDb, type Db } from './client';
import { bothDatabases } from './pg/test-database';

const both = bothDatabases();
const dialects: Array<[string, () => Db]> = [
  ['SQLite', () => both.sqlite],
  ['PostgreSQL', () => both.pg as unknown as Db],
];

describe('nextInsertionSeq', () => {
  it('rises strictly, from the clock, even when called many times in one millisecond', () => {
    const before = Date.now() * 1000;
    const seqs = Array.from({ length: 5000 }, nextInsertionSeq);
    expect(seqs[0]).toBeGreaterThanOrEqual(before);
    expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!)).toBe(true);
    expect(Number.isSafeInteger(seqs.at(-1))).toBe(true);
  });
});

describe.each(dialects)('the seq column on %s', (_name, db) => {
  it('is filled by drizzle in the order rows are inserted, one multi-row insert included', async () => {
    const at = Date.now();
    const rows = Array.from({ length: 6 }, (_, i) => ({ id: newId('auditEvent') as AuditEventId, at, action: 'x.y', targetType: 'x', targetId: `seq-${at}-${i}`, summary: {} }));
    await db().insert(auditEvents).values(rows.slice(0, 4));
    for (const row of rows.slice(4)) await db().insert(auditEvents).values(row);
    const read = await db().select({ id: auditEvents.id }).from(auditEvents).where(eq(auditEvents.at, at)).orderBy(asc(auditEvents.seq));
    expect(read.map((r) => r.id)).toEqual(rows.map((r) => r.id));
  });
});

describe('the migration that adds seq', () => {
  it('numbers the rows already there in their rowid order, so older events keep their order too', () => {
    const migrations = fileURLToPath(new URL('../migrations', import.meta.url));
    const journal = JSON.parse(readFileSync(join(migrations, 'meta/_journal.json'), 'utf8')) as { entries: Array<{ tag: string }> };
    const upTo = journal.entries.findIndex((e) => e.tag === '0013_insertion_order');
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-seq-'));
    try {
      const previous = join(dir, 'previous');
      cpSync(migrations, previous, { recursive: true });
      writeFileSync(join(previous, 'meta/_journal.json'), JSON.stringify({ ...journal, entries: journal.entries.slice(0, upTo) }));
      const file = join(dir, 'old.db');
      const old = new Database(file);
      migrate(drizzle(old), { migrationsFolder: previous });
      // Ids against their insertion order, all at one time: only the rowid knew the order.
      for (const id of ['aud_cccccccccc', 'aud_aaaaaaaaaa', 'aud_bbbbbbbbbb']) {
        old.prepare("insert into audit_events (id, at, action, target_type, target_id, summary) values (?, 1, 'x.y', 'x', 'x', '{}')").run(id);
      }
      old.close();
      const db = createDb({ path: file });
      try {
        expect(db.$client.prepare('select id from audit_events order by seq').pluck().all()).toEqual(['aud_cccccccccc', 'aud_aaaaaaaaaa', 'aud_bbbbbbbbbb']);
      } finally {
        db.$client.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
