import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teams } from '@tollgate/db';
import { openOwnTestDatabase, type OwnTestDatabase } from '@tollgate/db/pg/testing';
import { newId } from '@tollgate/domain';
import { withUniqueAsConflict } from './unique';

describe('withUniqueAsConflict', () => {
  // The test database of the run (SQLite, or PostgreSQL with TOLLGATE_TEST_DATABASE=postgres): each driver's failure.
  let own: OwnTestDatabase;
  beforeAll(async () => {
    own = await openOwnTestDatabase();
  });
  afterAll(() => own.close());

  it('turns the driver’s UNIQUE failure (as drizzle wraps it) into a 409 and lets other errors through', async () => {
    const { db } = own;
    await db.insert(teams).values({ id: newId('team'), name: 'A', slug: 'taken' });
    const insert = async () => {
      await db.insert(teams).values({ id: newId('team'), name: 'B', slug: 'taken' });
    };
    await expect(withUniqueAsConflict(insert, 'The slug is taken.')).rejects.toThrow(expect.objectContaining({ status: 409, message: 'The slug is taken.' }));
    await expect(withUniqueAsConflict(() => { throw new Error('boom'); }, 'x')).rejects.toThrow('boom');
    // A promised failure (a change committed through transact) is caught as well as a thrown one.
    await expect(withUniqueAsConflict(async () => insert(), 'The slug is taken.')).rejects.toThrow(expect.objectContaining({ status: 409 }));
    expect(await withUniqueAsConflict(() => 42, 'x')).toBe(42);
  });
});
