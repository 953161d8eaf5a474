/**
 * A worker process is SIGKILLed in the middle of an iteration; after its job lock expires a new
 * worker process takes the run over and resumes from the last completed iteration. Each
 * iteration is recorded exactly once, curriculum rows are not duplicated, and event ids stay
 * 1, 2, 3, ... with no id written twice. A worker sent SIGTERM instead stops its run at the next
 * step and hands it back to the queue, and the next worker resumes it the same way.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ARITH_BENCHMARK_NAMES } from '../../src/tasks/arith';
import type { ChildProcess } from 'node:child_process';
import { Client } from 'pg';
import {
  ADMIN_KEY,
  Api,
  ciRunBody,
  createTestEnv,
  freePort,
  metricValue,
  readEvents,
  spawnService,
  startApi,
  stopProcess,
} from './harness';
import type { RunningApi, TestEnv } from './harness';

const startWorker = (env: Record<string, string>): ChildProcess =>
  spawnService('dist/src/worker.js', env).proc;

/** Follows the run's stream until iteration 2 is under way (its dataset phase starts). */
async function untilIteration2(alice: Api, runId: string) {
  const seen = await readEvents(alice, runId, {
    stopAfter: 10_000,
    until: (e) => e.type === 'phase.started' && e.iteration === 2 && e.phase === 'dataset',
  });
  assert.ok(!seen.ended);
  return seen;
}

