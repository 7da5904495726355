import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb } from './client';

const migrations = fileURLToPath(new URL('../migrations', import.meta.url));
const journal = JSON.parse(readFileSync(join(migrations, 'meta/_journal.json'), 'utf8')) as { entries: Array<{ idx: number; when: number; tag: string }> };

/**
 * An installed database upgrades in place: drizzle applies a migration only when its journal time is later
 * than the last one applied, so the newest migration is checked on a database the previous ones made, with
 * data in it, not only on a fresh one.
 */
describe('migrations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-migrations-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are journalled in order', () => {
    const times = journal.entries.map((e) => e.when);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(journal.entries.map((e) => e.idx)).toEqual(journal.entries.map((_, i) => i));
  });

  it('bring a database made by the previous migrations to the current schema, keeping its rows', () => {
    const previous = join(dir, 'previous');
    cpSync(migrations, previous, { recursive: true });
    writeFileSync(join(previous, 'meta/_journal.json'), JSON.stringify({ ...journal, entries: journal.entries.slice(0, -1) }));
    const file = join(dir, 'upgrade.db');
    const old = new Database(file);
    migrate(drizzle(old), { migrationsFolder: previous });
    old.prepare("insert into teams (id, name, slug) values ('team_aaaaaaaaaa', 'T', 't')").run();
    old.prepare("insert into services (id, team_id, name, slug, kind, updated_at) values ('svc_aaaaaaaaaa', 'team_aaaaaaaaaa', 'Pets', 'pets', 'rest', 1)").run();
    old.close();

    const db = createDb({ path: file });
    try {
      const service = db.$client.prepare('select slug, rest from services').get();
      expect(service).toEqual({ slug: 'pets', rest: null });
      const columns = (table: string) => (db.$client.prepare(`pragma table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name);
      expect(columns('call_records')).toEqual(expect.arrayContaining(['route', 'upstream', 'upstream_node']));
      expect(columns('apis')).toContain('rest');
      expect(columns('upstream_credentials')).toEqual(['service_id', 'upstream', 'header', 'value', 'updated_at']);
      expect(columns('app_credentials')).toContain('jwks_url');
      expect(columns('app_workload_credentials')).toEqual(['id', 'app_id', 'spiffe_id', 'created_by', 'created_at', 'revoked_at']);
      const applied = db.$client.prepare('select count(*) as n from __drizzle_migrations').get() as { n: number };
      expect(applied.n).toBe(journal.entries.length);
    } finally {
      db.$client.close();
    }
  });
});
