/**
 * What a migrated database looks like, read from its catalogue, in terms both dialects share: tables, columns
 * (nullability, default, storage family), primary keys, indexes (columns in order, uniqueness, partial
 * predicate) and foreign keys. The parity test reads one from SQLite and one from PostgreSQL and lists every
 * difference by name. It reads what the migrations made, not the drizzle definitions, because the migrations
 * are what a deployment runs.
 */
import type Database from 'better-sqlite3';

export interface ColumnShape {
  notNull: boolean;
  /** The default, normalised so that `''::text` (pg) and `''` (SQLite) compare equal; null when none. */
  default: string | null;
  /** SQLite's storage family: `integer` (also booleans), `text` (also JSON) or `blob`. */
  family: string;
}

export interface IndexShape {
  columns: string[];
  unique: boolean;
  where: string | null;
}

export interface TableShape {
  columns: Record<string, ColumnShape>;
  primaryKey: string[];
  indexes: Record<string, IndexShape>;
  /** `from -> table(to) on delete <action>`, sorted. */
  foreignKeys: string[];
}

export type SchemaShape = Record<string, TableShape>;

/** Anything node-postgres can query through: a pool, or one client holding a transaction open. */
export interface PgQueryable {
  query(sql: string): Promise<{ rows: any[] }>;
}

// Both spell "the time of the insert in ms" differently; anything else must match literally, casts aside.
const normaliseDefault = (value: string | null): string | null => {
  if (value === null) return null;
  if (/unixepoch|clock_timestamp|now\(\)/i.test(value)) return 'now_ms';
  return value.replace(/::[a-z ]+/gi, '').trim();
};

