/** Boot configuration: defaults, every bad variable named in one error, secrets never echoed. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config/app-config';

describe('loadConfig', () => {
  test('defaults', () => {
    const c = loadConfig({});
    assert.equal(c.port, 3000);
    assert.equal(c.embeddedWorker, false);
    assert.equal(c.backend, 'auto');
    assert.equal(c.workerConcurrency, 1);
    assert.equal(c.adminKey, null);
    assert.equal(c.metricsPort, 0);
  });

  test('every bad variable is listed, and no secret value appears in the message', () => {
    let err: ConfigError | null = null;
    try {
      loadConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://root:hunter2-secret@db/x',
        REDIS_URL: 'not a url with s3cr3t',
        RZERO_BACKEND: 'tpu',
        RZERO_ADMIN_KEY: 'short',
        RZERO_EMBEDDED_WORKER: 'maybe',
        RZERO_WORKER_CONCURRENCY: '0',
        LOG_LEVEL: 'loud',
      });
    } catch (e) {
      err = e as ConfigError;
    }
    assert.ok(err instanceof ConfigError);
    for (const name of [
      'PORT',
      'DATABASE_URL',
      'REDIS_URL',
      'RZERO_BACKEND',
      'RZERO_ADMIN_KEY',
      'RZERO_EMBEDDED_WORKER',
      'RZERO_WORKER_CONCURRENCY',
      'LOG_LEVEL',
    ]) {
      assert.ok(
        err.problems.some((p) => p.startsWith(name)),
        `${name} reported`,
      );
    }
    for (const secret of ['hunter2', 's3cr3t', 'short'])
      assert.ok(!err.message.includes(secret), `${secret} leaked`);
  });

  test('the api refuses to start with a bad variable and names it', async () => {
    const { spawnSync } = await import('node:child_process');
    const { join } = await import('node:path');
    const { repoRoot } = await import('../helpers/engine');
    const r = spawnSync(process.execPath, [join(repoRoot, 'dist/src/main.js')], {
      env: { ...process.env, RZERO_WORKER_CONCURRENCY: 'lots', PORT: '1' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /RZERO_WORKER_CONCURRENCY must be an integer/);
    const dir = spawnSync(process.execPath, [join(repoRoot, 'dist/src/worker.js')], {
      env: { ...process.env, RZERO_ARTIFACT_DIR: '/etc/hostname/artifacts' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(dir.status, 1);
    assert.match(
      dir.stderr,
      /RZERO_ARTIFACT_DIR \/etc\/hostname\/artifacts is not a writable directory/,
    );
  });
});
