export * as schema from './schema';
export * from './schema';
export { createDb, type Db, type CreateDbOptions } from './client';
export { transact, first, changedRows, isUniqueViolation, isPostgres, type Tx } from './portable';