describe('worker death (SIGKILL) or shutdown (SIGTERM) mid-iteration; another worker resumes', () => {
  let env: TestEnv;
  let api: RunningApi;
  let alice: Api;
  const workers: ChildProcess[] = [];
  let baseId: string;

  before(async () => {
    env = await createTestEnv({
      RZERO_EMBEDDED_WORKER: '0',
      RZERO_QUEUE_LOCK_MS: '4000',
      RZERO_QUEUE_STALLED_CHECK_MS: '1000',
    });
    api = await startApi(env.config);
    alice = await new Api(api.baseUrl, ADMIN_KEY).newKey('alice');
    baseId = (await alice.rz.ok(alice.rz.api.POST('/models', { body: { builtin: 'arith-tiny' } })))
      .id;
  });
  after(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await api?.close();
    await env?.cleanup();
  });

  test('a new worker completes the run; iterations, curriculum and event ids exactly once', async () => {
    const rz = alice.rz;
    const body = ciRunBody(baseId);
    body.config!.iterations = 3;
    const run = await rz.api.POST('/runs', { body });
    assert.equal(run.response.status, 202);
    const id = (run.data as { id: string }).id;

    const first = startWorker(env.env);
    workers.push(first);
    // Kill the worker once iteration 2 is under way.
    const seen = await untilIteration2(alice, id);
    await stopProcess(first, 'SIGKILL');
    const killedAt = seen.events.at(-1)!.id;

    workers.push(startWorker(env.env));
    const done = await alice.waitForRun(id, ['succeeded', 'failed', 'canceled'], 240_000);
    assert.equal(done.status, 'succeeded', String(done.error));
    assert.equal(done.attempt, 2);

    const db = new Client({ connectionString: env.config.databaseUrl });
    await db.connect();
    try {
      const its = await db.query(
        'SELECT iteration FROM iterations WHERE run_id = $1 ORDER BY iteration',
        [id],
      );
      assert.deepEqual(
        its.rows.map((r) => r.iteration),
        [1, 2, 3],
      );
      const cur = await db.query(
        'SELECT iteration, count(*)::int AS n FROM curriculum_items WHERE run_id = $1 GROUP BY iteration ORDER BY iteration',
        [id],
      );
      assert.deepEqual(cur.rows, [
        { iteration: 1, n: 32 },
        { iteration: 2, n: 32 },
        { iteration: 3, n: 32 },
      ]);
      const ev = await db.query(
        'SELECT id::int AS id, type, data FROM run_events WHERE run_id = $1 ORDER BY id',
        [id],
      );
      assert.deepEqual(
        ev.rows.map((r) => r.id),
        ev.rows.map((_, i) => i + 1),
      );
      const completed = ev.rows
        .filter((r) => r.type === 'iteration.completed')
        .map((r) => r.data.iteration);
      assert.deepEqual(completed, [1, 2, 3]);
      const statuses = ev.rows
        .filter((r) => r.type === 'run.status')
        .map((r) => [r.data.status, r.data.attempt ?? null, r.data.resumedAfter ?? null]);
      assert.deepEqual(statuses, [
        ['running', 1, null],
        ['running', 2, 1],
        ['succeeded', null, null],
      ]);
      assert.ok(ev.rows.length > killedAt);
      const scores = await db.query(
        'SELECT iteration, count(*)::int AS n FROM scores WHERE run_id = $1 GROUP BY iteration ORDER BY iteration',
        [id],
      );
      assert.deepEqual(
        scores.rows.map((r) => r.n),
        [3, 3, 3, 3],
      );
    } finally {
      await db.end();
    }
    // A client that reconnects after the kill sees the rest exactly once.
    const rest = await readEvents(alice, id, { lastEventId: killedAt });
    assert.ok(rest.ended);
    assert.deepEqual(
      rest.events.map((e) => e.id),
      rest.events.map((_, i) => killedAt + 1 + i),
    );
  });
  test('SIGTERM: the worker hands its run (at the next step) and its evaluation back; the next worker resumes the run', async (t) => {
    // An idle worker (the one that finished the run above) exits on SIGTERM with nothing to hand back.
    for (const w of workers.filter((p) => p.exitCode === null && p.signalCode === null)) {
      const exit = await stopProcess(w, 'SIGTERM');
      assert.ok(exit.signal === 'SIGTERM' || exit.code === 0, JSON.stringify(exit));
    }
    const rz = alice.rz;
    const run = await rz.api.POST('/runs', { body: ciRunBody(baseId) });
    const id = (run.data as { id: string }).id;

    // An evaluation long enough to be running still when the worker stops (mean@4 on arith-tiny's
    // 1,500 items).
    const builtins = (await rz.ok(rz.api.GET('/benchmarks'))).filter(
      (b) => b.builtin && (ARITH_BENCHMARK_NAMES as readonly string[]).includes(b.name),
    );
    const evaluation = await rz.ok(
      rz.api.POST('/evaluations', {
        body: { modelId: baseId, benchmarkIds: builtins.map((b) => b.id), metric: 'mean@4' },
      }),
    );
    const evaluationStatus = async () =>
      (await rz.ok(rz.api.GET('/evaluations/{id}', { params: { path: { id: evaluation.id } } })))
        .status;

    const first = startWorker(env.env);
    workers.push(first);
    await untilIteration2(alice, id);
    assert.equal(await evaluationStatus(), 'running');
    const t0 = Date.now();
    const exit = await stopProcess(first, 'SIGTERM');
    t.diagnostic(`the worker exited ${Date.now() - t0} ms after SIGTERM`);
    assert.ok(exit.signal === 'SIGTERM' || exit.code === 0, JSON.stringify(exit));
    // The worker did not wait for the run: it is back on the queue, iteration 2 not done.
    const handedBack = await rz.ok(rz.api.GET('/runs/{id}', { params: { path: { id } } }));
    assert.equal(handedBack.status, 'queued');
    assert.equal(handedBack.completedIterations, 1);
    assert.equal(handedBack.phase, null);
    // The evaluation is queued again too; canceling it now spares the next worker its work.
    assert.equal(await evaluationStatus(), 'queued');
    await rz.ok(
      rz.api.POST('/evaluations/{id}/cancel', { params: { path: { id: evaluation.id } } }),
    );

    // The next worker also serves its Prometheus metrics.
    const metricsPort = await freePort();
    workers.push(startWorker({ ...env.env, RZERO_METRICS_PORT: String(metricsPort) }));
    const done = await alice.waitForRun(id, ['succeeded', 'failed', 'canceled'], 240_000);
    assert.equal(done.status, 'succeeded', String(done.error));
    assert.equal(done.attempt, 2);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const v = (name: string, labels: Record<string, string> = {}) =>
      metricValue(metrics, name, { process: 'worker', ...labels });
    assert.equal(v('rzero_iterations_completed_total'), 1); // iteration 2, resumed
    assert.ok(v('rzero_training_steps_total', { role: 'challenger' }) > 0);
    assert.equal(v('rzero_jobs_finished_total', { kind: 'run', outcome: 'succeeded' }), 1);
    assert.equal(v('rzero_worker_active_jobs', { kind: 'run' }), 0);
    assert.ok(Number.isNaN(v('rzero_runs')), "cluster gauges are the api's");
    assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/runs`)).status, 404);
    const { events } = await readEvents(alice, id);
    assert.deepEqual(
      events.map((e) => e.id),
      events.map((_, i) => i + 1),
    );
    const statuses = events.flatMap((e) =>
      e.type === 'run.status'
        ? [[e.status, e.attempt ?? null, e.resumedAfter ?? null, e.reason ?? null]]
        : [],
    );
    assert.deepEqual(statuses, [
      ['running', 1, null, null],
      ['queued', null, null, 'worker shutting down (SIGTERM)'],
      ['running', 2, 1, null],
      ['succeeded', null, null, null],
    ]);
    assert.deepEqual(
      events.filter((e) => e.type === 'iteration.completed').map((e) => e.iteration),
      [1, 2],
    );
  });
});
