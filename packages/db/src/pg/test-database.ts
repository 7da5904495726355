import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { createDb, type Db } from '../client';
import { openPgDatabase, type PgDb } from './client';

/**
 * The server the pg tests use: a local PostgreSQL with trust auth, as on the CI machine, or the one named by
 * TOLLGATE_TEST_POSTGRES_URL. Tests connect to its maintenance database only to create and drop their own.
 */
const serverUrl = process.env.TOLLGATE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  /** A `postgres://` URL of the new, empty database. */
  url: string;
  name: string;
  /** Drops the database, closing whatever connections are still open on it. */
  drop(): Promise<void>;
}

async function onServer<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`the pg tests need a PostgreSQL at ${serverUrl} (set TOLLGATE_TEST_POSTGRES_URL to use another): ${(err as Error).message}`);
  }
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Creates `tollgate_test_<random>` on the test server; never touches an existing database. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `tollgate_test_${randomBytes(6).toString('hex')}`;
  await onServer((c) => c.query(`create database ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => onServer((c) => c.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}

export interface BothDatabases {
  sqlite: Db;
  pg: PgDb;
  database: TestDatabase;
}

/**
 * For a test file comparing the dialects: a migrated in-memory SQLite database and a migrated fresh pg one,
 * opened before its tests and closed (the pg one dropped) after them. Read the fields inside tests and hooks.
 */
export function bothDatabases(): BothDatabases {
  const both = {} as BothDatabases;
  beforeAll(async () => {
    both.database = await createTestDatabase();
    both.pg = await openPgDatabase(both.database.url);
    both.sqlite = createDb({ path: ':memory:' });
  });
  afterAll(async () => {
    both.sqlite?.$client.close();
    await both.pg?.$client.end();
    await both.database?.drop();
  });
  return both;
}

/** A test's own database and how to let it go: SQLite in memory, or a fresh PostgreSQL database dropped on close. */
export interface OwnTestDatabase {
  db: Db;
  dialect: 'sqlite' | 'postgres';
  close(): Promise<void>;
}

/**
 * The database a portal test runs on. By default a private in-memory SQLite database; with
 * TOLLGATE_TEST_DATABASE=postgres a fresh, migrated PostgreSQL database on the test server, dropped on close, so
 * the same tests run on both (ADR 0040). The pg handle is the SQLite-typed `Db` the portal's code is written to.
 */
export async function openOwnTestDatabase(): Promise<OwnTestDatabase> {
  const dialect = process.env.TOLLGATE_TEST_DATABASE ?? 'sqlite';
  if (dialect === 'sqlite') {
    const db = createDb({ path: ':memory:' });
    return {
      db,
      dialect,
      close: async () => {
        db.$client.close();
      },
    };
  }
  if (dialect !== 'postgres') throw new Error(`TOLLGATE_TEST_DATABASE=${dialect}: use sqlite (the default) or postgres`);
  const database = await createTestDatabase();
  try {
    const pgDb = await openPgDatabase(database.url);
    return {
      db: pgDb as unknown as Db,
      dialect,
      close: async () => {
        await pgDb.$client.end();
        await database.drop();
      },
    };
  } catch (err) {
    await database.drop();
    throw err;
  }
}
