/**
 * How the SQLite schema's types map onto PostgreSQL (ADR 0039). The rule is: same table, column, index and
 * constraint names, same nullability and defaults, and a TypeScript row type that the SQLite one accepts, so one
 * repository layer can serve both.
 *
 * | SQLite (../schema*.ts)                      | PostgreSQL (here)                  | TypeScript |
 * | ------------------------------------------- | ---------------------------------- | ---------- |
 * | `integer` timestamp, epoch ms               | `bigint`, `mode: 'number'`         | number     |
 * | `integer` count, size, sum, money (µUSD)    | `bigint`, `mode: 'number'`         | number     |
 * | `integer` bounded by construction: HTTP     | `integer`                          | number     |
 * |   status, version numbers, attempts, the    |                                    |            |
 * |   config_revision singleton id and counter  |                                    |            |
 * | `integer` `mode: 'boolean'`                 | `boolean`                          | boolean    |
 * | `text` `mode: 'json'`                       | `jsonb`, same `$type<>()`          | the type   |
 * | `text` `mode: 'json'` kept verbatim         | `json` (services.openapi)          | the type   |
 * | `blob` `mode: 'buffer'` (DDSketch protobuf) | `bytea`                            | Buffer     |
 * | `text` (ids, hashes, sealed secrets, …)     | `text`                             | string     |
 *
 * SQLite's integer is 64-bit, so anything that can grow without a bound of its own is `bigint`: an int4 of
 * milliseconds ends in 2038-01-19 for timestamps and after 24 days for a latency sum, and a 3 GB upload
 * overflows `bytes_in`. `mode: 'number'` is exact up to 2^53, far beyond epoch ms or any µUSD total here.
 * `jsonb` is the default for JSON because it is validated and indexable; it keeps no key order, which nothing
 * reads except the imported OpenAPI document, shown and exported as the publisher wrote it, hence `json` there.
 */
import { sql } from 'drizzle-orm';
import { bigint, customType } from 'drizzle-orm/pg-core';
import { nextInsertionSeq } from '../columns';

/** A 64-bit integer read as a JS number, as SQLite's integer columns are. */
export const int64 = (name: string) => bigint(name, { mode: 'number' });

/** drizzle 0.45's pg-core has no bytea builder; node-postgres reads and writes bytea as Buffer already. */
export const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

/**
 * Epoch ms at the time of the insert, like SQLite's `unixepoch('subsec') * 1000`. `clock_timestamp()` rather
 * than `now()`: `now()` is the transaction's start, so rows inserted later in one long transaction would share it.
 */
export const createdAt = () =>
  int64('created_at')
    .notNull()
    .default(sql`(extract(epoch from clock_timestamp()) * 1000)::bigint`);

/**
 * The insertion order of a row, filled in by drizzle on insert, as SQLite's (../columns.ts), whose migration declares
 * the same default (pg's inserts call the function before they look at a default).
 */
export const insertionSeq = () => int64('seq').notNull().default(0).$defaultFn(nextInsertionSeq);
