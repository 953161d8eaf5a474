/**
 * The problem distributions of the arithmetic domain: the one the tiny base model is pretrained on
 * and the three fixed benchmarks measured against it.
 *
 * | setting       | operands | digits | ops  | parenProb | maxDepth | maxAbs | seed | items |
 * |---------------|----------|--------|------|-----------|----------|--------|------|-------|
 * | pretraining   | 2-3      | 1-2    | +-*  | 0.3       | 1        | 999    | -    | -     |
 * | arith-easy    | 2-3      | 1-2    | +-*  | 0.3       | 1        | 999    | 1001 | 500   |
 * | arith-medium  | 3-4      | 1-2    | +-*  | 0.5       | 2        | 9999   | 2002 | 500   |
 * | arith-hard    | 5-6      | 1-3    | +-*  | 0.5       | 3        | 99999  | 3003 | 500   |
 *
 * Why (targets for greedy accuracy of the pretrained tiny model: easy ~80%, medium ~40%, hard ~10%):
 * - Pretraining keeps every step within what a tiny character-level model can learn as a lookup-
 *   like skill: at most 2 steps, operands of at most 2 digits, and every intermediate value in
 *   [-999, 999], so a product is at most 3 digits (2-digit x 1-digit, or small 2-digit x 2-digit
 *   such as 12*34=408; 57*83=4731 is rejected). One level of parentheses.
 * - arith-easy is the pretraining distribution itself (other seed; its items are kept out of the
 *   pretraining corpus), so it measures in-distribution generalisation, not memory.
 * - arith-medium sits on the edge: about half its items have 3 operands (in distribution when no
 *   value exceeds 999 and depth <= 1), the rest have 4 operands (one step longer than ever seen),
 *   depth-2 parentheses, and values up to 9999, i.e. full 2-digit x 2-digit products.
 * - arith-hard is out of distribution on every axis: 4-5 steps (twice the longest pretraining
 *   solution), 3-digit operands (seen only as intermediate results), depth 3, 5-digit values. The
 *   hope is a few percent of items stay reachable (mostly additions of small operands).
 * These are a-priori targets; the pretraining run reports the real numbers. The benchmark items
 * are pinned by tests: changing a row changes the benchmark, so do it only deliberately.
 */
import { ArithKnobs } from './generator';

export type ArithBenchmarkName = 'arith-easy' | 'arith-medium' | 'arith-hard';

export interface ArithBenchmarkSpec {
  readonly name: ArithBenchmarkName;
  readonly seed: number;
  readonly count: number;
  readonly knobs: ArithKnobs;
}

const ALL_OPS = Object.freeze(['+', '-', '*'] as const);

/** The pretraining distribution; the corpus recipe and the pretrain script use exactly this. */
export const ARITH_PRETRAIN_KNOBS: ArithKnobs = Object.freeze({
  minOperands: 2,
  maxOperands: 3,
  minDigits: 1,
  maxDigits: 2,
  operators: ALL_OPS,
  parenProb: 0.3,
  maxDepth: 1,
  maxAbs: 999,
});

const MEDIUM_KNOBS: ArithKnobs = Object.freeze({
  minOperands: 3,
  maxOperands: 4,
  minDigits: 1,
  maxDigits: 2,
  operators: ALL_OPS,
  parenProb: 0.5,
  maxDepth: 2,
  maxAbs: 9999,
});

const HARD_KNOBS: ArithKnobs = Object.freeze({
  minOperands: 5,
  maxOperands: 6,
  minDigits: 1,
  maxDigits: 3,
  operators: ALL_OPS,
  parenProb: 0.5,
  maxDepth: 3,
  maxAbs: 99999,
});

export const ARITH_BENCHMARK_SPECS: Readonly<Record<ArithBenchmarkName, ArithBenchmarkSpec>> =
  Object.freeze({
    'arith-easy': Object.freeze({
      name: 'arith-easy',
      seed: 1001,
      count: 500,
      knobs: ARITH_PRETRAIN_KNOBS,
    }),
    'arith-medium': Object.freeze({
      name: 'arith-medium',
      seed: 2002,
      count: 500,
      knobs: MEDIUM_KNOBS,
    }),
    'arith-hard': Object.freeze({
      name: 'arith-hard',
      seed: 3003,
      count: 500,
      knobs: HARD_KNOBS,
    }),
  });

export const ARITH_BENCHMARK_NAMES: readonly ArithBenchmarkName[] = Object.freeze([
  'arith-easy',
  'arith-medium',
  'arith-hard',
]);
