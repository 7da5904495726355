import { sql } from 'drizzle-orm';
import { integer } from 'drizzle-orm/sqlite-core';

// Timestamps are epoch milliseconds in integer columns: sortable, zone-free and cheap to compare.
export const createdAt = () =>
  integer('created_at', { mode: 'number' })
    .notNull()
    .default(sql`(unixepoch('subsec') * 1000)`);

let lastInsertionSeq = 0;

/**
 * The next number in this process's insertion order: strictly greater than the last one it gave, and starting
 * from the clock (epoch ms × 1000), so that a restarted process, or another replica, continues above what was
 * given before. It breaks ties between rows with one timestamp in the order they were inserted (several audit
 * events of one change, two plans made in one millisecond), which SQLite's rowid gave and PostgreSQL has no
 * equivalent of (ADR 0041). Between two processes writing in one millisecond the order is the clock's at best:
 * a query that needs a total order ends with the id.
 */
export function nextInsertionSeq(): number {
  lastInsertionSeq = Math.max(lastInsertionSeq + 1, Date.now() * 1000);
  return lastInsertionSeq;
}

/**
 * The insertion order of a row (see nextInsertionSeq), filled in by drizzle on insert. The database's default, 0,
 * for statements that bypass drizzle, is in the migration (0013) only: drizzle's SQLite inserts would send a
 * declared default instead of calling the function.
 */
export const insertionSeq = () => integer('seq', { mode: 'number' }).notNull().$defaultFn(nextInsertionSeq);
