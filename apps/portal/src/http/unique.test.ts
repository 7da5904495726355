import { afterAll, describe, expect, it } from 'vitest';
import { createDb, teams } from '@tollgate/db';
import { newId } from '@tollgate/domain';
import { withUniqueAsConflict } from './unique';

describe('withUniqueAsConflict', () => {
  const db = createDb({ path: ':memory:' });
  afterAll(() => db.$client.close());

  it('turns the driver’s UNIQUE failure (as drizzle wraps it) into a 409 and lets other errors through', () => {
    db.insert(teams).values({ id: newId('team'), name: 'A', slug: 'taken' }).run();
    const insert = () => db.insert(teams).values({ id: newId('team'), name: 'B', slug: 'taken' }).run();
    expect(() => withUniqueAsConflict(insert, 'The slug is taken.')).toThrow(expect.objectContaining({ status: 409, message: 'The slug is taken.' }));
    expect(() => withUniqueAsConflict(() => { throw new Error('boom'); }, 'x')).toThrow('boom');
    expect(withUniqueAsConflict(() => 42, 'x')).toBe(42);
  });
});
