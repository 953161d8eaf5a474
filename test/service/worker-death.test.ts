/**
 * A worker process is SIGKILLed in the middle of an iteration; after its job lock expires a new
 * worker process takes the run over and resumes from the last completed iteration. Each
 * iteration is recorded exactly once, curriculum rows are not duplicated, and event ids stay
 * 1, 2, 3, ... with no id written twice.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { repoRoot } from '../helpers/engine';
import { ADMIN_KEY, Api, ciRunBody, createTestEnv, readEvents, startApi } from './harness';
import type { RunningApi, TestEnv } from './harness';

function startWorker(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [join(repoRoot, 'dist/src/worker.js')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

describe('worker death (SIGKILL mid-iteration) and takeover', () => {
  let env: TestEnv;
  let api: RunningApi;
  let alice: Api;
  const workers: ChildProcess[] = [];

  before(async () => {
    env = await createTestEnv({
      RZERO_EMBEDDED_WORKER: '0',
      RZERO_QUEUE_LOCK_MS: '4000',
      RZERO_QUEUE_STALLED_CHECK_MS: '1000',
    });
    api = await startApi(env.config);
    alice = await new Api(api.baseUrl, ADMIN_KEY).newKey('alice');
  });
  after(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await api?.close();
    await env?.cleanup();
  });

  test('a new worker completes the run; iterations, curriculum and event ids exactly once', async () => {
    const rz = alice.rz;
    const baseId = (await rz.ok(rz.api.POST('/models', { body: { builtin: 'arith-tiny' } }))).id;
    const body = ciRunBody(baseId);
    body.config!.iterations = 3;
    const run = await rz.api.POST('/runs', { body });
    assert.equal(run.response.status, 202);
    const id = (run.data as { id: string }).id;

    const first = startWorker(env.env);
    workers.push(first);
    // Follow the stream until iteration 2 is under way (its dataset phase), then kill the worker.
    const seen = await readEvents(alice, id, {
      stopAfter: 10_000,
      until: (e) => e.type === 'phase.started' && e.iteration === 2 && e.phase === 'dataset',
    });
    assert.ok(!seen.ended);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
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
});
