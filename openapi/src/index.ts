/**
 * @rzero-service/client: the typed client of the rzero-service API.
 *
 *   const rz = createRzeroClient({ baseUrl: 'http://localhost:3000', apiKey: process.env.RZERO_KEY });
 *   const run = await rz.ok(rz.api.POST('/runs', { body: { baseModelId, preset: 'tiny' } }));
 *   const sub = rz.subscribeRunEvents(run.id, { onEvent: (e) => console.log(e.type) });
 *   await sub.done;
 *   const solver = await rz.download('/runs/{id}/solver', { path: { id: run.id } });
 *
 * `api` is an openapi-fetch client over the generated `paths` (schema.d.ts, from openapi.json):
 * every path, parameter, body and response is typed. On top of it: `ok` (data or a thrown ApiError
 * carrying the API's error body), Server-Sent Events that resume with Last-Event-ID, tar.gz
 * downloads with progress, and multipart uploads (with upload progress in browsers).
 */
import createClient from 'openapi-fetch';
import type { Client } from 'openapi-fetch';
import type { components, paths } from '../schema';
import { createSseParser } from './sse';

export type { components, paths, operations } from '../schema';
export { createSseParser } from './sse';
export type { SseMessage, SseParser } from './sse';

type Schemas = components['schemas'];
export type ApiKeyView = Schemas['ApiKeyView'];
export type BenchmarkView = Schemas['BenchmarkView'];
export type BenchmarkItemsPage = Schemas['BenchmarkItemsPage'];
export type ChallengerStepMetrics = Schemas['ChallengerStepMetrics'];
export type CreateApiKeyDto = Schemas['CreateApiKeyDto'];
export type CreatedApiKey = Schemas['CreatedApiKey'];
export type CurriculumItemView = Schemas['CurriculumItemView'];
export type CurriculumPage = Schemas['CurriculumPage'];
export type CurriculumStats = Schemas['CurriculumStats'];
export type DryRunResult = Schemas['DryRunResult'];
export type ErrorBody = Schemas['ErrorBody'];
export type EvaluationView = Schemas['EvaluationView'];
export type FieldIssue = Schemas['FieldIssue'];
export type IterationView = Schemas['IterationView'];
export type ModelView = Schemas['ModelView'];
export type PresetView = Schemas['PresetView'];
export type PrincipalView = Schemas['PrincipalView'];
export type RZeroConfig = Schemas['RZeroConfig'];
export type RunEstimate = Schemas['RunEstimate'];
export type RunEvent = Schemas['RunEvent'];
export type RunEventType = RunEvent['type'];
/** The event of one type, e.g. `RunEventOf<'challenger.step'>`. */
export type RunEventOf<T extends RunEventType> = Extract<RunEvent, { type: T }>;
export type RunPage = Schemas['RunPage'];
export type RunStatus = Schemas['RunStatus'];
export type RunView = Schemas['RunView'];
export type ScoreView = Schemas['ScoreView'];
export type SolverStepMetrics = Schemas['SolverStepMetrics'];
export type StartEvaluationDto = Schemas['StartEvaluationDto'];
export type StartRunDto = Schemas['StartRunDto'];
export type UploadBenchmarkDto = Schemas['UploadBenchmarkDto'];

/** A non-2xx answer of the API, with its error body (code, message, the bad fields). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(`${status} ${body.code}: ${body.message}`);
  }
  get code(): string {
    return this.body.code;
  }
  /** The reasons reported for one field (e.g. "config.filter.minP"), joined. */
  fieldReason(field: string): string | undefined {
    const rs = (this.body.errors ?? []).filter((e) => e.field === field).map((e) => e.reason);
    return rs.length ? rs.join('; ') : undefined;
  }
}

const TERMINAL = new Set(['succeeded', 'failed', 'canceled']);
export const isTerminalEvent = (e: RunEvent): boolean =>
  e.type === 'run.status' && TERMINAL.has(e.status);

export interface RzeroClientOptions {
  /** Where the API is, e.g. "http://localhost:3000" (in the admin panel: the page's origin). */
  baseUrl: string;
  /** The API key, or a function returning it (read at every request). */
  apiKey: string | (() => string);
  /** A fetch implementation (default: the global one). */
  fetch?: typeof fetch;
}

export interface SubscribeOptions {
  /** Resume after this event id (0 = from the start). */
  after?: number;
  /** Called for each event in id order, exactly once per id; return false to stop. */
  onEvent: (e: RunEvent) => boolean | void;
  onHeartbeat?: () => void;
  /** A connection opened (first, or a reconnection with Last-Event-ID). */
  onOpen?: (info: { reconnect: boolean; after: number }) => void;
  /** A connection failed or dropped; the client will retry after `delayMs`. */
  onRetry?: (info: { error: unknown; attempt: number; delayMs: number }) => void;
  signal?: AbortSignal;
  /** Reconnection backoff (default 500 ms doubling to 10 s, unlimited attempts). */
  retry?: { initialDelayMs?: number; maxDelayMs?: number; maxAttempts?: number };
}

