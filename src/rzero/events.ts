/**
 * What `coevolve` reports while it runs. The loop only calls `hooks.onEvent`; the worker turns
 * events into rows and SSE messages, the CLI into progress bars and a report. Every event is a
 * plain JSON-serialisable value.
 */

export type Phase = 'challenger' | 'dataset' | 'solver' | 'evaluation';
export type Role = 'challenger' | 'solver';

/**
 * What every GRPO training step reports: the means over its updates (one per mini-batch) of the
 * engine's GrpoMetrics, the clip fractions of its last update, the rollout length and wall time.
 */
export interface UpdateMetrics {
  loss: number;
  pgLoss: number;
  kl: number;
  /** Share of tokens where the upper ratio clip acted, mean over the step's updates. */
  clipFracHigher: number;
  /** Share of tokens where the dual clip acted, mean over the step's updates. */
  clipFracLower: number;
  /** clipFracHigher of the step's last update (0 on a step of one update: the ratio is 1). */
  lastClipFracHigher: number;
  lastClipFracLower: number;
  /** Mean global gradient norm (before clipping) over the step's updates. */
  gradNorm: number;
  /** Optimizer updates in the step (rollout batch / mini-batch). */
  updates: number;
  /** Mean response length in tokens. */
  responseTokens: number;
  seconds: number;
}

export interface ChallengerStepMetrics extends UpdateMetrics {
  /** Mean Challenger reward over the step's rollouts. */
  reward: number;
  /** Mean uncertainty reward over valid rollouts (0 when none is valid). */
  uncertainty: number;
  /** Mean repetition penalty over valid rollouts. */
  repetitionPenalty: number;
  /** Share of rollouts with a parseable question and answer. */
  validShare: number;
  /** Mean Solver agreement p^ over valid rollouts. */
  meanP: number;
}

export interface SolverStepMetrics extends UpdateMetrics {
  /** Mean Solver reward (agreement with the pseudo-label) over the step's rollouts. */
  reward: number;
  /** Share of rollouts whose answer is truly correct, when the domain has an oracle. */
  oracleAccuracy: number | null;
  /** Share of rollouts whose reward equals the one the true answer would give (oracle domains). */
  rewardAccuracy: number | null;
}

export type DropReason =
  /** The Challenger output had no parseable question or answer. */
  | 'invalid'
  /** No Solver sample produced an answer. */
  | 'no-answer'
  /** Official evaluate.py drops: proof questions, 'box' in the question, 'text' in the answer. */
  | 'proof'
  | 'box'
  | 'text'
  /** p^ outside the filter band. */
  | 'too-easy'
  | 'too-hard'
  /** Oracle labels (solver.labels = 'oracle'): the oracle cannot answer the question. */
  | 'unanswerable';

export interface OracleVerdict {
  /** Whether the domain's oracle can answer the question at all. */
  answerable: boolean;
  /** The true answer when answerable. */
  answer: string | null;
  /** Whether the majority answer equals the true answer (null when there is no majority answer). */
  labelCorrect: boolean | null;
}

export interface CurriculumItem {
  /** Position among the N generated candidates (0-based). */
  index: number;
  /** Raw Challenger output. */
  raw: string;
  question: string;
  /** The Challenger's own boxed answer ('' when missing). */
  challengerAnswer: string;
  /** The m extracted Solver answers (null = no box). */
  solverAnswers: (string | null)[];
  majority: string | null;
  /** p^ as evaluate.py computes it (over non-empty answers). */
  p: number;
  /** The reward split the Challenger would get for this question in its chunk. */
  uncertainty: number;
  repetitionPenalty: number;
  /** Cluster id inside its chunk (-1 for invalid items). */
  cluster: number;
  kept: boolean;
  dropReason: DropReason | null;
  oracle: OracleVerdict | null;
}

export interface CurriculumStats {
  generated: number;
  valid: number;
  kept: number;
  keptShare: number;
  /** Counts of valid questions by p^ in ten bins [0, 0.1), ..., [0.9, 1.0]. */
  pHistogram: number[];
  meanP: number;
  dropReasons: Partial<Record<DropReason, number>>;
  /** Domain oracle statistics of the kept questions (null without an oracle). */
  oracleKept: Record<string, unknown> | null;
  /** Domain oracle statistics of all valid questions. */
  oracleAll: Record<string, unknown> | null;
}

