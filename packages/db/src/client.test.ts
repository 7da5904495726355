import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb } from './client';
import * as schema from './schema';

const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-db-mode-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const mode = (file: string) => statSync(file).mode & 0o777;

describe('the database file', () => {
  it('is created readable by its owner only, and so are its WAL and shared-memory files', () => {
    const file = path.join(dir, 'fresh.db');
    const db = createDb({ path: file });
    db.update(schema.configRevision).set({ updatedAt: Date.now() }).run();
    for (const f of [file, `${file}-wal`, `${file}-shm`]) expect(mode(f), f).toBe(0o600);
    db.$client.close();
  });

  it('tightens a database an older version left world-readable', () => {
    const file = path.join(dir, 'old.db');
    createDb({ path: file }).$client.close();
    chmodSync(file, 0o644);
    writeFileSync(`${file}-wal`, '');
    chmodSync(`${file}-wal`, 0o644);
    const db = createDb({ path: file });
    expect(mode(file)).toBe(0o600);
    expect(mode(`${file}-wal`)).toBe(0o600);
    db.$client.close();
  });
});
