/**
 * Runs `coevolve` (and model evaluations) on a worker thread, so the training's synchronous stretches (sampling, wasm
 * kernels) never block the process's event loop: Bull keeps renewing its job lock, and an api
 * with an embedded worker keeps answering requests and streaming SSE while a run trains.
 *
 * Protocol (plain structured-clone messages):
 *   thread -> parent  {kind: 'event', seq, event}   parent persists it, then answers
 *   parent -> thread  {kind: 'ack', seq} | {kind: 'nack', seq, message}
 *   parent -> thread  {kind: 'abort'}              the loop stops at its next step
 *   thread -> parent  {kind: 'done'} | {kind: 'error', name, message}
 * Every event is persisted before the loop goes on, exactly as with an in-process hook. An
 * evaluation writes nothing until it is done, so aborting one terminates its thread at once
 * (its sampling is synchronous per benchmark and would not see an abort message before then).
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { join } from 'node:path';
import { initBackend, loadModelDir } from '../engine';
import type { BackendRequest } from '../engine';
import {
  coevolve,
  evaluateModel,
  PromptRenderer,
  resolveConfig,
  RZeroAbortedError,
} from '../rzero';
import type { BenchmarkScore, BenchmarkSet, RZeroConfig, RZeroEvent } from '../rzero';
import { runDomain } from '../common/builtin-models';

export interface CoevolveJob {
  kind?: 'coevolve';
  baseDir: string;
  config: RZeroConfig;
  workDir: string;
  domain: 'arith' | 'math' | string;
  benchmarks: BenchmarkSet[];
  backend: BackendRequest;
}

/** Evaluate one model on benchmarks (POST /evaluations), off the event loop like a run. */
export interface EvaluateJob {
  kind: 'evaluate';
  modelDir: string;
  domain: string;
  benchmarks: BenchmarkSet[];
  metric: string;
  backend: BackendRequest;
}

type ToParent =
  | { kind: 'event'; seq: number; event: RZeroEvent }
  | { kind: 'done'; scores?: BenchmarkScore[] }
  | { kind: 'error'; name: string; message: string; stack?: string };
type ToThread =
  { kind: 'ack'; seq: number } | { kind: 'nack'; seq: number; message: string } | { kind: 'abort' };

/** Parent side: resolves when the run completes; rejects with the hook's own error or the loop's. */
export async function coevolveInThread(
  job: CoevolveJob,
  onEvent: (e: RZeroEvent) => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  await runInThread({ ...job, kind: 'coevolve' }, onEvent, signal);
}

/**
 * Greedy (or mean@k) scores of a model on benchmarks, computed on a worker thread; `signal` ends
 * it at once with RZeroAbortedError.
 */
export async function evaluateInThread(
  job: Omit<EvaluateJob, 'kind'>,
  signal: AbortSignal,
): Promise<BenchmarkScore[]> {
  return (await runInThread({ ...job, kind: 'evaluate' }, async () => undefined, signal)) ?? [];
}

function runInThread(
  job: CoevolveJob | EvaluateJob,
  onEvent: (e: RZeroEvent) => Promise<void>,
  signal: AbortSignal,
): Promise<BenchmarkScore[] | undefined> {
  return new Promise((resolve, reject) => {
    let scores: BenchmarkScore[] | undefined;
    const worker = new Worker(join(__dirname, 'engine-thread.js'), { workerData: job });
    let hookError: unknown = null;
    let settled = false;
    const settle = (err: unknown) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      void worker.terminate();
      if (err) reject(err);
      else resolve(scores);
    };
    const onAbort = () =>
      job.kind === 'evaluate'
        ? settle(new RZeroAbortedError())
        : worker.postMessage({ kind: 'abort' } satisfies ToThread);
    signal.addEventListener('abort', onAbort);
    if (signal.aborted) onAbort();
    worker.on('message', (m: ToParent) => {
      if (m.kind === 'event') {
        onEvent(m.event).then(
          () => worker.postMessage({ kind: 'ack', seq: m.seq } satisfies ToThread),
          (err: unknown) => {
            hookError = err;
            worker.postMessage({
              kind: 'nack',
              seq: m.seq,
              message: String(err),
            } satisfies ToThread);
          },
        );
      } else if (m.kind === 'done') {
        scores = m.scores;
        settle(null);
      } else {
        if (hookError) return settle(hookError);
        if (m.name === 'RZeroAbortedError') return settle(new RZeroAbortedError());
        const err = new Error(m.message);
        err.name = m.name;
        if (m.stack) err.stack = m.stack;
        settle(err);
      }
    });
    worker.on('error', (err) => settle(hookError ?? err));
    worker.on('exit', (code) =>
      settle(
        hookError ?? (code === 0 ? null : new Error(`coevolve thread exited with code ${code}`)),
      ),
    );
  });
}

async function evaluate(job: EvaluateJob): Promise<BenchmarkScore[]> {
  const loaded = await loadModelDir(job.modelDir, { requireTokenizer: true, trainable: false });
  try {
    const k = job.metric.startsWith('mean@') ? Number(job.metric.slice(5)) : 0;
    const config = resolveConfig('paper', {
      evaluation: {
        maxNewTokens: Math.max(16, Math.min(1024, Math.floor(loaded.config.maxPositions / 2))),
        meanAtK: k,
        maxItems: 0,
      },
    });
    const scores = await evaluateModel({
      model: loaded.model,
      render: new PromptRenderer(loaded.tokenizer!, runDomain(job.domain).prompts),
      benchmarks: job.benchmarks,
      config,
      iteration: 0,
    });
    return scores.filter((s) => s.metric === job.metric);
  } finally {
    loaded.model.dispose();
  }
}

/** Thread side. */
async function threadMain(): Promise<void> {
  const port = parentPort!;
  const job = workerData as CoevolveJob | EvaluateJob;
  const controller = new AbortController();
  const pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  port.on('message', (m: ToThread) => {
    if (m.kind === 'abort') controller.abort();
    else {
      const p = pending.get(m.seq);
      pending.delete(m.seq);
      if (m.kind === 'ack') p?.resolve();
      else p?.reject(new Error(m.message));
    }
  });
  let seq = 0;
  const send = (m: ToParent) => port.postMessage(m);
  try {
    await initBackend(job.backend);
    if (job.kind === 'evaluate') {
      send({ kind: 'done', scores: await evaluate(job) });
      return;
    }
    await coevolve({ dir: job.baseDir }, job.config, {
      workDir: job.workDir,
      domain: runDomain(job.domain),
      benchmarks: job.benchmarks,
      signal: controller.signal,
      hooks: {
        onEvent: (event) =>
          new Promise<void>((resolve, reject) => {
            const s = ++seq;
            pending.set(s, { resolve, reject });
            send({ kind: 'event', seq: s, event });
          }),
      },
    });
    send({ kind: 'done' });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    send({ kind: 'error', name: e.name, message: e.message, stack: e.stack });
  } finally {
    port.close();
  }
}

if (
  !isMainThread &&
  parentPort &&
  ['coevolve', 'evaluate'].includes((workerData as { kind?: string })?.kind ?? '')
) {
  void threadMain();
}
