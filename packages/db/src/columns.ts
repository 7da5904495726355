import { sql } from 'drizzle-orm';
import { integer } from 'drizzle-orm/sqlite-core';

// Timestamps are epoch milliseconds in integer columns: sortable, zone-free and cheap to compare.
export const createdAt = () =>
  integer('created_at', { mode: 'number' })
    .notNull()
    .default(sql`(unixepoch('subsec') * 1000)`);
