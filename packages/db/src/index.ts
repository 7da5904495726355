export * as schema from './schema';
export * from './schema';
export { createDb, type Db, type CreateDbOptions } from './client';
export { transact, first, changedRows, isUniqueViolation, isPostgres, selectRaw, executeRaw, type Tx, type TransactOptions } from './portable';
