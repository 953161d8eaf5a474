/**
 * `npm run demo`: the product end to end on this machine, with nothing done by hand.
 *   1. Postgres and Redis: checked, started or installed (scripts/ensure-services.sh, run by npm)
 *   2. the database rzero_demo: created if missing, migrated
 *   3. api + worker in one process (RZERO_EMBEDDED_WORKER), on a free port
 *   4. over HTTP with the generated client (openapi/): an API key, the built-in arith-tiny
 *      model, a `tiny` run of 2 iterations
 *   5. live progress from the run's SSE stream (a progress bar per phase)
 *   6. the evolved Solver downloaded as tar.gz, extracted, checked with the engine
 *   7. the benchmark table: base vs each iteration's Solver
 *   8. the admin panel (built by the npm script) checked to load, its URL and a key to sign in with
 *      printed; `npm run demo -- --serve` keeps the api and panel up until Ctrl-C
 * The run stays in the database; the Solver lands in demo-output/.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { x as tarExtract } from 'tar';
import { createApi } from '../src/app';
import { loadConfig } from '../src/config/app-config';
import { projectRoot } from '../src/common/paths';
import { inspectModelDir } from '../src/engine';
import { deleteKeysWithPrefix } from '../src/redis/redis-keys';
import type { RZeroEvent } from '../src/rzero';
import type { RunView } from '../openapi/src';
import { migrate } from './migrate';
import { progressPrinter } from './run-report';
import { createRzeroClient } from '../openapi/src';

const t0 = Date.now();

/**
 * Overrides of the tiny preset: Challenger 2 steps of 16 prompts (8 updates), N = 128 questions,
 * Solver 4 steps of 32 questions (16 updates), 100 items per benchmark.
 */
export const DEMO_CONFIG = {
  iterations: 2,
  challenger: { steps: 2, questionsPerIteration: 128 },
  solver: { steps: 4 },
  evaluation: { maxItems: 100 },
};
const say = (s: string) =>
  console.log(`[demo ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${s}`);

