import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import * as schema from './schema';

export type PgDb = NodePgDatabase<typeof schema> & { $client: pg.Pool };

export interface OpenPgDatabaseOptions {
  /** Apply the committed pg migrations (default). */
  migrate?: boolean;
  /** Connections the pool may open (node-postgres' default is 10). */
  max?: number;
  /**
   * Told when an idle pooled connection fails (the server restarted, an admin ended it). The pool drops such a
   * connection by itself, but node-postgres emits the error on the pool, and an `error` event nobody listens to
   * ends the process.
   */
  onIdleError?: (err: Error) => void;
}

// Beside the sources (packages/db/src/pg), or from the production build's dist/ at the repository root.
const migrationsFolder = ['../../migrations-pg', '../packages/db/migrations-pg'].map((dir) => fileURLToPath(new URL(dir, import.meta.url))).find((dir) => existsSync(dir))!;

/**
 * Several portal replicas may start at once against one PostgreSQL, and two migrators creating the same tables
 * concurrently fail on the catalogue's unique indexes: a session-level advisory lock makes them take turns, and
 * the second then finds nothing left to apply. The key is an arbitrary constant ("tollgate" in ASCII, as int8).
 */
const MIGRATION_LOCK = '8390043843661231205';

/**
 * node-postgres' type parsers, set so a pg row reaches drizzle as better-sqlite3's would: the portal's queries
 * use the SQLite table objects on both databases, and their column codecs decode these (ADR 0040). int8
 * (timestamps, counts, µUSD, `count(*)`) and numeric (`sum(...)`) become numbers (exact to 2^53, ADR 0039); json
 * and jsonb stay their text, which `text({ mode: 'json' })` parses and pg-core's json columns accept as well.
 * They are the process-wide parsers: drizzle gives each query its own, which fall back to these.
 */
export function useSqliteShapedValues(): void {
  const { setTypeParser, builtins } = pg.types;
  setTypeParser(builtins.INT8, Number);
  setTypeParser(builtins.NUMERIC, Number);
  setTypeParser(builtins.JSON, (text: string) => text);
  setTypeParser(builtins.JSONB, (text: string) => text);
}

/** Opens a pool on `url` (`postgres://…`), applies the pg migrations unless told not to, returns the drizzle handle. */
export async function openPgDatabase(url: string, options: OpenPgDatabaseOptions = {}): Promise<PgDb> {
  useSqliteShapedValues();
  const pool = new pg.Pool({ connectionString: url, max: options.max });
  pool.on('error', (err) => options.onIdleError?.(err));
  const db = drizzle(pool, { schema }) as PgDb;
  if (options.migrate === false) return db;
  try {
    const lock = await pool.connect();
    try {
      await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
      await migrate(db, { migrationsFolder });
      await db.insert(schema.configRevision).values({ id: 1, revision: 1, updatedAt: Date.now() }).onConflictDoNothing();
    } finally {
      await lock.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
      lock.release();
    }
  } catch (err) {
    // A failed start must not leave the pool's sockets holding the process open.
    await pool.end();
    throw err;
  }
  return db;
}
