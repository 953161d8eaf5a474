/**
 * The torch backend in worker threads that are terminated mid-computation (how the service stops a
 * canceled evaluation or a worker shutting down): the process must live on. Node-API calls fail
 * while a thread's environment is torn down; the addon must swallow that instead of letting a C++
 * exception reach Node (std::terminate, SIGABRT: seen once in CI before the fix).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { addonPath } from '../../src/engine/torch/addon';
import { repoRoot } from '../helpers/engine';

const built = existsSync(addonPath());

describe(
  'torch backend in terminated worker threads',
  { skip: !built && 'the torch addon is not built' },
  () => {
    test('terminating 30 threads in the middle of kernels leaves the process running', () => {
      const backend = join(repoRoot, 'dist', 'src', 'engine', 'backend.js');
      // Each thread trains a small loop of kernels (allocations, errors, reads) until terminated.
      const worker = `
      const { parentPort } = require('node:worker_threads');
      require(${JSON.stringify(backend)}).initBackend('torch').then(() => {
        const tf = require('@tensorflow/tfjs-core');
        parentPort.postMessage('ready');
        for (;;) {
          tf.tidy(() => {
            const a = tf.randomNormal([256, 256]);
            const b = tf.matMul(a, a);
            tf.softmax(b).dataSync();
            try { tf.matMul(a, tf.ones([3, 3])); } catch {}
          });
        }
      });`;
      const main = `
      const { Worker } = require('node:worker_threads');
      (async () => {
        for (let i = 0; i < 30; i++) {
          const w = new Worker(${JSON.stringify(worker)}, { eval: true });
          await new Promise((r) => w.once('message', r));
          await new Promise((r) => setTimeout(r, 5 + (i % 7) * 3));
          await w.terminate();
        }
        console.log('survived');
      })();`;
      const res = spawnSync(process.execPath, ['-e', main], {
        cwd: repoRoot,
        encoding: 'utf8',
        timeout: 120_000,
      });
      assert.equal(res.signal, null, `killed by ${res.signal}: ${res.stderr.slice(-500)}`);
      assert.equal(res.status, 0, res.stderr.slice(-500));
      assert.match(res.stdout, /survived/);
    });
  },
);
