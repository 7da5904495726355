import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { newId, type TeamId } from '@tollgate/domain';
import { teams } from './schema';
import { changedRows, first, isPostgres, isUniqueViolation, transact } from './portable';
import type { Db } from './client';
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
