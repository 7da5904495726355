export * as schema from './schema';
export * from './schema';
export { createDb, type Db, type CreateDbOptions } from './client';
export { transact, first, changedRows, closeDatabase, isUniqueViolation, isPostgres, selectRaw, executeRaw, jsonArrayElements, type JsonArrayElements, type Tx, type TransactOptions } from './portable';
