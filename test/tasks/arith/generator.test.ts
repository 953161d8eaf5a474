import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ARITH_PRETRAIN_KNOBS,
  ArithKnobs,
  ArithRng,
  generateProblem,
  generateProblems,
  parseQuestion,
  problemStream,
  validateKnobs,
} from '../../../src/tasks/arith';
import { VARIED_KNOBS } from './fixtures';

const CANONICAL = /^[0-9+\-*()]+=\?$/;

/** Literal operands of a canonical question. */
function literals(q: string): string[] {
  return q.match(/\d+/g) ?? [];
}

function checkAgainstKnobs(q: string, k: ArithKnobs): void {
  assert.match(q, CANONICAL);
  const parsed = parseQuestion(q);
  assert.ok(parsed.answerable, q);
  if (!parsed.answerable) return;
  const d = parsed.difficulty;
  assert.ok(d.operands >= k.minOperands && d.operands <= k.maxOperands, q);
  for (const lit of literals(q)) {
    assert.ok(lit.length >= k.minDigits && lit.length <= k.maxDigits, q);
    assert.ok(lit === '0' || lit[0] !== '0', q);
  }
  for (const op of ['+', '-', '*'] as const) {
    if (!k.operators.includes(op)) assert.equal(d.operators[op], 0, q);
  }
  assert.equal(d.negations, 0, q);
  assert.ok(d.depth <= k.maxDepth, q);
  assert.ok(parsed.maxAbs <= BigInt(k.maxAbs), q);
  // The whole expression is never wrapped in parentheses.
  assert.ok(!(q.startsWith('(') && parseQuestion(q.slice(1).replace(/\)=\?$/, '')).answerable), q);
}

describe('arith generator', () => {
  test('respects every knob over many draws', () => {
    VARIED_KNOBS.forEach((k, i) => {
      for (const p of generateProblems(i, k, 1500)) checkAgainstKnobs(p.question, k);
    });
  });

  test('deterministic per seed, different across seeds', () => {
    const a = generateProblems(42, ARITH_PRETRAIN_KNOBS, 200);
    assert.deepEqual(generateProblems(42, ARITH_PRETRAIN_KNOBS, 200), a);
    assert.notDeepEqual(generateProblems(43, ARITH_PRETRAIN_KNOBS, 200), a);
    const rng = new ArithRng(42);
    assert.deepEqual(generateProblem(rng, ARITH_PRETRAIN_KNOBS), a[0]);
  });

  test('covers the knob ranges: every operand count, digit count, operator and depth occurs', () => {
    const k = VARIED_KNOBS[3]!;
    const ds = generateProblems(7, k, 3000).map((p) => parseQuestion(p.question));
    const seen = (f: (d: { operands: number; maxDigits: number; depth: number }) => number) =>
      new Set(ds.map((r) => (r.answerable ? f(r.difficulty) : -1)));
    assert.deepEqual([...seen((d) => d.operands)].sort(), [2, 3, 4, 5, 6]);
    assert.deepEqual([...seen((d) => d.maxDigits)].sort(), [1, 2, 3]);
    assert.deepEqual([...seen((d) => d.depth)].sort(), [0, 1, 2, 3]);
  });

  test('parenProb 0 or maxDepth 0 gives no parentheses', () => {
    for (const k of [
      { ...ARITH_PRETRAIN_KNOBS, parenProb: 0 },
      { ...ARITH_PRETRAIN_KNOBS, parenProb: 1, maxDepth: 0 },
    ]) {
      for (const p of generateProblems(3, k, 300)) assert.doesNotMatch(p.question, /[()]/);
    }
  });

  test('answers may be negative', () => {
    const answers = generateProblems(5, ARITH_PRETRAIN_KNOBS, 500).map((p) => BigInt(p.answer));
    assert.ok(answers.some((a) => a < 0n));
  });

  test('unique and exclude options', () => {
    const small: ArithKnobs = { ...VARIED_KNOBS[5]!, minOperands: 2, maxOperands: 2 };
    const uniq = generateProblems(1, small, 60, { unique: true }).map((p) => p.question);
    assert.equal(new Set(uniq).size, 60);
    const exclude = new Set(uniq.slice(0, 30));
    const rest = generateProblems(1, small, 30, { unique: true, exclude }).map((p) => p.question);
    assert.ok(rest.every((q) => !exclude.has(q)));
    // 10 x 10 one-digit products under maxAbs 9: far fewer than 500 distinct questions.
    const tiny: ArithKnobs = { ...small, operators: ['*'] };
    assert.throws(() => generateProblems(1, tiny, 500, { unique: true }), /in a row/);
    const stream = problemStream(1, small);
    assert.equal(typeof stream.next().value?.question, 'string');
  });

  test('rejects invalid knobs', () => {
    const base = ARITH_PRETRAIN_KNOBS;
    const bad: Partial<ArithKnobs>[] = [
      { minOperands: 1 },
      { maxOperands: 7 },
      { minOperands: 3, maxOperands: 2 },
      { minDigits: 0 },
      { maxDigits: 4 },
      { operators: [] },
      { operators: ['+', '+'] },
      { operators: ['/' as '+'] },
      { parenProb: 1.5 },
      { parenProb: NaN },
      { maxDepth: 4 },
      { maxDigits: 2, maxAbs: 50 },
      { maxAbs: 10_000_000 },
    ];
    for (const patch of bad) {
      assert.throws(() => validateKnobs({ ...base, ...patch }), RangeError, JSON.stringify(patch));
    }
    assert.throws(() => generateProblems(1, { ...base, maxOperands: 9 }, 1), RangeError);
    assert.doesNotThrow(() => validateKnobs(base));
  });
});
