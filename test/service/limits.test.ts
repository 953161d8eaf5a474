/**
 * Limits and lifecycle races under concurrency, on real Postgres + Redis: the per-owner limits on
 * active runs, active evaluations and stored models hold against 100 concurrent creates; a run
 * canceled by many concurrent requests gets exactly one terminal event; a model delete racing run
 * and evaluation creation never leaves one of them on a deleted model; the per-key request limit
 * and the per-IP limit on unknown keys answer 429 with Retry-After, across two api processes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { repoRoot } from '../helpers/engine';
import { ADMIN_KEY, Api, ciRunBody, createTestEnv, startApi } from './harness';
import type { RunningApi, TestEnv } from './harness';

type Err = { statusCode: number; code: string; message: string };

const MODEL_DIR = join(repoRoot, 'assets/base-models/arith-tiny');
function modelForm(name: string): FormData {
  const form = new FormData();
  form.append('name', name);
  for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'])
    form.append('files', new Blob([new Uint8Array(readFileSync(join(MODEL_DIR, f)))]), f);
  return form;
}

/** How many responses had each status. */
const tally = (rs: { status: number }[]): Record<number, number> =>
  rs.reduce<Record<number, number>>((t, r) => ({ ...t, [r.status]: (t[r.status] ?? 0) + 1 }), {});

