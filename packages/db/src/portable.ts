import { AsyncLocalStorage } from 'node:async_hooks';
import { is, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
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

// One queue per SQLite connection: its transactions take turns (see transact). `unfinished` counts those begun
// or waiting; `last` settles when the latest of them has ended.
const sqliteTurns = new WeakMap<object, { unfinished: number; last: Promise<unknown> }>();
// The SQLite connection whose transaction the current async context runs in: a transact inside one joins it
// (waiting its turn behind itself would never end).
const openTransaction = new AsyncLocalStorage<object>();

export interface TransactOptions {
  /** Only reads, all from one consistent snapshot of the database (see transact). */
  readOnly?: boolean;
}

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
 *
 * `readOnly`: a consistent read (the gateway snapshot's compile): every read of `work` sees one snapshot of the
 * database. On PostgreSQL a `repeatable read, read only` transaction (read committed would let each statement
 * see the commits made before it; a write in it fails). On SQLite a deferred `BEGIN`: in WAL mode its first
 * read fixes the snapshot the rest see, and it takes no write lock, so it neither waits for nor blocks the
 * call-record writer thread. It still takes its turn in the connection's queue (statements run while it is
 * open would join it). SQLite does not refuse a write in it; it upgrades to a write transaction (and may
 * then fail with SQLITE_BUSY_SNAPSHOT): read-only work must not write.
 */
export async function transact<T>(db: Db, work: (tx: Tx) => Promise<T> | T, options: TransactOptions = {}): Promise<T> {
  if (isPostgres(db)) {
    const config = options.readOnly ? { isolationLevel: 'repeatable read', accessMode: 'read only' } : undefined;
    return (db as unknown as { transaction: (run: (tx: Tx) => Promise<T>, config?: object) => Promise<T> }).transaction(async (tx) => work(tx), config);
  }
  const client = db.$client;
  if (openTransaction.getStore() === client) return work(db);
  const turns = sqliteTurns.get(client) ?? { unfinished: 0, last: Promise.resolve() };
  sqliteTurns.set(client, turns);
  const end = (how: 'COMMIT' | 'ROLLBACK') => {
    turns.unfinished -= 1;
    try {
      if (how === 'COMMIT') client.exec('COMMIT');
    } finally {
      // SQLite may have rolled back already (a failed COMMIT, some constraint errors): then there is nothing to undo.
      if (client.inTransaction) client.exec('ROLLBACK');
    }
  };
  // Work that returns at once (no promise) commits at once too, so a caller's next transaction begins in its turn.
  const run = (): Promise<T> => {
    if (client.inTransaction) {
      turns.unfinished -= 1;
      return Promise.reject(new Error('transact: a transaction is already open on this SQLite connection (one was opened outside transact)'));
    }
    client.exec(options.readOnly ? 'BEGIN' : 'BEGIN IMMEDIATE');
    let result: PromiseLike<T> | T;
    try {
      result = openTransaction.run(client, () => work(db));
    } catch (err) {
      end('ROLLBACK');
      return Promise.reject(err);
    }
    // A drizzle query returned as is is a thenable that runs when `then` is called: here, inside the transaction.
    if (!isThenable(result)) {
      end('COMMIT');
      return Promise.resolve(result);
    }
    return Promise.resolve(result.then(
      (value) => {
        end('COMMIT');
        return value;
      },
      (err: unknown) => {
        end('ROLLBACK');
        throw err;
      },
    ));
  };
  // With none unfinished, the transaction begins at once, in the caller's turn: work that reads and writes without
  // awaiting anything else runs with nothing between the caller's last read and its writes, as before. Else it
  // waits for the latest one to end, whether that committed or not.
  const now = turns.unfinished === 0;
  turns.unfinished += 1;
  const mine = now ? run() : turns.last.then(run);
  turns.last = mine.catch(() => undefined);
  return mine;
}

const isThenable = <T>(value: PromiseLike<T> | T): value is PromiseLike<T> => typeof (value as { then?: unknown } | null)?.then === 'function';

/** Closes the database: better-sqlite3's connection, or node-postgres' pool (waiting for its clients to finish). */
export async function closeDatabase(db: Db): Promise<void> {
  if (isPostgres(db)) await (db.$client as unknown as { end: () => Promise<void> }).end();
  else db.$client.close();
}

/** The first row of a query's result, or undefined: SQLite's `.get()`, on both databases. */
export async function first<T>(rows: PromiseLike<T[]>): Promise<T | undefined> {
  return (await rows)[0];
}

/** A raw select's rows as objects keyed by column name: better-sqlite3's `all`, node-postgres' `execute`. */
export async function selectRaw<T>(db: Db, query: SQL): Promise<T[]> {
  if (isPostgres(db)) return (await (db as unknown as { execute: (q: SQL) => Promise<{ rows: T[] }> }).execute(query)).rows;
  return db.all<T>(query);
}

/** Runs a raw insert, update or delete; `changedRows` reads what it returns. */
export async function executeRaw(db: Db, statement: SQL): Promise<unknown> {
  if (isPostgres(db)) return (db as unknown as { execute: (s: SQL) => Promise<unknown> }).execute(statement);
  return db.run(statement);
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

/**
 * The elements of a JSON array, as a table to join or to search with `exists`: the SQL differs between the
 * dialects (SQLite's `json_each`, PostgreSQL's `jsonb_array_elements`), and this is the one place that knows it.
 * `from` goes in a FROM clause; `text` is an element that is a string, as text; `field(key)` a string field of an
 * element that is an object, as text; `json` the element itself, to look into further (`jsonArrayElements(db,
 * outer.json, ['targets'], 'inner')`). A document that is null, or has nothing at `path`, has no elements.
 * On PostgreSQL the document must be `jsonb` (every JSON column but `services.openapi`, ADR 0039).
 */
export interface JsonArrayElements {
  from: SQL;
  text: SQL;
  json: SQL;
  field(key: string): SQL;
}

// Keys and aliases are written into the SQL (PostgreSQL cannot tell `jsonb -> $1`'s text from its int), so they
// are the code's own names, never input.
const jsonName = (name: string): string => {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a JSON key or alias the SQL may name: ${name}`);
  return name;
};

export function jsonArrayElements(db: Db, doc: SQLWrapper, path: readonly string[], alias: string): JsonArrayElements {
  const a = sql.raw(jsonName(alias));
  const keys = path.map(jsonName);
  if (isPostgres(db)) {
    const at = keys.length ? sql.raw(keys.map((k) => ` -> '${k}'`).join('')) : sql``;
    return {
      from: sql`jsonb_array_elements(${doc}${at}) as ${a}(value)`,
      // `#>> '{}'`: the element as text, a string without its quotes.
      text: sql`(${a}.value #>> '{}')`,
      json: sql`${a}.value`,
      field: (key) => sql`(${a}.value ->> ${sql.raw(`'${jsonName(key)}'`)})`,
    };
  }
  const at = sql.raw(`'$${keys.map((k) => `.${k}`).join('')}'`);
  return {
    from: sql`json_each(${doc}, ${at}) as ${a}`,
    text: sql`${a}.value`,
    json: sql`${a}.value`,
    field: (key) => sql`json_extract(${a}.value, ${sql.raw(`'$.${jsonName(key)}'`)})`,
  };
}
