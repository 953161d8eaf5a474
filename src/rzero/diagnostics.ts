/**
 * Per-iteration diagnostics on a domain with an oracle (issue: R-Zero that works): is the
 * majority right where the filter keeps questions (calibration), does the pseudo-reward tell the
 * Solver the truth (reward accuracy), does the Solver phase move the Solver (KL to its start, its
 * accuracy on its own training questions before and after), and how hard are the kept questions
 * next to the benchmarks (difficulty histograms). Without an oracle every part is null.
 */
import type { CausalLM } from '../engine';
import type { BenchmarkSet, Domain } from './domain';
import type {
  CurriculumItem,
  DifficultyHistogram,
  IterationDiagnostics,
  PairedCounts,
  SolverStepMetrics,
} from './events';
import type { RZeroConfig } from './config';
import { answersEquivalent } from './answer-equivalence';
import { evaluateModel } from './evaluation';
import { calibrationTable, pairedCounts } from './probe';
import type { VotedQuestion } from './probe';
import type { PromptRenderer } from './rollout';

/** Training questions the before/after accuracy looks at (greedy, one decode each). */
export const TRAINING_QUESTIONS_PROBED = 256;

/** Calibration rows of the curriculum's valid, answerable items: all and kept. */
export function curriculumCalibration(
  items: readonly CurriculumItem[],
  domain: Domain,
  votes: number,
): IterationDiagnostics['calibration'] {
  const oracle = domain.oracle;
  if (!oracle) return null;
  const rows: (VotedQuestion & { kept: boolean })[] = [];
  for (const it of items) {
    if (it.dropReason === 'invalid' || !it.oracle?.answerable) continue;
    const right = (a: string | null) =>
      a !== null && oracle.verdict(it.question, a).labelCorrect === true;
    rows.push({
      p: it.p,
      majorityCorrect: it.majority !== null && right(it.majority),
      anyCorrect: it.solverAnswers.some(right),
      kept: it.kept,
    });
  }
  return {
    all: calibrationTable(rows, votes),
    kept: calibrationTable(
      rows.filter((r) => r.kept),
      votes,
    ),
  };
}

/** measure -> value -> count over the questions the domain can measure. */
export function difficultyHistogram(
  questions: readonly string[],
  measure: (q: string) => Record<string, number> | null,
): DifficultyHistogram {
  const out: DifficultyHistogram = {};
  for (const q of questions) {
    const d = measure(q);
    if (!d) continue;
    for (const [name, value] of Object.entries(d)) {
      const row = (out[name] ??= {});
      row[String(value)] = (row[String(value)] ?? 0) + 1;
    }
  }
  return out;
}

/** The kept questions' and each benchmark's difficulty histograms (null without a measure). */
export function difficultyDiagnostics(
  kept: readonly string[],
  benchmarks: readonly BenchmarkSet[],
  domain: Domain,
): IterationDiagnostics['difficulty'] {
  const measure = domain.oracle?.difficulty?.bind(domain.oracle);
  if (!measure) return null;
  return {
    kept: difficultyHistogram(kept, measure),
    benchmarks: Object.fromEntries(
      benchmarks.map((b) => [
        b.name,
        difficultyHistogram(
          b.items.map((it) => it.question),
          measure,
        ),
      ]),
    ),
  };
}

/**
 * Greedy accuracy of `model` on (question, true answer) pairs (evaluateModel's scoring), and each
 * question's verdict; null when there are none.
 */
export async function greedyOracleAccuracy(
  model: CausalLM,
  render: PromptRenderer,
  questions: readonly { question: string; answer: string }[],
  maxNewTokens: number,
  config: RZeroConfig,
): Promise<{ accuracy: number; correct: boolean[] } | null> {
  if (questions.length === 0) return null;
  let correct: boolean[] = [];
  const [score] = await evaluateModel({
    model,
    render,
    benchmarks: [{ name: 'training-questions', items: questions }],
    config: {
      ...config,
      evaluation: { ...config.evaluation, maxNewTokens, maxItems: 0, meanAtK: 0 },
    },
    iteration: 0,
    onGreedyItems: (_, verdicts) => {
      correct = verdicts;
    },
  });
  return { accuracy: score!.score, correct };
}

/**
 * The Solver's training questions with their true answers: the first TRAINING_QUESTIONS_PROBED
 * distinct kept questions the oracle answers.
 */
export function probedTrainingQuestions(
  kept: readonly { question: string; label: string | null }[],
  domain: Domain,
): { question: string; answer: string; labelCorrect: boolean }[] {
  const oracle = domain.oracle;
  if (!oracle) return [];
  const out: { question: string; answer: string; labelCorrect: boolean }[] = [];
  const seen = new Set<string>();
  for (const k of kept) {
    if (seen.has(k.question)) continue;
    seen.add(k.question);
    const v = oracle.verdict(k.question, k.label);
    if (v.answerable)
      out.push({ question: k.question, answer: v.answer!, labelCorrect: v.labelCorrect === true });
    if (out.length >= TRAINING_QUESTIONS_PROBED) break;
  }
  return out;
}

/**
 * The probed questions' training labels (the majority's; the oracle's in the control) against the
 * greedy verdicts on them, one by one.
 */
export function labelsAgainstGreedy(
  probed: readonly { labelCorrect: boolean }[],
  greedyCorrect: readonly boolean[] | null,
): PairedCounts | null {
  if (greedyCorrect === null || probed.length === 0) return null;
  return pairedCounts(
    probed.map((q, i) => ({ majorityCorrect: q.labelCorrect, greedyCorrect: greedyCorrect[i]! })),
  );
}

/** Mean reward accuracy over the Solver phase's steps (null without an oracle or steps). */
export function phaseRewardAccuracy(steps: readonly SolverStepMetrics[]): number | null {
  const xs = steps.map((s) => s.rewardAccuracy).filter((x): x is number => x !== null);
  return xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/**
 * Mean share of the Solver's m votes equivalent to the oracle's answer, over the answerable items:
 * how often the Solver the Challenger faced answers its questions right when sampling (the paper's
 * "the Solver answers its own iteration's questions" measure). NaN when none is answerable.
 */
export function sampledOracleAccuracy(items: readonly CurriculumItem[]): number {
  const answerable = items.filter((it) => it.oracle?.answerable && it.oracle.answer !== null);
  if (answerable.length === 0) return NaN;
  const share = (it: CurriculumItem) =>
    it.solverAnswers.filter((a) => a !== null && answersEquivalent(a, it.oracle!.answer!)).length /
    Math.max(1, it.solverAnswers.length);
  return answerable.reduce((sum, it) => sum + share(it), 0) / answerable.length;
}
