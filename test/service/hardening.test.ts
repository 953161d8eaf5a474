/**
 * Issue 11, items 5, 9, 10 and 11, against an api process (and a worker process) on real Postgres
 * and Redis, their logs read from stdout:
 * - hostile input (NUL characters, prototype names, 3,000-level bodies, huge numbers, arrays for
 *   scalars) gets a 400 naming the field, never a 500;
 * - no response, run error or log line holds a server path, SQL parameters or a key from a URL;
 * - a user key cannot take the owner "admin" of the bootstrap key;
 * - hardening headers on every response, a CSP that still lets the panel load, configurable CORS.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { ReserveAdminOwner1795700000000 } from '../../migrations/1795700000000-ReserveAdminOwner';
import { createDataSource } from '../../src/database/data-source';
import { loadConfig } from '../../src/config/app-config';
import { repoRoot } from '../helpers/engine';
import {
  ADMIN_KEY,
  Api,
  createTestEnv,
  freePort,
  spawnService,
  startApi,
  stopProcess,
  waitLive,
} from './harness';
import type { ServiceProcess, TestEnv } from './harness';

type Err = { statusCode: number; code: string; errors?: { field: string; reason: string }[] };

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('hostile input, redaction, the reserved admin owner and headers (api + worker processes)', () => {
  let env: TestEnv;
  let api: ServiceProcess;
  let baseUrl = '';
  let admin: Api;
  let alice: Api;
  let db: Client;
  let modelId = '';
  let benchId = '';

  before(async () => {
    env = await createTestEnv({ LOG_LEVEL: 'info' });
    const port = await freePort();
    api = spawnService(
      'dist/src/main.js',
      { ...env.env, PORT: String(port) },
      { captureStdout: true },
    );
    baseUrl = `http://127.0.0.1:${port}`;
    await waitLive(baseUrl, api.proc, 30_000);
    admin = new Api(baseUrl, ADMIN_KEY);
    alice = await admin.newKey('alice');
    db = new Client({ connectionString: env.config.databaseUrl });
    await db.connect();
    modelId = (await alice.call<{ id: string }>('POST', '/models', { builtin: 'arith-tiny' })).body
      .id;
    benchId = (
      await alice.call<{ id: string }>('POST', '/benchmarks', {
        name: 'b',
        domain: 'arith',
        jsonl: '{"question":"1+1","answer":"2"}',
      })
    ).body.id;
  });
  after(async () => {
    await db?.end();
    if (api) await stopProcess(api.proc);
    await env?.cleanup();
  });

  test('NUL characters, prototype names, deep bodies, huge numbers and arrays get a 400 naming the field', async () => {
    const raw = async (path: string, body: string, method = 'POST') => {
      const res = await fetch(baseUrl + path, {
        method,
        headers: { authorization: `Bearer ${alice.key}`, 'content-type': 'application/json' },
        body,
      });
      return { status: res.status, body: (await res.json()) as Err };
    };
    const nulForm = new FormData();
    nulForm.append('name', 'bench\u0000mark');
    nulForm.append('file', new Blob(['{"question":"1+1","answer":"2"}']), 'b.jsonl');
    const modelNulForm = new FormData();
    modelNulForm.append('name', 'm\u0000');
    const run = { baseModelId: modelId, preset: 'tiny', benchmarkIds: [benchId] };
    const cases: [string, Promise<{ status: number; body: unknown }>, number, string][] = [
      [
        'benchmark name',
        alice.call('POST', '/benchmarks', {
          name: 'a\u0000b',
          jsonl: '{"question":"q","answer":"a"}',
        }),
        400,
        'name',
      ],
      ['benchmark name (multipart)', alice.call('POST', '/benchmarks', nulForm), 400, 'name'],
      [
        'benchmark question',
        alice.call('POST', '/benchmarks', {
          name: 'n',
          jsonl: '{"question":"q","answer":"a"}\n{"question":"x\\u0000y","answer":"a"}',
        }),
        422,
        'line 2',
      ],
      [
        'benchmark answer',
        alice.call('POST', '/benchmarks', {
          name: 'n',
          jsonl: '{"question":"q","answer":"\\u0000"}',
        }),
        422,
        'line 1',
      ],
      [
        'model builtin',
        alice.call('POST', '/models', { builtin: 'arith-tiny\u0000' }),
        400,
        'builtin',
      ],
      ['model name (multipart)', alice.call('POST', '/models', modelNulForm), 400, 'name'],
      [
        'api key name',
        admin.call('POST', '/api-keys', { name: 'k\u0000', owner: 'o' }),
        400,
        'name',
      ],
      [
        'evaluation metric',
        alice.call('POST', '/evaluations', {
          modelId,
          benchmarkIds: [benchId],
          metric: 'greedy\u0000',
        }),
        400,
        'metric',
      ],
      [
        'nested key',
        alice.call('POST', '/runs', { ...run, config: { 'see\u0000d': 1 } }),
        400,
        'config.see\\u0000d',
      ],
      [
        'preset constructor',
        alice.call('POST', '/runs', { ...run, preset: 'constructor' }),
        400,
        'preset',
      ],
      [
        'preset toString',
        alice.call('POST', '/runs?dryRun=true', { ...run, preset: 'toString' }),
        400,
        'preset',
      ],
      [
        'preset hasOwnProperty',
        alice.call('POST', '/runs', { ...run, preset: 'hasOwnProperty' }),
        400,
        'preset',
      ],
      [
        'preset __proto__',
        alice.call('POST', '/runs', { ...run, preset: '__proto__' }),
        400,
        'preset',
      ],
      [
        'config toString',
        alice.call('POST', '/runs', { ...run, config: { solver: { toString: 1 } } }),
        400,
        'config.solver.toString',
      ],
      [
        'config __proto__',
        raw('/runs', JSON.stringify(run).replace('{', '{"config":{"__proto__":{"toString":1}},')),
        400,
        'config.__proto__',
      ],
      ['body 3,000 deep', raw('/runs', '['.repeat(3000) + ']'.repeat(3000)), 400, 'body'],
      [
        'object 3,000 deep',
        raw('/evaluations', '{"a":'.repeat(3000) + '1' + '}'.repeat(3000)),
        400,
        'body',
      ],
      ['query NUL', alice.call('GET', `/runs/${modelId}/curriculum?q=%00`), 400, 'q'],
      [
        'query huge offset',
        alice.call('GET', `/benchmarks/${benchId}/items?offset=99999999999999999999`),
        400,
        'offset',
      ],
      [
        'query huge iteration',
        alice.call('GET', `/runs/${modelId}/curriculum?iteration=9999999999`),
        400,
        'iteration',
      ],
      ['query array', alice.call('GET', '/runs?limit=1&limit=2'), 400, 'limit'],
      ['path NUL', alice.call('GET', '/runs/%00'), 400, 'id'],
    ];
    for (const [what, pending, status, field] of cases) {
      const res = await pending;
      const body = res.body as Err;
      assert.equal(res.status, status, `${what}: ${JSON.stringify(body)}`);
      assert.ok(
        body.errors?.some((e) => e.field === field),
        `${what}: expected field ${field} in ${JSON.stringify(body.errors)}`,
      );
    }
    // Nothing reached a prototype: the api works as before.
    assert.equal((await alice.call('GET', '/presets')).status, 200);
    assert.equal(({} as Record<string, unknown>).toString, Object.prototype.toString);
    assert.equal((await fetch(`${baseUrl}/health/live`)).status, 200);
  });

  test('a user key cannot take the owner "admin"; one made before (revoked by the migration) cannot act as it', async () => {
    for (const owner of ['admin', 'Admin', 'ADMIN']) {
      const res = await admin.call<Err>('POST', '/api-keys', { name: 'k', owner });
      assert.equal(res.status, 400, owner);
      assert.ok(
        res.body.errors?.some((e) => e.field === 'owner'),
        JSON.stringify(res.body),
      );
    }
    const adminKey = await admin.call<{ owner: string; role: string }>('POST', '/api-keys', {
      name: 'ops',
      owner: 'admin',
      role: 'admin',
    });
    assert.equal(adminKey.status, 201);
    // What the bootstrap key made stays its own.
    const own = await admin.call<{ id: string }>('POST', '/benchmarks', {
      name: 'admins-bench',
      jsonl: '{"question":"q","answer":"a"}',
    });
    assert.equal(own.status, 201);
    // A user key with owner "admin", as an older version let one be made.
    const legacy = 'rz_legacy-user-key-with-admin-owner';
    const ins = await db.query<{ id: string }>(
      `INSERT INTO api_keys (name, owner, role, key_hash, key_prefix, webhook_secret)
       VALUES ('legacy', 'admin', 'user', $1, 'rz_legacy', 'whsec_x') RETURNING id`,
      [sha256(legacy)],
    );
    const mallory = new Api(baseUrl, legacy);
    assert.equal((await mallory.call('GET', `/benchmarks/${own.body.id}`)).status, 401);
    assert.equal((await mallory.call('DELETE', `/benchmarks/${own.body.id}`)).status, 401);
    assert.equal((await admin.call('GET', `/benchmarks/${own.body.id}`)).status, 200);
    // The migration revokes such keys.
    const ds = createDataSource(env.config.databaseUrl);
    await ds.initialize();
    try {
      await new ReserveAdminOwner1795700000000().up(ds.createQueryRunner());
    } finally {
      await ds.destroy();
    }
    const row = await db.query('SELECT revoked_at FROM api_keys WHERE id = $1', [ins.rows[0]!.id]);
    assert.notEqual(row.rows[0].revoked_at, null);
    const kept = await db.query(
      "SELECT revoked_at FROM api_keys WHERE owner = 'admin' AND role = 'admin'",
    );
    assert.deepEqual(
      kept.rows.map((r) => r.revoked_at),
      [null],
    );
  });

  test('logs hold no key from a query string, no SQL parameters, no server path', async () => {
    const logged = api.logs.length;
    for (const q of [
      `api_key=${alice.key}`,
      `token=${alice.key}`,
      `x=${encodeURIComponent(ADMIN_KEY)}`,
    ]) {
      const res = await alice.call('GET', `/runs?limit=5&${q}`);
      assert.ok(res.status < 500);
    }
    // A failing INSERT whose parameters hold a key hash and a webhook secret.
    await db.query(`ALTER TABLE api_keys ADD CONSTRAINT fuzz_no_x CHECK (name <> 'fail-me')`);
    try {
      const res = await admin.call<Err>('POST', '/api-keys', { name: 'fail-me', owner: 'bob' });
      assert.equal(res.status, 500);
    } finally {
      await db.query('ALTER TABLE api_keys DROP CONSTRAINT fuzz_no_x');
    }
    await new Promise((r) => setTimeout(r, 300)); // pino flushes asynchronously
    const lines = api.logs.slice(logged);
    const text = lines.join('\n');
    assert.ok(
      lines.some((l) => l.includes('/runs?limit=5&api_key=[redacted]')),
      'the request is logged',
    );
    assert.ok(!text.includes(alice.key), 'a user key from a query string is logged');
    assert.ok(!text.includes(ADMIN_KEY), 'the admin key is logged');
    const failure = lines.find((l) => l.includes('fuzz_no_x'));
    assert.ok(failure, 'the failed INSERT is logged');
    assert.doesNotMatch(failure, /whsec_|"parameters"|[0-9a-f]{64}/);
    for (const l of api.logs) {
      assert.ok(
        !l.includes(repoRoot) && !l.includes(env.config.artifactDir),
        `server path in log: ${l}`,
      );
    }
  });

  test('a failed run and a 422 show no server path', async () => {
    // An uploaded model whose files leave the store while its run waits: the worker cannot read it.
    const form = new FormData();
    form.append('name', 'doomed');
    for (const f of [
      'config.json',
      'model.safetensors',
      'tokenizer.json',
      'tokenizer_config.json',
    ]) {
      form.append(
        'files',
        new Blob([readFileSync(join(repoRoot, 'assets/base-models/arith-tiny', f))]),
        f,
      );
    }
    const model = await alice.call<{ id: string }>('POST', '/models', form);
    assert.equal(model.status, 201);
    const run = await alice.call<{ id: string }>('POST', '/runs', {
      baseModelId: model.body.id,
      preset: 'tiny',
      benchmarkIds: [benchId],
      config: { iterations: 1 },
    });
    assert.equal(run.status, 202, JSON.stringify(run.body));
    const key = await db.query<{ storage_key: string }>(
      'SELECT storage_key FROM models WHERE id = $1',
      [model.body.id],
    );
    rmSync(join(env.config.artifactDir, key.rows[0]!.storage_key), {
      recursive: true,
      force: true,
    });
    // Only this run waits for the worker.
    const queued = await alice.call<{ items: { id: string }[] }>('GET', '/runs?status=queued');
    for (const r of queued.body.items.filter((r) => r.id !== run.body.id)) {
      await alice.call('POST', `/runs/${r.id}/cancel`);
    }
    const worker = spawnService('dist/src/worker.js', env.env, { captureStdout: true });
    let status = '';
    let error = '';
    try {
      for (let i = 0; i < 600 && !['failed', 'succeeded'].includes(status); i++) {
        await new Promise((r) => setTimeout(r, 200));
        const r = await alice.call<{ status: string; error: string | null }>(
          'GET',
          `/runs/${run.body.id}`,
        );
        status = r.body.status;
        error = r.body.error ?? '';
      }
    } finally {
      await stopProcess(worker.proc);
    }
    assert.equal(status, 'failed');
    assert.ok(error.length > 0);
    console.log(`run error: ${error}`);
    assert.ok(!error.includes(env.config.artifactDir) && !error.includes(repoRoot), error);
    assert.doesNotMatch(error, /(^|[\s'"(])\/(tmp|home|work|var|srv)\//, error);
    for (const l of worker.logs) {
      assert.ok(
        !l.includes(env.config.artifactDir) && !l.includes(repoRoot),
        `server path in worker log: ${l}`,
      );
    }
    // A 422 whose reason quotes a path (here the line itself) does not show it.
    const bad = await alice.call<Err>('POST', '/benchmarks', {
      name: 'paths',
      jsonl: `${env.config.artifactDir}/models/x`,
    });
    assert.equal(bad.status, 422);
    assert.ok(!JSON.stringify(bad.body).includes(env.config.artifactDir), JSON.stringify(bad.body));
  });

  test('hardening headers on the API and the panel; no X-Powered-By; no CORS unless configured', async () => {
    for (const path of ['/health/live', '/runs', '/admin/', '/docs']) {
      const res = await fetch(baseUrl + path, { headers: { origin: 'https://evil.example' } });
      assert.equal(res.headers.get('x-powered-by'), null, path);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(res.headers.get('x-frame-options'), 'DENY', path);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /frame-ancestors 'none'/, path);
      assert.match(csp, /script-src 'self'/, path);
      assert.match(csp, /object-src 'none'/, path);
      assert.equal(res.headers.get('access-control-allow-origin'), null, path);
    }
  });

  test('RZERO_CORS_ORIGINS allows the listed origins only, and bad values are refused at boot', async () => {
    assert.throws(
      () => loadConfig({ RZERO_CORS_ORIGINS: 'https://a.example/path' }),
      /RZERO_CORS_ORIGINS/,
    );
    assert.throws(
      () => loadConfig({ RZERO_CORS_ORIGINS: '*,https://a.example' }),
      /RZERO_CORS_ORIGINS/,
    );
    const config = { ...env.config, corsOrigins: ['https://panel.example'], port: 0 };
    const other = await startApi(config);
    try {
      const pre = await fetch(`${other.baseUrl}/runs`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://panel.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,idempotency-key',
        },
      });
      assert.ok(pre.status < 300, String(pre.status));
      assert.equal(pre.headers.get('access-control-allow-origin'), 'https://panel.example');
      assert.match(pre.headers.get('access-control-allow-headers') ?? '', /Idempotency-Key/i);
      const denied = await fetch(`${other.baseUrl}/health/live`, {
        headers: { origin: 'https://evil.example' },
      });
      assert.equal(denied.headers.get('access-control-allow-origin'), null);
    } finally {
      await other.close();
    }
  });
});