describe('per-owner limits, concurrent cancels and delete races (real Postgres + Redis)', () => {
  let env: TestEnv;
  let api: RunningApi;
  let admin: Api;
  let db: Client;
  let baseId = '';
  let builtinBenchmarks: string[] = [];

  before(async () => {
    // No worker: runs and evaluations stay queued, i.e. active.
    env = await createTestEnv({
      RZERO_EMBEDDED_WORKER: '0',
      RZERO_MAX_ACTIVE_RUNS_PER_OWNER: '10',
      RZERO_MAX_ACTIVE_EVALUATIONS_PER_OWNER: '10',
      RZERO_MAX_MODELS_PER_OWNER: '4',
    });
    api = await startApi(env.config);
    admin = new Api(api.baseUrl, ADMIN_KEY);
    baseId = (await admin.call<{ id: string }>('POST', '/models', { builtin: 'arith-tiny' })).body
      .id;
    builtinBenchmarks = (
      await admin.call<{ id: string; builtin: boolean }[]>('GET', '/benchmarks')
    ).body
      .filter((b) => b.builtin)
      .map((b) => b.id);
    db = new Client({ connectionString: env.config.databaseUrl });
    await db.connect();
  });
  after(async () => {
    await db?.end();
    await api?.close();
    await env?.cleanup();
  });

  test('100 concurrent POST /runs with distinct Idempotency-Keys: exactly the limit (10) queued, the rest 429 TOO_MANY_ACTIVE_RUNS', async (t) => {
    const alice = await admin.newKey('alice');
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        alice.call<{ id: string } & Err>('POST', '/runs', ciRunBody(baseId), {
          'idempotency-key': `limit-${i}`,
        }),
      ),
    );
    t.diagnostic(`statuses: ${JSON.stringify(tally(results))}`);
    assert.deepEqual(tally(results), { 202: 10, 429: 90 });
    for (const r of results.filter((x) => x.status === 429))
      assert.equal(r.body.code, 'TOO_MANY_ACTIVE_RUNS');
    const active = await db.query(
      `SELECT count(*)::int AS n FROM runs WHERE owner = 'alice' AND status IN ('queued', 'running')`,
    );
    assert.equal(active.rows[0].n, 10);
    // A replay of an accepted key is still its run (200), not a 429.
    const accepted = results.findIndex((r) => r.status === 202);
    const replay = await alice.call<{ id: string }>('POST', '/runs', ciRunBody(baseId), {
      'idempotency-key': `limit-${accepted}`,
    });
    assert.equal(replay.status, 200);
    assert.equal(replay.body.id, results[accepted]!.body.id);
    // Another owner has a limit of its own; a canceled run frees a place.
    const bob = await admin.newKey('bob');
    assert.equal((await bob.call('POST', '/runs', ciRunBody(baseId))).status, 202);
    assert.equal((await alice.call('POST', `/runs/${replay.body.id}/cancel`)).status, 202);
    assert.equal((await alice.call('POST', '/runs', ciRunBody(baseId))).status, 202);
    assert.equal((await alice.call('POST', '/runs', ciRunBody(baseId))).status, 429);
  });

  test('100 concurrent POST /evaluations: exactly the limit (10) queued, the rest 429 TOO_MANY_ACTIVE_EVALUATIONS', async (t) => {
    const carol = await admin.newKey('carol');
    const body = { modelId: baseId, benchmarkIds: [builtinBenchmarks[0]!] };
    const results = await Promise.all(
      Array.from({ length: 100 }, () => carol.call<Err>('POST', '/evaluations', body)),
    );
    t.diagnostic(`statuses: ${JSON.stringify(tally(results))}`);
    assert.deepEqual(tally(results), { 202: 10, 429: 90 });
    for (const r of results.filter((x) => x.status === 429))
      assert.equal(r.body.code, 'TOO_MANY_ACTIVE_EVALUATIONS');
    const active = await db.query(
      `SELECT count(*)::int AS n FROM evaluations WHERE owner = 'carol' AND status IN ('queued', 'running')`,
    );
    assert.equal(active.rows[0].n, 10);
  });

  test('24 concurrent uploads against a limit of 4 models: exactly 4 stored, the rest 409 TOO_MANY_MODELS', async (t) => {
    const dave = await admin.newKey('dave');
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        dave.call<{ id: string } & Err>('POST', '/models', modelForm(`m${i}`)),
      ),
    );
    t.diagnostic(`statuses: ${JSON.stringify(tally(results))}`);
    assert.deepEqual(tally(results), { 201: 4, 409: 20 });
    for (const r of results.filter((x) => x.status === 409))
      assert.equal(r.body.code, 'TOO_MANY_MODELS');
    const kept = await db.query(
      `SELECT count(*)::int AS n FROM models WHERE owner = 'dave' AND deleted_at IS NULL`,
    );
    assert.equal(kept.rows[0].n, 4);
    // Deleting one makes room for one.
    const one = results.find((r) => r.status === 201)!.body.id;
    assert.equal((await dave.call('DELETE', `/models/${one}`)).status, 200);
    assert.equal((await dave.call('POST', '/models', modelForm('again'))).status, 201);
    assert.equal((await dave.call('POST', '/models', modelForm('over'))).status, 409);
  });

  test('10 concurrent cancels of each of 50 queued runs: one terminal event per run; cancel is idempotent', async (t) => {
    const owners = await Promise.all(Array.from({ length: 5 }, (_, i) => admin.newKey(`c${i}`)));
    const runs: { key: Api; id: string }[] = [];
    for (const key of owners) {
      for (let i = 0; i < 10; i++) {
        const r = await key.call<{ id: string }>('POST', '/runs', ciRunBody(baseId));
        assert.equal(r.status, 202);
        runs.push({ key, id: r.body.id });
      }
    }
    const cancels = await Promise.all(
      runs.flatMap(({ key, id }) =>
        Array.from({ length: 10 }, () =>
          key.call<{ status: string }>('POST', `/runs/${id}/cancel`),
        ),
      ),
    );
    const ids = runs.map((r) => r.id);
    const events = await db.query(
      `SELECT run_id, count(*)::int AS n, array_agg(id::int ORDER BY id) AS ids FROM run_events
       WHERE run_id = ANY($1) AND type = 'run.status' GROUP BY run_id`,
      [ids],
    );
    const perRun = events.rows.map((r: { n: number }) => r.n);
    t.diagnostic(
      `run.status events per run: max ${Math.max(...perRun)}, total ${perRun.reduce((a, b) => a + b, 0)} for ${ids.length} runs; responses ${JSON.stringify(tally(cancels))}`,
    );
    assert.equal(events.rows.length, 50);
    for (const r of events.rows) assert.deepEqual(r.ids, [1], `run ${r.run_id}`);
    // Every cancel, the winner's and the ones queued behind it, answers 202 with the canceled run.
    assert.deepEqual(tally(cancels), { 202: 500 });
    assert.ok(cancels.every((c) => c.body.status === 'canceled'));
    const statuses = await db.query(
      `SELECT status, last_event_id::int AS last FROM runs WHERE id = ANY($1)`,
      [ids],
    );
    for (const r of statuses.rows) assert.deepEqual(r, { status: 'canceled', last: 1 });
    // Sequential cancel of a canceled run: 202, the run as it is, no new event.
    const again = await runs[0]!.key.call<{ status: string; lastEventId: number }>(
      'POST',
      `/runs/${runs[0]!.id}/cancel`,
    );
    assert.equal(again.status, 202);
    assert.equal(again.body.status, 'canceled');
    assert.equal(again.body.lastEventId, 1);
    // A run that ended otherwise cannot be canceled.
    await db.query(`UPDATE runs SET status = 'failed' WHERE id = $1`, [runs[1]!.id]);
    const failed = await runs[1]!.key.call<Err>('POST', `/runs/${runs[1]!.id}/cancel`);
    assert.equal(failed.status, 409);
    assert.equal(failed.body.code, 'RUN_NOT_CANCELLABLE');
  });

  test('a model used by a queued evaluation cannot be deleted (409 MODEL_IN_USE); after its cancel it can', async () => {
    const erin = await admin.newKey('erin');
    const model = await erin.call<{ id: string }>('POST', '/models', modelForm('used'));
    assert.equal(model.status, 201);
    const ev = await erin.call<{ id: string }>('POST', '/evaluations', {
      modelId: model.body.id,
      benchmarkIds: [builtinBenchmarks[0]!],
    });
    assert.equal(ev.status, 202);
    const del = await erin.call<Err>('DELETE', `/models/${model.body.id}`);
    assert.equal(del.status, 409);
    assert.equal(del.body.code, 'MODEL_IN_USE');
    assert.equal((await erin.call('POST', `/evaluations/${ev.body.id}/cancel`)).status, 202);
    // A retried cancel is answered, not refused.
    assert.equal((await erin.call('POST', `/evaluations/${ev.body.id}/cancel`)).status, 202);
    assert.equal((await erin.call('DELETE', `/models/${model.body.id}`)).status, 200);
  });

  test('DELETE /models/:id racing POST /runs and POST /evaluations (60 trials): never both, nothing on a deleted model', async (t) => {
    // 12 owners with 5 models each (rows like the built-in model's, made directly for speed: the
    // API never reads their files for these requests), so no owner reaches its limits.
    const trials: { key: Api; modelId: string }[] = [];
    for (let o = 0; o < 12; o++) {
      const owner = `race${o}`;
      const key = await admin.newKey(owner);
      const made = await db.query(
        `INSERT INTO models (owner, name, source, architecture, model_type, parameter_count, sha256,
           size_bytes, storage_key, config)
         SELECT $2::varchar, 'race-' || g, 'upload', architecture, model_type, parameter_count,
           sha256, size_bytes, 'models/race-' || $2::varchar || '-' || g, config
         FROM models, generate_series(1, 5) g WHERE id = $1 RETURNING id`,
        [baseId, owner],
      );
      for (const r of made.rows) trials.push({ key, modelId: r.id as string });
    }
    // The delete starts from 16 ms before to 28 ms after the creates, so each side wins some trials.
    const after = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
    const outcomes = await Promise.all(
      trials.map(async ({ key, modelId }, i) => {
        const lead = (i % 12) * 4 - 16;
        const [del, run, ev] = await Promise.all([
          after(lead).then(() => key.call<Err>('DELETE', `/models/${modelId}`)),
          after(-lead).then(() =>
            key.call<Err>('POST', '/runs', ciRunBody(modelId, { domain: 'arith' })),
          ),
          after(-lead).then(() =>
            key.call<Err>('POST', '/evaluations', {
              modelId,
              benchmarkIds: [builtinBenchmarks[0]!],
            }),
          ),
        ]);
        return { modelId, del: del.status, run: run.status, ev: ev.status };
      }),
    );
    const kinds: Record<string, number> = {};
    for (const o of outcomes) {
      const k = `delete ${o.del}, run ${o.run}, evaluation ${o.ev}`;
      kinds[k] = (kinds[k] ?? 0) + 1;
    }
    t.diagnostic(`delete/run/evaluation outcomes: ${JSON.stringify(kinds)}`);
    for (const o of outcomes) {
      assert.ok([200, 409].includes(o.del), JSON.stringify(o));
      assert.ok([202, 400].includes(o.run), JSON.stringify(o));
      assert.ok([202, 404].includes(o.ev), JSON.stringify(o));
      if (o.del === 200) assert.ok(o.run !== 202 && o.ev !== 202, JSON.stringify(o));
      else assert.ok(o.run === 202 || o.ev === 202, JSON.stringify(o));
    }
    const orphans = await db.query(
      `SELECT (SELECT count(*)::int FROM runs r JOIN models m ON m.id = r.base_model_id
               WHERE m.owner LIKE 'race%' AND m.deleted_at IS NOT NULL
                 AND r.status IN ('queued', 'running')) AS runs,
              (SELECT count(*)::int FROM evaluations e JOIN models m ON m.id = e.model_id
               WHERE m.owner LIKE 'race%' AND m.deleted_at IS NOT NULL
                 AND e.status IN ('queued', 'running')) AS evaluations`,
    );
    assert.deepEqual(orphans.rows[0], { runs: 0, evaluations: 0 });
  });
});

