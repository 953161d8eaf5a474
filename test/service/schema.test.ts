/**
 * Entities and migrations agree: the migrations, run on an empty database, build exactly the
 * schema the entities describe (TypeORM generates nothing), and every migration's down undoes it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { dropDatabase, ensureDatabase } from '../../src/database/admin';
import { createDataSource } from '../../src/database/data-source';
import { pendingSchemaQueries } from '../../src/database/schema-diff';

const TABLES = [
  'api_keys',
  'benchmark_items',
  'benchmarks',
  'curriculum_items',
  'evaluations',
  'iterations',
  'models',
  'run_events',
  'runs',
  'scores',
];

describe('migrations', () => {
  const url = `postgres://postgres@127.0.0.1:5432/rzero_schema_${randomBytes(4).toString('hex')}`;
  const ds = createDataSource(url);
  before(async () => {
    await ensureDatabase(url);
    await ds.initialize();
  });
  after(async () => {
    if (ds.isInitialized) await ds.destroy();
    await dropDatabase(url);
  });

  const tables = async () =>
    (
      (await ds.query(
        `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'migrations' ORDER BY 1`,
      )) as { tablename: string }[]
    ).map((r) => r.tablename);

  test('on an empty database they build the schema the entities describe', async () => {
    await ds.runMigrations();
    assert.deepEqual(await tables(), TABLES);
    const { up } = await pendingSchemaQueries(ds);
    assert.deepEqual(up, [], 'entities and migrations disagree; run npm run migration:generate');
    assert.equal(await ds.showMigrations(), false);
  });

  test('every down migration undoes its up', async () => {
    while ((await ds.query('SELECT count(*)::int AS n FROM migrations'))[0].n > 0)
      await ds.undoLastMigration();
    assert.deepEqual(await tables(), []);
    await ds.runMigrations();
    assert.deepEqual(await tables(), TABLES);
  });
});