async function main(): Promise<void> {
  const root = projectRoot();
  const adminKey = `demo-admin-${randomBytes(12).toString('hex')}`;
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/rzero_demo',
    // A prefix of its own: a worker left over from another checkout must not take this demo's run.
    RZERO_REDIS_PREFIX:
      process.env.RZERO_REDIS_PREFIX ?? `rzero-demo-${randomBytes(4).toString('hex')}`,
    RZERO_ARTIFACT_DIR: process.env.RZERO_ARTIFACT_DIR ?? join(root, '.artifacts', 'demo'),
    RZERO_ADMIN_KEY: adminKey,
    RZERO_EMBEDDED_WORKER: '1',
    // The demo's own lines tell the story; the service logs only errors (JSON) unless asked.
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
  });
  const serve = process.argv.includes('--serve');
  const applied = await migrate(config.databaseUrl, say);
  say(applied.length ? `migrated: ${applied.join(', ')}` : 'database schema up to date');

  const app = await createApi(config);
  await app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  say(`api + embedded worker listening on ${base}`);
  try {
    const admin = createRzeroClient({ baseUrl: base, apiKey: adminKey });
    const { key } = await admin.ok(
      admin.api.POST('/api-keys', { body: { name: 'demo', owner: 'demo' } }),
    );
    const rz = createRzeroClient({ baseUrl: base, apiKey: key });
    const model = await rz.ok(rz.api.POST('/models', { body: { builtin: 'arith-tiny' } }));
    say(`model ${model.name}: ${model.parameterCount.toLocaleString()} parameters (${model.id})`);
    // The tiny preset, cut to fit the demo's 10-minute budget on 2 CPU cores.
    const run = (await rz.ok(
      rz.api.POST('/runs', {
        body: { baseModelId: model.id, preset: 'tiny', config: DEMO_CONFIG },
      }),
    )) as RunView;
    say(`run ${run.id} queued: preset tiny with ${JSON.stringify(DEMO_CONFIG)}`);
    say(`following ${base}/runs/${run.id}/events`);
    say(`watch it in the admin panel: ${base}/admin/runs/${run.id} (sign in with the key ${key})`);

    const show = progressPrinter();
    let status = '';
    await rz.subscribeRunEvents(run.id, {
      onEvent: (e) => {
        if (e.type === 'run.status') {
          status = e.status;
          if (status !== 'running') say(`run ${status}${e.error ? `: ${e.error}` : ''}`);
        } else {
          show(e as RZeroEvent);
          if (e.type === 'iteration.completed') say(`iteration ${e.iteration} completed`);
        }
      },
    }).done;
    if (status !== 'succeeded') throw new Error(`the run ended ${status}`);

    const out = resolve(process.env.RZERO_DEMO_OUT ?? join(root, 'demo-output'));
    const solverDir = join(out, 'solver');
    rmSync(out, { recursive: true, force: true });
    mkdirSync(solverDir, { recursive: true });
    const tgz = await rz.download('/runs/{id}/solver', { path: { id: run.id } });
    writeFileSync(join(out, 'solver.tar.gz'), tgz.bytes);
    await tarExtract({ file: join(out, 'solver.tar.gz'), cwd: solverDir });
    const solver = await inspectModelDir(solverDir, { requireTokenizer: true });
    say(
      `Solver downloaded to ${solverDir} and checked: ${solver.config.architecture}, ${solver.parameters.toLocaleString()} parameters`,
    );

    const path = { path: { id: run.id } };
    const scores = await rz.ok(rz.api.GET('/runs/{id}/scores', { params: path }));
    // Columns in the run's benchmark order (easy, medium, hard).
    const { benchmarkIds } = await rz.ok(rz.api.GET('/runs/{id}', { params: path }));
    scores.sort(
      (a, b) => benchmarkIds.indexOf(a.benchmarkId) - benchmarkIds.indexOf(b.benchmarkId),
    );
    printTable(scores);
    await checkPanel(base, run.id, key);
    say(`done in ${((Date.now() - t0) / 60_000).toFixed(1)} min wall time`);
    console.log('');
    console.log(`  admin panel:  ${base}/admin/runs/${run.id}`);
    console.log(`  sign in with: ${key}`);
    console.log(`  API:          ${base}/docs (OpenAPI), curl examples in docs/api.md`);
    if (serve) {
      console.log('');
      say('serving the api and the panel until Ctrl-C (--serve)');
      await new Promise<void>((done) => {
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
    } else {
      console.log('');
      console.log(
        '  The server stops now; `npm run demo -- --serve` keeps it (and the panel) up until Ctrl-C.',
      );
    }
  } finally {
    await app.close();
    // The demo's queue keys go with it (the run itself stays in Postgres).
    await deleteKeysWithPrefix(config.redisUrl, config.redisPrefix);
  }
}

/** The admin panel loads: its page and script answer, and the printed key signs in (GET /me). */
async function checkPanel(base: string, runId: string, key: string): Promise<void> {
  const page = await fetch(`${base}/admin/runs/${runId}`);
  const html = await page.text();
  const script = /<script[^>]+src="([^"]+)"/.exec(html)?.[1];
  if (!page.ok || !script) throw new Error(`the admin panel did not load (HTTP ${page.status})`);
  const js = await fetch(new URL(script, `${base}/admin/`));
  if (!js.ok) throw new Error(`the admin panel's script ${script} answered HTTP ${js.status}`);
  const me = await fetch(`${base}/me`, { headers: { authorization: `Bearer ${key}` } });
  if (!me.ok) throw new Error(`signing in with the demo key failed (HTTP ${me.status})`);
  say(`admin panel checked: the page and its script load, the key signs in`);
}

function printTable(
  scores: { iteration: number; benchmark: string; score: number; items: number }[],
): void {
  const benches = [...new Set(scores.map((s) => s.benchmark))];
  const iters = [...new Set(scores.map((s) => s.iteration))].sort((a, b) => a - b);
  const cell = (it: number, b: string) => {
    const s = scores.find((x) => x.iteration === it && x.benchmark === b);
    return s ? `${(100 * s.score).toFixed(1)}%` : '-';
  };
  const rows = [
    ['model', ...benches.map((b) => `${b} (greedy)`)],
    ...iters.map((it) => [
      it === 0 ? 'base (arith-tiny)' : `Solver, iteration ${it}`,
      ...benches.map((b) => cell(it, b)),
    ]),
  ];
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  console.log('');
  for (const [i, r] of rows.entries()) {
    console.log(`| ${r.map((c, j) => c.padEnd(widths[j]!)).join(' | ')} |`);
    if (i === 0) console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  }
  console.log('');
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
