/**
 * Hostile model uploads on real Postgres + Redis: a tokenizer.json with an id near 2^31 and a
 * 600 MB safetensors file with a tensor the architecture does not use are refused from what they
 * declare, without stalling the event loop or holding the tensor in the api process; a validation
 * that overruns its time budget is refused; an upload whose client went away is not stored.
 */
import { after, before, describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createReadStream, mkdtempSync, readFileSync, readdirSync, rmSync, watch } from 'node:fs';
import { open } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { readSafetensorsLayout } from '../../src/engine/safetensors';
import { repoRoot } from '../helpers/engine';
import { ADMIN_KEY, Api, createTestEnv, startApi } from './harness';
import type { RunningApi, TestEnv } from './harness';

const MODEL_DIR = join(repoRoot, 'assets/base-models/arith-tiny');
const FILES = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'];
type Err = { statusCode: number; code: string; message: string };

/** One multipart part: a text field, or a file from a buffer or (streamed) from disk. */
interface Part {
  field: string;
  filename?: string;
  data?: Buffer | string;
  path?: string;
}

const arithParts = (replace: Record<string, Part> = {}): Part[] => [
  { field: 'name', data: 'upload-limits' },
  ...FILES.map(
    (f) => replace[f] ?? { field: 'files', filename: f, data: readFileSync(join(MODEL_DIR, f)) },
  ),
];

type Outcome = { status: number; body: Err & { id?: string } } | 'aborted';

/**
 * POST /models as multipart, streaming file parts from disk (the client holds no file in
 * memory). `abortAfterBytes`: the client drops the connection once that much body is sent;
 * `abortWhenHandled` (the store's tmp directory): it sends the whole body and drops the connection
 * as soon as the server's handler starts on the files, without reading the answer (a client that
 * timed out while its upload was checked).
 */
async function postModel(
  baseUrl: string,
  key: string,
  parts: Part[],
  opts: { abortAfterBytes?: number; abortWhenHandled?: string } = {},
): Promise<Outcome> {
  const boundary = `----rzero${Date.now()}`;
  const req = request(`${baseUrl}/models`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
    },
  });
  const answer = new Promise<Outcome>((resolve, reject) => {
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: JSON.parse(Buffer.concat(chunks).toString()),
        }),
      );
    });
    req.on('error', (err) => (req.destroyed ? resolve('aborted') : reject(err)));
    req.on('close', () => answered || resolve('aborted'));
  });
  let sent = 0;
  const write = async (chunk: Buffer | string): Promise<boolean> => {
    if (opts.abortAfterBytes !== undefined && sent >= opts.abortAfterBytes) return false;
    sent += Buffer.byteLength(chunk);
    if (!req.write(chunk)) await once(req, 'drain');
    return true;
  };
  const send = async (): Promise<boolean> => {
    for (const p of parts) {
      const disposition = `form-data; name="${p.field}"${p.filename ? `; filename="${p.filename}"` : ''}`;
      const type = p.filename ? 'content-type: application/octet-stream\r\n' : '';
      if (!(await write(`--${boundary}\r\ncontent-disposition: ${disposition}\r\n${type}\r\n`)))
        return false;
      if (p.path) {
        for await (const c of createReadStream(p.path, { highWaterMark: 1 << 20 }))
          if (!(await write(c as Buffer))) return false;
      } else if (!(await write(p.data ?? ''))) return false;
      if (!(await write('\r\n'))) return false;
    }
    return write(`--${boundary}--\r\n`);
  };
  // The handler makes a scratch directory beside multer's uploads when it starts on the files.
  const watcher =
    opts.abortWhenHandled === undefined
      ? undefined
      : watch(opts.abortWhenHandled, (_, name) => name !== 'uploads' && req.destroy());
  const complete = await send().catch(() => false);
  if (!complete) req.destroy();
  else req.end();
  return answer.finally(() => watcher?.close());
}

/**
 * While `work` runs: the worst event-loop delay of this process (the api runs in it), the slowest
 * GET /health/live (polled every 100 ms) and the peak RSS growth over the RSS before.
 */
