/**
 * Integration-test harness: a fresh Postgres database (migrated), a Redis key prefix and an
 * artifact directory per test file, an api (optionally with its embedded worker) on a free port,
 * and cleanup of all three. Real Postgres and Redis; nothing is mocked.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { createApi } from '../../src/app';
import { loadConfig } from '../../src/config/app-config';
import type { AppConfig } from '../../src/config/app-config';
import { dropDatabase } from '../../src/database/admin';
import { deleteKeysWithPrefix } from '../../src/redis/redis-keys';
import { migrate } from '../../scripts/migrate';
import { createRzeroClient } from '../../openapi/src';
import type { RunEvent, RunView, RzeroClient, StartRunDto } from '../../openapi/src';
import { repoRoot } from '../helpers/engine';

export const ADMIN_KEY = 'test-admin-key-0123456789';

export interface TestEnv {
  config: AppConfig;
  /** Environment variables that reproduce `config` (for child worker processes). */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export async function createTestEnv(overrides: Record<string, string> = {}): Promise<TestEnv> {
  const tag = `${process.pid}_${randomBytes(4).toString('hex')}`;
  const artifactDir = mkdtempSync(join(tmpdir(), 'rzero-test-'));
  const env: Record<string, string> = {
    DATABASE_URL: `postgres://postgres@127.0.0.1:5432/rzero_test_${tag}`,
    REDIS_URL: 'redis://127.0.0.1:6379',
    RZERO_REDIS_PREFIX: `rzero-test:${tag}`,
    RZERO_ARTIFACT_DIR: artifactDir,
    RZERO_ADMIN_KEY: ADMIN_KEY,
    RZERO_BACKEND: process.env.RZERO_BACKEND ?? 'auto',
    RZERO_QUEUE_LOCK_MS: '15000',
    RZERO_QUEUE_STALLED_CHECK_MS: '2000',
    RZERO_SSE_HEARTBEAT_MS: '1000',
    RZERO_WEBHOOK_BACKOFF_MS: '100',
    // Tests send far more requests per key (polling, fuzzing) than a client should; the limits'
    // own tests (limits.test.ts) turn them on.
    RZERO_RATE_LIMIT_REQUESTS: '0',
    RZERO_AUTH_FAILURE_LIMIT: '0',
    LOG_LEVEL: process.env.RZERO_TEST_LOG_LEVEL ?? 'silent',
    PORT: '0',
    ...overrides,
  };
  const config = loadConfig(env);
  await migrate(config.databaseUrl, () => undefined);
  return {
    config,
    env,
    async cleanup() {
      await dropDatabase(config.databaseUrl);
      await deleteKeysWithPrefix(config.redisUrl, config.redisPrefix);
      rmSync(artifactDir, { recursive: true, force: true });
    },
  };
}

export interface RunningApi {
  app: INestApplication;
  baseUrl: string;
  close(): Promise<void>;
}

export async function startApi(config: AppConfig): Promise<RunningApi> {
  const app = await createApi(config);
  await app.listen(0, '127.0.0.1');
  const addr = app.getHttpServer().address() as { port: number };
  return { app, baseUrl: `http://127.0.0.1:${addr.port}`, close: () => app.close() };
}

/** A TCP port nothing listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** How a child process ended. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A service started as its own process (the api or a worker, from dist/). */
export interface ServiceProcess {
  proc: ChildProcess;
  /** Its stdout (pino's JSON lines) with `captureStdout`; otherwise always empty. */
  logs: string[];
  /** Resolves with how it ended. */
  exited: Promise<ExitStatus>;
}

/**
 * Starts `script` (relative to the repository root: dist/src/main.js, dist/src/worker.js) with
 * `env` over this process's environment. Its stderr goes to ours; its stdout is kept in `logs`,
 * line by line, with `captureStdout`, and ignored otherwise.
 */
export function spawnService(
  script: string,
  env: Record<string, string>,
  opts: { captureStdout?: boolean } = {},
): ServiceProcess {
  const logs: string[] = [];
  const proc = spawn(process.execPath, [join(repoRoot, script)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', opts.captureStdout ? 'pipe' : 'ignore', 'inherit'],
  });
  const exited = new Promise<ExitStatus>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  if (opts.captureStdout) {
    let rest = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      logs.push(...lines);
    });
  }
  return { proc, logs, exited };
}

/** Sends `signal` (unless the process has ended already) and resolves with how it ended. */
export function stopProcess(
  p: ChildProcess,
  signal: NodeJS.Signals = 'SIGKILL',
): Promise<ExitStatus> {
  return new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null)
      return resolve({ code: p.exitCode, signal: p.signalCode });
    p.once('exit', (code, sig) => resolve({ code, signal: sig }));
    p.kill(signal);
  });
}

