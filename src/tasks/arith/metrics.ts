/**
 * Metrics of the arithmetic domain: benchmark accuracy from Solver completions, and oracle
 * statistics of a run's generated questions (what the paper could only estimate with an external
 * model: how many questions are answerable and how often the majority-vote pseudo-labels are true).
 */
import { boxedMatches, sameInteger } from './boxed';
import { Difficulty, UnanswerableCode, solveQuestion } from './oracle';

export interface HasAnswer {
  readonly answer: string;
}

function checkPaired(what: string, n: number, items: readonly HasAnswer[]): void {
  if (n !== items.length) {
    throw new RangeError(`${what}: ${n} entries for ${items.length} items`);
  }
  if (items.length === 0) throw new RangeError(`${what}: no items`);
}

/** Share of items whose completion's last \boxed{} equals the answer as an integer. */
export function greedyAccuracy(
  predictions: readonly string[],
  items: readonly HasAnswer[],
): number {
  checkPaired('greedyAccuracy', predictions.length, items);
  let correct = 0;
  items.forEach((item, i) => {
    if (boxedMatches(predictions[i]!, item.answer)) correct++;
  });
  return correct / items.length;
}

/** mean@k: per item the share of its k samples that are correct, averaged over items. */
export function meanAtK(
  samples: readonly (readonly string[])[],
  items: readonly HasAnswer[],
): number {
  checkPaired('meanAtK', samples.length, items);
  let sum = 0;
  items.forEach((item, i) => {
    const s = samples[i]!;
    if (s.length === 0) throw new RangeError(`meanAtK: item ${i} has no samples`);
    sum += s.filter((c) => boxedMatches(c, item.answer)).length / s.length;
  });
  return sum / items.length;
}

export interface MeanDifficulty {
  operands: number;
  maxDigits: number;
  depth: number;
  steps: number;
}

export interface OracleStats {
  questions: number;
  answerable: number;
  /** answerable / questions (0 when there are no questions). */
  answerableShare: number;
  /** Answerable questions that have a pseudo-label. */
  labeled: number;
  /** Of those, labels equal to the oracle's answer. */
  correct: number;
  /** correct / labeled, null when nothing is labeled. */
  accuracy: number | null;
  /** Means over answerable questions, null when none is answerable. */
  meanDifficulty: MeanDifficulty | null;
  /** Unanswerable questions by reason. */
  unanswerable: Partial<Record<UnanswerableCode, number>>;
}

/** Oracle statistics of generated questions and their pseudo-labels (null = no majority answer). */
export function oracleStats(
  questions: readonly string[],
  pseudoLabels: readonly (string | null)[],
): OracleStats {
  if (questions.length !== pseudoLabels.length) {
    throw new RangeError(
      `oracleStats: ${questions.length} questions, ${pseudoLabels.length} labels`,
    );
  }
  const stats = emptyStats(questions.length);
  const measured: Difficulty[] = [];
  questions.forEach((q, i) => {
    const res = solveQuestion(q);
    if (!res.answerable) {
      stats.unanswerable[res.code] = (stats.unanswerable[res.code] ?? 0) + 1;
      return;
    }
    measured.push(res.difficulty);
    const label = pseudoLabels[i];
    if (label === null || label === undefined) return;
    stats.labeled++;
    if (sameInteger(label, res.answer)) stats.correct++;
  });
  stats.answerable = measured.length;
  stats.answerableShare = questions.length === 0 ? 0 : measured.length / questions.length;
  stats.accuracy = stats.labeled === 0 ? null : stats.correct / stats.labeled;
  stats.meanDifficulty = meanDifficulty(measured);
  return stats;
}

function emptyStats(n: number): OracleStats {
  return {
    questions: n,
    answerable: 0,
    answerableShare: 0,
    labeled: 0,
    correct: 0,
    accuracy: null,
    meanDifficulty: null,
    unanswerable: {},
  };
}

export function meanDifficulty(ds: readonly Difficulty[]): MeanDifficulty | null {
  if (ds.length === 0) return null;
  const mean = (f: (d: Difficulty) => number) => ds.reduce((s, d) => s + f(d), 0) / ds.length;
  return {
    operands: mean((d) => d.operands),
    maxDigits: mean((d) => d.maxDigits),
    depth: mean((d) => d.depth),
    steps: mean((d) => d.steps),
  };
}