async function measured<T>(
  baseUrl: string,
  work: () => Promise<T>,
): Promise<{ result: T; stallMs: number; healthMs: number; rssGrowthMb: number; ms: number }> {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  let done = false;
  let healthMs = 0;
  const poll = (async () => {
    while (!done) {
      const t0 = performance.now();
      // A health request that fails (the server gave up on it) counts as infinitely slow.
      const ok = await fetch(`${baseUrl}/health/live`)
        .then(async (r) => (await r.arrayBuffer(), r.status === 200))
        .catch(() => false);
      healthMs = Math.max(healthMs, ok ? performance.now() - t0 : Infinity);
      await new Promise((res) => setTimeout(res, 100));
    }
  })();
  loop.enable();
  const t0 = performance.now();
  try {
    const result = await work();
    return {
      result,
      ms: performance.now() - t0,
      stallMs: loop.max / 1e6,
      healthMs,
      rssGrowthMb: (Math.max(peak, process.memoryUsage().rss) - rss0) / 2 ** 20,
    };
  } finally {
    loop.disable();
    clearInterval(sampler);
    done = true;
    await poll;
  }
}

/** The upload's scratch files: multer's partial files and the validation directories. */
function scratchEntries(artifactDir: string): string[] {
  const tmp = join(artifactDir, 'tmp');
  const uploads = readdirSync(join(tmp, 'uploads')).map((f) => `uploads/${f}`);
  return [...readdirSync(tmp).filter((f) => f !== 'uploads'), ...uploads];
}

/**
 * Waits for the server to finish with an upload its client dropped: at least `settleMs` (the
 * server has read the body by then), then until no scratch file of it is left.
 */
