import { AsyncLocalStorage } from 'node:async_hooks';
import { is } from 'drizzle-orm';
import { PgDatabase } from 'drizzle-orm/pg-core';
import type { Db } from './client';

/**
 * What the portal's queries use so that one repository layer runs on SQLite and on PostgreSQL (ADR 0040).
 * Queries are drizzle query builders, awaited (both dialects' builders are promises; `.run()`, `.all()` and
 * `.get()` are SQLite's synchronous extras and do not exist on PostgreSQL), written against the SQLite-typed
 * `Db`, whose row types the pg schema equals (ADR 0039).
 */

/** The handle a transaction's work runs on: the connection (SQLite) or the pooled client holding it (PostgreSQL). */
export type Tx = Db;

/** A PostgreSQL handle (`openPgDatabase`, or a transaction on it) rather than SQLite's. */
export function isPostgres(db: Db): boolean {
  // drizzle's own class check (its entity kinds), which a pg transaction passes too; pg-core holds no driver.
  return is(db, PgDatabase);
}

// One queue per SQLite connection: its transactions take turns (see transact).
const sqliteTurns = new WeakMap<object, Promise<unknown>>();
// The SQLite connection whose transaction the current async context runs in: a transact inside one joins it
// (waiting its turn behind itself would never end).
const openTransaction = new AsyncLocalStorage<object>();

/**
 * Runs `work` in one write transaction: all of it commits, or (it threw) none of it.
 *
 * On PostgreSQL this is drizzle's transaction on one pooled connection, at read committed.
 *
 * On SQLite the portal has one connection, and better-sqlite3's own transactions are synchronous (they refuse a
 * callback that returns a promise), so this opens `BEGIN IMMEDIATE` itself and commits after `work`'s promise
 * settles. Transactions on the connection take turns (a queue per connection), because any statement run on it
 * while one is open joins that transaction. Immediate: the write lock is taken (waiting out busy_timeout)
 * before the work reads anything; a deferred transaction that read first fails at once with
 * SQLITE_BUSY_SNAPSHOT when another connection (the all-in-one's call-record writer thread, ADR 0029) commits
 * between its read and its first write. Writes outside `transact` therefore must not run while work awaits
 * something other than the database: they would commit or roll back with it. A `transact` inside another's work
 * joins it (on PostgreSQL, given the outer `tx`, drizzle makes it a savepoint).
 */
export async function transact<T>(db: Db, work: (tx: Tx) => Promise<T> | T): Promise<T> {
  if (isPostgres(db)) return (db as unknown as { transaction: (run: (tx: Tx) => Promise<T>) => Promise<T> }).transaction(async (tx) => work(tx));
  const client = db.$client;
  if (openTransaction.getStore() === client) return work(db);
  const run = async () => {
    if (client.inTransaction) throw new Error('transact: a transaction is already open on this SQLite connection (one was opened outside transact)');
    client.exec('BEGIN IMMEDIATE');
    try {
      const value = await openTransaction.run(client, () => work(db));
      client.exec('COMMIT');
      return value;
    } catch (err) {
      // SQLite may have rolled back already (a failed COMMIT, some constraint errors): then there is nothing to undo.
      if (client.inTransaction) client.exec('ROLLBACK');
      throw err;
    }
  };
  // With none waiting, the transaction begins at once, in the caller's turn: work that reads and writes without
  // awaiting anything else runs with nothing between the caller's last read and its writes, as before.
  const waiting = sqliteTurns.get(client);
  const mine = waiting ? waiting.then(run) : run();
  const turn = mine.catch(() => undefined);
  sqliteTurns.set(client, turn);
  // The next transaction waits for this one to end, whether it committed or not; the last one clears the queue.
  void turn.then(() => {
    if (sqliteTurns.get(client) === turn) sqliteTurns.delete(client);
  });
  return mine;
}

/** The first row of a query's result, or undefined: SQLite's `.get()`, on both databases. */
export async function first<T>(rows: PromiseLike<T[]>): Promise<T | undefined> {
  return (await rows)[0];
}

/**
 * How many rows an awaited insert, update or delete changed: better-sqlite3's `changes`, node-postgres'
 * `rowCount`.
 */
export function changedRows(result: unknown): number {
  const r = result as { changes?: number; rowCount?: number | null };
  return r.changes ?? r.rowCount ?? 0;
}

/**
 * A unique (or primary key) constraint failure, from either driver: SQLite's `SQLITE_CONSTRAINT_UNIQUE` /
 * `_PRIMARYKEY`, PostgreSQL's SQLSTATE 23505. drizzle wraps the driver's error, so causes are looked at too.
 */
export function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505') return true;
  }
  return false;
}
