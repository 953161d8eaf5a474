import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  ALL_ARITH_BENCHMARK_NAMES,
  ARITH_CORPUS_RECIPE,
  ARITH_EOS,
  ARITH_SMALL_ENDS_RECIPE,
  ARITH_SMALL_ENDS_R_RECIPE,
  ARITH_SMALL_REORDER_RECIPE,
  ARITH_SMALL_REORDER_C5_RECIPE,
  ARITH_SMALL_CHALLENGER_C5_RECIPE,
  ARITH_SMALL_CORPUS_RECIPE,
  ARITH_SMALL_PRETRAIN_KNOBS,
  ArithCorpusRecipe,
  CorpusDocument,
  allBenchmarkQuestions,
  arithCorpus,
  arithTokenizer,
  markerPositions,
  challengerPrompt,
  solutionSteps,
  questionDifficulty,
  rewriteSteps,
  solveQuestion,
  solverPrompt,
} from '../../../src/tasks/arith';
import { lastBoxed } from '../../../src/tasks/arith/boxed';
import { markerFreeWeights } from '../../../scripts/pretrain-arith';

function take(recipe: Partial<ArithCorpusRecipe>, n: number): CorpusDocument[] {
  return [...arithCorpus({ ...ARITH_CORPUS_RECIPE, ...recipe, documents: n })];
}

/** The first 16 hex digits of the SHA-256 of the first 1000 documents' texts. */
function digestOf(docs: readonly CorpusDocument[]): string {
  return createHash('sha256')
    .update(
      docs
        .slice(0, 1000)
        .map((d) => d.text)
        .join('\n'),
    )
    .digest('hex')
    .slice(0, 16);
}

/** Pinned: the corpus is a pure function of its recipe. */
const PINNED_FIRST_1000 = 'cbba3dc8ec00d78f';

describe('arith corpus', () => {
  test('recipe', () => {
    assert.equal(ARITH_CORPUS_RECIPE.documents, 200_000);
    assert.equal(ARITH_CORPUS_RECIPE.solverShare, 0.8);
    assert.ok(Object.isFrozen(ARITH_CORPUS_RECIPE));
  });

  test('deterministic and pinned', () => {
    const docs = take({}, 1000);
    assert.deepEqual(take({}, 1000), docs);
    assert.equal(digestOf(docs), PINNED_FIRST_1000);
    assert.notDeepEqual(take({ seed: 1 }, 50), docs.slice(0, 50));
  });

  test('the mix follows solverShare; the problem stream does not depend on it', () => {
    const docs = take({}, 5000);
    const share = docs.filter((d) => d.role === 'solver').length / docs.length;
    assert.ok(Math.abs(share - 0.8) < 0.02, `solver share ${share}`);
    const allSolver = take({ solverShare: 1 }, 200);
    assert.ok(allSolver.every((d) => d.role === 'solver'));
    assert.deepEqual(
      allSolver.map((d) => d.question),
      docs.slice(0, 200).map((d) => d.question),
    );
    assert.ok(take({ solverShare: 0 }, 50).every((d) => d.role === 'challenger'));
  });

  test('documents: prompt + completion + eos, correct answers', () => {
    for (const d of take({}, 3000)) {
      assert.equal(d.text, d.prompt + d.completion + ARITH_EOS);
      const res = solveQuestion(d.question);
      assert.ok(res.answerable && res.answer === d.answer, d.question);
      assert.equal(lastBoxed(d.completion), d.answer);
      if (d.role === 'solver') {
        assert.equal(d.prompt, solverPrompt(d.question));
        assert.equal(d.completion, '\n' + solutionSteps(d.question));
      } else {
        assert.equal(d.prompt, challengerPrompt());
        assert.equal(/<question>(.*)<\/question>/.exec(d.completion)?.[1], d.question);
      }
    }
  });

  test('benchmark questions are kept out (and the exclusion is not vacuous)', () => {
    const bench = allBenchmarkQuestions();
    const hits = (docs: CorpusDocument[]) => docs.filter((d) => bench.has(d.question)).length;
    assert.equal(hits(take({}, 20_000)), 0);
    assert.ok(hits(take({ excludeBenchmarks: false }, 20_000)) > 0);
  });

  test('rejects invalid recipes', () => {
    assert.throws(() => take({ solverShare: 2 }, 1), RangeError);
    assert.throws(() => [...arithCorpus({ ...ARITH_CORPUS_RECIPE, documents: -1 })], RangeError);
    assert.throws(() => take({ version: 3 as 1 }, 1), RangeError);
  });
});

