/**
 * docs/api.md's curl block, run as written (bash + curl) against a real api with an embedded
 * worker: the model is registered, the run launched, its SSE stream followed to the end, the
 * Solver downloaded. The documentation cannot drift from the API without this failing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/engine';
import { ADMIN_KEY, Api, createTestEnv, startApi } from './harness';
import type { RunningApi, TestEnv } from './harness';

function curlBlock(): string {
  const doc = readFileSync(join(repoRoot, 'docs/api.md'), 'utf8');
  const m = /<!-- curl-examples:start -->\s*```sh\n([\s\S]*?)```\s*<!-- curl-examples:end -->/.exec(
    doc,
  );
  assert.ok(m, 'docs/api.md has the curl-examples block');
  return m[1]!;
}

describe('docs/api.md curl examples', () => {
  let env: TestEnv;
  let api: RunningApi;
  let dir = '';

  before(async () => {
    env = await createTestEnv({ RZERO_EMBEDDED_WORKER: '1' });
    api = await startApi(env.config);
    dir = mkdtempSync(join(tmpdir(), 'rzero-curl-'));
  });
  after(async () => {
    await api?.close();
    await env?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the block runs as written: run launched, events followed to the end, Solver downloaded', async () => {
    const user = await new Api(api.baseUrl, ADMIN_KEY).newKey('curl-user');
    // Print the ids the block sets, so the test can check them against the API.
    const script = `set -euo pipefail\n${curlBlock()}\necho "RUN_ID=$RUN_ID"\n`;
    // Asynchronously: the api answers from this process's event loop.
    const { stdout: out } = await promisify(execFile)('bash', ['-c', script], {
      cwd: dir,
      env: { ...process.env, RZERO_URL: api.baseUrl, RZERO_KEY: user.key },
      encoding: 'utf8',
      timeout: 240_000,
    });
    const runId = /RUN_ID=([0-9a-f-]{36})/.exec(out)?.[1];
    assert.ok(runId, out);
    const run = await user.rz.ok(
      user.rz.api.GET('/runs/{id}', { params: { path: { id: runId } } }),
    );
    assert.equal(run.status, 'succeeded');
    const events = readFileSync(join(dir, 'events.txt'), 'utf8');
    const ids = [...events.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    assert.deepEqual(
      ids,
      ids.map((_, i) => i + 1),
      'every event once, in order, from 1',
    );
    assert.match(events, /"status":"succeeded"/);
    const tar = readFileSync(join(dir, 'solver.tar.gz'));
    assert.equal(tar[0], 0x1f, 'gzip magic');
    assert.ok(statSync(join(dir, 'solver.tar.gz')).size > 100_000);
  });
});
