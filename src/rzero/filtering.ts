/**
 * Solver dataset construction (paper Sec. 3.4 "Solver Training" filter; RZERO.md step 2):
 * keep a generated question when the frozen Solver's agreement p^ lies in a band around 1/2 and
 * the majority answer is usable.
 *
 * - Band (default, official question_evaluate/upload.py with scripts/solver_train.sh's
 *   --min_score 0.3 --max_score 0.8): minP <= p <= maxP, both ends inclusive, plain float compare
 *   (so 3/10 and 8/10 are kept, 0.29999999999999993 and 0.8000000000000002 are not).
 * - Delta (paper): |p - 1/2| <= delta, delta = 0.25 (compared with 1e-12 of slack, so p = 0.8 is
 *   kept for delta = 0.3 although |0.8 - 0.5| evaluates to 0.30000000000000004).
 * - Always: the answer is non-null, not '' and not the exact string 'None' (case-sensitive).
 *
 * `evaluateQuestion` reproduces question_evaluate/evaluate.py for one question: extract every
 * sample's last box (mathruler, 'None' for no box), drop empties, majority-vote with p^ over the
 * non-empty extractions, then drop the item if nothing was extracted, its question contains
 * '证明' ("prove"), 'box' occurs in question.lower(), or 'text' occurs in majority.lower().
 */
import { majorityVoteEvaluate, MajorityVoteOptions, OFFICIAL_VOTE_OPTIONS } from './majority-vote';
import { extractBoxedOfficial } from './parsing';

export interface SolverFilterOptions {
  /** 'band' (default, official) or 'delta' (paper). */
  mode?: 'band' | 'delta';
  /** Band lower end (default 0.3). */
  minP?: number;
  /** Band upper end (default 0.8; upload.py's own default is 0.7). */
  maxP?: number;
  /** Paper half-width (default 0.25). */
  delta?: number;
}

/** Whether a (p^, majority answer) pair is kept for Solver training. */
export function keepForSolver(
  p: number,
  answer: string | null,
  opts: SolverFilterOptions = {},
): boolean {
  if (answer === null || answer === '' || answer === 'None') return false;
  // 1e-12 of slack so that p = k/m exactly on the band edge stays in (|0.8 - 0.5| is 0.30000000000000004).
  if (opts.mode === 'delta') return Math.abs(p - 0.5) <= (opts.delta ?? 0.25) + 1e-12;
  return p >= (opts.minP ?? 0.3) && p <= (opts.maxP ?? 0.8);
}

export type EvaluateDropReason = 'no-answer' | 'proof' | 'box' | 'text';

/** evaluate.py's content rules for a question and its majority answer; null = keep. */
export function evaluateDropReason(question: string, majority: string): EvaluateDropReason | null {
  if (question.includes('证明')) return 'proof';
  if (question.toLowerCase().includes('box')) return 'box';
  if (majority.toLowerCase().includes('text')) return 'text';
  return null;
}

export interface EvaluatedQuestion {
  question: string;
  /** Majority answer; null when nothing was extracted. */
  answer: string | null;
  /** p^ over the non-empty extractions (0 when there are none). */
  score: number;
  /** The non-empty extractions, in sample order. */
  results: string[];
  /** Why evaluate.py would not write this item; null when it would. */
  dropped: EvaluateDropReason | null;
}

/** question_evaluate/evaluate.py for one question and its raw Solver samples (n = 9 there). */
export function evaluateQuestion(
  question: string,
  solverOutputs: readonly string[],
  vote: MajorityVoteOptions = OFFICIAL_VOTE_OPTIONS,
): EvaluatedQuestion {
  const results = solverOutputs.map(extractBoxedOfficial).filter((r) => r !== '');
  const v = majorityVoteEvaluate(results, vote);
  if (v.answer === null) return { question, answer: null, score: 0, results, dropped: 'no-answer' };
  return {
    question,
    answer: v.answer,
    score: v.p,
    results,
    dropped: evaluateDropReason(question, v.answer),
  };
}
