/**
 * The admin panel in a real browser (Debian's chromium driven by playwright-core) against the real
 * api, Postgres, Redis and worker: sign in with the keyboard, register the built-in model, get
 * validation messages next to the fields, see the dry-run estimate, launch a CI-sized run from the
 * form and watch its charts fill in live over SSE, download the Solver, open the curriculum
 * explorer, cancel another run, and check the layout at 390 px. Any console error or warning fails
 * the test. Screenshots go to test-results/.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ARITH_BENCHMARK_NAMES } from '../../src/tasks/arith';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../../scripts/chromium';
import { repoRoot } from '../helpers/engine';
import { ADMIN_KEY, Api, ciRunBody, createTestEnv, readEvents, startApi } from '../service/harness';
import type { RunningApi, TestEnv } from '../service/harness';

const SHOTS = join(repoRoot, 'test-results');
const RUN_TIMEOUT = 240_000;

describe('admin panel in chromium (real api, worker, Postgres, Redis)', () => {
  let env: TestEnv;
  let api: RunningApi;
  let alice: Api;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const consoleProblems: string[] = [];
  /**
   * Chromium logs every non-2xx answer as a console error ("Failed to load resource"). Steps that
   * provoke one on purpose (a wrong key, an invalid config) allow exactly those statuses; any
   * other console error or warning fails the session.
   */
  let allowedStatuses: number[] = [];
  const allowedSeen: number[] = [];
  let runId = '';

  const points = async (chart: string): Promise<number> =>
    Number(await page.getByTestId(chart).getAttribute('data-points'));
  /** The run's whole event stream has been read (the charts hold every event). */
  const streamEnded = () =>
    page.waitForSelector('[data-testid="event-stream"][data-state="ended"]', { timeout: 30_000 });
  const shot = async (name: string) => {
    await page.mouse.move(0, 0); // no chart tooltip in the picture
    await page.screenshot({ path: join(SHOTS, name), fullPage: true });
  };

  before(async () => {
    assert.ok(
      existsSync(join(repoRoot, 'web/dist/index.html')),
      'web/dist is built (npm run build)',
    );
    mkdirSync(SHOTS, { recursive: true });
    env = await createTestEnv({ RZERO_EMBEDDED_WORKER: '1' });
    api = await startApi(env.config);
    alice = await new Api(api.baseUrl, ADMIN_KEY).newKey('alice');
    browser = await launchChromium();
    context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      acceptDownloads: true,
    });
    page = await context.newPage();
    page.setDefaultTimeout(30_000);
    page.on('console', (m) => {
      if (m.type() !== 'error' && m.type() !== 'warning') return;
      const status = /^Failed to load resource: the server responded with a status of (\d+)/.exec(
        m.text(),
      );
      if (status && allowedStatuses.includes(Number(status[1]))) {
        allowedSeen.push(Number(status[1]));
        return;
      }
      consoleProblems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (err) => consoleProblems.push(`pageerror: ${err.message}`));
  });

  after(async () => {
    await browser?.close();
    await api?.close();
    await env?.cleanup();
  });

  test('sign in with the keyboard; the key stays out of the URL', async () => {
    await page.goto(`${api.baseUrl}/admin/`);
    allowedStatuses = [401];
    await page.getByTestId('api-key-input').fill('not-a-key');
    await page.getByTestId('api-key-input').press('Enter');
    await page.getByTestId('sign-in-error').waitFor();
    allowedStatuses = [];
    assert.deepEqual(allowedSeen.splice(0), [401]);

    await page.getByTestId('api-key-input').fill(alice.key);
    await page.keyboard.press('Enter');
    await page.getByTestId('nav-runs').waitFor();
    assert.ok(!page.url().includes(alice.key));
    // A user key is not an admin key: no API keys page.
    assert.equal(await page.getByTestId('nav-api-keys').count(), 0);
    const stored = await page.evaluate(() => sessionStorage.getItem('rzero.apiKey'));
    assert.equal(stored, alice.key);
  });

  test('models: register the built-in model and download it', async () => {
    await page.getByTestId('nav-models').click();
    await page.getByTestId('register-builtin').click();
    await page.getByTestId('model-row').first().waitFor();
    const rows = await page.getByTestId('model-row').allTextContents();
    assert.ok(rows.some((r) => r.includes('arith-tiny')));
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('download-model').first().click(),
    ]);
    const file = join(SHOTS, download.suggestedFilename());
    await download.saveAs(file);
    assert.deepEqual([...readFileSync(file).subarray(0, 2)], [0x1f, 0x8b], 'gzip magic');
  });

  test('benchmarks: a bad JSONL is refused with its line numbers; a good one uploads and deletes', async () => {
    await page.getByTestId('nav-benchmarks').click();
    await page.getByTestId('benchmarks-table').waitFor();
    const upload = async (text: string) => {
      await page.getByTestId('benchmark-upload-file').setInputFiles({
        name: 'mine.jsonl',
        mimeType: 'application/jsonl',
        buffer: Buffer.from(text),
      });
      await page.getByTestId('benchmark-upload-name').fill('mine');
      await page.getByTestId('benchmark-upload-domain').selectOption('arith');
      await page.getByTestId('benchmark-upload-submit').click();
    };
    allowedStatuses = [422];
    await upload('{"question":"1+1=?","answer":"2"}\nnot json\n{"question":"2+2=?"}');
    const error = page.getByTestId('benchmark-upload-error');
    await error.waitFor();
    assert.match((await error.textContent()) ?? '', /line 2[\s\S]*line 3/);
    allowedStatuses = [];
    assert.deepEqual(allowedSeen.splice(0), [422]);

    await upload('{"question":"1+1=?","answer":"2"}\n{"question":"2+2=?","answer":"4"}');
    const row = page.getByTestId('benchmark-row').filter({ hasText: 'mine' });
    await row.waitFor();
    await row.getByTestId('delete-benchmark').click();
    await page.getByTestId('confirm-delete-benchmark').click();
    await row.waitFor({ state: 'detached' });
  });

  test('new run: the API validation messages appear next to the fields; the dry-run estimate shows', async () => {
    await page.getByTestId('nav-new-run').click();
    const form = page.getByTestId('new-run-form');
    await form.waitFor();
    await page.getByTestId('field-preset').selectOption('tiny');
    await page.getByTestId('field-config.filter.minP').fill('0.9');
    await page.getByTestId('field-config.filter.maxP').fill('0.2');
    allowedStatuses = [400];
    await page.getByTestId('estimate').click();
    const minErr = page.getByTestId('error-config.filter.minP');
    const maxErr = page.getByTestId('error-config.filter.maxP');
    await Promise.race([minErr.waitFor(), maxErr.waitFor()]);
    assert.ok((await minErr.count()) + (await maxErr.count()) > 0);
    allowedStatuses = [];
    assert.deepEqual(allowedSeen.splice(0), [400]);

    await page.getByTestId('field-config.filter.minP').fill('0.3');
    await page.getByTestId('field-config.filter.maxP').fill('0.8');
    const body = ciRunBody('');
    const c = body.config!;
    await page.getByTestId('field-config.seed').fill(String(c.seed));
    await page.getByTestId('field-config.iterations').fill(String(c.iterations));
    await page.getByTestId('field-config.challenger.steps').fill(String(c.challenger!.steps));
    await page
      .getByTestId('field-config.challenger.questionsPerIteration')
      .fill(String(c.challenger!.questionsPerIteration));
    await page.getByTestId('field-config.solver.steps').fill(String(c.solver!.steps));
    await page.getByTestId('field-config.evaluation.maxItems').fill(String(c.evaluation!.maxItems));
    await page.getByTestId('field-config-json').fill(
      JSON.stringify({
        challenger: { batch: c.challenger!.batch, miniBatch: c.challenger!.miniBatch },
        solver: {
          batch: c.solver!.batch,
          miniBatch: c.solver!.miniBatch,
          groupSize: c.solver!.groupSize,
        },
      }),
    );
    await page.getByTestId('estimate').click();
    await page.getByTestId('dry-run-estimate').waitFor();
    assert.equal(await page.getByTestId('error-config.filter.minP').count(), 0);
    const estimate = await page.getByTestId('dry-run-estimate').textContent();
    assert.match(estimate ?? '', /\d/);
  });

  test('launch: the run page updates live over SSE until the run succeeds', async () => {
    await page.getByTestId('launch').click();
    const runPage = page.getByTestId('run-page');
    await runPage.waitFor();
    runId = (await runPage.getAttribute('data-run-id')) ?? '';
    assert.match(runId, /^[0-9a-f-]{36}$/);
    assert.ok(page.url().includes(runId));

    // While the run trains, the step charts grow (the page is never reloaded).
    const seen = new Set<number>();
    const t0 = Date.now();
    let status = '';
    while (Date.now() - t0 < RUN_TIMEOUT) {
      status = (await page.getByTestId('run-status').textContent())?.trim() ?? '';
      seen.add((await points('chart-challenger')) + (await points('chart-solver')));
      if (['succeeded', 'failed', 'canceled'].includes(status)) break;
      await page.waitForTimeout(250);
    }
    assert.equal(status, 'succeeded');
    assert.ok(seen.size >= 3, `step charts updated live (${[...seen].join(', ')})`);
    // The status is polled; the charts follow the event stream, which may still be a step behind.
    await streamEnded();
    // What the panel plots is what the API recorded: every step event, every iteration, every score.
    const { events } = await readEvents(alice, runId);
    const count = (type: string) => events.filter((e) => e.type === type).length;
    assert.equal(await points('chart-challenger'), count('challenger.step'));
    assert.equal(await points('chart-solver'), count('solver.step'));
    const iterations = ciRunBody('').config!.iterations!;
    assert.equal(count('iteration.completed'), iterations);
    for (const chart of ['chart-p-histogram', 'chart-kept-share']) {
      assert.equal(await points(chart), iterations, chart);
    }
    // Oracle accuracy of the kept pseudo-labels is undefined (null) when no kept question has one.
    const labelled = events.filter(
      (e) => e.type === 'curriculum.stats' && e.stats.oracleKept?.accuracy != null,
    ).length;
    assert.equal(await points('chart-oracle-accuracy'), labelled);
    const scores = await alice.rz.ok(
      alice.rz.api.GET('/runs/{id}/scores', { params: { path: { id: runId } } }),
    );
    // Base + each iteration, on each of the 3 built-in arith benchmarks.
    assert.equal(scores.length, (iterations + 1) * 3);
    assert.equal(await points('chart-scores'), scores.length);
    assert.match((await page.getByTestId('phase-timeline').textContent()) ?? '', /solver/i);
    await shot('run-page.png');
  });

  test('download the Solver (final, best, per iteration) as tar.gz', async () => {
    for (const id of [
      'download-solver-final',
      'download-solver-best',
      'download-solver-iteration-1',
    ]) {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByTestId(id).click(),
      ]);
      assert.match(download.suggestedFilename(), /\.tar\.gz$/);
      const file = join(SHOTS, download.suggestedFilename());
      await download.saveAs(file);
      const bytes = readFileSync(file);
      assert.ok(bytes.length > 100_000, `${id}: ${bytes.length} bytes`);
      assert.deepEqual([...bytes.subarray(0, 2)], [0x1f, 0x8b], 'gzip magic');
    }
  });

  test('curriculum explorer: per iteration, kept/dropped, search, every Solver answer', async () => {
    await page.getByTestId('open-curriculum').click();
    await page.getByTestId('curriculum-page').waitFor();
    await page.getByTestId('curriculum-iteration').selectOption('1');
    await page.getByTestId('curriculum-kept').selectOption('all');
    await page.waitForFunction(() =>
      /\b32\b/.test(document.querySelector('[data-testid="curriculum-total"]')?.textContent ?? ''),
    );
    const row = page.getByTestId('curriculum-row').first();
    await row.focus();
    await page.keyboard.press('Enter');
    const detail = page.getByTestId('curriculum-detail').first();
    await detail.waitFor();
    const text = (await detail.textContent()) ?? '';
    assert.ok(text.length > 10, 'the detail lists the Solver answers');
    await shot('curriculum.png');

    // The filters ask the API; the table shows exactly what it answers.
    const curriculum = (query: { kept?: 'true' | 'false'; q?: string; limit?: number }) =>
      alice.rz.ok(
        alice.rz.api.GET('/runs/{id}/curriculum', {
          params: { path: { id: runId }, query: { iteration: 1, ...query } },
        }),
      );
    /** The table reports `total` questions and every row on it passes the check. */
    const shows = (total: number, check: { dropped?: true; contains?: string }) =>
      page.waitForFunction(
        ([n, c]) => {
          const el = document.querySelector('[data-testid="curriculum-total"]');
          const rows = Array.from(document.querySelectorAll('[data-testid="curriculum-row"]'));
          return (
            el?.getAttribute('data-total') === String(n) &&
            rows.length > 0 &&
            rows.every(
              (row) =>
                (!c.dropped || row.getAttribute('data-kept') === 'false') &&
                (c.contains === undefined ||
                  (row.querySelector('td.question')?.textContent ?? '').includes(c.contains)),
            )
          );
        },
        [total, check] as const,
      );
    const { total: dropped } = await curriculum({ kept: 'false' });
    // A CI-sized run may keep none of its 32 questions, but it always drops some.
    assert.ok(dropped > 0, `${dropped} of 32 dropped`);
    await page.getByTestId('curriculum-kept').selectOption('dropped');
    await shows(dropped, { dropped: true });

    // Search for a question that occurs once, so the filter has something to remove.
    const { items } = await curriculum({ limit: 500 });
    const once = items
      .map((it) => it.question)
      .find((q) => q.length > 0 && items.filter((it) => it.question.includes(q)).length === 1);
    assert.ok(once, 'some question occurs once');
    await page.getByTestId('curriculum-kept').selectOption('all');
    await page.getByTestId('curriculum-search').fill(once);
    await shows(1, { contains: once });
  });

  test('cancel another run from its page', async () => {
    const base = (await alice.rz.ok(alice.rz.api.GET('/models'))).find(
      (m) => m.name === 'arith-tiny',
    )!;
    const long = ciRunBody(base.id);
    long.config!.iterations = 5;
    const res = await alice.rz.api.POST('/runs', { body: long });
    const id = (res.data as { id: string }).id;
    await page.getByTestId('nav-runs').click();
    await page.locator(`[data-testid="run-row"][data-run-id="${id}"]`).waitFor();
    await page.goto(`${api.baseUrl}/admin/runs/${id}`);
    await page.getByTestId('run-page').waitFor();
    await page.getByTestId('cancel-run').click();
    await page.getByTestId('confirm-cancel').click();
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="run-status"]')?.textContent?.trim() === 'canceled',
      undefined,
      { timeout: 120_000 },
    );
    const run = await alice.rz.ok(alice.rz.api.GET('/runs/{id}', { params: { path: { id } } }));
    assert.equal(run.status, 'canceled');
  });

  test('cancel an evaluation from the evaluations page', async () => {
    const rz = alice.rz;
    const base = (await rz.ok(rz.api.GET('/models'))).find((m) => m.name === 'arith-tiny')!;
    const builtins = (await rz.ok(rz.api.GET('/benchmarks'))).filter(
      (b) => b.builtin && (ARITH_BENCHMARK_NAMES as readonly string[]).includes(b.name),
    );
    const evaluation = await rz.ok(
      rz.api.POST('/evaluations', {
        body: { modelId: base.id, benchmarkIds: builtins.map((b) => b.id), metric: 'mean@4' },
      }),
    );
    await page.getByTestId('nav-evaluations').click();
    const row = page.locator(
      `[data-testid="evaluation-row"][data-evaluation-id="${evaluation.id}"]`,
    );
    await row.getByTestId('cancel-evaluation').click();
    await page.getByTestId('confirm-cancel-evaluation').click();
    await page
      .locator(
        `[data-testid="evaluation-row"][data-evaluation-id="${evaluation.id}"][data-status="canceled"]`,
      )
      .waitFor();
    const after = await rz.ok(
      rz.api.GET('/evaluations/{id}', { params: { path: { id: evaluation.id } } }),
    );
    assert.equal(after.status, 'canceled');
    assert.deepEqual(after.scores, []);
  });

  test('390 px wide: no page-level horizontal scrolling; the run page still renders its charts', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${api.baseUrl}/admin/runs/${runId}`);
    await page.getByTestId('run-page').waitFor();
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="run-status"]')?.textContent?.trim() === 'succeeded',
    );
    await streamEnded();
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.ok(overflow <= 1, `page scrolls sideways by ${overflow}px`);
    assert.ok((await points('chart-challenger')) > 0);
    await shot('run-page-390.png');
    await page.goto(`${api.baseUrl}/admin/runs`);
    await page.getByTestId('runs-table').waitFor();
    await shot('runs-390.png');
  });

  test('no console errors or warnings during the whole session', () => {
    assert.deepEqual(consoleProblems, []);
  });
});
