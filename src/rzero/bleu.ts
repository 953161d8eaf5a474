/**
 * Sentence BLEU exactly as the official repetition penalty computes it
 * (examples/reward_function/caller_penalty.py `_bleu_distance_matrix`):
 * `nltk.translate.bleu_score.sentence_bleu([ref.split()], hyp.split(),
 * smoothing_function=SmoothingFunction().method1)` with weights (0.25, 0.25, 0.25, 0.25)
 * (paper Sec. 3.3 "Repetition Penalty"; golden README "BLEU").
 *
 * - Tokens: Python `str.split()` (its whitespace set, not JavaScript's `\s`).
 * - p_n = m_n / d_n, m_n = clipped n-gram matches, d_n = max(1, hypothesis n-grams).
 * - m_1 = 0 -> the integer 0, before smoothing and brevity penalty.
 * - method1: a p_n with m_n = 0 becomes 0.1 / d_n.
 * - BP = 1 if c > r, 0 if c = 0, else exp(1 - r/c).
 * - BLEU = BP * exp(fsum(0.25 * ln p_n)).
 */
import { fsum, pySplit } from './py-compat';

const MAX_N = 4;
const WEIGHT = 1 / MAX_N;
const EPSILON = 0.1;

export interface BleuDetails {
  score: number;
  /** nltk returned its integer 0 because no unigram matched. */
  earlyReturnZero: boolean;
  /** [clipped matches m_n, denominator d_n] for n = 1..4. */
  matches: [number, number][];
  brevityPenalty: number;
  hypothesisLength: number;
  referenceLength: number;
}

/** Python `str.split()`: the tokenisation nltk sees. */
export const tokenize = pySplit;

function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  // Tokens never contain whitespace, so a space joins them unambiguously.
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join(' ');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** nltk `modified_precision` for one reference: [numerator, denominator]. */
function modifiedPrecision(
  ref: readonly string[],
  hyp: readonly string[],
  n: number,
): [number, number] {
  const hypCounts = ngramCounts(hyp, n);
  const refCounts = ngramCounts(ref, n);
  let numerator = 0;
  let total = 0;
  for (const [gram, count] of hypCounts) {
    numerator += Math.min(count, refCounts.get(gram) ?? 0);
    total += count;
  }
  return [numerator, Math.max(1, total)];
}

/** nltk `brevity_penalty(closest_ref_len, hyp_len)`. */
function brevityPenalty(r: number, c: number): number {
  if (c > r) return 1;
  if (c === 0) return 0;
  return Math.exp(1 - r / c);
}

/** BLEU of pre-split tokens, with its intermediate quantities. */
export function bleuFromTokens(hyp: readonly string[], ref: readonly string[]): BleuDetails {
  const matches: [number, number][] = [];
  for (let n = 1; n <= MAX_N; n++) matches.push(modifiedPrecision(ref, hyp, n));
  const bp = brevityPenalty(ref.length, hyp.length);
  const base = {
    matches,
    brevityPenalty: bp,
    hypothesisLength: hyp.length,
    referenceLength: ref.length,
  };
  if (matches[0][0] === 0) return { ...base, score: 0, earlyReturnZero: true };
  const logs = matches.map(([m, d]) => WEIGHT * Math.log(m === 0 ? (m + EPSILON) / d : m / d));
  return { ...base, score: bp * Math.exp(fsum(logs)), earlyReturnZero: false };
}

/** nltk sentence BLEU-4 with method1 smoothing; BLEU is not symmetric (hypothesis first). */
export function sentenceBleu(hypothesis: string, reference: string): number {
  return bleuFromTokens(pySplit(hypothesis), pySplit(reference)).score;
}

/** Like `sentenceBleu`, with the clipped counts and brevity penalty. */
export function sentenceBleuDetails(hypothesis: string, reference: string): BleuDetails {
  return bleuFromTokens(pySplit(hypothesis), pySplit(reference));
}