/**
 * Resolves once `baseUrl` answers GET /health/live; fails as soon as `proc` (the api serving it)
 * has exited, or after `timeoutMs`.
 */
export async function waitLive(
  baseUrl: string,
  proc: ChildProcess,
  timeoutMs = 60_000,
): Promise<void> {
  for (const t0 = Date.now(); ;) {
    if (proc.exitCode !== null || proc.signalCode !== null)
      throw new Error(
        `the api for ${baseUrl} exited at start (code ${proc.exitCode}, signal ${proc.signalCode})`,
      );
    const ok = await fetch(`${baseUrl}/health/live`).then(
      (r) => r.ok,
      () => false, // not listening yet
    );
    if (ok) return;
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`the api at ${baseUrl} did not come up within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A caller of the API: the generated client (`rz`, what the e2e tests use) plus `call`, raw fetch
 * for the contract tests that must send what a typed client cannot (malformed JSON, wrong types).
 */
export class Api {
  readonly rz: RzeroClient;
  constructor(
    readonly baseUrl: string,
    readonly key: string,
    /** The key's webhook signing secret (keys made by newKey). */
    readonly webhookSecret = '',
  ) {
    this.rz = createRzeroClient({ baseUrl, apiKey: key });
  }

  async call<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T; headers: Headers }> {
    const init: RequestInit = {
      method,
      headers: { authorization: `Bearer ${this.key}`, ...headers },
    };
    if (body instanceof FormData) init.body = body;
    else if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    const res = await fetch(this.baseUrl + path, init);
    const type = res.headers.get('content-type') ?? '';
    const data = type.includes('json') ? await res.json() : Buffer.from(await res.arrayBuffer());
    return { status: res.status, body: data as T, headers: res.headers };
  }

  /** A new user key for `owner`, made with this (admin) key through the client. */
  async newKey(owner: string): Promise<Api> {
    const created = await this.rz.ok(
      this.rz.api.POST('/api-keys', { body: { name: `key-${owner}`, owner } }),
    );
    return new Api(this.baseUrl, created.key, created.webhookSecret);
  }

  async waitForRun(id: string, statuses: string[], timeoutMs = 300_000): Promise<RunView> {
    const t0 = Date.now();
    for (;;) {
      const run = await this.rz.ok(this.rz.api.GET('/runs/{id}', { params: { path: { id } } }));
      if (statuses.includes(run.status)) return run;
      if (Date.now() - t0 > timeoutMs)
        throw new Error(`run ${id} still ${run.status} after ${timeoutMs} ms`);
      await new Promise((res) => setTimeout(res, 250));
    }
  }
}

/**
 * Reads a run's events with the client's SSE subscription until the stream ends, or until
 * `stopAfter` events / `until` (then disconnects, like a client that lost its connection).
 */
export async function readEvents(
  api: Api,
  runId: string,
  opts: { lastEventId?: number; stopAfter?: number; until?: (e: RunEvent) => boolean } = {},
): Promise<{ events: RunEvent[]; heartbeats: number; ended: boolean; connections: number }> {
  const events: RunEvent[] = [];
  const sub = api.rz.subscribeRunEvents(runId, {
    after: opts.lastEventId ?? 0,
    retry: { maxAttempts: 3 },
    onEvent: (e) => {
      events.push(e);
      return !(
        (opts.stopAfter !== undefined && events.length >= opts.stopAfter) ||
        opts.until?.(e)
      );
    },
  });
  const r = await sub.done;
  return { events, heartbeats: r.heartbeats, ended: r.ended, connections: r.connections };
}

/** A run config that finishes in well under a minute on arith-tiny (CPU, wasm). */
export function ciRunBody(baseModelId: string, extra: Partial<StartRunDto> = {}): StartRunDto {
  return {
    baseModelId,
    preset: 'tiny',
    config: {
      seed: 7,
      iterations: 2,
      challenger: { steps: 1, batch: 2, miniBatch: 1, questionsPerIteration: 32 },
      solver: { steps: 2, batch: 4, miniBatch: 2, groupSize: 4 },
      evaluation: { maxItems: 20 },
    },
    ...extra,
  };
}

/**
 * The sum of the samples of metric `name` (Prometheus text format) whose labels include all of
 * `labels`; NaN when there is none.
 */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number {
  let sum = NaN;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v))
      sum = (Number.isNaN(sum) ? 0 : sum) + Number(m[3]);
  }
  return sum;
}
