/**
 * The arithmetic domain as the R-Zero loop sees it: the tiny model's prompts, the exact oracle
 * (per-question verdicts and run statistics) and the built-in benchmarks.
 */
import type { BenchmarkSet, Domain, OracleVerdict } from '../../rzero';
import { ARITH_BENCHMARK_NAMES, ArithBenchmarkName } from './distributions';
import { arithBenchmark } from './benchmarks';
import { sameInteger } from './boxed';
import { CHALLENGER_SYSTEM, CHALLENGER_USER, SOLVER_SYSTEM } from './formats';
import { oracleStats } from './metrics';
import { parseQuestion, questionDifficulty, solveQuestion } from './oracle';

function verdict(question: string, label: string | null): OracleVerdict {
  const res = solveQuestion(question);
  if (!res.answerable) return { answerable: false, answer: null, labelCorrect: null };
  return {
    answerable: true,
    answer: res.answer,
    labelCorrect: label === null ? null : sameInteger(label, res.answer),
  };
}

export const ARITH_DOMAIN: Readonly<Domain> = Object.freeze({
  name: 'arith',
  prompts: Object.freeze({
    challengerSystem: CHALLENGER_SYSTEM,
    challengerUser: CHALLENGER_USER,
    solverSystem: SOLVER_SYSTEM,
  }),
  oracle: Object.freeze({
    verdict,
    stats: (questions: readonly string[], labels: readonly (string | null)[]) =>
      oracleStats(questions, labels) as unknown as Record<string, unknown>,
    difficulty: (question: string) => {
      const d = questionDifficulty(question);
      return d ? { steps: d.steps, maxDigits: d.maxDigits, depth: d.depth } : null;
    },
  }),
  // The oracle's parser as a grammar: in the language and inside the domain limits.
  wellFormed: (question: string) => parseQuestion(question).answerable,
});

/** The built-in benchmarks as the loop takes them. */
export function arithBenchmarkSets(
  names: readonly ArithBenchmarkName[] = ARITH_BENCHMARK_NAMES,
): BenchmarkSet[] {
  return names.map((name) => ({ name, items: arithBenchmark(name) }));
}
