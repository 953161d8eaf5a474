/**
 * The built-in base models on real Postgres + Redis: every model of BUILTIN_MODEL_DIRS, arith-small
 * included, is registered at boot, and a run that names no benchmarks is scored on its built-in
 * base model's own: arith-small's on arith-small and on the Solvers trained from it, arith-tiny's
 * on arith-tiny and (the arith domain's default) on an upload, whatever its name. The expected
 * lists are the domain's constants, never spelled out here: arith-small's benchmarks may change.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { BUILTIN_MODEL_DIRS } from '../../src/common/paths';
import { ARITH_BENCHMARK_NAMES, ARITH_SMALL_BENCHMARK_NAMES } from '../../src/tasks/arith';
import { repoRoot } from '../helpers/engine';
import { ADMIN_KEY, Api, ciRunBody, createTestEnv, startApi } from './harness';
import type { RunningApi, TestEnv } from './harness';

const SMALL_DIR = join(repoRoot, 'assets/base-models/arith-small');
type Err = { code: string; errors?: { field: string; reason: string }[] };
type Planned = { domain: string; benchmarkIds: string[] };

describe('built-in models and their default benchmarks (real Postgres + Redis)', () => {
  let env: TestEnv;
  let api: RunningApi;
  let alice: Api;
  let db: Client;
  let tinyId = '';
  let smallId = '';
  /** The built-in benchmarks' names by id. */
  let nameOf = new Map<string, string>();

  // No worker: the runs made here stay queued; only what POST /runs stores is looked at.
  before(async () => {
    env = await createTestEnv();
    api = await startApi(env.config);
    alice = await new Api(api.baseUrl, ADMIN_KEY).newKey('alice');
    const models = await alice.rz.ok(alice.rz.api.GET('/models'));
    tinyId = models.find((m) => m.builtin && m.name === 'arith-tiny')?.id ?? '';
    smallId = models.find((m) => m.builtin && m.name === 'arith-small')?.id ?? '';
    const benchmarks = await alice.rz.ok(alice.rz.api.GET('/benchmarks'));
    nameOf = new Map(benchmarks.filter((b) => b.builtin).map((b) => [b.id, b.name]));
    db = new Client({ connectionString: env.config.databaseUrl });
    await db.connect();
  });
  after(async () => {
    await db?.end();
    await api?.close();
    await env?.cleanup();
  });

  /** The domain and the benchmark names of a dry run of `body` (which must pass). */
  const plannedNames = async (body: object): Promise<{ domain: string; names: string[] }> => {
    const r = await alice.call<Planned & Err>('POST', '/runs?dryRun=true', body);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return { domain: r.body.domain, names: r.body.benchmarkIds.map((id) => nameOf.get(id) ?? id) };
  };

  /** POST /runs (202: queued). */
  type Started = { id: string; domain: string; benchmarkIds: string[] };
  const startRun = async (body: object): Promise<Started> => {
    const r = await alice.call<Started>('POST', '/runs', body);
    assert.equal(r.status, 202, JSON.stringify(r.body));
    return r.body;
  };

  /** A row for the Solver of run `runId` (what the worker registers when the run succeeds). */
  const solverOf = async (runId: string, baseId: string): Promise<string> => {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO models (owner, name, source, architecture, model_type, parameter_count, sha256,
                           size_bytes, storage_key, config, source_run_id)
       SELECT 'alice', $1, 'run', architecture, model_type, parameter_count, sha256,
              size_bytes, storage_key, config, $2
       FROM models WHERE id = $3 RETURNING id`,
      [`solver-${runId.slice(0, 8)}`, runId, baseId],
    );
    return rows[0]!.id;
  };

  test('every built-in model, arith-small included, is listed after boot and registered by name', async () => {
    const builtins = (await alice.rz.ok(alice.rz.api.GET('/models'))).filter((m) => m.builtin);
    assert.deepEqual(builtins.map((m) => m.name).sort(), Object.keys(BUILTIN_MODEL_DIRS).sort());
    const small = builtins.find((m) => m.name === 'arith-small');
    assert.ok(small, 'arith-small is listed');
    assert.equal(small.source, 'builtin');
    assert.equal(small.owner, null);
    assert.equal(
      small.sha256,
      createHash('sha256')
        .update(readFileSync(join(SMALL_DIR, 'model.safetensors')))
        .digest('hex'),
    );
    assert.deepEqual(
      small.config,
      JSON.parse(readFileSync(join(SMALL_DIR, 'config.json'), 'utf8')) as unknown,
    );
    const registered = await alice.rz.ok(
      alice.rz.api.POST('/models', { body: { builtin: 'arith-small' } }),
    );
    assert.equal(registered.id, small.id);
  });

  test("the built-in benchmarks are arith-tiny's and arith-small's, each once", async () => {
    const names = [...nameOf.values()];
    assert.deepEqual(
      names.slice().sort(),
      [...new Set([...ARITH_BENCHMARK_NAMES, ...ARITH_SMALL_BENCHMARK_NAMES])].sort(),
    );
  });

  test("a run on arith-small that names no benchmarks gets arith-small's, in their order", async () => {
    assert.deepEqual(await plannedNames(ciRunBody(smallId)), {
      domain: 'arith',
      names: [...ARITH_SMALL_BENCHMARK_NAMES],
    });
    const run = await startRun(ciRunBody(smallId));
    assert.deepEqual(
      run.benchmarkIds.map((id) => nameOf.get(id)),
      [...ARITH_SMALL_BENCHMARK_NAMES],
    );
  });

  test("arith-tiny, and an upload of arith-small's files named arith-small, keep arith-tiny's defaults", async () => {
    // arith-small's benchmarks are built in too, yet not the domain's defaults.
    for (const name of ARITH_SMALL_BENCHMARK_NAMES) assert.ok([...nameOf.values()].includes(name));
    const tiny = await startRun(ciRunBody(tinyId));
    assert.deepEqual(
      tiny.benchmarkIds.map((id) => nameOf.get(id)),
      [...ARITH_BENCHMARK_NAMES],
    );
    const form = new FormData();
    form.append('name', 'arith-small');
    for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'])
      form.append('files', new Blob([new Uint8Array(readFileSync(join(SMALL_DIR, f)))]), f);
    const up = await alice.call<{ id: string; source: string }>('POST', '/models', form);
    assert.equal(up.status, 201, JSON.stringify(up.body));
    assert.equal(up.body.source, 'upload');
    // Built-in means the row's source, not its name: an upload runs in the math domain by default
    // (no built-in benchmarks there), and in the arith domain on arith-tiny's.
    const math = await alice.call<Err>('POST', '/runs?dryRun=true', ciRunBody(up.body.id));
    assert.equal(math.status, 400);
    assert.deepEqual(
      math.body.errors?.map((e) => e.field),
      ['benchmarkIds'],
    );
    assert.deepEqual(await plannedNames(ciRunBody(up.body.id, { domain: 'arith' })), {
      domain: 'arith',
      names: [...ARITH_BENCHMARK_NAMES],
    });
  });

  test('a run on a Solver defaults to the domain of its run and the benchmarks of its built-in ancestor', async () => {
    const first = await startRun(ciRunBody(smallId));
    const solver = await solverOf(first.id, smallId);
    // A run's Solver keeps the domain of the run that trained it, unasked.
    const second = await startRun(ciRunBody(solver));
    assert.equal(second.domain, 'arith');
    assert.deepEqual(
      second.benchmarkIds.map((id) => nameOf.get(id)),
      [...ARITH_SMALL_BENCHMARK_NAMES],
    );
    // Two generations down, and with the Solver it started from deleted.
    const grandchild = await solverOf(second.id, solver);
    await db.query('UPDATE models SET deleted_at = now() WHERE id = $1', [solver]);
    assert.deepEqual(await plannedNames(ciRunBody(grandchild)), {
      domain: 'arith',
      names: [...ARITH_SMALL_BENCHMARK_NAMES],
    });
    const tinyRun = await startRun(ciRunBody(tinyId));
    const tinySolver = await solverOf(tinyRun.id, tinyId);
    assert.deepEqual(await plannedNames(ciRunBody(tinySolver)), {
      domain: 'arith',
      names: [...ARITH_BENCHMARK_NAMES],
    });
    // The domain asked for wins over the lineage's: a math run on an arith Solver names its own
    // benchmarks (the math domain has no built-in ones).
    const math = await alice.call<Err>('POST', '/runs?dryRun=true', {
      ...ciRunBody(tinySolver),
      domain: 'math',
    });
    assert.equal(math.status, 400);
    assert.deepEqual(
      math.body.errors?.map((e) => e.field),
      ['benchmarkIds'],
    );
  });
});
