import type { Db, Tx } from '@tollgate/db';

/** The handle `commitChange` passes to its callback (`transact`, ADR 0040). */
export type { Tx };

/**
 * better-sqlite3's own synchronous transaction handle, which the snapshot's consistent reads (compile, delta) and
 * the outbox fan-out still use until they move to `transact` (ADR 0040's remaining steps).
 */
export type SqliteTx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** What read helpers accept: the database, a change's transaction, or a synchronous SQLite one. */
export type Reader = Db | Tx | SqliteTx;