export interface SubscribeResult {
  /** The run reached a terminal status and the server closed the stream. */
  ended: boolean;
  lastEventId: number;
  heartbeats: number;
  /** Connections opened (1 + reconnections). */
  connections: number;
}

export interface Subscription {
  close(): void;
  /** Resolves when the stream ended, onEvent returned false, or close() was called. */
  done: Promise<SubscribeResult>;
}

export interface Download {
  filename: string;
  /** Content-Length when the server sent one. */
  size: number | null;
  bytes: Uint8Array;
}

/** Paths that answer with a tar.gz. */
export type DownloadPath = '/runs/{id}/solver' | '/runs/{id}/challenger' | '/models/{id}/download';

export type UploadProgress = (sentBytes: number, totalBytes: number) => void;

/** A file to upload: a browser File/Blob with a name, or bytes with a name (Node). */
export type UploadFile = Blob & { name?: string };

export function createRzeroClient(opts: RzeroClientOptions) {
  const baseUrl = opts.baseUrl.replace(/\/$/, '');
  const key = typeof opts.apiKey === 'function' ? opts.apiKey : () => opts.apiKey as string;
  const doFetch = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const authHeader = () => `Bearer ${key()}`;

  const api: Client<paths> = createClient<paths>({ baseUrl, fetch: doFetch });
  api.use({
    onRequest({ request }) {
      request.headers.set('Authorization', authHeader());
      return request;
    },
  });

  /** The data of a 2xx answer, or throws ApiError with the API's error body. */
  async function ok<T>(
    call: Promise<{ data?: T; error?: unknown; response: Response }>,
  ): Promise<T> {
    const { data, error, response } = await call;
    if (response.ok) return data as T;
    throw toApiError(response.status, error);
  }

  function subscribeRunEvents(runId: string, o: SubscribeOptions): Subscription {
    const ctrl = new AbortController();
    const onOuterAbort = () => ctrl.abort();
    o.signal?.addEventListener('abort', onOuterAbort);
    const initialDelay = o.retry?.initialDelayMs ?? 500;
    const maxDelay = o.retry?.maxDelayMs ?? 10_000;
    const maxAttempts = o.retry?.maxAttempts ?? Infinity;
    const result: SubscribeResult = {
      ended: false,
      lastEventId: o.after ?? 0,
      heartbeats: 0,
      connections: 0,
    };

    /** One connection; resolves 'ended' | 'stopped' | 'dropped'. */
    const connect = async (): Promise<'ended' | 'stopped' | 'dropped'> => {
      const res = await doFetch(`${baseUrl}/runs/${encodeURIComponent(runId)}/events`, {
        headers: {
          Accept: 'text/event-stream',
          Authorization: authHeader(),
          'Last-Event-ID': String(result.lastEventId),
        },
        signal: ctrl.signal,
      });
      if (!res.ok) {
        const body: unknown = await res.json().catch(() => null);
        throw toApiError(res.status, body);
      }
      o.onOpen?.({ reconnect: result.connections > 0, after: result.lastEventId });
      result.connections++;
      let stop = false;
      let sawTerminal = false;
      const parser = createSseParser(
        (m) => {
          if (stop || m.id === null) return;
          const id = Number(m.id);
          if (!(id > result.lastEventId)) return; // already delivered before a reconnect
          const e = JSON.parse(m.data) as RunEvent;
          result.lastEventId = id;
          if (isTerminalEvent(e)) sawTerminal = true;
          if (o.onEvent(e) === false) stop = true;
        },
        () => {
          result.heartbeats++;
          o.onHeartbeat?.();
        },
      );
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.push(decoder.decode(value, { stream: true }));
          if (stop) {
            await reader.cancel().catch(() => undefined);
            return 'stopped';
          }
        }
      } finally {
        reader.releaseLock?.();
      }
      return sawTerminal ? 'ended' : 'dropped';
    };

    const done = (async (): Promise<SubscribeResult> => {
      let failures = 0;
      try {
        for (;;) {
          if (ctrl.signal.aborted) return result;
          let outcome: 'ended' | 'stopped' | 'dropped';
          let error: unknown = new Error('the stream closed before the run ended');
          try {
            outcome = await connect();
            if (outcome !== 'dropped') failures = 0;
          } catch (err) {
            if (ctrl.signal.aborted) return result;
            // 4xx (bad key, unknown run, bad id) will not heal by retrying; 429 (rate limited) will.
            if (err instanceof ApiError && err.status < 500 && err.status !== 429) throw err;
            outcome = 'dropped';
            error = err;
          }
          if (outcome === 'ended') {
            result.ended = true;
            return result;
          }
          if (outcome === 'stopped') return result;
          failures++;
          if (failures > maxAttempts) throw error;
          const delayMs = Math.min(maxDelay, initialDelay * 2 ** (failures - 1));
          o.onRetry?.({ error, attempt: failures, delayMs });
          await sleep(delayMs, ctrl.signal);
        }
      } finally {
        o.signal?.removeEventListener('abort', onOuterAbort);
      }
    })();
    return { close: () => ctrl.abort(), done };
  }

  /** Downloads a tar.gz (a run's Solver or Challenger, or a model) with optional progress. */
  async function download(
    path: DownloadPath,
    params: { path: { id: string }; query?: { iteration?: number; best?: 'true' | 'false' } },
    onProgress?: (receivedBytes: number, totalBytes: number | null) => void,
  ): Promise<Download> {
    const { response, error } = await api.GET(path, {
      params: params as never,
      parseAs: 'stream',
    });
    if (!response.ok) {
      // openapi-fetch has already read an error's JSON body into `error`.
      throw toApiError(response.status, error ?? (await response.json().catch(() => null)));
    }
    const size = Number(response.headers.get('content-length')) || null;
    const disposition = response.headers.get('content-disposition') ?? '';
    const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? 'download.tar.gz';
    const chunks: Uint8Array[] = [];
    let received = 0;
    const reader = response.body!.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      chunks.push(value);
      received += value.byteLength;
      onProgress?.(received, size);
    }
    const bytes = new Uint8Array(received);
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.byteLength;
    }
    return { filename, size, bytes };
  }

  /**
   * Multipart POST (model files, a benchmark file). In a browser with `onProgress` it uses
   * XMLHttpRequest, the only API that reports upload progress; elsewhere fetch.
   */
  async function postMultipart<T>(
    path: '/models' | '/benchmarks',
    form: FormData,
    onProgress?: UploadProgress,
  ): Promise<T> {
    const url = `${baseUrl}${path}`;
    if (onProgress && typeof XMLHttpRequest !== 'undefined') {
      return new Promise<T>((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open('POST', url);
        xhr.setRequestHeader('Authorization', authHeader());
        xhr.upload.onprogress = (ev) => onProgress(ev.loaded, ev.total);
        xhr.onerror = () => reject(new Error(`upload to ${path} failed: network error`));
        xhr.onload = () => {
          let body: unknown = null;
          try {
            body = JSON.parse(xhr.responseText);
          } catch {
            body = null;
          }
          if (xhr.status >= 200 && xhr.status < 300) resolve(body as T);
          else reject(toApiError(xhr.status, body));
        };
        xhr.send(form);
      });
    }
    const res = await doFetch(url, {
      method: 'POST',
      headers: { Authorization: authHeader() },
      body: form,
    });
    const body: unknown = await res.json().catch(() => null);
    if (!res.ok) throw toApiError(res.status, body);
    return body as T;
  }

  /** Uploads a Hugging Face model directory's files. */
  function uploadModel(
    files: { name: string; data: Blob }[],
    options: { name?: string; onProgress?: UploadProgress } = {},
  ): Promise<ModelView> {
    const form = new FormData();
    if (options.name) form.append('name', options.name);
    for (const f of files) form.append('files', f.data, f.name);
    return postMultipart<ModelView>('/models', form, options.onProgress);
  }

  /** Uploads a JSONL benchmark file. */
  function uploadBenchmark(
    file: { name: string; data: Blob },
    options: { name: string; domain?: 'arith' | 'math'; onProgress?: UploadProgress },
  ): Promise<BenchmarkView> {
    const form = new FormData();
    form.append('name', options.name);
    if (options.domain) form.append('domain', options.domain);
    form.append('file', file.data, file.name);
    return postMultipart<BenchmarkView>('/benchmarks', form, options.onProgress);
  }

  return { api, ok, subscribeRunEvents, download, uploadModel, uploadBenchmark, baseUrl };
}

export type RzeroClient = ReturnType<typeof createRzeroClient>;

function toApiError(status: number, body: unknown): ApiError {
  const b = body as Partial<ErrorBody> | null;
  if (b && typeof b.code === 'string' && typeof b.message === 'string') {
    return new ApiError(status, b as ErrorBody);
  }
  return new ApiError(status, {
    statusCode: status,
    code: status >= 500 ? 'INTERNAL' : 'HTTP_ERROR',
    message: `HTTP ${status}`,
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
