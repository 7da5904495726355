import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { count, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { newId, type TeamId } from '@tollgate/domain';
import { teams } from './schema';
import { changedRows, first, isPostgres, isUniqueViolation, jsonArrayElements, selectRaw, transact } from './portable';
import { createDb, type Db } from './client';
import { bothDatabases } from './pg/test-database';

// The pg handle is typed as SQLite's Db where the portal uses it (ADR 0040): the row types are equal (ADR 0039).
const both = bothDatabases();
const dialects: Array<[string, () => Db]> = [
  ['SQLite', () => both.sqlite],
  ['PostgreSQL', () => both.pg as unknown as Db],
];
// On PostgreSQL the tables are pg-core's: the portal's handle resolves them itself in a later step.
const teamsOf = async (db: Db) => (isPostgres(db) ? (await import('./pg/schema')).teams : teams) as typeof teams;
const aTeam = (slug: string) => ({ id: newId('team') as TeamId, name: slug, slug });

describe.each(dialects)('transact on %s', (_name, db) => {
  it('commits all of the work, or none of it when the work throws', async () => {
    const t = await teamsOf(db());
    const kept = aTeam(`kept-${Date.now()}`);
    const lost = aTeam(`lost-${Date.now()}`);
    await transact(db(), async (tx) => {
      await tx.insert(t).values(kept);
    });
    await expect(
      transact(db(), async (tx) => {
        await tx.insert(t).values(lost);
        throw new Error('the work failed half-way');
      }),
    ).rejects.toThrow('the work failed half-way');
    expect(await first(db().select().from(t).where(eq(t.id, kept.id)))).toMatchObject({ slug: kept.slug });
    expect(await first(db().select().from(t).where(eq(t.id, lost.id)))).toBeUndefined();
  });

  it('joins the open transaction when called inside one, so a failure rolls back both', async () => {
    const t = await teamsOf(db());
    const outer = aTeam(`outer-${Date.now()}`);
    const inner = aTeam(`inner-${Date.now()}`);
    await expect(
      transact(db(), async (tx) => {
        await tx.insert(t).values(outer);
        await transact(tx, async (tx2) => {
          await tx2.insert(t).values(inner);
        });
        throw new Error('after the inner work');
      }),
    ).rejects.toThrow('after the inner work');
    expect(await db().select().from(t).where(eq(t.slug, inner.slug))).toEqual([]);
    expect(await db().select().from(t).where(eq(t.slug, outer.slug))).toEqual([]);
  });

  it('counts changed rows and knows a unique violation from another failure', async () => {
    const t = await teamsOf(db());
    const team = aTeam(`unique-${Date.now()}`);
    expect(changedRows(await db().insert(t).values(team))).toBe(1);
    expect(changedRows(await db().update(t).set({ name: 'renamed' }).where(eq(t.slug, 'no-such-team')))).toBe(0);
    const duplicate = await db().insert(t).values({ ...team, id: newId('team') as TeamId }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(isUniqueViolation(duplicate)).toBe(true);
    const notNull = await db().insert(t).values({ ...aTeam(`null-${Date.now()}`), name: null as never }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(notNull).not.toBeNull();
    expect(isUniqueViolation(notNull)).toBe(false);
  });
});

describe('transact on SQLite', () => {
  it('commits work that returns at once in the caller’s turn, so the next transaction begins at once too', async () => {
    const db = both.sqlite;
    const a = aTeam(`turn-a-${Date.now()}`);
    const b = aTeam(`turn-b-${Date.now()}`);
    // Synchronous work (better-sqlite3's own API, SQLite only) commits before transact returns.
    const first = transact(db, (tx) => {
      tx.insert(teams).values(a).run();
    });
    const secondBeganAtOnce = { value: false };
    // Returned as is, a drizzle query is a thenable that runs when `then` is called: transact runs it inside.
    const second = transact(db, (tx) => {
      secondBeganAtOnce.value = true;
      return tx.insert(teams).values(b);
    });
    expect(secondBeganAtOnce.value).toBe(true);
    await Promise.all([first, second]);
    expect(await db.select().from(teams).where(eq(teams.slug, a.slug))).toHaveLength(1);
    expect(await db.select().from(teams).where(eq(teams.slug, b.slug))).toHaveLength(1);
  });

  it('runs concurrent transactions one whole transaction after another (no lost update)', async () => {
    const db = () => both.sqlite;
    const t = teams;
    const team = aTeam(`counter-${Date.now()}`);
    await db().insert(t).values({ ...team, costBudgetMicroUsdPerMonth: 0 });
    // Each reads the budget, yields, and writes it plus one: interleaved, they would overwrite each other.
    const bump = () =>
      transact(db(), async (tx) => {
        const row = await first(tx.select().from(t).where(eq(t.id, team.id)));
        await new Promise((resolve) => setTimeout(resolve, 2));
        await tx.update(t).set({ costBudgetMicroUsdPerMonth: (row!.costBudgetMicroUsdPerMonth ?? 0) + 1 }).where(eq(t.id, team.id));
      });
    await Promise.all(Array.from({ length: 8 }, bump));
    expect((await first(db().select().from(t).where(eq(t.id, team.id))))!.costBudgetMicroUsdPerMonth).toBe(8);
  });

  it('begins in the caller’s turn when no transaction waits, so work that does not await runs with nothing between', async () => {
    const db = both.sqlite;
    let insideBefore = false;
    const done = transact(db, () => {
      insideBefore = db.$client.inTransaction;
    });
    // Nothing awaited yet: the transaction has already begun and the work has already run.
    expect(insideBefore).toBe(true);
    await done;
    expect(db.$client.inTransaction).toBe(false);
  });

  it('refuses to begin inside a transaction opened outside transact, rather than joining it unseen', async () => {
    const db = both.sqlite;
    db.$client.exec('BEGIN');
    try {
      await expect(transact(db, () => undefined)).rejects.toThrow(/already open/);
    } finally {
      db.$client.exec('ROLLBACK');
    }
  });
});

describe('a read-only transact', () => {
  const teamCount = async (db: Db, t: typeof teams) => (await first(db.select({ n: count() }).from(t)))!.n;

  it('on PostgreSQL reads one snapshot while another connection commits, and refuses a write', async () => {
    const db = both.pg as unknown as Db;
    const t = await teamsOf(db);
    const seen = await transact(
      db,
      async (tx) => {
        const before = await teamCount(tx, t);
        // On another pooled connection: committed, but after the transaction's snapshot was taken.
        await db.insert(t).values(aTeam(`during-ro-${Date.now()}`));
        return [before, await teamCount(tx, t)];
      },
      { readOnly: true },
    );
    expect(seen[1]).toBe(seen[0]);
    expect(await teamCount(db, t)).toBe(seen[0]! + 1);
    const write = await transact(db, async (tx) => tx.insert(t).values(aTeam(`ro-write-${Date.now()}`)), { readOnly: true }).then(
      () => null,
      (err: unknown) => err as { code?: string; cause?: { code?: string } },
    );
    // 25006: read_only_sql_transaction.
    expect(write?.code ?? write?.cause?.code).toBe('25006');
  });

  it('on SQLite begins deferred: it takes no write lock, so another connection writes meanwhile, unseen by its reads', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-ro-'));
    const file = path.join(dir, 'tollgate.db');
    const db = createDb({ path: file });
    const other = createDb({ path: file, migrate: false });
    try {
      const seen = await transact(
        db,
        async (tx) => {
          const before = await teamCount(tx, teams);
          // An immediate transaction here would hold the write lock and this insert would wait out busy_timeout.
          other.insert(teams).values(aTeam(`during-ro-${Date.now()}`)).run();
          return { before, after: await teamCount(tx, teams), open: db.$client.inTransaction };
        },
        { readOnly: true },
      );
      expect(seen.open).toBe(true);
      expect(seen.after).toBe(seen.before);
      expect(db.$client.inTransaction).toBe(false);
      expect(await teamCount(db, teams)).toBe(seen.before + 1);
    } finally {
      db.$client.close();
      other.$client.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.each(dialects)('jsonArrayElements on %s', (_name, db) => {
  // A document as a column of a one-row table: jsonb on PostgreSQL, as the portal's JSON columns are there.
  const docs = (json: string | null) => (isPostgres(db()) ? sql`(select ${json}::jsonb as doc) d` : sql`(select ${json} as doc) d`);
  const release = JSON.stringify({
    rest: { hosts: ['b.example', 'a.example'] },
    models: [{ name: 'm1', targets: [{ providerId: 'prv_1', weight: 1 }, { providerId: 'prv_2' }] }, { name: 'm2', targets: [{ providerId: 'prv_3' }] }, { name: 'm3', targets: [] }],
  });

  it('lists the strings of an array at a path, and none for a null document or a missing path', async () => {
    const hosts = jsonArrayElements(db(), sql`d.doc`, ['rest', 'hosts'], 'h');
    const read = async (json: string | null) => (await selectRaw<{ host: string }>(db(), sql`select ${hosts.text} as "host" from ${docs(json)}, ${hosts.from}`)).map((r) => r.host).sort();
    expect(await read(release)).toEqual(['a.example', 'b.example']);
    expect(await read(null)).toEqual([]);
    expect(await read(JSON.stringify({ rest: {} }))).toEqual([]);
    expect(await read(JSON.stringify({}))).toEqual([]);
  });

  it('lists an array that is the document itself, for a filter with exists', async () => {
    const tags = jsonArrayElements(db(), sql`d.doc`, [], 'tag');
    const has = async (tag: string) =>
      (await selectRaw<{ n: number }>(db(), sql`select count(*) as "n" from ${docs('["billing","pets"]')} where exists (select 1 from ${tags.from} where ${tags.text} = ${tag})`))[0]!.n;
    expect(Number(await has('pets'))).toBe(1);
    expect(Number(await has('pet'))).toBe(0);
  });

  it('reads a field of object elements, nested one array inside another', async () => {
    const models = jsonArrayElements(db(), sql`d.doc`, ['models'], 'm');
    const targets = jsonArrayElements(db(), models.json, ['targets'], 't');
    const rows = await selectRaw<{ model: string; provider: string }>(
      db(),
      sql`select ${models.field('name')} as "model", ${targets.field('providerId')} as "provider" from ${docs(release)}, ${models.from}, ${targets.from}`,
    );
    expect(rows.map((r) => `${r.model}:${r.provider}`).sort()).toEqual(['m1:prv_1', 'm1:prv_2', 'm2:prv_3']);
    const using = async (providerId: string) =>
      (await selectRaw(db(), sql`select 1 as "one" from ${docs(release)} where exists (select 1 from ${models.from}, ${targets.from} where ${targets.field('providerId')} = ${providerId})`)).length;
    expect([await using('prv_3'), await using('prv_9')]).toEqual([1, 0]);
  });

  it('refuses a key or alias that is not a plain name, since it is written into the SQL', () => {
    expect(() => jsonArrayElements(db(), sql`d.doc`, ["x') or 1=1 --"], 'h')).toThrow(/not a JSON key/);
    expect(() => jsonArrayElements(db(), sql`d.doc`, [], 'h; drop table teams').field('a')).toThrow(/not a JSON key/);
  });
});
