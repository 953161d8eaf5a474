import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CHALLENGER_SYSTEM,
  CHALLENGER_USER,
  DOMAIN_LIMITS,
  SOLVER_SYSTEM,
  challengerCompletion,
  challengerPrompt,
  generateProblems,
  maxSolutionChars,
  maxStepLineChars,
  parseQuestion,
  solutionSteps,
  solveQuestion,
  solverCompletion,
  solverPrompt,
} from '../../../src/tasks/arith';
import { lastBoxed } from '../../../src/tasks/arith/boxed';
import { VARIED_KNOBS } from './fixtures';
import { parseStep, stepIsTrue } from './reference-eval';

/** Step lines may hold up to 6-digit values, beyond the question domain's 3 digits. */
const WIDE = { ...DOMAIN_LIMITS, maxDigits: 7 };

describe('arith formats: prompts', () => {
  test('plain R-Zero format without chat template, short system prompts', () => {
    assert.equal(SOLVER_SYSTEM, 'Solve step by step.');
    assert.equal(solverPrompt('(12+7)*3-5=?'), 'system: Solve step by step.\nuser: (12+7)*3-5=?');
    assert.equal(challengerPrompt(), `system: ${CHALLENGER_SYSTEM}\nuser: ${CHALLENGER_USER}`);
    assert.ok(SOLVER_SYSTEM.length <= 40 && CHALLENGER_SYSTEM.length <= 80);
  });

  test('challenger completion', () => {
    const c = challengerCompletion('(12+7)*3-5=?', '52');
    assert.equal(c, '\n<question>(12+7)*3-5=?</question> \\boxed{52}');
    assert.equal(/<question>(.*)<\/question>/.exec(c)?.[1], '(12+7)*3-5=?');
    assert.equal(lastBoxed(c), '52');
  });
});

describe('arith formats: worked solutions', () => {
  test('examples', () => {
    assert.equal(solutionSteps('(12+7)*3-5=?'), '12+7=19\n19*3=57\n57-5=52\n\\boxed{52}');
    assert.equal(solutionSteps('7-(3-5)*4=?'), '3-5=-2\n-2*4=-8\n7-(-8)=15\n\\boxed{15}');
    assert.equal(solutionSteps('2*3+4*5=?'), '2*3=6\n4*5=20\n6+20=26\n\\boxed{26}');
    assert.equal(solutionSteps('-(2+3)*4=?'), '2+3=5\n-5*4=-20\n\\boxed{-20}');
    assert.equal(solutionSteps('(5)=?'), '\\boxed{5}');
    assert.equal(solverCompletion('1+2=?'), '\n1+2=3\n\\boxed{3}');
  });

  test('thousands of problems: true steps, right boxed answer, bounded lengths', () => {
    let checked = 0;
    VARIED_KNOBS.forEach((k, i) => {
      const lineMax = maxStepLineChars(k.maxAbs);
      for (const p of generateProblems(900 + i, k, 1000)) {
        const lines = solutionSteps(p.question).split('\n');
        const steps = parseQuestion(p.question).difficulty!.steps;
        assert.equal(lines.length, steps + 1, p.question);
        assert.equal(lines[lines.length - 1], `\\boxed{${p.answer}}`, p.question);
        for (const line of lines.slice(0, -1)) {
          assert.ok(stepIsTrue(line), `${p.question}: ${line}`);
          assert.ok(line.length <= lineMax, `${p.question}: ${line}`);
          // Each step is itself an expression of the oracle's language with the same value.
          const [lhs, rhs] = line.split('=');
          const res = solveQuestion(lhs!, WIDE);
          assert.ok(res.answerable && res.answer === rhs, line);
        }
        if (steps > 0) assert.equal(parseStep(lines[steps - 1]!)!.c.toString(), p.answer);
        assert.ok(lines.join('\n').length <= maxSolutionChars(steps, k.maxAbs), p.question);
        checked++;
      }
    });
    assert.ok(checked >= 6000);
  });

  test('unanswerable questions have no worked solution', () => {
    assert.throws(() => solutionSteps('1/2=?'), RangeError);
    assert.throws(() => solutionSteps(''), RangeError);
  });
});
