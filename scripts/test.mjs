#!/usr/bin/env node
// The whole test suite: npm packages (when missing), system dependencies, the torch addon, a type-checked build, lint, then node's test runner
// over every compiled test file. `npm test -- test/engine` narrows to files under a path;
// RZERO_SKIP_SYSTEM_DEPS=1 / RZERO_SKIP_LINT=1 skip those steps while iterating.
// The OpenAPI drift checks (openapi.json, schema.d.ts) are tests: test/openapi/spec.test.ts.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const run = (cmd, args) => {
  try {
    execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
  } catch (err) {
    console.error(
      `\nnpm test: step failed: ${cmd} ${args.join(' ')} (exit ${err.status ?? err.signal})`,
    );
    process.exit(typeof err.status === 'number' && err.status > 0 ? err.status : 1);
  }
};

// The first command on a fresh clone: npm packages from the lockfile when missing or stale.
run(process.execPath, ['scripts/ensure-install.mjs']);
if (!process.env.RZERO_SKIP_SYSTEM_DEPS) run('bash', ['scripts/ensure-system-deps.sh']);
// The torch backend's addon (libtorch-dev with apt-get when absent, then node-gyp). Optional
// locally: when it cannot be built the script says why and the suite runs on the next backend auto
// picks. Under CI (CI set) a failed build fails the run: the torch tests would otherwise skip and
// the suite would pass on wasm without ever running the default backend.
const addon = spawnSync('bash', ['scripts/build-torch-addon.sh'], { cwd: root, stdio: 'inherit' });
if (addon.status !== 0 && process.env.CI) {
  console.error(
    '\nnpm test: the torch addon did not build, and CI requires it (unset CI to run on wasm)',
  );
  process.exit(1);
}
// Postgres and Redis for the service tests: started, or installed, when missing.
run('bash', ['scripts/ensure-services.sh']);
run('npx', ['tsc', '-p', 'tsconfig.json']);
// The client package compiles on its own (what another service installs), and the admin panel
// builds into web/dist, which the api serves at /admin and the browser tests load.
run('npm', ['run', '--silent', 'build', '-w', 'openapi']);
run('npm', ['run', '--silent', 'build', '-w', 'web']);
if (!process.env.RZERO_SKIP_LINT) run('npm', ['run', '--silent', 'lint']);

const filters = process.argv.slice(2);
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.js')) files.push(p);
  }
};
walk(join(root, 'dist', 'test'));
const chosen = files
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x.replace(/\.ts$/, ''))))
  .sort();
if (chosen.length === 0) {
  console.error('no test files matched', filters);
  process.exit(1);
}
const concurrency = process.env.RZERO_TEST_CONCURRENCY ?? '1';
const res = spawnSync(
  process.execPath,
  ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...chosen],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, RZERO_BACKEND: process.env.RZERO_BACKEND ?? 'auto' },
  },
);
process.exit(res.status ?? 1);
