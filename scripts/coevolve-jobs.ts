/**
 * Runs `scripts/coevolve.js` child processes, a few at a time (one per core: each is a full
 * co-evolution run), each logging to `<dir>/log.txt`, each with its share of the cores as its
 * compute threads and its share of the torch backend's memory cache (jobEnv). Used by `npm run replicate` and
 * `npm run size:solver` and `npm run size:challenger`. A failed run does not stop the others; the failures are reported
 * together at the end.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { iterationDir } from '../src/rzero';
import type { PresetName } from '../src/rzero';
import { ProgressBar } from './progress';

export interface CoevolveJob {
  /** Names the job in failures. */
  name: string;
  /** Work directory: checkpoints, report.json, log.txt. */
  dir: string;
  iterations: number;
  base: string;
  preset: PresetName;
  benchmarks: readonly string[];
  /** `--set` overrides, in order. */
  sets: readonly string[];
}

/** Iterations of the job already finished (a rerun resumes after them). */
export function completedIterations(j: CoevolveJob): number {
  let n = 0;
  while (n < j.iterations && existsSync(join(iterationDir(j.dir, n + 1), 'summary.json'))) n++;
  return n;
}

/**
 * The environment of a job run beside `concurrency - 1` others, each value left as the caller set
 * it:
 * - RZERO_THREADS (libtorch's intra-op threads) and OPENBLAS_NUM_THREADS: its share of the cores.
 *   Left at their default (every core) each of two jobs on 2 cores ran 2 threads, and half of the
 *   CPU time went to the kernel (top: 50% sy) while the phases took twice as long as alone.
 * - RZERO_TORCH_CACHE_MB (the torch backend's cache of freed blocks): its share of the quarter of
 *   the memory one process may keep by default. Two one-iteration arith-small runs at once on a
 *   24 GB, 2-core machine: at the default each peaked at 6.6-7.1 GB resident, at their share (3 GB)
 *   at 4.7 GB, in the same wall time (2:28-2:30).
 */
export function jobEnv(
  env: NodeJS.ProcessEnv,
  concurrency: number,
  cores = availableParallelism(),
  memoryBytes = totalmem(),
): NodeJS.ProcessEnv {
  const n = Math.max(1, concurrency);
  const share = String(Math.max(1, Math.floor(cores / n)));
  const cacheMb = String(Math.max(64, Math.floor(memoryBytes / 4 / n / 2 ** 20)));
  return {
    ...env,
    RZERO_THREADS: env.RZERO_THREADS || share,
    OPENBLAS_NUM_THREADS: env.OPENBLAS_NUM_THREADS || share,
    RZERO_TORCH_CACHE_MB: env.RZERO_TORCH_CACHE_MB || cacheMb,
  };
}

function runJob(j: CoevolveJob, env: NodeJS.ProcessEnv): Promise<void> {
  const args = [
    resolve(__dirname, 'coevolve.js'),
    '--base',
    j.base,
    '--preset',
    j.preset,
    '--domain',
    'arith',
    '--benchmarks',
    j.benchmarks.length > 0 ? j.benchmarks.join(',') : 'none',
    '--work',
    j.dir,
    '--report',
    join(j.dir, 'report'),
  ];
  for (const s of [`iterations=${j.iterations}`, ...j.sets]) args.push('--set', s);
  mkdirSync(j.dir, { recursive: true });
  const log = createWriteStream(join(j.dir, 'log.txt'), { flags: 'a' });
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    child.on('error', fail);
    child.on('close', (code) =>
      code === 0
        ? ok()
        : fail(new Error(`${j.name} exited ${code}; see ${join(j.dir, 'log.txt')}`)),
    );
  });
}

/** Runs every job, `concurrency` at a time, with a progress bar over their iterations. */
export async function runCoevolveJobs(
  label: string,
  jobs: readonly CoevolveJob[],
  concurrency: number,
): Promise<void> {
  const total = jobs.reduce((n, j) => n + j.iterations, 0);
  const bar = new ProgressBar(label, total);
  const tick = () => bar.update(jobs.reduce((n, j) => n + completedIterations(j), 0));
  const timer = setInterval(tick, 5000);
  const queue = jobs.slice();
  const failures: string[] = [];
  const env = jobEnv(process.env, concurrency);
  const worker = async () => {
    for (let j = queue.shift(); j; j = queue.shift()) {
      await runJob(j, env).catch((err: Error) => failures.push(err.message));
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    clearInterval(timer);
    tick();
    bar.done();
  }
  if (failures.length > 0)
    throw new Error(`${failures.length} run(s) failed:\n${failures.join('\n')}`);
}