// SQLite keeps the predicate as drizzle wrote it (`"t"."c" is null`); pg prints its own (`(c IS NULL)`).
const normalisePredicate = (value: string | null): string | null =>
  value === null ? null : value.toLowerCase().replace(/"/g, '').replace(/\b\w+\./g, '').replace(/[()]/g, '').replace(/\s+/g, ' ').trim();

const pgFamily: Record<string, string> = { bigint: 'integer', integer: 'integer', boolean: 'integer', text: 'text', jsonb: 'text', json: 'text', bytea: 'blob' };

const pgDeleteAction: Record<string, string> = { a: 'no action', r: 'restrict', c: 'cascade', n: 'set null', d: 'set default' };

const emptyTable = (): TableShape => ({ columns: {}, primaryKey: [], indexes: {}, foreignKeys: [] });

/** Reads a migrated SQLite database (drizzle's own bookkeeping table left out). */
export function sqliteShape(client: Database.Database): SchemaShape {
  const shape: SchemaShape = {};
  const tables = client.prepare("select name, sql from sqlite_master where type = 'table' and name not like 'sqlite_%' and name <> '__drizzle_migrations'").all() as Array<{ name: string }>;
  for (const { name } of tables) {
    const table = (shape[name] = emptyTable());
    const columns = client.prepare(`pragma table_info("${name}")`).all() as Array<{ name: string; type: string; notnull: number; dflt_value: string | null; pk: number }>;
    for (const c of columns) table.columns[c.name] = { notNull: c.notnull === 1, default: normaliseDefault(c.dflt_value), family: c.type.toLowerCase() };
    table.primaryKey = columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
    const indexes = client.prepare(`pragma index_list("${name}")`).all() as Array<{ name: string; unique: number; origin: string; partial: number }>;
    for (const i of indexes.filter((i) => i.origin !== 'pk')) {
      const columnsOf = (client.prepare(`pragma index_info("${i.name}")`).all() as Array<{ seqno: number; name: string }>).sort((a, b) => a.seqno - b.seqno).map((c) => c.name);
      const sql = (client.prepare("select sql from sqlite_master where type = 'index' and name = ?").get(i.name) as { sql: string | null } | undefined)?.sql ?? null;
      const where = i.partial && sql ? sql.slice(sql.search(/\swhere\s/i) + 7) : null;
      table.indexes[i.name] = { columns: columnsOf, unique: i.unique === 1, where: normalisePredicate(where) };
    }
    const fks = client.prepare(`pragma foreign_key_list("${name}")`).all() as Array<{ id: number; seq: number; table: string; from: string; to: string; on_delete: string }>;
    const byId = new Map<number, typeof fks>();
    for (const fk of fks) byId.set(fk.id, [...(byId.get(fk.id) ?? []), fk]);
    table.foreignKeys = [...byId.values()]
      .map((parts) => parts.sort((a, b) => a.seq - b.seq))
      .map((p) => `${p.map((x) => x.from).join(',')} -> ${p[0]!.table}(${p.map((x) => x.to).join(',')}) on delete ${p[0]!.on_delete.toLowerCase()}`)
      .sort();
  }
  return shape;
}

/** Reads the `public` schema of a migrated PostgreSQL database (drizzle keeps its bookkeeping in `drizzle`). */
export async function pgShape(db: PgQueryable): Promise<SchemaShape> {
  const shape: SchemaShape = {};
  const tables = await db.query("select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'");
  for (const { table_name } of tables.rows) shape[table_name] = emptyTable();
  const columns = await db.query("select table_name, column_name, is_nullable, column_default, data_type from information_schema.columns where table_schema = 'public' order by ordinal_position");
  for (const c of columns.rows) {
    shape[c.table_name]!.columns[c.column_name] = { notNull: c.is_nullable === 'NO', default: normaliseDefault(c.column_default), family: pgFamily[c.data_type] ?? `pg:${c.data_type}` };
  }
  // pg_index rather than pg_indexes: it gives the columns in order and the predicate apart from the definition.
  const indexes = await db.query(`
    select t.relname as table_name, i.relname as index_name, x.indisunique as is_unique, x.indisprimary as is_primary,
           pg_get_expr(x.indpred, x.indrelid) as predicate,
           array(select a.attname from unnest(x.indkey) with ordinality k(attnum, ord)
                 join pg_attribute a on a.attrelid = x.indrelid and a.attnum = k.attnum order by k.ord)::text[] as columns
      from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
      join pg_namespace n on n.oid = t.relnamespace where n.nspname = 'public'`);
  for (const i of indexes.rows) {
    const table = shape[i.table_name]!;
    if (i.is_primary) table.primaryKey = i.columns;
    else table.indexes[i.index_name] = { columns: i.columns, unique: i.is_unique, where: normalisePredicate(i.predicate) };
  }
  const fks = await db.query(`
    select c.conrelid::regclass::text as table_name, c.confrelid::regclass::text as target, c.confdeltype as on_delete,
           array(select a.attname from unnest(c.conkey) with ordinality k(attnum, ord)
                 join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum order by k.ord)::text[] as from_columns,
           array(select a.attname from unnest(c.confkey) with ordinality k(attnum, ord)
                 join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.attnum order by k.ord)::text[] as to_columns
      from pg_constraint c where c.contype = 'f' and c.connamespace = 'public'::regnamespace`);
  for (const f of fks.rows) {
    shape[f.table_name]!.foreignKeys.push(`${f.from_columns.join(',')} -> ${f.target}(${f.to_columns.join(',')}) on delete ${pgDeleteAction[f.on_delete]}`);
  }
  for (const table of Object.values(shape)) table.foreignKeys.sort();
  return shape;
}

const show = (value: unknown) => JSON.stringify(value);

/** Every difference between two shapes, one line each, naming the table and the column, index or key. */
export function diffShapes(sqlite: SchemaShape, pg: SchemaShape): string[] {
  const out: string[] = [];
  const names = (a: object, b: object) => [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  for (const t of names(sqlite, pg)) {
    const s = sqlite[t];
    const p = pg[t];
    if (!s || !p) {
      out.push(`table ${t}: only in ${s ? 'sqlite' : 'pg'}`);
      continue;
    }
    for (const c of names(s.columns, p.columns)) {
      const sc = s.columns[c];
      const pc = p.columns[c];
      if (!sc || !pc) out.push(`column ${t}.${c}: only in ${sc ? 'sqlite' : 'pg'}`);
      else for (const k of ['notNull', 'default', 'family'] as const) if (sc[k] !== pc[k]) out.push(`column ${t}.${c}: ${k} is ${show(sc[k])} in sqlite, ${show(pc[k])} in pg`);
    }
    if (show(s.primaryKey) !== show(p.primaryKey)) out.push(`primary key of ${t}: ${show(s.primaryKey)} in sqlite, ${show(p.primaryKey)} in pg`);
    for (const i of names(s.indexes, p.indexes)) {
      const si = s.indexes[i];
      const pi = p.indexes[i];
      if (!si || !pi) out.push(`index ${t}.${i}: only in ${si ? 'sqlite' : 'pg'}`);
      else if (show(si) !== show(pi)) out.push(`index ${t}.${i}: ${show(si)} in sqlite, ${show(pi)} in pg`);
    }
    for (const fk of s.foreignKeys.filter((f) => !p.foreignKeys.includes(f))) out.push(`foreign key ${t}: ${fk} only in sqlite`);
    for (const fk of p.foreignKeys.filter((f) => !s.foreignKeys.includes(f))) out.push(`foreign key ${t}: ${fk} only in pg`);
  }
  return out;
}
