/**
 * The service's configuration: read once from the environment at boot, validated, typed. Every bad
 * variable is listed in one error so a broken deployment says everything that is wrong at once.
 * Secrets (the admin key, passwords inside URLs) never appear in messages or logs.
 */
import { parseAllowedHosts } from '../webhooks/outbound-guard';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseBackendRequest } from '../engine';
import type { BackendRequest } from '../engine';

export interface AppConfig {
  port: number;
  databaseUrl: string;
  redisUrl: string;
  /** Prefix of every Redis key and channel (Bull queues, pub/sub), so deployments can share one Redis. */
  redisPrefix: string;
  artifactDir: string;
  backend: BackendRequest;
  /** Bootstrap admin key (secret). Optional: without it only existing admin keys can create keys. */
  adminKey: string | null;
  embeddedWorker: boolean;
  workerConcurrency: number;
  /** How long a worker's lock on a job lasts without renewal before another worker may take it. */
  queueLockMs: number;
  queueStalledCheckMs: number;
  maxUploadBytes: number;
  /** How long the check of one model upload may take before it is stopped and the upload refused. */
  uploadValidationTimeoutMs: number;
  /** Queued + running runs per owner; POST /runs above it is refused (429 TOO_MANY_ACTIVE_RUNS). */
  maxActiveRunsPerOwner: number;
  /** Queued + running evaluations per owner (429 TOO_MANY_ACTIVE_EVALUATIONS above). */
  maxActiveEvaluationsPerOwner: number;
  /** Models an owner keeps (uploads and run Solvers); an upload above it is 409 TOO_MANY_MODELS. */
  maxModelsPerOwner: number;
  /** Requests per API key per rate-limit window (0: no limit); 429 RATE_LIMITED + Retry-After. */
  rateLimitRequests: number;
  rateLimitWindowMs: number;
  /** Failed authentications per client IP per window before the IP gets 429 (0: no limit). */
  authFailureLimit: number;
  logLevel: string;
  /** Heartbeat comment interval of the SSE stream. */
  sseHeartbeatMs: number;
  webhookAttempts: number;
  webhookBackoffMs: number;
  /** Hosts webhooks may reach although they are loopback/private (RZERO_WEBHOOK_ALLOWED_HOSTS). */
  webhookAllowedHosts: string[];
  /** Worker process: serve GET /metrics on this port (0: not served; the api serves its own). */
  metricsPort: number;
  /**
   * Origins other web pages may call the API from (RZERO_CORS_ORIGINS, comma-separated; `*` for
   * any). Empty: no CORS headers, so browsers allow only same-origin pages (the panel at /admin).
   */
  corsOrigins: string[];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Parses and validates `env`; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];
  const int = (name: string, dflt: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return dflt;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min || v > max) {
      problems.push(`${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(raw)}`);
      return dflt;
    }
    return v;
  };
  const bool = (name: string, dflt: boolean): boolean => {
    const raw = env[name];
    if (raw === undefined || raw === '') return dflt;
    if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
    problems.push(`${name} must be 1/0/true/false, got ${JSON.stringify(raw)}`);
    return dflt;
  };
  const url = (name: string, dflt: string, protocols: string[]): string => {
    const raw = env[name] || dflt;
    try {
      const u = new URL(raw);
      if (!protocols.includes(u.protocol)) {
        problems.push(`${name} must use ${protocols.join(' or ')}, got ${u.protocol}`);
      }
    } catch {
      // Never echo the value: it may carry a password.
      problems.push(`${name} is not a valid URL`);
    }
    return raw;
  };

  let backend: BackendRequest = 'auto';
  try {
    backend = parseBackendRequest(env.RZERO_BACKEND ?? 'auto');
  } catch (err) {
    problems.push(`RZERO_BACKEND: ${(err as Error).message}`);
  }
  const adminKey = env.RZERO_ADMIN_KEY || null;
  if (adminKey !== null && adminKey.length < 16) {
    problems.push('RZERO_ADMIN_KEY must be at least 16 characters');
  }
  const redisPrefix = env.RZERO_REDIS_PREFIX || 'rzero';
  if (!/^[A-Za-z0-9_:.-]{1,64}$/.test(redisPrefix)) {
    problems.push('RZERO_REDIS_PREFIX must be 1-64 characters of [A-Za-z0-9_:.-]');
  }
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(
      `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`,
    );
  }
  const corsOrigins = (env.RZERO_CORS_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');
  for (const origin of corsOrigins) {
    if (origin === '*') continue;
    let ok = false;
    try {
      const u = new URL(origin);
      ok = (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === origin;
    } catch {
      ok = false;
    }
    if (!ok) {
      problems.push(
        `RZERO_CORS_ORIGINS: ${JSON.stringify(origin)} is not an origin (scheme://host[:port], no path or trailing slash) or *`,
      );
    }
  }
  if (corsOrigins.includes('*') && corsOrigins.length > 1) {
    problems.push('RZERO_CORS_ORIGINS: * cannot be combined with other origins');
  }
  const config: AppConfig = {
    port: int('PORT', 3000, 0, 65535),
    databaseUrl: url('DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/rzero', [
      'postgres:',
      'postgresql:',
    ]),
    redisUrl: url('REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']),
    redisPrefix,
    artifactDir: resolve(env.RZERO_ARTIFACT_DIR || '.artifacts'),
    backend,
    adminKey,
    embeddedWorker: bool('RZERO_EMBEDDED_WORKER', false),
    workerConcurrency: int('RZERO_WORKER_CONCURRENCY', 1, 1, 64),
    queueLockMs: int('RZERO_QUEUE_LOCK_MS', 300_000, 1_000, 3_600_000),
    queueStalledCheckMs: int('RZERO_QUEUE_STALLED_CHECK_MS', 30_000, 500, 3_600_000),
    maxUploadBytes: int('RZERO_MAX_UPLOAD_BYTES', 2 * 1024 ** 3, 1024, 2 ** 40),
    uploadValidationTimeoutMs: int('RZERO_UPLOAD_VALIDATION_TIMEOUT_MS', 60_000, 1, 3_600_000),
    maxActiveRunsPerOwner: int('RZERO_MAX_ACTIVE_RUNS_PER_OWNER', 10, 1, 10_000),
    maxActiveEvaluationsPerOwner: int('RZERO_MAX_ACTIVE_EVALUATIONS_PER_OWNER', 10, 1, 10_000),
    maxModelsPerOwner: int('RZERO_MAX_MODELS_PER_OWNER', 50, 1, 1_000_000),
    rateLimitRequests: int('RZERO_RATE_LIMIT_REQUESTS', 1200, 0, 100_000_000),
    rateLimitWindowMs: int('RZERO_RATE_LIMIT_WINDOW_MS', 60_000, 100, 86_400_000),
    authFailureLimit: int('RZERO_AUTH_FAILURE_LIMIT', 30, 0, 100_000_000),
    logLevel,
    sseHeartbeatMs: int('RZERO_SSE_HEARTBEAT_MS', 15_000, 100, 600_000),
    webhookAttempts: int('RZERO_WEBHOOK_ATTEMPTS', 5, 1, 20),
    webhookBackoffMs: int('RZERO_WEBHOOK_BACKOFF_MS', 2_000, 10, 600_000),
    webhookAllowedHosts: [...parseAllowedHosts(env.RZERO_WEBHOOK_ALLOWED_HOSTS)],
    metricsPort: int('RZERO_METRICS_PORT', 0, 0, 65535),
    corsOrigins,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** The artifact directory must exist (it is created) and be writable; ConfigError names it. */
export function checkArtifactDir(config: AppConfig): void {
  try {
    mkdirSync(config.artifactDir, { recursive: true });
    accessSync(config.artifactDir, constants.W_OK);
  } catch (err) {
    throw new ConfigError([
      `RZERO_ARTIFACT_DIR ${config.artifactDir} is not a writable directory (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    ]);
  }
}

/** The Nest injection token of AppConfig. */
export const APP_CONFIG = Symbol('APP_CONFIG');
