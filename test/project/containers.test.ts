/**
 * The container files stay valid: docker-compose.yml passes `docker compose config` (or Compose
 * 1.x `docker-compose config`) where one is installed, and every path the Dockerfile copies exists.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/engine';

function composeCommand(): string[] | null {
  if (spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0)
    return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0)
    return ['docker-compose'];
  return null;
}

describe('container files', () => {
  const compose = composeCommand();
  test(
    'docker-compose.yml is valid',
    { skip: compose ? false : 'no docker compose / docker-compose here' },
    () => {
      const [cmd, ...args] = compose!;
      const r = spawnSync(cmd!, [...args, 'config', '-q'], {
        cwd: repoRoot,
        env: { ...process.env, RZERO_ADMIN_KEY: 'compose-check-key-0123' },
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
    },
  );

  test('every COPY source of the Dockerfile exists', () => {
    const lines = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8').split('\n');
    const sources = lines
      .filter((l) => /^COPY\s/.test(l) && !l.includes('--from='))
      .flatMap((l) => l.trim().split(/\s+/).slice(1, -1));
    assert.ok(sources.length >= 5);
    for (const s of sources) assert.ok(existsSync(join(repoRoot, s)), `${s} missing`);
  });
});
