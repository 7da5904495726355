// `@tollgate/db/pg`: a separate entry so that the SQLite path never loads `pg` (ADR 0039).
export * as schema from './schema';
export * from './schema';
export { openPgDatabase, type PgDb, type OpenPgDatabaseOptions } from './client';
