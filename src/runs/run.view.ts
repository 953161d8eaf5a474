import type {
  ChallengerStepMetrics,
  CurriculumStats,
  DropReason,
  IterationDiagnostics,
  OracleVerdict,
  Phase,
  RZeroConfig,
  SolverStepMetrics,
} from '../rzero';
import type { RunEntity, RunStatus } from './run.entity';

export interface RunView {
  id: string;
  status: RunStatus;
  /** 0-1 over the whole run. */
  progress: number;
  /** Iteration in progress (0 while the base model is evaluated). */
  iteration: number;
  iterations: number;
  phase: string | null;
  completedIterations: number;
  bestIteration: number | null;
  baseModelId: string;
  solverModelId: string | null;
  preset: string;
  domain: string;
  benchmarkIds: string[];
  config: RZeroConfig;
  webhookUrl: string | null;
  backend: string | null;
  error: string | null;
  attempt: number;
  cancelRequested: boolean;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Seconds spent waiting in the queue and running (so far, while running). */
  timings: { queuedSeconds: number | null; runningSeconds: number | null };
  lastEventId: number;
}

export interface IterationView {
  iteration: number;
  seconds: number;
  phases: Partial<Record<Phase, number>>;
  challenger: ChallengerStepMetrics | null;
  solver: SolverStepMetrics | null;
  curriculum: CurriculumStats;
  /**
   * Calibration (majority accuracy by p^, all and kept), reward accuracy, the Solver's KL to its
   * start and its accuracy on its own training questions before and after, difficulty histograms
   * of the kept questions and the benchmarks (parts are null without an oracle; the whole is null
   * for iterations recorded before diagnostics existed).
   */
  diagnostics: IterationDiagnostics | null;
  completedAt: string;
}

export interface CurriculumItemView {
  iteration: number;
  index: number;
  question: string;
  challengerAnswer: string;
  solverAnswers: (string | null)[];
  majority: string | null;
  p: number;
  reward: { uncertainty: number; repetitionPenalty: number };
  cluster: number;
  kept: boolean;
  dropReason: DropReason | null;
  oracle: OracleVerdict | null;
}

export interface ScoreView {
  /** 0 = the base model. */
  iteration: number;
  benchmarkId: string;
  benchmark: string;
  metric: string;
  score: number;
  items: number;
}

const seconds = (a: Date | null, b: Date | null): number | null =>
  a && b ? Math.max(0, (b.getTime() - a.getTime()) / 1000) : null;

export function runView(r: RunEntity): RunView {
  const now = new Date();
  return {
    id: r.id,
    status: r.status,
    progress: r.progress,
    iteration: r.iteration,
    iterations: r.config.iterations,
    phase: r.phase,
    completedIterations: r.completedIterations,
    bestIteration: r.bestIteration,
    baseModelId: r.baseModelId,
    solverModelId: r.solverModelId,
    preset: r.preset,
    domain: r.domain,
    benchmarkIds: r.benchmarkIds,
    config: r.config,
    webhookUrl: r.webhookUrl,
    backend: r.backend,
    error: r.error,
    attempt: r.attempt,
    cancelRequested: r.cancelRequestedAt !== null,
    createdAt: r.createdAt.toISOString(),
    startedAt: r.startedAt?.toISOString() ?? null,
    finishedAt: r.finishedAt?.toISOString() ?? null,
    timings: {
      queuedSeconds: seconds(
        r.createdAt,
        r.startedAt ?? (r.status === 'queued' ? now : r.finishedAt),
      ),
      runningSeconds: seconds(r.startedAt, r.finishedAt ?? (r.status === 'running' ? now : null)),
    },
    lastEventId: Number(r.lastEventId),
  };
}
