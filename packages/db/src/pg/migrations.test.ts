import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openPgDatabase, type PgDb } from './client';
import { pgShape } from './schema-shape';
import * as schema from './schema';
import { createTestDatabase, type TestDatabase } from './test-database';

const migrations = fileURLToPath(new URL('../../migrations-pg', import.meta.url));
const journal = JSON.parse(readFileSync(join(migrations, 'meta/_journal.json'), 'utf8')) as { dialect: string; entries: Array<{ idx: number; when: number }> };

const opened: PgDb[] = [];
const databases: TestDatabase[] = [];
const fresh = async () => {
  const database = await createTestDatabase();
  databases.push(database);
  return database;
};
const open = async (url: string) => {
  const db = await openPgDatabase(url);
  opened.push(db);
  return db;
};
const applied = async (db: PgDb) => (await db.$client.query('select count(*)::int as n from drizzle.__drizzle_migrations')).rows[0].n as number;

afterAll(async () => {
  await Promise.all(opened.map((db) => db.$client.end()));
  await Promise.all(databases.map((d) => d.drop()));
});

describe('the pg migrations', () => {
  it('are journalled in order, for PostgreSQL', () => {
    expect(journal.dialect).toBe('postgresql');
    const times = journal.entries.map((e) => e.when);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(journal.entries.map((e) => e.idx)).toEqual(journal.entries.map((_, i) => i));
  });

  it('apply on an empty database, and applying them again changes nothing', async () => {
    const { url } = await fresh();
    const first = await open(url);
    expect(await applied(first)).toBe(journal.entries.length);
    expect(await first.select().from(schema.configRevision)).toEqual([{ id: 1, revision: 1, updatedAt: expect.any(Number) }]);
    const before = await pgShape(first.$client);
    await first.update(schema.configRevision).set({ revision: 7 }).where(eq(schema.configRevision.id, 1));
    await first.insert(schema.teams).values({ id: 'team_aaaaaaaaaa', name: 'T', slug: 't' });

    const second = await open(url);
    expect(await applied(second)).toBe(journal.entries.length);
    expect(await pgShape(second.$client)).toEqual(before);
    // The seed row is inserted only when missing: reopening must not reset the gateway's config revision.
    expect((await second.select().from(schema.configRevision))[0]!.revision).toBe(7);
    expect(await second.select({ slug: schema.teams.slug }).from(schema.teams)).toEqual([{ slug: 't' }]);
  });

  it('take turns when several processes open one new database at once', async () => {
    const { url } = await fresh();
    const dbs = await Promise.all([open(url), open(url), open(url)]);
    for (const db of dbs) expect(await applied(db)).toBe(journal.entries.length);
  });

  it('reject with the connection error, leaving no pool open, when the server is not there', async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    await expect(openPgDatabase('postgres://postgres@127.0.0.1:1/none')).rejects.toThrow(/ECONNREFUSED/);
  });
});
