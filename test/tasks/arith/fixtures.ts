/** Knob settings the tests sweep besides the built-in distributions. */
import { ARITH_BENCHMARK_SPECS, ARITH_PRETRAIN_KNOBS, ArithKnobs } from '../../../src/tasks/arith';

export const VARIED_KNOBS: readonly ArithKnobs[] = [
  ARITH_PRETRAIN_KNOBS,
  ARITH_BENCHMARK_SPECS['arith-medium'].knobs,
  ARITH_BENCHMARK_SPECS['arith-hard'].knobs,
  {
    minOperands: 2,
    maxOperands: 6,
    minDigits: 1,
    maxDigits: 3,
    operators: ['-', '*'],
    parenProb: 1,
    maxDepth: 3,
    maxAbs: 999_999,
  },
  {
    minOperands: 4,
    maxOperands: 6,
    minDigits: 2,
    maxDigits: 2,
    operators: ['-'],
    parenProb: 0.7,
    maxDepth: 2,
    maxAbs: 999,
  },
  {
    minOperands: 2,
    maxOperands: 5,
    minDigits: 1,
    maxDigits: 1,
    operators: ['*', '+'],
    parenProb: 0,
    maxDepth: 0,
    maxAbs: 9,
  },
];
