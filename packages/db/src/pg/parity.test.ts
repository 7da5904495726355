import { beforeAll, describe, expect, it } from 'vitest';
import { diffShapes, pgShape, sqliteShape, type SchemaShape } from './schema-shape';
import { bothDatabases } from './test-database';

/**
 * The pg schema is a second hand-written copy of the SQLite one (ADR 0039); this is what keeps them one schema.
 * Both are read back from the catalogue after their own migrations ran, so a migration generated from a stale
 * definition shows here too.
 */
describe('the PostgreSQL schema', () => {
  const both = bothDatabases();
  let sqliteSchema: SchemaShape;
  beforeAll(() => {
    sqliteSchema = sqliteShape(both.sqlite.$client);
  });

  it('has the tables, columns, keys and indexes the SQLite migrations make', async () => {
    const pgSchema = await pgShape(both.pg.$client);
    expect(diffShapes(sqliteSchema, pgSchema)).toEqual([]);
    // Not two empty shapes agreeing: the comparison saw the real schema, the partial index's predicate included.
    expect(Object.keys(pgSchema).length).toBeGreaterThan(20);
    expect(pgSchema.app_workload_credentials!.indexes.app_workload_credentials_active_spiffe_idx).toEqual({ columns: ['spiffe_id'], unique: true, where: 'revoked_at is null' });
    expect(pgSchema.call_rollups!.primaryKey).toEqual(['level', 'bucket_start', 'team_id', 'service_id', 'api', 'app_id', 'model', 'status_class']);
  });

  it('names each kind of drift by table and column', async () => {
    // DDL is transactional in PostgreSQL: drift one client's view inside a transaction, read it, roll it back.
    const client = await both.pg.$client.connect();
    try {
      await client.query('begin');
      await client.query('alter table apps alter column description drop not null');
      await client.query('alter table apps alter column description drop default');
      await client.query('alter table api_keys add column extra text');
      await client.query('drop index subscriptions_service_state_idx');
      await client.query('create index subscriptions_service_state_idx on subscriptions (state, service_id)');
      await client.query('drop index app_workload_credentials_active_spiffe_idx');
      await client.query('create unique index app_workload_credentials_active_spiffe_idx on app_workload_credentials (spiffe_id)');
      await client.query('alter table api_keys drop constraint api_keys_app_id_apps_id_fk');
      await client.query('alter table api_keys add constraint api_keys_app_id_apps_id_fk foreign key (app_id) references apps(id)');
      await client.query('alter table call_bodies alter column request_body type bytea using null');
      await client.query('drop table config_revision');
      const drifted = diffShapes(sqliteSchema, await pgShape(client));
      expect(drifted).toEqual([
        'column api_keys.extra: only in pg',
        'foreign key api_keys: app_id -> apps(id) on delete cascade only in sqlite',
        'foreign key api_keys: app_id -> apps(id) on delete no action only in pg',
        'index app_workload_credentials.app_workload_credentials_active_spiffe_idx: {"columns":["spiffe_id"],"unique":true,"where":"revoked_at is null"} in sqlite, {"columns":["spiffe_id"],"unique":true,"where":null} in pg',
        'column apps.description: notNull is true in sqlite, false in pg',
        `column apps.description: default is "''" in sqlite, null in pg`,
        'column call_bodies.request_body: family is "text" in sqlite, "blob" in pg',
        'table config_revision: only in sqlite',
        'index subscriptions.subscriptions_service_state_idx: {"columns":["service_id","state"],"unique":false,"where":null} in sqlite, {"columns":["state","service_id"],"unique":false,"where":null} in pg',
      ]);
    } finally {
      await client.query('rollback');
      client.release();
    }
    expect(diffShapes(sqliteSchema, await pgShape(both.pg.$client))).toEqual([]);
  });
});
