import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from 'pg';
import { pgSafe } from '../../src/common/pg-text';
import { createTestEnv } from './harness';
import type { TestEnv } from './harness';

describe('generated text with NUL characters is storable (real Postgres)', () => {
  let env: TestEnv;
  let db: Client;
  before(async () => {
    env = await createTestEnv();
    db = new Client({ connectionString: env.config.databaseUrl });
    await db.connect();
    await db.query('CREATE TEMP TABLE t (data jsonb, text text)');
  });
  after(async () => {
    await db?.end();
    await env?.cleanup();
  });

  const item = {
    type: 'curriculum.item',
    item: { question: 'what is 1+\u00001?', solverAnswers: ['2', '\u0000', null], 'k\u0000ey': 1 },
  };

  test('Postgres refuses NUL in jsonb and text; after pgSafe both store, NUL as U+FFFD', async () => {
    await assert.rejects(db.query('INSERT INTO t (data) VALUES ($1)', [JSON.stringify(item)]));
    await assert.rejects(db.query('INSERT INTO t (text) VALUES ($1)', [item.item.question]));
    const safe = pgSafe(item);
    await db.query('INSERT INTO t (data, text) VALUES ($1, $2)', [
      JSON.stringify(safe),
      safe.item.question,
    ]);
    const { rows } = await db.query('SELECT data, text FROM t');
    assert.equal(rows[0].text, 'what is 1+\uFFFD1?');
    assert.deepEqual(rows[0].data.item.solverAnswers, ['2', '\uFFFD', null]);
    assert.ok(Object.hasOwn(rows[0].data.item, 'k\uFFFDey'));
  });

  test('a value without NUL is returned as it is, not copied', () => {
    const clean = { a: ['x', { b: 'y' }], n: 1 };
    assert.equal(pgSafe(clean), clean);
    assert.equal(pgSafe('plain'), 'plain');
  });
});
