import { afterAll, describe, expect, it } from 'vitest';
import { openPgDatabase } from './client';
import * as schema from './schema';
import { createTestDatabase } from './test-database';

const database = await createTestDatabase();
afterAll(() => database.drop());

describe('openPgDatabase', () => {
  it('survives the server ending an idle connection, tells the caller, and carries on', async () => {
    const errors: Error[] = [];
    const db = await openPgDatabase(database.url, { onIdleError: (err) => errors.push(err) });
    try {
      const { rows } = await db.$client.query('select pg_backend_pid() as pid');
      // The connection is back in the pool, idle: ending it from the server is what a restart or an admin does.
      await db.$client.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [database.name]);
      await expect.poll(() => errors.length).toBeGreaterThan(0);
      expect(errors[0]!.message).toMatch(/terminat/);
      expect(rows[0].pid).toBeTypeOf('number');
      expect(await db.select().from(schema.configRevision)).toHaveLength(1);
    } finally {
      await db.$client.end();
    }
  });
});
