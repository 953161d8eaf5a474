import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ARITH_BENCHMARK_NAMES,
  DOMAIN_LIMITS,
  UnanswerableCode,
  arithBenchmark,
  generateProblems,
  parseQuestion,
  questionDifficulty,
  solveQuestion,
} from '../../../src/tasks/arith';
import { VARIED_KNOBS } from './fixtures';
import { shuntingYard } from './reference-eval';

function answer(q: string): string {
  const res = solveQuestion(q);
  assert.ok(res.answerable, `${q}: ${res.answerable ? '' : res.reason}`);
  return res.answer;
}

describe('arith oracle: answers', () => {
  test('every benchmark item is answered correctly and matches a shunting-yard evaluation', () => {
    for (const name of ARITH_BENCHMARK_NAMES) {
      for (const item of arithBenchmark(name)) {
        assert.equal(answer(item.question), item.answer, item.id);
        assert.equal(shuntingYard(item.question).toString(), item.answer, item.id);
      }
    }
  });

  test('agrees with shunting-yard on generated problems of varied knobs', () => {
    VARIED_KNOBS.forEach((knobs, i) => {
      for (const p of generateProblems(500 + i, knobs, 600)) {
        assert.equal(answer(p.question), shuntingYard(p.question).toString(), p.question);
      }
    });
  });

  test('usual precedence and left associativity', () => {
    assert.equal(answer('2+3*4=?'), '14');
    assert.equal(answer('(2+3)*4=?'), '20');
    assert.equal(answer('10-4-3=?'), '3');
    assert.equal(answer('10-(4-3)=?'), '9');
    assert.equal(answer('2*3-4*5=?'), '-14');
    assert.equal(answer('(12+7)*3-5=?'), '52');
  });

  test('tolerates whitespace and a missing "=?"', () => {
    assert.equal(answer(' ( 12 + 7 ) * 3 - 5 = ? '), '52');
    assert.equal(answer('(12+7)*3-5'), '52');
    assert.equal(answer('\t12\n+ 7 =?\n'), '19');
  });

  test('a sign is allowed at the start of an expression only', () => {
    assert.equal(answer('-3+5=?'), '2');
    assert.equal(answer('(-2)*3=?'), '-6');
    assert.equal(answer('-(2+3)*4=?'), '-20');
    assert.equal(answer('7-(-8)=?'), '15');
    assert.equal(answer('-(-2)=?'), '2');
    assert.equal(solveQuestion('3*-2=?').answerable, false);
    assert.equal(solveQuestion('3--2=?').answerable, false);
  });

  test('exact beyond 2^53', () => {
    assert.equal(answer('999*999*999*999*999*999=?'), (999n ** 6n).toString());
    assert.equal(answer('-999*999*999*999*999*999=?'), (-(999n ** 6n)).toString());
  });
});

const MALFORMED: [string, UnanswerableCode][] = [
  ['', 'empty'],
  ['   \n', 'empty'],
  ['=?', 'empty'],
  ['(1+2=?', 'unbalanced-parens'],
  ['1+2)=?', 'unbalanced-parens'],
  [')1+2(=?', 'unbalanced-parens'],
  ['1/2=?', 'division'],
  ['8÷2=?', 'division'],
  ['1.5+2=?', 'not-integer'],
  ['1,000+2=?', 'not-integer'],
  ['1+x=?', 'unknown-char'],
  ['2^3=?', 'unknown-char'],
  ['Compute 1+2.', 'unknown-char'],
  ['3×4=?', 'unknown-char'],
  ['1++2=?', 'syntax'],
  ['1+=?', 'syntax'],
  ['*3=?', 'syntax'],
  ['()=?', 'syntax'],
  ['1 2=?', 'syntax'],
  ['2(3+4)=?', 'syntax'],
  ['(1 2)+3=?', 'syntax'],
  ['1+2=3', 'syntax'],
  ['1+2=?3', 'syntax'],
  ['1+2??', 'syntax'],
  ['3*-2=?', 'syntax'],
  ['--2=?', 'syntax'],
  ['07+1=?', 'leading-zero'],
  ['1+'.repeat(40) + '1=?', 'too-long'],
  ['1+2+3+4+5+6+7=?', 'too-many-operands'],
  ['1234+1=?', 'too-many-digits'],
  ['((((1+2))))=?', 'too-deep'],
];

describe('arith oracle: unanswerable text', () => {
  test(`${MALFORMED.length} malformed or out-of-domain kinds are reported with a reason`, () => {
    assert.ok(new Set(MALFORMED.map(([, code]) => code)).size >= 11);
    for (const [text, code] of MALFORMED) {
      const res = solveQuestion(text);
      assert.equal(res.answerable, false, JSON.stringify(text));
      if (res.answerable) continue;
      assert.equal(res.code, code, `${JSON.stringify(text)}: ${res.reason}`);
      assert.ok(res.reason.length > 5, JSON.stringify(text));
    }
  });

  test('non-string input is unanswerable, not a crash', () => {
    assert.equal(solveQuestion(undefined as unknown as string).answerable, false);
  });

  test('the domain limits are exactly inclusive', () => {
    assert.equal(answer('1+2+3+4+5+6=?'), '21');
    assert.equal(answer('999+1=?'), '1000');
    assert.equal(answer('(((1+2)))=?'), '3');
    assert.equal(answer('1' + ' '.repeat(75) + '+2=?'), '3');
    assert.equal(solveQuestion('1' + ' '.repeat(76) + '+2=?').answerable, false);
  });

  test('custom limits', () => {
    const tight = { ...DOMAIN_LIMITS, maxOperands: 2 };
    assert.equal(parseQuestion('1+2+3=?', tight).answerable, false);
    assert.equal(parseQuestion('1+2=?', tight).answerable, true);
  });
});

describe('arith oracle: difficulty', () => {
  test('measures of a canonical question', () => {
    assert.deepEqual(questionDifficulty('(12+7)*3-5=?'), {
      operands: 4,
      maxDigits: 2,
      depth: 1,
      operators: { '+': 1, '-': 1, '*': 1 },
      steps: 3,
      negations: 0,
      maxAbsDigits: 2,
    });
  });

  test('a sign is a negation, not an operator; depth counts nesting', () => {
    const d = questionDifficulty('-((2-3)*(40+5))=?')!;
    assert.equal(d.negations, 1);
    assert.deepEqual(d.operators, { '+': 1, '-': 1, '*': 1 });
    assert.equal(d.depth, 2);
    assert.equal(d.maxAbsDigits, 2);
  });

  test('out-of-domain questions are still measured; malformed ones are not', () => {
    const res = solveQuestion('1+2+3+4+5+6+7=?');
    assert.equal(res.answerable, false);
    assert.equal(res.difficulty?.operands, 7);
    assert.equal(questionDifficulty('1+2+3+4+5+6+7=?')?.operands, 7);
    assert.equal(questionDifficulty('1+(2'), null);
    assert.equal(questionDifficulty('1/2'), null);
  });
});
