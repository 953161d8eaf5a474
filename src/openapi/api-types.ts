/**
 * Every type the HTTP API sends or receives, by the name it has in the OpenAPI document
 * (`components.schemas`). `npm run openapi` turns these TypeScript types into JSON Schema with
 * ts-json-schema-generator, so the spec, the generated client and the server share one source.
 * Names here are part of the public contract: renaming one changes the generated client.
 */
export type { ErrorBody } from '../common/http-error.filter';
export type { FieldIssue } from '../common/domain-error';
export type { ApiKeyView, CreatedApiKey } from '../auth/api-keys.service';
export type { CreateApiKeyDto } from '../auth/dto/create-api-key.dto';
export type { PrincipalView } from '../auth/me.controller';
export type { PresetView } from '../runs/presets.controller';
export type { ModelView } from '../models/models.service';
export type { RegisterModelDto } from '../models/dto/register-model.dto';
export type { BenchmarkItemsPage, BenchmarkView } from '../benchmarks/benchmarks.service';
export type { UploadBenchmarkDto } from '../benchmarks/dto/upload-benchmark.dto';
export type { EvaluationView } from '../evaluations/evaluations.service';
export type { StartEvaluationDto } from '../evaluations/dto/start-evaluation.dto';
export type { CurriculumItemView, IterationView, RunView, ScoreView } from '../runs/run.view';
export type { StartRunDto } from '../runs/dto/start-run.dto';
export type {
  DownloadQuery,
  ListCurriculumQuery,
  ListRunsQuery,
} from '../runs/dto/list-runs.query';
export type { RunEstimate } from '../runs/run-estimate';
export type { RunStatusEvent } from '../events/run-event.types';
export type {
  BenchmarkScore,
  ChallengerStepMetrics,
  CurriculumStats,
  DropReason,
  IterationSummary,
  OracleVerdict,
  Phase,
  Role,
  SolverStepMetrics,
} from '../rzero/events';
export type { RZeroConfig } from '../rzero/config';

import type { CurriculumItemView, RunView } from '../runs/run.view';
import type { RZeroConfig } from '../rzero/config';
import type { RunEstimate } from '../runs/run-estimate';
import type { ServiceEvent } from '../events/run-event.types';

/** One page of `GET /runs`, newest first; pass `nextCursor` as `cursor` for the next page. */
export interface RunPage {
  items: RunView[];
  nextCursor: string | null;
}

/** One page of `GET /runs/{id}/curriculum` and the number of items matching the filters. */
export interface CurriculumPage {
  items: CurriculumItemView[];
  total: number;
}

/** `POST /runs?dryRun=true`: the merged, validated configuration and what the run would cost. */
export interface DryRunResult {
  dryRun: true;
  config: RZeroConfig;
  domain: string;
  benchmarkIds: string[];
  estimate: RunEstimate;
}

/**
 * One Server-Sent Event of `GET /runs/{id}/events`: the SSE `event:` field is `type`, the `id:`
 * field is `id` (1, 2, 3, ... per run), and `data:` is this object as JSON.
 */
export type RunEvent = ServiceEvent & {
  /** 1, 2, 3, ... per run; also the SSE `id:` field (send it back as Last-Event-ID to resume). */
  id: number;
  runId: string;
  /** ISO 8601 time the event was recorded. */
  createdAt: string;
};

/** `GET /health/live`. */
export interface HealthLive {
  status: 'ok';
}

/** `GET /health/ready`: Postgres and Redis answered. */
export interface HealthReady {
  status: 'ok';
  postgres: 'ok';
  redis: 'ok';
}