describe('request rate limits, shared by two api processes (real Redis)', () => {
  let env: TestEnv;
  const apis: RunningApi[] = [];

  before(async () => {
    env = await createTestEnv({
      RZERO_RATE_LIMIT_REQUESTS: '20',
      RZERO_RATE_LIMIT_WINDOW_MS: '60000',
      RZERO_AUTH_FAILURE_LIMIT: '5',
    });
    apis.push(await startApi(env.config), await startApi(env.config));
  });
  after(async () => {
    for (const a of apis) await a.close();
    await env?.cleanup();
  });

  test('a key gets 20 requests per window across both apis, then 429 RATE_LIMITED with Retry-After; other keys are not affected', async (t) => {
    const [a, b] = apis.map((x) => new Api(x.baseUrl, ADMIN_KEY));
    const alice = await a!.newKey('alice');
    const bob = await a!.newKey('bob');
    const onB = new Api(b!.baseUrl, alice.key);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? alice : onB).call<Err>('GET', '/me')),
    );
    t.diagnostic(`statuses: ${JSON.stringify(tally(results))}`);
    assert.deepEqual(tally(results), { 200: 20, 429: 10 });
    for (const r of results.filter((x) => x.status === 429)) {
      assert.equal(r.body.code, 'RATE_LIMITED');
      const retry = Number(r.headers.get('retry-after'));
      assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 60, String(retry));
    }
    assert.equal((await bob.call('GET', '/me')).status, 200);
    // Routes without a key (health, metrics) are not limited.
    assert.equal((await fetch(`${apis[0]!.baseUrl}/health/live`)).status, 200);
  });

  test('5 unknown keys from one address, then 429 for that address (even with a valid key) but not for others', async () => {
    const base = apis[0]!.baseUrl;
    const carol = await new Api(apis[1]!.baseUrl, ADMIN_KEY).newKey('carol');
    const from = (ip: string, key: string) =>
      fetch(`${base}/me`, { headers: { authorization: `Bearer ${key}`, 'x-forwarded-for': ip } });
    for (let i = 0; i < 5; i++)
      assert.equal((await from('203.0.113.7', `rz_guess${i}`)).status, 401);
    const blocked = await from('203.0.113.7', 'rz_guess5');
    assert.equal(blocked.status, 429);
    assert.equal(((await blocked.json()) as Err).code, 'RATE_LIMITED');
    assert.ok(Number(blocked.headers.get('retry-after')) >= 1);
    assert.equal((await from('203.0.113.7', carol.key)).status, 429);
    assert.equal((await from('203.0.113.8', carol.key)).status, 200);
  });
});