describe('arith-small corpus (v2)', () => {
  const docs = [...arithCorpus({ ...ARITH_SMALL_CORPUS_RECIPE, documents: 20_000 })];
  const k = ARITH_SMALL_PRETRAIN_KNOBS;
  const inside = (q: string) => {
    const d = questionDifficulty(q)!;
    return d.operands <= k.maxOperands && d.maxDigits <= k.maxDigits && d.operators['*'] === 0;
  };

  test('pinned; Solver documents stay inside the pretraining distribution but for a 2% tail', () => {
    assert.equal(digestOf(docs), '1b080543626ee117');
    const solver = docs.filter((d) => d.role === 'solver');
    assert.ok(solver.length > 15_000);
    // The thin tail: 1% frontier (5 operands), 1% wide (3-digit operands), nothing else outside.
    const tail = solver.filter((d) => !inside(d.question));
    const frontier = tail.filter((d) => questionDifficulty(d.question)!.operands === 5);
    const wide = tail.filter((d) => questionDifficulty(d.question)!.maxDigits === 3);
    assert.equal(frontier.length + wide.length, tail.length);
    for (const part of [frontier, wide]) {
      const share = part.length / solver.length;
      assert.ok(share > 0.007 && share < 0.013, `tail share ${share}`);
    }
    for (const d of tail) assert.equal(d.completion, '\n' + rewriteSteps(d.question));
    // Worked as rewrites of the remaining expression (rewrite.ts), ending in the answer's box.
    for (const d of solver.slice(0, 500)) {
      assert.equal(d.completion, '\n' + rewriteSteps(d.question));
      assert.equal(lastBoxed(d.completion), d.answer);
    }
  });

  test('a quarter of the Challenger documents pose frontier or wide questions', () => {
    const challenger = docs.filter((d) => d.role === 'challenger');
    const past = challenger.filter((d) => !inside(d.question));
    const share = past.length / challenger.length;
    assert.ok(Math.abs(share - 0.25) < 0.03, `share past the Solver's support ${share}`);
    const operands = past.map((d) => questionDifficulty(d.question)!.operands);
    assert.ok(operands.includes(5), 'no frontier (5-operand) question');
    assert.ok(
      past.some((d) => questionDifficulty(d.question)!.maxDigits === 3),
      'no wide one',
    );
    for (const d of challenger) {
      assert.equal(solveQuestion(d.question).answerable, true);
      assert.equal(lastBoxed(d.completion), d.answer);
    }
  });

  test("no item of any benchmark (arith-tiny's or arith-small's) is in it", () => {
    const bench = allBenchmarkQuestions(ALL_ARITH_BENCHMARK_NAMES);
    assert.equal(docs.filter((d) => bench.has(d.question)).length, 0);
  });

  test('a mix or rewrite solutions need version 2; shares sum to at most 1', () => {
    const mix = ARITH_SMALL_CORPUS_RECIPE.challengerMix!;
    assert.throws(() => take({ challengerMix: mix }, 1), RangeError);
    assert.throws(() => take({ solverMix: mix }, 1), RangeError);
    assert.throws(
      () => [
        ...arithCorpus({
          ...ARITH_SMALL_CORPUS_RECIPE,
          solverMix: [{ ...mix[0]!, share: 1.5 }],
          documents: 1,
        }),
      ],
      RangeError,
    );
    assert.throws(() => take({ solution: 'rewrite' }, 1), RangeError);
    assert.throws(
      () => [
        ...arithCorpus({
          ...ARITH_SMALL_CORPUS_RECIPE,
          challengerMix: [
            { ...mix[0]!, share: 0.7 },
            { ...mix[1]!, share: 0.7 },
          ],
          documents: 1,
        }),
      ],
      RangeError,
    );
  });
});

