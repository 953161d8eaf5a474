/**
 * `npm run screenshots`: the admin panel's pictures in docs/, taken from a real finished run.
 * Starts the api (no worker) on the demo's database, finds the newest succeeded run (make one with
 * `npm run demo`), opens its page and its curriculum explorer in headless chromium and writes
 *   docs/admin-run-page.png     the run page (charts, phases, downloads), 1280 px wide
 *   docs/admin-curriculum.png   the curriculum explorer, iteration 1, one question expanded
 * The key is placed in session storage, as the sign-in page does, never in a URL.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { createRzeroClient } from '../openapi/src';
import { createApi } from '../src/app';
import { projectRoot } from '../src/common/paths';
import { loadConfig } from '../src/config/app-config';
import { deleteKeysWithPrefix } from '../src/redis/redis-keys';
import { launchChromium } from './chromium';
import { migrate } from './migrate';

const say = (s: string) => console.log(`[screenshots] ${s}`);

async function main(): Promise<void> {
  const root = projectRoot();
  const adminKey = `screens-${randomBytes(12).toString('hex')}`;
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/rzero_demo',
    RZERO_REDIS_PREFIX: `rzero-screens-${randomBytes(4).toString('hex')}`,
    RZERO_ARTIFACT_DIR: process.env.RZERO_ARTIFACT_DIR ?? join(root, '.artifacts', 'demo'),
    RZERO_ADMIN_KEY: adminKey,
    RZERO_EMBEDDED_WORKER: '0',
    LOG_LEVEL: 'warn',
  });
  await migrate(config.databaseUrl, () => undefined);
  const app = await createApi(config);
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  const browser = await launchChromium();
  try {
    const rz = createRzeroClient({ baseUrl: base, apiKey: adminKey });
    const page1 = await rz.ok(
      rz.api.GET('/runs', { params: { query: { status: 'succeeded', limit: 1 } } }),
    );
    const run = page1.items[0];
    if (!run) throw new Error('no succeeded run in this database: run `npm run demo` first');
    say(`run ${run.id} (${run.completedIterations} iterations, ${run.createdAt})`);

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript((key) => sessionStorage.setItem('rzero.apiKey', key), adminKey);
    const page = await context.newPage();
    page.setDefaultTimeout(60_000);

    await page.goto(`${base}/admin/runs/${run.id}`);
    await page.getByTestId('run-page').waitFor();
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="run-status"]')?.textContent?.trim() === 'succeeded',
    );
    // Every event is on the charts once the stream has ended.
    await page.waitForSelector('[data-testid="event-stream"][data-state="ended"]');
    await shoot(page, join(root, 'docs/admin-run-page.png'));

    await page.getByTestId('open-curriculum').click();
    await page.getByTestId('curriculum-page').waitFor();
    await page.getByTestId('curriculum-iteration').selectOption('1');
    await page.getByTestId('curriculum-row').first().waitFor();
    await page.getByTestId('curriculum-row').first().click();
    await page.getByTestId('curriculum-detail').first().waitFor();
    await shoot(page, join(root, 'docs/admin-curriculum.png'));
  } finally {
    await browser.close();
    await app.close();
    await deleteKeysWithPrefix(config.redisUrl, config.redisPrefix);
  }
}

async function shoot(page: Page, path: string): Promise<void> {
  await page.mouse.move(0, 0);
  await page.screenshot({ path, fullPage: true });
  say(`wrote ${path}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
