/**
 * Folds a run's event stream (GET /runs/{id}/events, from id 1) into what the run page plots.
 * Re-done work (a step or iteration repeated after a worker takeover) replaces the earlier point,
 * so every chart holds one point per (iteration, step) or per iteration.
 */
import type {
  ChallengerStepMetrics,
  CurriculumStats,
  RunEvent,
  SolverStepMetrics,
} from '@rzero/client';

type Phase = Extract<RunEvent, { type: 'phase.started' }>['phase'];
export type BenchmarkScore = Extract<RunEvent, { type: 'evaluation' }>['scores'][number];
export type IterationDiagnostics = Extract<RunEvent, { type: 'diagnostics' }>['diagnostics'];
type PairedCounts = NonNullable<IterationDiagnostics['labelsAgainstGreedy']>;

/** The labels against the Solver's greedy answers, one line for the run page. */
export function labelsAgainstGreedyText(c: PairedCounts | null | undefined): string {
  if (!c) return '–';
  const p = c.pValue < 0.001 ? '< 0.001' : c.pValue.toFixed(3);
  return (
    `label alone right on ${c.majorityOnly}, greedy alone on ${c.greedyOnly} ` +
    `(both ${c.bothRight}, neither ${c.neither}; sign test p = ${p})`
  );
}

export interface StepPoint<M> {
  /** Global step: (iteration - 1) * steps + step. */
  x: number;
  iteration: number;
  step: number;
  metrics: M;
}

export interface PhaseSpan {
  iteration: number;
  phase: Phase;
  startedAt: string;
  /** Set once finished. */
  seconds: number | null;
  done: number;
  total: number;
}

export interface RunTimeline {
  lastEventId: number;
  challenger: Map<string, StepPoint<ChallengerStepMetrics>>;
  solver: Map<string, StepPoint<SolverStepMetrics>>;
  curriculum: Map<number, CurriculumStats>;
  scores: Map<number, BenchmarkScore[]>;
  diagnostics: Map<number, IterationDiagnostics>;
  phases: Map<string, PhaseSpan>;
  completed: Set<number>;
}

export const emptyTimeline = (): RunTimeline => ({
  lastEventId: 0,
  challenger: new Map(),
  solver: new Map(),
  curriculum: new Map(),
  scores: new Map(),
  diagnostics: new Map(),
  phases: new Map(),
  completed: new Set(),
});

const stepKey = (iteration: number, step: number) => `${iteration}:${step}`;

/** A new timeline with `events` applied (copies each collection once per batch). */
export function applyEvents(prev: RunTimeline, events: readonly RunEvent[]): RunTimeline {
  const next: RunTimeline = {
    ...prev,
    challenger: new Map(prev.challenger),
    solver: new Map(prev.solver),
    curriculum: new Map(prev.curriculum),
    scores: new Map(prev.scores),
    diagnostics: new Map(prev.diagnostics),
    phases: new Map(prev.phases),
    completed: new Set(prev.completed),
  };
  for (const e of events) apply(next, e);
  return next;
}

function apply(t: RunTimeline, e: RunEvent): void {
  t.lastEventId = Math.max(t.lastEventId, e.id);
  switch (e.type) {
    case 'challenger.step':
    case 'solver.step': {
      const point = {
        x: (e.iteration - 1) * e.steps + e.step,
        iteration: e.iteration,
        step: e.step,
      };
      if (e.type === 'challenger.step')
        t.challenger.set(stepKey(e.iteration, e.step), { ...point, metrics: e.metrics });
      else t.solver.set(stepKey(e.iteration, e.step), { ...point, metrics: e.metrics });
      // A training phase reports its progress through its steps.
      const phaseKey = `${e.iteration}:${e.type === 'challenger.step' ? 'challenger' : 'solver'}`;
      const span = t.phases.get(phaseKey);
      if (span && span.seconds === null)
        t.phases.set(phaseKey, { ...span, done: e.step, total: e.steps });
      return;
    }
    case 'curriculum.stats':
      t.curriculum.set(e.iteration, e.stats);
      return;
    case 'evaluation':
      t.scores.set(e.iteration, e.scores);
      return;
    case 'diagnostics':
      t.diagnostics.set(e.iteration, e.diagnostics);
      return;
    case 'phase.started':
      t.phases.set(`${e.iteration}:${e.phase}`, {
        iteration: e.iteration,
        phase: e.phase,
        startedAt: e.createdAt,
        seconds: null,
        done: 0,
        total: e.total,
      });
      return;
    case 'phase.progress':
    case 'phase.finished': {
      const key = `${e.iteration}:${e.phase}`;
      const span = t.phases.get(key);
      if (!span) return;
      t.phases.set(
        key,
        e.type === 'phase.progress'
          ? { ...span, done: e.done, total: e.total }
          : { ...span, seconds: e.seconds, done: span.total },
      );
      return;
    }
    case 'iteration.completed':
      t.completed.add(e.iteration);
      return;
    default:
      return;
  }
}

/** Within an iteration the phases run in this order (iteration 0 only evaluates the base). */
const PHASE_ORDER: Record<Phase, number> = { challenger: 1, dataset: 2, solver: 3, evaluation: 4 };
const phaseOrder = (p: Phase): number => PHASE_ORDER[p];

/** Points sorted by global step. */
export const sortedSteps = <M>(points: Map<string, StepPoint<M>>): StepPoint<M>[] =>
  [...points.values()].sort((a, b) => a.x - b.x);

/** Phase spans in the order they ran. */
export const sortedPhases = (t: RunTimeline): PhaseSpan[] =>
  [...t.phases.values()].sort(
    (a, b) => a.iteration - b.iteration || phaseOrder(a.phase) - phaseOrder(b.phase),
  );

/** The phase running now: the last one started and not finished. */
export function currentPhase(t: RunTimeline): PhaseSpan | null {
  const open = sortedPhases(t).filter((s) => s.seconds === null);
  return open[open.length - 1] ?? null;
}
