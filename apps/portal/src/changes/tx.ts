import type { Db, Tx } from '@tollgate/db';

/** The handle `commitChange` and `transact` pass to their work (ADR 0040). */
export type { Tx };

/** What read helpers accept: the database, or a transaction's handle. */
export type Reader = Db | Tx;
