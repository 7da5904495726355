import type { Table } from 'drizzle-orm';
import { describe, expectTypeOf, it } from 'vitest';
import * as sqlite from '../schema';
import * as pg from './schema';

/**
 * One repository layer is to serve both databases, so a row must have one TypeScript type whichever database
 * it came from. These checks are made by the compiler: `npm run typecheck` (run by `npm test` and CI) fails on
 * a column whose type drifted; vitest only runs the empty bodies.
 */
type Tables<S> = { [K in keyof S as S[K] extends Table ? K : never]: S[K] };
type Rows<S, Kind extends '$inferSelect' | '$inferInsert'> = { [K in keyof Tables<S>]: Tables<S>[K] extends Record<Kind, infer R> ? R : never };

describe('the pg row types', () => {
  it('are the SQLite ones for the central tables, read and written', () => {
    expectTypeOf<typeof pg.apps.$inferSelect>().toEqualTypeOf<typeof sqlite.apps.$inferSelect>();
    expectTypeOf<typeof pg.apiKeys.$inferSelect>().toEqualTypeOf<typeof sqlite.apiKeys.$inferSelect>();
    expectTypeOf<typeof pg.subscriptions.$inferSelect>().toEqualTypeOf<typeof sqlite.subscriptions.$inferSelect>();
    expectTypeOf<typeof pg.callRecords.$inferSelect>().toEqualTypeOf<typeof sqlite.callRecords.$inferSelect>();
    expectTypeOf<typeof pg.configRevision.$inferSelect>().toEqualTypeOf<typeof sqlite.configRevision.$inferSelect>();
    expectTypeOf<typeof pg.callRecords.$inferInsert>().toEqualTypeOf<typeof sqlite.callRecords.$inferInsert>();
    expectTypeOf<typeof pg.apps.$inferInsert>().toEqualTypeOf<typeof sqlite.apps.$inferInsert>();
  });

  it('are the SQLite ones for every table, and both schemas export the same tables', () => {
    expectTypeOf<keyof Tables<typeof pg>>().toEqualTypeOf<keyof Tables<typeof sqlite>>();
    expectTypeOf<Rows<typeof pg, '$inferSelect'>>().toEqualTypeOf<Rows<typeof sqlite, '$inferSelect'>>();
    expectTypeOf<Rows<typeof pg, '$inferInsert'>>().toEqualTypeOf<Rows<typeof sqlite, '$inferInsert'>>();
  });
});
