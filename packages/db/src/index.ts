export * as schema from './schema';
export * from './schema';
export { createDb, type Db, type CreateDbOptions } from './client';
