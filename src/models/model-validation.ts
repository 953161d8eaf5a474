/**
 * Runs the check of an uploaded model directory (checkModelDir) on a worker thread, so nothing an
 * upload holds (a tokenizer of a million entries, a 100 MB safetensors header) stalls the api's
 * event loop, with a time budget and a heap cap: a check that overruns is terminated and the
 * upload refused. At most VALIDATION_CONCURRENCY checks run at once; others wait their turn, and
 * the budget starts when a check starts. The weights' SHA-256 and size are then computed here,
 * streamed in 64 KiB chunks.
 *
 * Protocol: workerData {kind: 'check-model', dir}; the thread answers one message,
 * {ok: true, model} | {ok: false, invalid: {code, message, errors}} | {ok: false, error: message}.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { DomainError } from '../common/domain-error';
import type { ErrorCode, FieldIssue } from '../common/domain-error';
import { sha256File } from '../storage/artifact-store';
import { checkModelDir, withoutDir } from './model-files';
import type { CheckedModel, ValidatedModel } from './model-files';

/** Checks at once per process; each can hold up to VALIDATION_HEAP_MB of heap. */
export const VALIDATION_CONCURRENCY = 2;
/** The check thread's heap cap: a 64 MiB tokenizer.json parsed and built fits well inside. */
export const VALIDATION_HEAP_MB = 1024;

type Answer =
  | { ok: true; model: CheckedModel }
  | { ok: false; invalid: { code: ErrorCode; message: string; errors: FieldIssue[] } }
  | { ok: false; error: string };

/** Thrown when the request's client went away: nothing was stored. */
export class UploadAbortedError extends DomainError {
  constructor() {
    super(
      'VALIDATION_FAILED',
      'the client closed the connection before the upload was stored; nothing was kept',
      [{ field: 'files', reason: 'upload aborted by the client' }],
    );
  }
}

let running = 0;
const waiting: (() => void)[] = [];

async function acquire(signal?: AbortSignal): Promise<void> {
  if (running < VALIDATION_CONCURRENCY) {
    running++;
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const go = (): void => {
      signal?.removeEventListener('abort', drop);
      running++;
      resolve();
    };
    const drop = (): void => {
      waiting.splice(waiting.indexOf(go), 1);
      reject(new UploadAbortedError());
    };
    waiting.push(go);
    signal?.addEventListener('abort', drop, { once: true });
  });
}

function release(): void {
  running--;
  waiting.shift()?.();
}

/**
 * Checks `dir` on a worker thread within `timeoutMs` (none: no budget, for the service's own
 * files), then hashes its weights. Throws MODEL_INVALID for a bad or too costly upload,
 * UploadAbortedError when `signal` fires first.
 */
export async function validateModelDir(
  dir: string,
  opts: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<ValidatedModel> {
  const { timeoutMs, signal } = opts;
  if (signal?.aborted) throw new UploadAbortedError();
  await acquire(signal);
  let checked: CheckedModel;
  try {
    checked = await checkInThread(dir, timeoutMs, signal);
  } finally {
    release();
  }
  const names = await fs.readdir(dir);
  let sizeBytes = 0;
  for (const n of names) sizeBytes += (await fs.stat(join(dir, n))).size;
  const weightsFile = names.includes('model.safetensors')
    ? 'model.safetensors'
    : 'model.safetensors.index.json';
  return { ...checked, sha256: await sha256File(join(dir, weightsFile)), sizeBytes };
}

function checkInThread(
  dir: string,
  timeoutMs: number | undefined,
  signal?: AbortSignal,
): Promise<CheckedModel> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(__dirname, 'model-validation.js'), {
      workerData: { kind: 'check-model', dir },
      resourceLimits: { maxOldGenerationSizeMb: VALIDATION_HEAP_MB },
    });
    let settled = false;
    const finish = (err: Error | null, model?: CheckedModel): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      if (err) reject(err);
      else resolve(model!);
    };
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(
            () =>
              finish(
                new DomainError(
                  'MODEL_INVALID',
                  `checking the files did not finish within ${timeoutMs / 1000} s; an upload this costly to check is refused`,
                  [{ field: 'files', reason: `check exceeded its ${timeoutMs / 1000} s budget` }],
                ),
              ),
            timeoutMs,
          );
    const onAbort = (): void => finish(new UploadAbortedError());
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (a: Answer) => {
      if (a.ok) finish(null, a.model);
      else if ('invalid' in a)
        finish(new DomainError(a.invalid.code, a.invalid.message, a.invalid.errors));
      else finish(new Error(`model check failed: ${a.error}`));
    });
    worker.on('error', (err: Error & { code?: string }) =>
      finish(
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new DomainError(
              'MODEL_INVALID',
              `checking the files needed more than ${VALIDATION_HEAP_MB} MB of memory; refused`,
              [
                {
                  field: 'files',
                  reason: `check exceeded its ${VALIDATION_HEAP_MB} MB memory budget`,
                },
              ],
            )
          : err,
      ),
    );
    worker.on('exit', (code) =>
      finish(new Error(`model check thread exited (${code}) without an answer`)),
    );
  });
}

// ---------------------------------------------------------------------------------------------
// Thread side

if (!isMainThread && (workerData as { kind?: string } | null)?.kind === 'check-model') {
  const { dir } = workerData as { dir: string };
  const answer = (a: Answer): void => parentPort!.postMessage(a);
  checkModelDir(dir).then(
    (model) => answer({ ok: true, model }),
    (err: unknown) =>
      answer(
        err instanceof DomainError
          ? { ok: false, invalid: { code: err.code, message: err.message, errors: err.errors } }
          : { ok: false, error: withoutDir(err instanceof Error ? err.message : String(err), dir) },
      ),
  );
}
