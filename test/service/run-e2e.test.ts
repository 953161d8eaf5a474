/**
 * End to end through the HTTP API, against real Postgres and Redis: register arith-tiny, upload a
 * benchmark, start a CI-sized run with a webhook, follow it over SSE (with a mid-run disconnect
 * and Last-Event-ID resume), download the Solver and load it with the engine, read curriculum,
 * iterations and scores, and check the signed webhook.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { x as tarExtract } from 'tar';
import { inspectModelDir } from '../../src/engine';
import { repoRoot } from '../helpers/engine';
import { ADMIN_KEY, Api, ciRunBody, createTestEnv, readEvents, startApi } from './harness';
import type { RunningApi, SseEvent, TestEnv } from './harness';

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
  let firstPart: SseEvent[] = [];
  let rest: SseEvent[] = [];
  let full: SseEvent[] = [];
  let fromReplica: SseEvent[] = [];
  let heartbeats = 0;
  const scratch = mkdtempSync(join(tmpdir(), 'rzero-e2e-'));

  before(async () => {
    env = await createTestEnv({ RZERO_EMBEDDED_WORKER: '1' });
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
    const model = await alice.call<{ id: string; parameterCount: number }>('POST', '/models', {
      builtin: 'arith-tiny',
    });
    assert.equal(model.status, 201);
    baseModelId = model.body.id;
    assert.equal(model.body.parameterCount, 859_904);

    const lines = [
      '{"question":"2+3=?","answer":"5"}',
      '{"question":"7*6=?","answer":"#### 42"}',
      '{"question":"9-4=?","answer":5}',
    ];
    const form = new FormData();
    form.append('name', 'mini');
    form.append('domain', 'arith');
    form.append('file', new Blob([lines.join('\n')]), 'mini.jsonl');
    const bench = await alice.call<{ id: string; itemCount: number }>('POST', '/benchmarks', form);
    assert.equal(bench.status, 201, JSON.stringify(bench.body));
    assert.equal(bench.body.itemCount, 3);
    const builtins = await alice.call<{ id: string; name: string }[]>('GET', '/benchmarks');
    const easy = builtins.body.find((b) => b.name === 'arith-easy')!;

    const started = await alice.call<{ id: string; status: string }>(
      'POST',
      '/runs',
      ciRunBody(baseModelId, { benchmarkIds: [bench.body.id, easy.id], webhookUrl: hookUrl }),
    );
    assert.equal(started.status, 202, JSON.stringify(started.body));
    runId = started.body.id;

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
    const types = new Set(joined.map((e) => e.event));
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
    assert.equal(last.event, 'run.status');
    assert.equal(last.data.status, 'succeeded');
    assert.ok(
      !joined.some((e) => e.event === 'curriculum.item'),
      'curriculum items go to their table, not the stream',
    );
  });

  test('the run record: succeeded, progress 1, both iterations, best iteration, backend', async () => {
    const run = (await alice.call<Record<string, unknown>>('GET', `/runs/${runId}`)).body;
    assert.equal(run.status, 'succeeded');
    assert.equal(run.progress, 1);
    assert.equal(run.completedIterations, 2);
    assert.ok([1, 2].includes(run.bestIteration as number));
    assert.equal(typeof run.backend, 'string');
    assert.equal(run.lastEventId, full.length);
    const iterations = (
      await alice.call<{ iteration: number }[]>('GET', `/runs/${runId}/iterations`)
    ).body;
    assert.deepEqual(
      iterations.map((i) => i.iteration),
      [1, 2],
    );
  });

  test('curriculum: every candidate with its m answers; kept ones inside the band', async () => {
    const all = (
      await alice.call<{ total: number; items: Record<string, unknown>[] }>(
        'GET',
        `/runs/${runId}/curriculum?iteration=1&limit=500`,
      )
    ).body;
    assert.equal(all.total, 32);
    const kept = (
      await alice.call<{ total: number; items: Record<string, unknown>[] }>(
        'GET',
        `/runs/${runId}/curriculum?kept=true&limit=500`,
      )
    ).body;
    for (const it of kept.items) {
      assert.ok((it.p as number) >= 0.3 && (it.p as number) <= 0.8, `kept p ${String(it.p)}`);
      assert.equal(it.dropReason, null);
    }
    for (const it of all.items) {
      assert.equal((it.solverAnswers as unknown[]).length, 10);
      assert.ok(
        'uncertainty' in (it.reward as object) && 'repetitionPenalty' in (it.reward as object),
      );
      if (!it.kept) assert.equal(typeof it.dropReason, 'string');
    }
  });

  test('scores: base (iteration 0) and both iterations on both benchmarks', async () => {
    const scores = (
      await alice.call<{ iteration: number; benchmark: string; items: number }[]>(
        'GET',
        `/runs/${runId}/scores`,
      )
    ).body;
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
    const res = await alice.call<Buffer>('GET', `/runs/${runId}/solver`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/gzip');
    const file = join(scratch, 'solver.tar.gz');
    writeFileSync(file, res.body);
    const dir = join(scratch, 'solver');
    const { mkdirSync } = await import('node:fs');
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
    const first = await alice.call('GET', `/runs/${runId}/solver?iteration=1`);
    assert.equal(first.status, 200);
    assert.equal((await alice.call('GET', `/runs/${runId}/solver?best=true`)).status, 200);
    assert.equal((await alice.call('GET', `/runs/${runId}/challenger`)).status, 200);
    assert.equal((await alice.call('GET', `/runs/${runId}/solver?iteration=3`)).status, 409);
  });

  test('POST /evaluations scores the evolved Solver and the base model on a benchmark', async () => {
    const run = (
      await alice.call<{ solverModelId: string; benchmarkIds: string[] }>('GET', `/runs/${runId}`)
    ).body;
    const mini = run.benchmarkIds[0]!;
    const ids: string[] = [];
    for (const modelId of [run.solverModelId, baseModelId]) {
      const ev = await alice.call<{ id: string; status: string }>('POST', '/evaluations', {
        modelId,
        benchmarkIds: [mini],
      });
      assert.equal(ev.status, 202, JSON.stringify(ev.body));
      ids.push(ev.body.id);
    }
    for (const id of ids) {
      let ev: {
        status: string;
        scores: { benchmarkId: string; metric: string; items: number; score: number }[];
      };
      do {
        await new Promise((r) => setTimeout(r, 200));
        ev = (await alice.call<typeof ev>('GET', `/evaluations/${id}`)).body;
      } while (ev.status === 'queued' || ev.status === 'running');
      assert.equal(ev.status, 'succeeded');
      assert.equal(ev.scores.length, 1);
      assert.equal(ev.scores[0]!.benchmarkId, mini);
      assert.equal(ev.scores[0]!.items, 3);
    }
    // The base model's evaluation matches the run's iteration-0 score on the same benchmark.
    const base = (
      await alice.call<{ scores: { score: number }[] }>('GET', `/evaluations/${ids[1]}`)
    ).body.scores[0]!.score;
    const runScores = (
      await alice.call<{ iteration: number; benchmarkId: string; score: number }[]>(
        'GET',
        `/runs/${runId}/scores`,
      )
    ).body;
    assert.equal(base, runScores.find((s) => s.iteration === 0 && s.benchmarkId === mini)!.score);
    const bad = await alice.call<{ errors: { field: string }[] }>('POST', '/evaluations', {
      modelId: baseModelId,
      benchmarkIds: [],
      metric: 'best@3',
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors.map((e) => e.field).sort(), ['benchmarkIds', 'metric']);
  });

  test('the final Solver is registered as a model of the owner', async () => {
    const run = (await alice.call<{ solverModelId: string }>('GET', `/runs/${runId}`)).body;
    const m = await alice.call<{ source: string; sourceRunId: string }>(
      'GET',
      `/models/${run.solverModelId}`,
    );
    assert.equal(m.status, 200);
    assert.equal(m.body.source, 'run');
    assert.equal(m.body.sourceRunId, runId);
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
