import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ARITH_BENCHMARK_SPECS,
  ARITH_SMALL_PRETRAIN_KNOBS,
  DOMAIN_LIMITS,
  generateProblems,
  questionDifficulty,
  rewriteSteps,
  solveQuestion,
} from '../../../src/tasks/arith';

const WIDE = { ...DOMAIN_LIMITS, maxDigits: 6, maxChars: 200 };

describe('rewrite solutions (arith-small)', () => {
  test('the documented example', () => {
    assert.equal(
      rewriteSteps('78+84-2-55-90=?'),
      '=162-2-55-90\n=160-55-90\n=105-90\n=15\n\\boxed{15}',
    );
    assert.equal(rewriteSteps('5-(3-8)=?'), '=5-(-5)\n=10\n\\boxed{10}');
    assert.equal(rewriteSteps('4-(2-9)*2=?'), '=4-(-7)*2\n=4-(-14)\n=18\n\\boxed{18}');
    assert.equal(rewriteSteps('-(3+4)*2=?'), '=-7*2\n=-14\n\\boxed{-14}');
    assert.throws(() => rewriteSteps('1/2=?'), RangeError);
  });

  test('every line is a question of the same value, one operation less each; the box is the answer', () => {
    const knobs = [
      ARITH_SMALL_PRETRAIN_KNOBS,
      ...Object.values(ARITH_BENCHMARK_SPECS).map((s) => s.knobs),
    ];
    let checked = 0;
    knobs.forEach((k, i) => {
      for (const p of generateProblems(77 + i, k, 400)) {
        const lines = rewriteSteps(p.question).split('\n');
        const steps = questionDifficulty(p.question)!.steps;
        assert.equal(lines.length, steps + 1, p.question);
        assert.equal(lines.at(-1), `\\boxed{${p.answer}}`);
        lines.slice(0, -1).forEach((line, j) => {
          assert.ok(line.startsWith('='), line);
          // Intermediate values may have more digits than a question's literals may (4293).
          const r = solveQuestion(line.slice(1), WIDE);
          assert.ok(r.answerable, `${p.question}: line ${j + 1} ${line} does not parse`);
          assert.equal(r.answer, p.answer, `${p.question}: line ${line}`);
          assert.equal(questionDifficulty(line.slice(1))!.steps, steps - j - 1, line);
        });
        checked++;
      }
    });
    assert.equal(checked, 400 * knobs.length);
  });
});
