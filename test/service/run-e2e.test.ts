/**
 * End to end through the HTTP API with the generated client (openapi/, the package other services
 * use), against real Postgres and Redis: register arith-tiny, upload a benchmark, start a CI-sized
 * run with a webhook, follow it over SSE (with a mid-run disconnect and Last-Event-ID resume),
 * download the Solver and load it with the engine, read curriculum, iterations and scores, and
 * check the signed webhook.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { x as tarExtract } from 'tar';
import { inspectModelDir } from '../../src/engine';
import { repoRoot } from '../helpers/engine';
import { ADMIN_KEY, Api, ciRunBody, createTestEnv, readEvents, startApi } from './harness';
import type { RunningApi, TestEnv } from './harness';
import { ApiError } from '../../openapi/src';
import type { RunEvent } from '../../openapi/src';

interface Hook {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describe('a run through the HTTP API (real Postgres + Redis)', () => {
  let env: TestEnv;
  let api: RunningApi;
  let alice: Api;
  let hookServer: Server;
  const hooks: Hook[] = [];
  let hookUrl = '';
  let runId = '';
  let baseModelId = '';
  let firstPart: RunEvent[] = [];
  let rest: RunEvent[] = [];
  let full: RunEvent[] = [];
  let fromReplica: RunEvent[] = [];
  let heartbeats = 0;
  const scratch = mkdtempSync(join(tmpdir(), 'rzero-e2e-'));

  before(async () => {
    // The test's webhook receiver listens on loopback, which webhooks may reach only when allowed.
    env = await createTestEnv({
      RZERO_EMBEDDED_WORKER: '1',
      RZERO_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    });
    api = await startApi(env.config);
    alice = await new Api(api.baseUrl, ADMIN_KEY).newKey('alice');
    hookServer = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        hooks.push({ headers: req.headers, body });
        // The first delivery fails: the queue must retry it.
        res.writeHead(hooks.length === 1 ? 500 : 204).end();
      });
    });
    await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(hookServer.address() as { port: number }).port}/hook`;
  });

  after(async () => {
    await api?.close();
    hookServer?.close();
    await env?.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('register arith-tiny, upload a benchmark, start a run (202), follow it over SSE with a reconnect', async () => {
    const rz = alice.rz;
    const model = await rz.ok(rz.api.POST('/models', { body: { builtin: 'arith-tiny' } }));
    baseModelId = model.id;
    assert.equal(model.parameterCount, 859_904);

    const lines = [
      '{"question":"2+3=?","answer":"5"}',
      '{"question":"7*6=?","answer":"#### 42"}',
      '{"question":"9-4=?","answer":5}',
    ];
    const bench = await rz.uploadBenchmark(
      { name: 'mini.jsonl', data: new Blob([lines.join('\n')]) },
      { name: 'mini', domain: 'arith' },
    );
    assert.equal(bench.itemCount, 3);
    const builtins = await rz.ok(rz.api.GET('/benchmarks'));
    const easy = builtins.find((b) => b.name === 'arith-easy')!;

    const started = await rz.api.POST('/runs', {
      body: ciRunBody(baseModelId, { benchmarkIds: [bench.id, easy.id], webhookUrl: hookUrl }),
    });
    assert.equal(started.response.status, 202, JSON.stringify(started.error));
    runId = (started.data as { id: string }).id;

    firstPart = (await readEvents(alice, runId, { stopAfter: 8 })).events;
    assert.equal(firstPart.length, 8);
    const resumed = await readEvents(alice, runId, { lastEventId: firstPart.at(-1)!.id });
    heartbeats = resumed.heartbeats;
    assert.ok(resumed.ended, 'the stream ends after the terminal event');
    rest = resumed.events;
    full = (await readEvents(alice, runId)).events;
    // Another api replica (no worker) serves the same stream from Postgres.
    const replica = await startApi({ ...env.config, embeddedWorker: false });
    try {
      fromReplica = (await readEvents(new Api(replica.baseUrl, alice.key), runId)).events;
    } finally {
      await replica.close();
    }
  });

  test('every event exactly once, ids increasing, terminal status last', () => {
    const joined = [...firstPart, ...rest];
    assert.deepEqual(
      joined.map((e) => e.id),
      joined.map((_, i) => i + 1),
    );
    assert.deepEqual(
      full.map((e) => e.id),
      joined.map((e) => e.id),
    );
    assert.deepEqual(fromReplica, full);
    assert.ok(heartbeats > 0, 'heartbeat comments while the run trains');
    const types = new Set<string>(joined.map((e) => e.type));
    for (const t of [
      'run.status',
      'run.started',
      'phase.started',
      'phase.finished',
      'challenger.step',
      'solver.step',
      'curriculum.stats',
      'evaluation',
      'checkpoint',
      'iteration.completed',
      'run.completed',
    ]) {
      assert.ok(types.has(t), `event type ${t} streamed`);
    }
    const last = joined.at(-1)!;
    assert.equal(last.type, 'run.status');
    assert.equal(last.type === 'run.status' && last.status, 'succeeded');
    assert.ok(
      !joined.some((e) => (e.type as string) === 'curriculum.item'),
      'curriculum items go to their table, not the stream',
    );
  });

  test('the run record: succeeded, progress 1, both iterations, best iteration, backend', async () => {
    const rz = alice.rz;
    const run = await rz.ok(rz.api.GET('/runs/{id}', { params: { path: { id: runId } } }));
    assert.equal(run.status, 'succeeded');
    assert.equal(run.progress, 1);
    assert.equal(run.completedIterations, 2);
    assert.ok([1, 2].includes(run.bestIteration!));
    assert.equal(typeof run.backend, 'string');
    assert.equal(run.lastEventId, full.length);
    const iterations = await rz.ok(
      rz.api.GET('/runs/{id}/iterations', { params: { path: { id: runId } } }),
    );
    assert.deepEqual(
      iterations.map((i) => i.iteration),
      [1, 2],
    );
  });

  test('curriculum: every candidate with its m answers; kept ones inside the band', async () => {
    const rz = alice.rz;
    const curriculum = (query: { iteration?: number; kept?: 'true' | 'false'; limit?: number }) =>
      rz.ok(rz.api.GET('/runs/{id}/curriculum', { params: { path: { id: runId }, query } }));
    const all = await curriculum({ iteration: 1, limit: 500 });
    assert.equal(all.total, 32);
    const kept = await curriculum({ kept: 'true', limit: 500 });
    for (const it of kept.items) {
      assert.ok(it.p >= 0.3 && it.p <= 0.8, `kept p ${it.p}`);
      assert.equal(it.dropReason, null);
    }
    for (const it of all.items) {
      assert.equal(it.solverAnswers.length, 10);
      assert.equal(typeof it.reward.uncertainty, 'number');
      assert.equal(typeof it.reward.repetitionPenalty, 'number');
      if (!it.kept) assert.equal(typeof it.dropReason, 'string');
    }
  });

  test('scores: base (iteration 0) and both iterations on both benchmarks', async () => {
    const scores = await alice.rz.ok(
      alice.rz.api.GET('/runs/{id}/scores', { params: { path: { id: runId } } }),
    );
    assert.deepEqual(scores.map((s) => `${s.iteration}:${s.benchmark}`).sort(), [
      '0:arith-easy',
      '0:mini',
      '1:arith-easy',
      '1:mini',
      '2:arith-easy',
      '2:mini',
    ]);
    assert.ok(scores.every((s) => s.items === (s.benchmark === 'mini' ? 3 : 20)));
  });

  test('the Solver downloads as a tar.gz that the engine loads, with the shapes of the base model', async () => {
    const rz = alice.rz;
    const path = { id: runId };
    const progress: number[] = [];
    const solverTar = await rz.download('/runs/{id}/solver', { path }, (got) => progress.push(got));
    assert.match(solverTar.filename, /\.tar\.gz$/);
    assert.ok(progress.length > 0 && progress.at(-1) === solverTar.bytes.byteLength);
    const file = join(scratch, 'solver.tar.gz');
    writeFileSync(file, solverTar.bytes);
    const dir = join(scratch, 'solver');
    mkdirSync(dir);
    await tarExtract({ file, cwd: dir });
    const solver = await inspectModelDir(dir, { requireTokenizer: true });
    const base = await inspectModelDir(join(repoRoot, 'assets/base-models/arith-tiny'), {
      requireTokenizer: true,
    });
    assert.deepEqual(
      [...solver.weights].map(([k, t]) => [k, t.shape]),
      [...base.weights].map(([k, t]) => [k, t.shape]),
    );
    for (const query of [{ iteration: 1 }, { best: 'true' as const }]) {
      const tar = await rz.download('/runs/{id}/solver', { path, query });
      assert.ok(tar.bytes.byteLength > 1000);
    }
    assert.ok((await rz.download('/runs/{id}/challenger', { path })).bytes.byteLength > 1000);
    // The run has 2 iterations: a third never comes (404, not "not ready").
    await assert.rejects(
      rz.download('/runs/{id}/solver', { path, query: { iteration: 3 } }),
      (err: unknown) =>
        err instanceof ApiError && err.status === 404 && err.code === 'ITERATION_NOT_FOUND',
    );
  });

  test('POST /evaluations scores the evolved Solver and the base model on a benchmark', async () => {
    const rz = alice.rz;
    const run = await rz.ok(rz.api.GET('/runs/{id}', { params: { path: { id: runId } } }));
    const mini = run.benchmarkIds[0]!;
    const ids: string[] = [];
    for (const modelId of [run.solverModelId!, baseModelId]) {
      const ev = await rz.ok(
        rz.api.POST('/evaluations', { body: { modelId, benchmarkIds: [mini] } }),
      );
      assert.equal(ev.status, 'queued');
      ids.push(ev.id);
    }
    const getEvaluation = (id: string) =>
      rz.ok(rz.api.GET('/evaluations/{id}', { params: { path: { id } } }));
    for (const id of ids) {
      let ev = await getEvaluation(id);
      while (ev.status === 'queued' || ev.status === 'running') {
        await new Promise((r) => setTimeout(r, 200));
        ev = await getEvaluation(id);
      }
      assert.equal(ev.status, 'succeeded');
      assert.equal(ev.scores.length, 1);
      assert.equal(ev.scores[0]!.benchmarkId, mini);
      assert.equal(ev.scores[0]!.items, 3);
    }
    // The base model's evaluation matches the run's iteration-0 score on the same benchmark.
    const base = (await getEvaluation(ids[1]!)).scores[0]!.score;
    const runScores = await rz.ok(
      rz.api.GET('/runs/{id}/scores', { params: { path: { id: runId } } }),
    );
    assert.equal(base, runScores.find((s) => s.iteration === 0 && s.benchmarkId === mini)!.score);
    const bad = await rz.api.POST('/evaluations', {
      body: { modelId: baseModelId, benchmarkIds: [], metric: 'best@3' },
    });
    assert.equal(bad.response.status, 400);
    assert.deepEqual(bad.error!.errors!.map((e) => e.field).sort(), ['benchmarkIds', 'metric']);
  });

  test('the final Solver is registered as a model of the owner', async () => {
    const rz = alice.rz;
    const run = await rz.ok(rz.api.GET('/runs/{id}', { params: { path: { id: runId } } }));
    const m = await rz.ok(
      rz.api.GET('/models/{id}', { params: { path: { id: run.solverModelId! } } }),
    );
    assert.equal(m.source, 'run');
    assert.equal(m.sourceRunId, runId);
  });

  test('the webhook is retried after a 500 and arrives signed with the key secret over the body', async () => {
    for (let i = 0; i < 100 && hooks.length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(hooks.length, 2);
    assert.equal(hooks[1]!.headers['x-rzero-signature'] !== undefined, true);
    const h = hooks[1]!;
    const expected = `sha256=${createHmac('sha256', alice.webhookSecret).update(h.body).digest('hex')}`;
    assert.equal(h.headers['x-rzero-signature'], expected);
    const body = JSON.parse(h.body) as { status: string; runId: string; sentAt: string };
    assert.equal(body.status, 'succeeded');
    assert.equal(body.runId, runId);
    assert.equal(h.headers['x-rzero-timestamp'], body.sentAt);
  });
});
