import type { Db } from '@tollgate/db';

/** The handle `commitChange` passes to its callback; queries meant to run inside a change accept either. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type Reader = Db | Tx;