/** Majority accuracy at one p^ (k of m votes for the majority). */
export interface CalibrationRow {
  k: number;
  p: number;
  questions: number;
  /** Share whose majority is right (null when the row is empty). */
  majorityAccuracy: number | null;
  /** Share with at least one correct vote. */
  anyCorrectShare: number | null;
}

/** Counts of questions by the value of each difficulty measure: measure -> value -> count. */
export type DifficultyHistogram = Record<string, Record<string, number>>;

/** Two answers to the same questions compared one by one: majority label and greedy answer. */
export interface PairedCounts {
  bothRight: number;
  majorityOnly: number;
  greedyOnly: number;
  neither: number;
  /**
   * Two-sided exact sign test (McNemar) on the questions where exactly one is right: the chance of
   * a split at least this uneven if the majority and greedy were equally good. 1 when none differ.
   */
  pValue: number;
}

/** What an iteration shows about whether R-Zero can work on this domain (oracle domains). */
export interface IterationDiagnostics {
  /** Majority accuracy by p^ on the iteration's valid, answerable questions, all and kept. */
  calibration: { all: CalibrationRow[]; kept: CalibrationRow[] } | null;
  /** Share of the Solver phase's rollouts whose pseudo-reward equals the oracle's reward. */
  rewardAccuracy: number | null;
  /** low_var_kl of the Solver to its start, on the rollouts of the phase's last step. */
  solverKl: number | null;
  /**
   * Greedy accuracy (oracle) of the Solver on its own training questions (up to 256 of the kept
   * ones), before and after the Solver phase.
   */
  solverOnTrainingQuestions: { questions: number; before: number; after: number } | null;
  /**
   * The same questions' labels (the majority's; the oracle's in an oracle-label run) against the
   * Solver's greedy answers before the phase, question by question: a label teaches a greedily
   * decoded Solver only where it alone is right. Absent from iterations recorded before it was
   * measured.
   */
  labelsAgainstGreedy?: PairedCounts | null;
  /** Difficulty measures of the kept questions and of each benchmark's items. */
  difficulty: { kept: DifficultyHistogram; benchmarks: Record<string, DifficultyHistogram> } | null;
}

export interface BenchmarkScore {
  benchmark: string;
  /** 'greedy' accuracy, or 'mean@k'. */
  metric: string;
  score: number;
  items: number;
}

export interface IterationSummary {
  iteration: number;
  seconds: number;
  phases: Partial<Record<Phase, number>>;
  challenger: ChallengerStepMetrics | null;
  curriculum: CurriculumStats;
  solver: SolverStepMetrics | null;
  scores: BenchmarkScore[];
  diagnostics: IterationDiagnostics;
}

export type RZeroEvent =
  | { type: 'run.started'; iterations: number; startIteration: number; backend: string }
  | { type: 'iteration.started'; iteration: number }
  | { type: 'phase.started'; iteration: number; phase: Phase; total: number }
  /** Progress inside a phase that is not a training step (dataset chunks, evaluated items). */
  | { type: 'phase.progress'; iteration: number; phase: Phase; done: number; total: number }
  | { type: 'phase.finished'; iteration: number; phase: Phase; seconds: number }
  | {
      type: 'challenger.step';
      iteration: number;
      step: number;
      steps: number;
      metrics: ChallengerStepMetrics;
    }
  | {
      type: 'solver.step';
      iteration: number;
      step: number;
      steps: number;
      metrics: SolverStepMetrics;
    }
  | { type: 'curriculum.item'; iteration: number; item: CurriculumItem }
  | { type: 'curriculum.stats'; iteration: number; stats: CurriculumStats }
  | { type: 'evaluation'; iteration: number; scores: BenchmarkScore[] }
  | { type: 'diagnostics'; iteration: number; diagnostics: IterationDiagnostics }
  | { type: 'checkpoint'; iteration: number; role: Role; dir: string }
  | { type: 'iteration.completed'; iteration: number; summary: IterationSummary }
  | { type: 'run.completed'; iterations: number };

export type RZeroEventType = RZeroEvent['type'];

export interface CoevolveHooks {
  /** Awaited before the loop goes on, so a sink can persist the event first. */
  onEvent?(event: RZeroEvent): void | Promise<void>;
}