async function settled(artifactDir: string, settleMs = 1500): Promise<void> {
  await new Promise((res) => setTimeout(res, settleMs));
  const t0 = Date.now();
  while (scratchEntries(artifactDir).length > 0) {
    if (Date.now() - t0 > 60_000)
      assert.fail(`scratch files left: ${scratchEntries(artifactDir).join(', ')}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

const report = (t: TestContext, what: string, m: Record<string, number>) =>
  t.diagnostic(
    `${what}: ${Object.entries(m)
      .map(([k, v]) => `${k}=${Math.round(v)}`)
      .join(' ')}`,
  );

describe('hostile model uploads (real Postgres + Redis)', () => {
  let env: TestEnv;
  let api: RunningApi;
  let alice: Api;
  let scratch = '';

  before(async () => {
    env = await createTestEnv();
    api = await startApi(env.config);
    alice = await new Api(api.baseUrl, ADMIN_KEY).newKey('alice');
    scratch = mkdtempSync(join(tmpdir(), 'rzero-upload-'));
  });
  after(async () => {
    rmSync(scratch, { recursive: true, force: true });
    await api?.close();
    await env?.cleanup();
  });

  const storedModels = async (): Promise<unknown[]> =>
    (await alice.call<{ builtin: boolean }[]>('GET', '/models')).body.filter((m) => !m.builtin);

  /**
   * Uploads arith-tiny with the files in `replace` swapped in, measured (reported under `what`,
   * with the peak RSS growth when `reportRss`), and checks that it is refused as MODEL_INVALID
   * (422) with a message matching every one of `reasons`, while GET /health/live kept answering
   * within 3 s and the event loop never stalled for 2 s. Returns the measures.
   */
  const refusedUpload = async (
    t: TestContext,
    what: string,
    replace: Record<string, Part>,
    reasons: RegExp[],
    opts: { reportRss?: boolean } = {},
  ) => {
    const m = await measured(api.baseUrl, () =>
      postModel(api.baseUrl, alice.key, arithParts(replace)),
    );
    report(t, what, {
      ms: m.ms,
      worstStallMs: m.stallMs,
      slowestHealthMs: m.healthMs,
      ...(opts.reportRss ? { peakRssGrowthMb: m.rssGrowthMb } : {}),
    });
    assert.notEqual(m.result, 'aborted');
    const r = m.result as Exclude<Outcome, 'aborted'>;
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.equal(r.body.code, 'MODEL_INVALID');
    for (const reason of reasons) assert.match(r.body.message, reason);
    assert.ok(m.healthMs < 3000, `GET /health/live took ${Math.round(m.healthMs)} ms`);
    assert.ok(m.stallMs < 2000, `the event loop stalled ${Math.round(m.stallMs)} ms`);
    return m;
  };

  test('a tokenizer id near 2^31 is refused before the vocabulary is built; health answers meanwhile', async (t) => {
    const tok = JSON.parse(readFileSync(join(MODEL_DIR, 'tokenizer.json'), 'utf8')) as {
      model: { vocab: Record<string, number> };
      added_tokens: { id: number; content: string }[];
    };
    const cases: [string, (j: typeof tok) => void, RegExp][] = [
      ['vocab', (j) => (j.model.vocab['<|far|>'] = 2 ** 31 - 1), /2147483647.*vocab_size 53/],
      [
        'added_tokens',
        (j) => j.added_tokens.push({ ...j.added_tokens[0]!, id: 2 ** 31 - 2, content: '<|x|>' }),
        /added_tokens.*2147483646.*vocab_size 53/,
      ],
    ];
    for (const [what, edit, reason] of cases) {
      const hostile = structuredClone(tok);
      edit(hostile);
      const part = { field: 'files', filename: 'tokenizer.json', data: JSON.stringify(hostile) };
      await refusedUpload(t, `hostile tokenizer (${what})`, { 'tokenizer.json': part }, [
        /tokenizer\.json/,
        reason,
      ]);
    }
    assert.deepEqual(await storedModels(), []);
  });

  test('a 600 MB tensor the architecture does not use is refused from the header, never decoded in the api', async (t) => {
    // The arith-tiny tensors plus one 600 MB BF16 tensor, written sparse (the data is zeros).
    const src = join(MODEL_DIR, 'model.safetensors');
    const layout = await readSafetensorsLayout(src);
    const header: Record<string, unknown> = {};
    for (const e of layout.entries)
      header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [e.begin, e.end] };
    const extraBytes = 600_000_000;
    header['model.layers.0.mlp.extra_proj.weight'] = {
      dtype: 'BF16',
      shape: [extraBytes / 2],
      data_offsets: [layout.dataLength, layout.dataLength + extraBytes],
    };
    const json = Buffer.from(JSON.stringify(header));
    const big = join(scratch, 'model.safetensors');
    const fh = await open(big, 'w');
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    await fh.write(len);
    await fh.write(json);
    await fh.write(readFileSync(src).subarray(layout.dataStart));
    await fh.truncate(8 + json.length + layout.dataLength + extraBytes);
    await fh.close();
    try {
      const part = { field: 'files', filename: 'model.safetensors', path: big };
      const m = await refusedUpload(
        t,
        'refused 600 MB upload',
        { 'model.safetensors': part },
        [/model\.layers\.0\.mlp\.extra_proj\.weight/],
        { reportRss: true },
      );
      // Decoding the tensor would take 600 MB (BF16) + 1.2 GB (float32); streaming takes buffers.
      assert.ok(m.rssGrowthMb < 300, `RSS grew ${Math.round(m.rssGrowthMb)} MB`);
      assert.deepEqual(scratchEntries(env.config.artifactDir), []);
      assert.deepEqual(await storedModels(), []);
    } finally {
      rmSync(big, { force: true });
    }
  });

  test('an upload whose client dropped the connection, mid-body or while it was validated, is not stored', async () => {
    const models = () => readdirSync(join(env.config.artifactDir, 'models')).length;
    const before = models();
    // Mid-body: the connection drops inside model.safetensors.
    const mid = await postModel(api.baseUrl, alice.key, arithParts(), {
      abortAfterBytes: 1_000_000,
    });
    assert.equal(mid, 'aborted');
    await settled(env.config.artifactDir);
    // The whole body, then the client gives up while the upload is checked (a client timeout).
    const late = await postModel(api.baseUrl, alice.key, arithParts(), {
      abortWhenHandled: join(env.config.artifactDir, 'tmp'),
    });
    assert.equal(late, 'aborted');
    await settled(env.config.artifactDir);
    assert.deepEqual(await storedModels(), []);
    assert.equal(models(), before);
    // The same upload, answered, is stored (the aborts above were refused for being aborted).
    const ok = await postModel(api.baseUrl, alice.key, arithParts());
    assert.notEqual(ok, 'aborted');
    assert.equal((ok as Exclude<Outcome, 'aborted'>).status, 201);
    assert.equal((await storedModels()).length, 1);
  });
});

describe('model validation time budget (real Postgres + Redis)', () => {
  let env: TestEnv;
  let api: RunningApi;

  before(async () => {
    // A budget no validation can meet: the check is cut off and the upload refused.
    env = await createTestEnv({ RZERO_UPLOAD_VALIDATION_TIMEOUT_MS: '1' });
    api = await startApi(env.config);
  });
  after(async () => {
    await api?.close();
    await env?.cleanup();
  });

  test('a validation that overruns its budget is stopped and the upload refused (422)', async () => {
    const alice = await new Api(api.baseUrl, ADMIN_KEY).newKey('alice');
    const r = await postModel(api.baseUrl, alice.key, arithParts());
    assert.notEqual(r, 'aborted');
    const { status, body } = r as Exclude<Outcome, 'aborted'>;
    assert.equal(status, 422, JSON.stringify(body));
    assert.equal(body.code, 'MODEL_INVALID');
    assert.match(body.message, /did not finish within 0\.001 s/);
    assert.deepEqual(scratchEntries(env.config.artifactDir), []);
  });
});
