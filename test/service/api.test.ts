/**
 * The API's contracts on real Postgres + Redis: authentication and owner isolation, validation
 * errors that name every bad field, uploads validated before anything is stored, idempotent run
 * creation under concurrency, cancellation of queued and running runs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PRESETS } from '../../src/rzero';
import { ARITH_BENCHMARK_NAMES } from '../../src/tasks/arith';
import { readSafetensorsF32, serializeSafetensors } from '../../src/engine/safetensors';
import { repoRoot } from '../helpers/engine';
import { ADMIN_KEY, Api, ciRunBody, createTestEnv, metricValue, startApi } from './harness';
import type { RunningApi, TestEnv } from './harness';

const MODEL_DIR = join(repoRoot, 'assets/base-models/arith-tiny');
type Err = {
  statusCode: number;
  code: string;
  message: string;
  errors?: { field: string; reason: string }[];
};

function modelForm(files: Record<string, Buffer | string>, name = 'my-model'): FormData {
  const form = new FormData();
  form.append('name', name);
  for (const [n, data] of Object.entries(files))
    form.append('files', new Blob([new Uint8Array(Buffer.from(data))]), n);
  return form;
}
const modelFiles = (): Record<string, Buffer> =>
  Object.fromEntries(
    ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'].map((f) => [
      f,
      readFileSync(join(MODEL_DIR, f)),
    ]),
  );

describe('API contracts (real Postgres + Redis)', () => {
  let env: TestEnv;
  let api: RunningApi;
  let admin: Api;
  let alice: Api;
  let bob: Api;
  let baseId = '';

  before(async () => {
    env = await createTestEnv({ RZERO_EMBEDDED_WORKER: '1' });
    api = await startApi(env.config);
    admin = new Api(api.baseUrl, ADMIN_KEY);
    alice = await admin.newKey('alice');
    bob = await admin.newKey('bob');
    baseId = (await alice.call<{ id: string }>('POST', '/models', { builtin: 'arith-tiny' })).body
      .id;
  });
  after(async () => {
    await api?.close();
    await env?.cleanup();
  });

  test('the committed OpenAPI document at /openapi.json and Swagger UI at /docs, without a key', async () => {
    const spec = await fetch(`${api.baseUrl}/openapi.json`);
    assert.equal(spec.status, 200);
    assert.deepEqual(
      await spec.json(),
      JSON.parse(readFileSync(join(repoRoot, 'openapi/openapi.json'), 'utf8')),
    );
    const ui = await fetch(`${api.baseUrl}/docs`);
    assert.equal(ui.status, 200);
    assert.match(await ui.text(), /swagger-ui/i);
  });

  test('GET /me tells a key its owner and role; GET /presets lists the presets with their configs', async () => {
    const me = await alice.rz.ok(alice.rz.api.GET('/me'));
    assert.equal(me.owner, 'alice');
    assert.equal(me.role, 'user');
    assert.match(me.keyId ?? '', /^[0-9a-f-]{36}$/);
    const root = await admin.rz.ok(admin.rz.api.GET('/me'));
    assert.deepEqual(root, { owner: 'admin', role: 'admin', keyId: null });
    const presets = await alice.rz.ok(alice.rz.api.GET('/presets'));
    assert.deepEqual(
      presets.map((p) => p.name),
      Object.keys(PRESETS),
    );
    for (const p of presets) assert.deepEqual(p.config, PRESETS[p.name]);
  });

  test('a path id that is not a UUID is a 400 naming the field', async () => {
    const r = await alice.call<Err>('GET', '/runs/not-a-uuid');
    assert.equal(r.status, 400);
    assert.equal(r.body.code, 'VALIDATION_FAILED');
    assert.deepEqual(r.body.errors, [{ field: 'id', reason: 'must be a UUID' }]);
  });

  test('authentication: missing or unknown key 401, user key on an admin route 403', async () => {
    const anon = new Api(api.baseUrl, '');
    assert.equal((await fetch(`${api.baseUrl}/runs`)).status, 401);
    assert.equal((await new Api(api.baseUrl, 'rz_not-a-key').call('GET', '/runs')).status, 401);
    const forbidden = await alice.call<Err>('POST', '/api-keys', { name: 'x', owner: 'x' });
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.body.code, 'FORBIDDEN');
    assert.equal((await anon.call('GET', '/health/live')).status, 200);
  });

  test('a bad run config lists every bad field; nothing is created', async () => {
    const r = await alice.call<Err>('POST', '/runs', {
      baseModelId: baseId,
      preset: 'tiny',
      config: {
        filter: { minP: 0.9, maxP: 0.2 },
        solver: { groupSize: 1 },
        challenger: { lr: -1 },
        bogus: 1,
      },
    });
    assert.equal(r.status, 400);
    assert.equal(r.body.code, 'VALIDATION_FAILED');
    const fields = r.body.errors!.map((e) => e.field);
    for (const f of [
      'config.bogus',
      'config.solver.groupSize',
      'config.challenger.lr',
      'config.filter.minP',
    ]) {
      assert.ok(fields.includes(f), `${f} reported in ${JSON.stringify(fields)}`);
    }
    const shape = await alice.call<Err>('POST', '/runs', {
      baseModelId: 'nope',
      preset: 'huge',
      extra: true,
    });
    assert.equal(shape.status, 400);
    assert.deepEqual(shape.body.errors!.map((e) => e.field).sort(), [
      'baseModelId',
      'extra',
      'preset',
    ]);
    // Shape errors and config errors come back together, in one 400.
    const both = await alice.call<Err>('POST', '/runs', {
      baseModelId: baseId,
      preset: 'tiny',
      webhookUrl: 'not a url',
      config: { filter: { minP: 0.9, maxP: 0.2 } },
    });
    assert.equal(both.status, 400);
    const bothFields = both.body.errors!.map((e) => e.field);
    assert.ok(bothFields.includes('webhookUrl'), JSON.stringify(bothFields));
    assert.ok(bothFields.includes('config.filter.minP'), JSON.stringify(bothFields));
    const unknownModel = await alice.call<Err>(
      'POST',
      '/runs',
      ciRunBody('00000000-0000-4000-8000-000000000000'),
    );
    assert.equal(unknownModel.status, 400);
    assert.equal(unknownModel.body.errors![0]!.field, 'baseModelId');
    const badJson = await fetch(`${api.baseUrl}/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.key}`, 'content-type': 'application/json' },
      body: '{"baseModelId":',
    });
    assert.equal(badJson.status, 400);
    // Oracle labels need a domain with an oracle: the math domain has none.
    const oracle = await alice.call<Err>(
      'POST',
      '/runs?dryRun=true',
      ciRunBody(baseId, {
        domain: 'math',
        benchmarkIds: [],
        config: { solver: { labels: 'oracle' }, reward: { questionCheck: 'domain' } },
      }),
    );
    assert.equal(oracle.status, 400);
    assert.deepEqual(
      oracle.body.errors!.map((e) => e.field),
      ['config.solver.labels', 'config.reward.questionCheck'],
    );
    const arith = await alice.call(
      'POST',
      '/runs?dryRun=true',
      ciRunBody(baseId, {
        config: { solver: { labels: 'oracle' }, reward: { questionCheck: 'domain' } },
      }),
    );
    assert.equal(arith.status, 200);
    assert.equal((await alice.call<{ items: unknown[] }>('GET', '/runs')).body.items.length, 0);
  });

  test('dryRun validates and estimates without queueing', async () => {
    const r = await alice.call<{
      dryRun: boolean;
      estimate: {
        parameters: number;
        memoryBytes: number;
        perIteration: { generatedTokens: number; trainedTokens: number };
      };
    }>('POST', '/runs?dryRun=true', ciRunBody(baseId));
    assert.equal(r.status, 200);
    assert.equal(r.body.dryRun, true);
    assert.equal(r.body.estimate.parameters, 859_904);
    assert.ok(r.body.estimate.memoryBytes > 859_904 * 4 * 3);
    assert.ok(
      r.body.estimate.perIteration.generatedTokens > r.body.estimate.perIteration.trainedTokens,
    );
    assert.equal((await alice.call<{ items: unknown[] }>('GET', '/runs')).body.items.length, 0);
  });

  test('a webhookUrl that reaches loopback, metadata or private addresses is refused (400 webhookUrl)', async () => {
    for (const webhookUrl of [
      'http://127.0.0.1:9/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://localhost:9/hook',
      'http://[::1]:9/',
      'http://10.0.0.7/hook',
    ]) {
      const r = await alice.call<Err>(
        'POST',
        '/runs?dryRun=true',
        ciRunBody(baseId, { webhookUrl }),
      );
      assert.equal(r.status, 400, webhookUrl);
      assert.deepEqual(
        r.body.errors?.map((e) => e.field),
        ['webhookUrl'],
        webhookUrl,
      );
    }
    const ok = await alice.call(
      'POST',
      '/runs?dryRun=true',
      ciRunBody(baseId, { webhookUrl: 'https://93.184.216.34/hook' }),
    );
    assert.equal(ok.status, 200);
  });

  test('a corrupt model upload is refused (422) and nothing is stored', async () => {
    const before = readdirSync(join(env.config.artifactDir, 'models')).length;
    const files = modelFiles();
    const broken = Buffer.from(files['model.safetensors']!);
    broken.writeBigUInt64LE(BigInt(broken.length * 2), 0); // header length beyond the file
    const r = await alice.call<Err>(
      'POST',
      '/models',
      modelForm({ ...files, 'model.safetensors': broken }),
    );
    assert.equal(r.status, 422);
    assert.equal(r.body.code, 'MODEL_INVALID');
    // A truncated file: the error names the uploaded file, never where the server keeps it.
    const truncated = files['model.safetensors']!.subarray(
      0,
      files['model.safetensors']!.length - 100,
    );
    const cut = await alice.call<Err>(
      'POST',
      '/models',
      modelForm({ ...files, 'model.safetensors': truncated }),
    );
    assert.equal(cut.status, 422);
    for (const body of [r.body, cut.body]) {
      const text = JSON.stringify(body);
      assert.match(body.message, /model\.safetensors/);
      assert.ok(!text.includes(env.config.artifactDir), `no server path: ${text}`);
      assert.ok(!/\/tmp\/|[0-9a-f]{8}-[0-9a-f]{4}-/.test(text), `no scratch directory: ${text}`);
    }
    // A tensor the architecture does not use (q/k norms under a Llama config) is refused by name.
    const tensors = readSafetensorsF32(new Uint8Array(files['model.safetensors']!));
    const hd = tensors.get('model.layers.0.self_attn.q_proj.weight')!.shape[0]! / 4;
    const withExtra = serializeSafetensors([
      ...[...tensors].map(([name, t]) => ({ name, shape: t.shape, data: t.data })),
      {
        name: 'model.layers.0.self_attn.q_norm.weight',
        shape: [hd],
        data: new Float32Array(hd).fill(1),
      },
    ]);
    const extra = await alice.call<Err>(
      'POST',
      '/models',
      modelForm({ ...files, 'model.safetensors': Buffer.from(withExtra) }),
    );
    assert.equal(extra.status, 422);
    assert.equal(extra.body.code, 'MODEL_INVALID');
    assert.match(
      extra.body.message,
      /1 tensor that LlamaForCausalLM does not use: model\.layers\.0\.self_attn\.q_norm\.weight/,
    );
    assert.deepEqual(
      extra.body.errors?.map((e) => e.field),
      ['files'],
    );
    const missing = await alice.call<Err>(
      'POST',
      '/models',
      modelForm({ 'config.json': files['config.json']! }),
    );
    assert.equal(missing.status, 422);
    assert.match(missing.body.message, /model\.safetensors/);
    const stray = await alice.call<Err>(
      'POST',
      '/models',
      modelForm({ ...files, 'evil.sh': 'echo' }),
    );
    assert.equal(stray.status, 400);
    assert.equal(readdirSync(join(env.config.artifactDir, 'models')).length, before);
    const list = (await alice.call<{ builtin: boolean }[]>('GET', '/models')).body;
    assert.equal(list.filter((m) => !m.builtin).length, 0);
  });

  test('a valid upload is stored, downloadable, private to its owner, and deletable', async () => {
    // The API shows config.json as uploaded (here declaring bf16), not the engine's reading of it.
    const files = modelFiles();
    const uploadedConfig: Record<string, unknown> = {
      ...(JSON.parse(files['config.json']!.toString('utf8')) as Record<string, unknown>),
      torch_dtype: 'bfloat16',
    };
    delete uploadedConfig.pad_token_id;
    const up = await alice.call<{
      id: string;
      parameterCount: number;
      builtin: boolean;
      config: Record<string, unknown>;
    }>('POST', '/models', modelForm({ ...files, 'config.json': JSON.stringify(uploadedConfig) }));
    assert.equal(up.status, 201, JSON.stringify(up.body));
    assert.deepEqual(up.body.config, uploadedConfig);
    const got = await alice.call<{ config: Record<string, unknown> }>(
      'GET',
      `/models/${up.body.id}`,
    );
    assert.deepEqual(got.body.config, uploadedConfig);
    assert.equal(up.body.parameterCount, 859_904);
    assert.equal(up.body.builtin, false);
    const dl = await alice.call<Buffer>('GET', `/models/${up.body.id}/download`);
    assert.equal(dl.status, 200);
    assert.equal(dl.body[0], 0x1f); // gzip magic
    assert.equal((await bob.call<Err>('GET', `/models/${up.body.id}`)).status, 404);
    assert.equal((await bob.call<Err>('DELETE', `/models/${up.body.id}`)).status, 404);
    // An uploaded model runs in the math domain, which has no built-in benchmarks: a run must
    // name one, or say [] to run unscored (and the estimate says so).
    const unnamed = await alice.call<Err>('POST', '/runs?dryRun=true', ciRunBody(up.body.id));
    assert.equal(unnamed.status, 400);
    assert.deepEqual(
      unnamed.body.errors?.map((e) => e.field),
      ['benchmarkIds'],
    );
    assert.match(unnamed.body.errors![0]!.reason, /math domain has no built-in benchmarks/);
    const unscored = await alice.call<{ domain: string; estimate: { notes: string[] } }>(
      'POST',
      '/runs?dryRun=true',
      ciRunBody(up.body.id, { benchmarkIds: [] }),
    );
    assert.equal(unscored.status, 200);
    assert.equal(unscored.body.domain, 'math');
    assert.ok(
      unscored.body.estimate.notes.includes('benchmarkIds is empty: no iteration will be scored'),
    );
    assert.equal((await alice.call('DELETE', `/models/${up.body.id}`)).status, 200);
    assert.equal((await alice.call('GET', `/models/${up.body.id}`)).status, 404);
  });

  test('a JSONL benchmark with bad lines is refused with their line numbers; nothing is stored', async () => {
    const text = [
      '{"question":"1+1=?","answer":"2"}',
      'not json',
      '{"question":"","answer":"1"}',
      '',
      '{"question":"2+2=?"}',
    ].join('\n');
    const r = await alice.call<Err>('POST', '/benchmarks', { name: 'bad', jsonl: text });
    assert.equal(r.status, 422);
    assert.equal(r.body.code, 'BENCHMARK_INVALID');
    assert.deepEqual(
      r.body.errors!.map((e) => e.field),
      ['line 2', 'line 3', 'line 5'],
    );
    const list = (await alice.call<{ builtin: boolean }[]>('GET', '/benchmarks')).body;
    assert.equal(list.filter((b) => !b.builtin).length, 0);
    const gsm = await alice.call<{ id: string; itemCount: number }>('POST', '/benchmarks', {
      name: 'gsm-style',
      jsonl: '{"question":"Tom has 3 apples and buys 4. How many?","answer":"3+4=7\\n#### 7"}\n',
    });
    assert.equal(gsm.status, 201);
    const items = await alice.call<{ items: { answer: string }[] }>(
      'GET',
      `/benchmarks/${gsm.body.id}/items`,
    );
    assert.equal(items.body.items[0]!.answer, '7');
    assert.equal((await bob.call('GET', `/benchmarks/${gsm.body.id}`)).status, 404);
  });

  let runId = '';
  test('20 concurrent requests with one Idempotency-Key make one run; another body with the key is 409', async () => {
    const body = ciRunBody(baseId, {
      config: { ...(ciRunBody(baseId).config as object), iterations: 3 },
    });
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        alice.call<{ id: string }>('POST', '/runs', body, { 'idempotency-key': 'launch-1' }),
      ),
    );
    const ids = new Set(results.map((r) => r.body.id));
    assert.equal(ids.size, 1);
    assert.deepEqual(results.map((r) => r.status).sort(), [...Array(19).fill(200), 202].sort());
    runId = [...ids][0]!;
    const other = await alice.call<Err>('POST', '/runs', ciRunBody(baseId), {
      'idempotency-key': 'launch-1',
    });
    assert.equal(other.status, 409);
    assert.equal(other.body.code, 'IDEMPOTENCY_KEY_REUSED');
    const page = await alice.call<{ items: { id: string }[] }>('GET', '/runs');
    assert.equal(page.body.items.length, 1);
  });

  test('other owners get 404 for a run, its events, downloads and cancel', async () => {
    for (const [m, p] of [
      ['GET', `/runs/${runId}`],
      ['GET', `/runs/${runId}/events`],
      ['GET', `/runs/${runId}/curriculum`],
      ['GET', `/runs/${runId}/solver`],
      ['POST', `/runs/${runId}/cancel`],
    ] as const) {
      const r = await bob.call<Err>(m, p);
      assert.equal(r.status, 404, `${m} ${p}`);
      assert.equal(r.body.code, 'RUN_NOT_FOUND');
    }
    assert.equal((await bob.call<{ items: unknown[] }>('GET', '/runs')).body.items.length, 0);
    assert.equal((await admin.call<{ items: unknown[] }>('GET', '/runs')).body.items.length, 1);
  });

  test('a queued run is canceled at once; a model or benchmark in use cannot be deleted', async () => {
    const up = await alice.call<{ id: string }>(
      'POST',
      '/models',
      modelForm(modelFiles(), 'second'),
    );
    const bench = await alice.call<{ id: string }>('POST', '/benchmarks', {
      name: 'in-use',
      jsonl: '{"question":"1+1=?","answer":"2"}',
    });
    assert.equal(bench.status, 201);
    const queued = await alice.call<{ id: string; status: string }>(
      'POST',
      '/runs',
      ciRunBody(up.body.id, { benchmarkIds: [bench.body.id] }),
    );
    assert.equal(queued.body.status, 'queued', JSON.stringify(queued.body));
    const del = await alice.call<Err>('DELETE', `/models/${up.body.id}`);
    assert.equal(del.status, 409);
    assert.equal(del.body.code, 'MODEL_IN_USE');
    const delBench = await alice.call<Err>('DELETE', `/benchmarks/${bench.body.id}`);
    assert.equal(delBench.status, 409);
    assert.equal(delBench.body.code, 'BENCHMARK_IN_USE');
    const c = await alice.call<{ status: string; attempt: number }>(
      'POST',
      `/runs/${queued.body.id}/cancel`,
    );
    assert.equal(c.status, 202);
    assert.equal(c.body.status, 'canceled');
    assert.equal(c.body.attempt, 0);
    // It ended without an iteration: its Solver will never exist (404, a code of its own).
    const none = await alice.call<Err>('GET', `/runs/${queued.body.id}/solver`);
    assert.equal(none.status, 404);
    assert.equal(none.body.code, 'NO_FINISHED_ITERATION');
    // Canceling again is answered with the run as it is (a retried cancel is not an error).
    const again = await alice.call<{ status: string }>('POST', `/runs/${queued.body.id}/cancel`);
    assert.equal(again.status, 202);
    assert.equal(again.body.status, 'canceled');
    assert.equal((await alice.call('DELETE', `/models/${up.body.id}`)).status, 200);
    assert.equal((await alice.call('DELETE', `/benchmarks/${bench.body.id}`)).status, 200);
    const page = await alice.call<{ items: { id: string }[]; nextCursor: string }>(
      'GET',
      '/runs?limit=1',
    );
    assert.equal(page.body.items.length, 1);
    const next = await alice.call<{ items: { id: string }[]; nextCursor: string | null }>(
      'GET',
      `/runs?limit=1&cursor=${page.body.nextCursor}`,
    );
    assert.equal(next.body.items.length, 1);
    assert.notEqual(next.body.items[0]!.id, page.body.items[0]!.id);
    assert.equal(next.body.nextCursor, null);
    const canceled = await alice.call<{ items: { id: string }[] }>('GET', '/runs?status=canceled');
    assert.deepEqual(
      canceled.body.items.map((r) => r.id),
      [queued.body.id],
    );
  });

  test('a running run stops within a step of cancel and keeps its finished iterations', async () => {
    for (;;) {
      const r = (
        await alice.call<{ completedIterations: number; status: string }>('GET', `/runs/${runId}`)
      ).body;
      if (r.completedIterations >= 1) break;
      assert.equal(r.status === 'failed', false);
      await new Promise((res) => setTimeout(res, 200));
    }
    const c = await alice.call<{ status: string; cancelRequested: boolean; lastEventId: number }>(
      'POST',
      `/runs/${runId}/cancel`,
    );
    assert.equal(c.status, 202);
    assert.equal(c.body.cancelRequested, true);
    const done = await alice.waitForRun(runId, ['canceled', 'succeeded', 'failed']);
    assert.equal(done.status, 'canceled');
    assert.ok(
      (done.completedIterations as number) >= 1 && (done.completedIterations as number) < 3,
    );
    // Within one step: at most a step event, the phase's end and the terminal status follow.
    assert.ok(
      (done.lastEventId as number) - c.body.lastEventId <= 4,
      `${String(done.lastEventId)} vs ${c.body.lastEventId}`,
    );
    assert.equal((await alice.call('GET', `/runs/${runId}/solver?iteration=1`)).status, 200);
    // Iterations it ended without, and beyond its 3: 404, never 409 (they will never be ready).
    const k = (done.completedIterations as number) + 1;
    const missing = await alice.call<Err>('GET', `/runs/${runId}/solver?iteration=${k}`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'ITERATION_NOT_FOUND');
    assert.match(missing.body.message, /ended \(canceled\) before iteration/);
    const beyond = await alice.call<Err>('GET', `/runs/${runId}/challenger?iteration=9`);
    assert.equal(beyond.status, 404);
    assert.equal(beyond.body.code, 'ITERATION_NOT_FOUND');
  });

  test('evaluations: a queued one is canceled at once, a running one stops and records nothing; the worker goes on', async (t) => {
    const rz = alice.rz;
    // arith-tiny's benchmarks (arith-easy first): the model's own, and a known length.
    const builtins = (await rz.ok(rz.api.GET('/benchmarks')))
      .filter((b) => b.builtin && (ARITH_BENCHMARK_NAMES as readonly string[]).includes(b.name))
      .map((b) => b.id);
    const start = (benchmarkIds: string[]) =>
      rz.ok(rz.api.POST('/evaluations', { body: { modelId: baseId, benchmarkIds } }));
    const get = (id: string) =>
      rz.ok(rz.api.GET('/evaluations/{id}', { params: { path: { id } } }));
    const cancel = (api: Api, id: string) =>
      api.call<{ status: string; code?: string }>('POST', `/evaluations/${id}/cancel`);
    // One evaluation at a time per worker: the second waits behind the first (1,500 items).
    const long = await start(builtins);
    const queued = await start(builtins);
    for (;;) {
      const e = await get(long.id);
      if (e.status === 'running') break;
      assert.equal(e.status, 'queued');
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal((await cancel(bob, long.id)).status, 404);
    const q = await cancel(alice, queued.id);
    assert.equal(q.status, 202);
    assert.equal(q.body.status, 'canceled');
    const canceledAt = Date.now();
    const r = await cancel(alice, long.id);
    assert.equal(r.status, 202);
    assert.equal(r.body.status, 'canceled');
    const again = await cancel(alice, long.id);
    assert.equal(again.status, 202);
    assert.equal(again.body.status, 'canceled');

    // The worker let go of the canceled one and takes the next evaluation.
    const next = await start([builtins[0]!]);
    let e = await get(next.id);
    let freedAfter = 0;
    for (
      const t0 = Date.now();
      !['succeeded', 'failed'].includes(e.status);
      e = await get(next.id)
    ) {
      assert.ok(Date.now() - t0 < 180_000, `evaluation still ${e.status}`);
      if (e.status === 'running' && !freedAfter) freedAfter = Date.now() - canceledAt;
      await new Promise((res) => setTimeout(res, 100));
    }
    // One evaluation at a time: the next one runs only once the canceled one's thread is gone.
    t.diagnostic(`the next evaluation was running ${freedAfter} ms after the cancel`);
    assert.equal(e.status, 'succeeded', String(e.error));
    assert.equal(e.scores.length, 1);
    for (const id of [long.id, queued.id]) {
      const c = await get(id);
      assert.equal(c.status, 'canceled');
      assert.deepEqual(c.scores, []);
    }
    assert.equal((await cancel(alice, next.id)).status, 409);
  });

  test('GET /metrics (no key): process, HTTP by route, runs by status, queues, and the embedded worker', async () => {
    const res = await fetch(`${api.baseUrl}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain;.*version=0\.0\.4/);
    const text = await res.text();
    const v = (name: string, labels: Record<string, string> = {}) =>
      metricValue(text, name, { process: 'api+worker', ...labels });
    assert.ok(v('rzero_process_resident_memory_bytes') > 0);
    // Runs by status, from Postgres: what this file created so far.
    const runs = (
      await alice.rz.ok(alice.rz.api.GET('/runs', { params: { query: { limit: 100 } } }))
    ).items;
    const canceled = runs.filter((r) => r.status === 'canceled').length;
    assert.ok(canceled >= 2);
    assert.ok(v('rzero_runs', { status: 'canceled' }) >= canceled);
    assert.equal(v('rzero_queue_jobs', { queue: 'evaluations', state: 'active' }), 0);
    // HTTP by route pattern, never by path.
    assert.ok(
      v('rzero_http_requests_total', { route: '/runs/:id', method: 'GET', status: '200' }) > 0,
    );
    assert.ok(
      v('rzero_http_requests_total', { route: '/evaluations/:id/cancel', status: '409' }) >= 1,
    );
    // The embedded worker trained (the run canceled after iteration 1; its Solver may have had
    // no kept question to train on) and counted its jobs.
    assert.ok(v('rzero_training_steps_total', { role: 'challenger' }) > 0);
    assert.ok(v('rzero_training_step_seconds_count', { role: 'challenger' }) > 0);
    assert.ok(v('rzero_iterations_completed_total') >= 1);
    assert.ok(v('rzero_jobs_finished_total', { kind: 'run', outcome: 'canceled' }) >= 1);
    assert.ok(v('rzero_jobs_finished_total', { kind: 'evaluation', outcome: 'canceled' }) >= 1);
    assert.ok(v('rzero_jobs_finished_total', { kind: 'evaluation', outcome: 'succeeded' }) >= 1);
    // No ids, owners or keys in any label.
    assert.doesNotMatch(text, /[0-9a-f]{8}-[0-9a-f]{4}-/);
    assert.ok(!text.includes('alice') && !text.includes(ADMIN_KEY));
  });

  test('a built-in model whose files left the artifact store is restored at boot', async () => {
    const { ModelsService } = await import('../../src/models/models.service');
    const { rmSync, existsSync } = await import('node:fs');
    const dir = join(env.config.artifactDir, 'models', baseId);
    rmSync(dir, { recursive: true, force: true });
    await api.app.get(ModelsService).registerBuiltinModels();
    assert.ok(existsSync(join(dir, 'model.safetensors')));
    assert.equal(
      (await alice.call<{ id: string }>('POST', '/models', { builtin: 'arith-tiny' })).body.id,
      baseId,
    );
  });
});
