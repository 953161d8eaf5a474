import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ARITH_BENCHMARK_SPECS,
  ARITH_BEYOND_KNOBS,
  ArithRng,
  endsSteps,
  ARITH_SMALL_PRETRAIN_KNOBS,
  DOMAIN_LIMITS,
  generateProblems,
  questionDifficulty,
  reorderSteps,
  rewriteSteps,
  solveQuestion,
} from '../../../src/tasks/arith';

const WIDE = { ...DOMAIN_LIMITS, maxDigits: 6, maxChars: 200 };

/** 400 problems of 2-4 operands (seed) and 400 of 6 (seed + 1), parentheses on 60%. */
const withParens = (seed: number) =>
  [ARITH_SMALL_PRETRAIN_KNOBS, ARITH_BEYOND_KNOBS].flatMap((k, i) =>
    generateProblems(seed + i, { ...k, parenProb: 0.6 }, 400),
  );

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

describe('two-ends solutions (arith-small stage 2)', () => {
  /** A fake rng that always draws the left (0) or the right (1) end. */
  const side = (v: 0 | 1) => ({ next: () => (v === 1 ? 0 : 0.99) });
  const strip = (s: string) => s.replace(/^[lr]=/gm, '=');

  test('l is the leftmost pair, r the rightmost; signed terms; groups keep their sign', () => {
    // Always left: rewriteSteps' lines, marked l.
    const left = endsSteps('78+84-2-55-90=?', side(0));
    assert.equal(strip(left), rewriteSteps('78+84-2-55-90=?'));
    assert.match(left, /^l=162-2-55-90\n/);
    // Always right: -55 and -90 make -145, then -2-145 = -147, ...
    assert.equal(
      endsSteps('78+84-2-55-90=?', side(1)),
      'r=78+84-2-145\nr=78+84-147\nr=78-63\nr=15\n\\boxed{15}',
    );
    assert.equal(endsSteps('10-3+5=?', side(1)), 'r=10+2\nr=12\n\\boxed{12}');
    // Inside a group first; the negated group keeps its sign ("-(-15)"), then -(-15)+7 = +22.
    assert.equal(endsSteps('5-(30-45)+7=?', side(0)), 'l=5-(-15)+7\nl=20+7\nl=27\n\\boxed{27}');
    assert.equal(endsSteps('5-(30-45)+7=?', side(1)), 'r=5-(-15)+7\nr=5+22\nr=27\n\\boxed{27}');
    assert.equal(endsSteps('(12-40)-3+8=?', side(1)), 'r=(12-40)+5\nr=-28+5\nr=-23\n\\boxed{-23}');
    assert.throws(() => endsSteps('2*3=?', side(0)), RangeError);
    assert.throws(() => endsSteps('1/2=?', side(0)), RangeError);
  });

  test('every line is a question of the same value, one operation less each, and paths vary', () => {
    const rng = new ArithRng(3);
    let varied = 0;
    let multi = 0;
    for (const p of withParens(91)) {
      const lines = endsSteps(p.question, rng).split('\n');
      const steps = questionDifficulty(p.question)!.steps;
      assert.equal(lines.length, steps + 1, p.question);
      assert.equal(lines.at(-1), `\\boxed{${p.answer}}`);
      lines.slice(0, -1).forEach((line, j) => {
        assert.match(line, /^[lr]=/);
        const r = solveQuestion(line.slice(2), WIDE);
        assert.ok(r.answerable, `${p.question}: line ${j + 1} ${line} does not parse`);
        assert.equal(r.answer, p.answer, `${p.question}: line ${line}`);
        assert.equal(questionDifficulty(line.slice(2))!.steps, steps - j - 1, line);
      });
      if (steps < 2 || p.question.includes('(')) continue;
      multi++;
      const firsts = new Set(
        Array.from({ length: 8 }, () => strip(endsSteps(p.question, rng)).split('\n')[0]),
      );
      if (firsts.size > 1) varied++;
    }
    // A flat question of 3+ operands has two different ends at its first line: 8 draws with
    // r on 40% agree with chance 0.6^8 + 0.4^8 (1.7%).
    assert.ok(
      multi > 200 && varied >= 0.95 * multi,
      `${varied} of ${multi} questions had one first line`,
    );
  });
});