describe('arith-small stage 2 corpus (two ends)', () => {
  const docs = [...arithCorpus({ ...ARITH_SMALL_ENDS_RECIPE, documents: 20_000 })];
  const shape = (q: string) => questionDifficulty(q)!;

  test('pinned; Solver documents: 2-4 operands and a 2% tail of 5, worked from either end', () => {
    assert.equal(digestOf(docs), '8f41f84294e9f320');
    const solver = docs.filter((d) => d.role === 'solver');
    for (const d of docs) assert.ok(shape(d.question).maxDigits <= 2, `3-digit ${d.question}`);
    const five = solver.filter((d) => shape(d.question).operands === 5);
    assert.ok(Math.abs(five.length / solver.length - 0.02) < 0.004, `tail ${five.length}`);
    assert.ok(solver.every((d) => shape(d.question).operands <= 5));
    // Each completion is a two-ends solution: same lines count and box; the sides vary.
    let leftToRight = 0;
    for (const d of solver.slice(0, 2000)) {
      const lines = d.completion.slice(1).split('\n');
      assert.equal(lines.length, shape(d.question).steps + 1);
      assert.equal(lastBoxed(d.completion), d.answer);
      if (!/^r=/m.test(d.completion)) leftToRight++;
    }
    // r on 40% of lines: a solution of L lines has no r with chance 0.6^L (about 37% here).
    assert.ok(
      leftToRight > 650 && leftToRight < 850,
      `${leftToRight} of 2000 solutions are left to right`,
    );
  });

  test('30% of the Challenger documents pose 5- or 6-operand questions', () => {
    const challenger = docs.filter((d) => d.role === 'challenger');
    for (const n of [5, 6]) {
      const share = challenger.filter((d) => shape(d.question).operands === n).length;
      // The mix's 15%, plus the base distribution's none.
      assert.ok(Math.abs(share / challenger.length - 0.15) < 0.025, `${n}: ${share}`);
    }
  });

  test('a pure function of the recipe: the sides too', () => {
    const again = [...arithCorpus({ ...ARITH_SMALL_ENDS_RECIPE, documents: 2000 })];
    assert.deepEqual(again, docs.slice(0, 2000));
  });
});

describe('arith-small stage 3 corpus (the right end trained, markers without loss)', () => {
  const docs = [...arithCorpus({ ...ARITH_SMALL_ENDS_R_RECIPE, documents: 5000 })];
  const solver = docs.filter((d) => d.role === 'solver');

  test('pinned; r on 70% of lines, and stage 2 otherwise', () => {
    assert.equal(digestOf(docs), '958d084840533a82');
    let r = 0;
    let all = 0;
    for (const d of solver) {
      for (const i of markerPositions(d.completion)) {
        all++;
        if (d.completion[i] === 'r') r++;
      }
      assert.equal(lastBoxed(d.completion), d.answer);
    }
    assert.ok(Math.abs(r / all - 0.7) < 0.02, `${r} of ${all} lines are r`);
    const { seed, rightShare, markerLoss, ...rest } = ARITH_SMALL_ENDS_R_RECIPE;
    const { seed: seed2, ...stage2 } = ARITH_SMALL_ENDS_RECIPE;
    assert.deepEqual(rest, stage2);
    assert.notEqual(seed, seed2);
    assert.equal(rightShare, 0.7);
    assert.equal(markerLoss, false);
  });

  test('markerPositions: the l or r that starts a line before "=", nothing else', () => {
    assert.deepEqual(markerPositions('\nr=37-13+81\nl=24+81\nr=105\n\\boxed{105}'), [1, 12, 20]);
    assert.deepEqual(markerPositions('\n=12+3\n=15\n\\boxed{15}'), []);
    assert.deepEqual(markerPositions('l=1'), [0]);
  });

  test('markerFreeWeights: 0 on each marker, 1 on every other character and on <|eos|>', () => {
    const tok = arithTokenizer();
    for (const d of solver.slice(0, 200)) {
      const w = markerFreeWeights(d.completion, tok);
      assert.equal(w.length, d.completion.length + 1);
      const zeros = w.flatMap((x, i) => (x === 0 ? [i] : []));
      assert.deepEqual(zeros, markerPositions(d.completion));
      assert.ok(zeros.length > 0 && zeros.every((i) => /[lr]/.test(d.completion[i]!)));
    }
  });

  test('rightShare and markerLoss belong to the ends solutions', () => {
    for (const extra of [{ rightShare: 0.5 }, { markerLoss: false }]) {
      assert.throws(
        () => [...arithCorpus({ ...ARITH_SMALL_CORPUS_RECIPE, ...extra, documents: 1 })],
        /belong to the ends/,
      );
    }
    assert.throws(
      () => [...arithCorpus({ ...ARITH_SMALL_ENDS_RECIPE, rightShare: 1.5, documents: 1 })],
      /rightShare 1.5/,
    );
  });
});

