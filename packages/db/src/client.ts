import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as schema from './schema';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export interface CreateDbOptions {
  /** A file path, or `:memory:` for a private database (each test file gets its own). */
  path: string;
  /** Called with every SQL statement SQLite runs; tests use it to prove the gateway reads nothing. */
  onStatement?: (sql: string) => void;
  /**
   * Apply the migrations (default). A second connection to a database another one already opened (the
   * all-in-one's call-record writer thread) passes false: migrating twice at once would race.
   */
  migrate?: boolean;
}

// Beside the sources (packages/db/src), or from the production build's dist/ at the repository root.
const migrationsFolder = ['../migrations', '../packages/db/migrations'].map((dir) => fileURLToPath(new URL(dir, import.meta.url))).find((dir) => existsSync(dir))!;

/**
 * The database holds sealed provider keys, key hashes and every call's captured bodies: readable by its owner
 * only, like master.key. SQLite gives the -wal and -shm files it creates the database file's own mode, so
 * creating the file 0600 first covers all three; a file made by an older version is tightened too.
 */
function ownerOnly(path: string): void {
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600);
}

/** Opens the database, applies the committed migrations (unless told not to) and returns the drizzle handle. */
export function createDb(options: CreateDbOptions): Db {
  if (options.path !== ':memory:') ownerOnly(options.path);
  const client = new Database(options.path, options.onStatement ? { verbose: (s) => options.onStatement!(String(s)) } : {});
  // WAL lets the portal's readers run beside the meter's batched writes; NORMAL is durable at WAL checkpoints.
  client.pragma('journal_mode = WAL');
  client.pragma('synchronous = NORMAL');
  client.pragma('foreign_keys = ON');
  client.pragma('busy_timeout = 5000');
  const db = drizzle(client, { schema });
  if (options.migrate === false) return db as Db;
  migrate(db, { migrationsFolder });
  db.insert(schema.configRevision).values({ id: 1, revision: 1, updatedAt: Date.now() }).onConflictDoNothing().run();
  return db as Db;
}
