import { afterAll, describe, expect, it } from 'vitest';
import { createDb, teams } from '@tollgate/db';
import { newId } from '@tollgate/domain';
import { withUniqueAsConflict } from './unique';

describe('withUniqueAsConflict', () => {
  const db = createDb({ path: ':memory:' });
  afterAll(() => db.$client.close());

  it('turns the driver’s UNIQUE failure (as drizzle wraps it) into a 409 and lets other errors through', async () => {
    db.insert(teams).values({ id: newId('team'), name: 'A', slug: 'taken' }).run();
    const insert = () => db.insert(teams).values({ id: newId('team'), name: 'B', slug: 'taken' }).run();
    await expect(withUniqueAsConflict(insert, 'The slug is taken.')).rejects.toThrow(expect.objectContaining({ status: 409, message: 'The slug is taken.' }));
    await expect(withUniqueAsConflict(() => { throw new Error('boom'); }, 'x')).rejects.toThrow('boom');
    // A promised failure (a change committed through transact) is caught as well as a thrown one.
    await expect(withUniqueAsConflict(async () => insert(), 'The slug is taken.')).rejects.toThrow(expect.objectContaining({ status: 409 }));
    expect(await withUniqueAsConflict(() => 42, 'x')).toBe(42);
  });
});