describe('arith-small stage 7 corpus (each question in an order of its own)', () => {
  const docs = [...arithCorpus({ ...ARITH_SMALL_REORDER_RECIPE, documents: 5000 })];
  const solver = docs.filter((d) => d.role === 'solver');

  test("pinned; reordered solutions, no r line and no marker loss; stage 2's problems", () => {
    assert.equal(digestOf(docs), '1503880c7f6479f7');
    for (const d of solver) {
      const lines = d.completion.slice(1).split('\n');
      assert.equal(lines.length, questionDifficulty(d.question)!.operands + 1, d.question);
      assert.match(lines[0]!, /^=\d/);
      assert.ok(
        lines.slice(1, -1).every((l) => l.startsWith('l=')),
        d.completion,
      );
      assert.equal(lastBoxed(d.completion), d.answer);
    }
    // The order is drawn per document, uniformly over those that start with a non-negative
    // term: a flat question keeps its written order with chance 1 / (P * (n-1)!), P of its n
    // terms non-negative. The count of kept orders is within 4 standard deviations of that.
    let expected = 0;
    let variance = 0;
    let kept = 0;
    for (const d of solver.filter((d) => !d.question.includes('('))) {
      const terms = d.question.replace(/=\?$/, '').match(/^\d+|[+-]\d+/g)!;
      const nonNegative = terms.filter((t) => !t.startsWith('-')).length;
      let orders = nonNegative;
      for (let k = 2; k < terms.length; k++) orders *= k;
      expected += 1 / orders;
      variance += (1 / orders) * (1 - 1 / orders);
      if (d.completion.slice(1).split('\n')[0] === `=${d.question.replace(/=\?$/, '')}`) kept++;
    }
    assert.ok(
      Math.abs(kept - expected) < 4 * Math.sqrt(variance) && expected < 0.5 * solver.length,
      `${kept} flat questions keep their order, ${expected.toFixed(0)} expected`,
    );
    const { seed, solution, ...rest } = ARITH_SMALL_REORDER_RECIPE;
    const { seed: seed2, solution: solution2, ...stage2 } = ARITH_SMALL_ENDS_RECIPE;
    assert.deepEqual(rest, stage2);
    assert.notEqual(seed, seed2);
    assert.deepEqual([solution, solution2], ['reorder', 'ends']);
    assert.equal(ARITH_SMALL_REORDER_RECIPE.markerLoss, undefined);
  });

  test('rightShare and markerLoss are refused with it', () => {
    for (const extra of [{ rightShare: 0.5 }, { markerLoss: false }]) {
      assert.throws(
        () => [...arithCorpus({ ...ARITH_SMALL_REORDER_RECIPE, ...extra, documents: 1 })],
        /belong to the ends/,
      );
    }
  });
});

describe('arith-small stage 9 corpus (Challenger documents stop at the frontier)', () => {
  const docs = [...arithCorpus({ ...ARITH_SMALL_REORDER_C5_RECIPE, documents: 20_000 })];
  const shape = (q: string) => questionDifficulty(q)!;

  test("pinned; stage 7's Solver documents; 30% of the Challenger documents pose 5 operands, none 6", () => {
    assert.equal(digestOf(docs), '6842b325575b229a');
    const solver = docs.filter((d) => d.role === 'solver');
    const challenger = docs.filter((d) => d.role === 'challenger');
    assert.ok(docs.every((d) => shape(d.question).operands <= 5));
    const five = challenger.filter((d) => shape(d.question).operands === 5).length;
    assert.ok(Math.abs(five / challenger.length - 0.3) < 0.025, `5 operands: ${five}`);
    const tail = solver.filter((d) => shape(d.question).operands === 5).length;
    assert.ok(Math.abs(tail / solver.length - 0.02) < 0.004, `Solver tail ${tail}`);
    for (const d of solver.slice(0, 500)) assert.match(d.completion, /^\n=\d/);
    const { seed, challengerMix, ...rest } = ARITH_SMALL_REORDER_C5_RECIPE;
    const { seed: seed7, challengerMix: mix7, ...stage7 } = ARITH_SMALL_REORDER_RECIPE;
    assert.deepEqual(rest, stage7);
    assert.notEqual(seed, seed7);
    assert.equal(challengerMix!.length, 1);
    assert.equal(mix7!.length, 2);
  });

  test('the shipped stage 9: its Challenger documents only, none at 6 operands', () => {
    const only = [...arithCorpus({ ...ARITH_SMALL_CHALLENGER_C5_RECIPE, documents: 5000 })];
    assert.ok(only.every((d) => d.role === 'challenger'));
    assert.ok(only.every((d) => shape(d.question).operands <= 5));
    const five = only.filter((d) => shape(d.question).operands === 5).length;
    assert.ok(Math.abs(five / only.length - 0.3) < 0.03, `5 operands: ${five}`);
    const { seed, solverShare, ...rest } = ARITH_SMALL_CHALLENGER_C5_RECIPE;
    const { seed: seed9, solverShare: share9, ...full } = ARITH_SMALL_REORDER_C5_RECIPE;
    assert.deepEqual(rest, full);
    assert.deepEqual([solverShare, share9], [0, 0.8]);
    assert.notEqual(seed, seed9);
  });
});
