#!/usr/bin/env node
// Makes `npm test` and `npm run demo` work as the first command on a fresh clone: installs the
// npm packages from the lockfile (npm ci) when node_modules is missing or older than
// package-lock.json, saying so; does nothing otherwise. npm records each install in
// node_modules/.package-lock.json, which is newer than package-lock.json after an install.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
let why = null;
if (!existsSync(installed)) why = 'node_modules is missing';
else if (statSync(installed).mtimeMs < statSync(lock).mtimeMs)
  why = 'package-lock.json changed since node_modules was installed';
if (why) {
  console.log(`${why}: installing the npm packages from the lockfile (npm ci, about a minute)`);
  try {
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  } catch (err) {
    console.error(`npm ci failed (exit ${err.status ?? err.signal}); fix the error above and run again`);
    process.exit(1);
  }
}