describe('reordered solutions (arith-small stage 7)', () => {
  /** An rng that returns the given draws in turn. */
  const scripted = (draws: number[]) => ({ next: () => draws.shift()! });
  /** The signed terms of a line (its first number may be negative), sorted. */
  const termsOf = (line: string) =>
    (line.replace(/^=/, '').match(/[+-]?\d+/g) ?? []).map(Number).sort((a, b) => a - b);

  test('the documented example: parentheses opened, an order drawn, then the l lines', () => {
    // Firsts are 5, 45, 7 (the non-negative terms): 0.99 takes 7. The shuffle of 5, -30, 45
    // (Fisher-Yates from the end): k=2 draws 0 (swap with the first), k=1 draws 0.99 (stay).
    assert.equal(
      reorderSteps('5-(30-45)+7=?', scripted([0.99, 0, 0.99])),
      '=7+45-30+5\nl=52-30+5\nl=22+5\nl=27\n\\boxed{27}',
    );
    assert.equal(reorderSteps('7=?', scripted([0])), '=7\n\\boxed{7}');
    assert.equal(reorderSteps('3-9=?', scripted([0.5, 0.5])), '=3-9\nl=-6\n\\boxed{-6}');
    assert.throws(() => reorderSteps('2*3=?', scripted([0])), RangeError);
    assert.throws(() => reorderSteps('1/2=?', scripted([0])), RangeError);
  });

  test('the first line reorders the signed terms; every line keeps the value; one op less each', () => {
    const rng = new ArithRng(7);
    for (const p of withParens(71)) {
      const lines = reorderSteps(p.question, rng).split('\n');
      const n = questionDifficulty(p.question)!.operands;
      assert.equal(lines.length, n + 1, p.question);
      assert.equal(lines.at(-1), `\\boxed{${p.answer}}`);
      const [first, ...rest] = lines.slice(0, -1);
      assert.match(first!, /^=\d+([+-]\d+)*$/, p.question);
      // The same terms as the question's, signs distributed over parentheses.
      const flat = (q: string) => {
        const out: number[] = [];
        const signs = [1];
        let sign = 1;
        for (const tok of q.replace(/=\?$/, '').match(/\d+|[-+()]/g)!) {
          if (tok === '+' || tok === '-') sign = tok === '-' ? -1 : 1;
          else if (tok === '(') {
            signs.push(signs.at(-1)! * sign);
            sign = 1;
          } else if (tok === ')') signs.pop();
          else out.push(signs.at(-1)! * sign * Number(tok) || 0);
        }
        return out.sort((a, b) => a - b);
      };
      assert.deepEqual(termsOf(first!), flat(p.question), `${p.question}: ${first}`);
      const valueOf = (q: string) => {
        const r = solveQuestion(q, WIDE);
        assert.ok(r.answerable, `${p.question}: ${q} does not parse`);
        return r.answer;
      };
      assert.equal(valueOf(first!.slice(1)), p.answer);
      rest.forEach((line, j) => {
        assert.match(line, /^l=/);
        assert.equal(valueOf(line.slice(2)), p.answer, `${p.question}: line ${line}`);
        assert.equal(questionDifficulty(line.slice(2))!.steps, n - j - 2, line);
      });
      // After the first line: the leftmost pair each time, as the l end does.
      assert.equal(
        rest.join('\n'),
        endsSteps(`${first!.slice(1)}=?`, { next: () => 1 }, 0)
          .split('\n')
          .slice(0, -1)
          .join('\n'),
      );
    }
  });

  test('every order that starts with a non-negative term is equally likely', () => {
    const rng = new ArithRng(11);
    const count = (q: string, draws: number) => {
      const seen = new Map<string, number>();
      for (let i = 0; i < draws; i++) {
        const first = reorderSteps(q, rng).split('\n')[0]!;
        seen.set(first, (seen.get(first) ?? 0) + 1);
      }
      return seen;
    };
    // Six orders of three non-negative terms, 1,000 expected each (std about 29).
    const all = count('1+2+3=?', 6000);
    assert.equal(all.size, 6);
    for (const [order, n] of all) assert.ok(Math.abs(n - 1000) < 150, `${order}: ${n}`);
    // Only 5 may start 5-3-2: two orders, half each; a negative term never starts a line.
    const one = count('5-3-2=?', 2000);
    assert.deepEqual([...one.keys()].sort(), ['=5-2-3', '=5-3-2']);
    for (const n of one.values()) assert.ok(Math.abs(n - 1000) < 120, `${n}`);
    // 12-(40+3): the firsts are 12 only; 40 and 3 follow, both negative, in either order.
    assert.deepEqual([...count('12-(40+3)=?', 400).keys()].sort(), ['=12-3-40', '=12-40-3']);
  });
});
