import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  ALL_ARITH_BENCHMARK_NAMES,
  ARITH_BENCHMARK_NAMES,
  ARITH_BENCHMARK_SPECS,
  ARITH_PRETRAIN_KNOBS,
  ARITH_SMALL_PRETRAIN_KNOBS,
  arithBenchmark,
  buildBenchmark,
  meanDifficulty,
  questionDifficulty,
} from '../../../src/tasks/arith';
import { greedyAccuracy, meanAtK, oracleStats } from '../../../src/tasks/arith/benchmarks';
import { lastBoxed } from '../../../src/tasks/arith/boxed';

function digest(items: readonly { id: string; question: string; answer: string }[]): string {
  const text = items.map((i) => `${i.id}\t${i.question}\t${i.answer}`).join('\n');
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** Pinned: a change here changes a published benchmark; update only on purpose. */
const PINNED: Record<string, { digest: string; first: string[] }> = {
  'arith-easy': {
    digest: '9ff324b69cb5e740',
    first: ['1*6=? 6', '6-1*6=? 0', '7*(5-2)=? 21'],
  },
  'arith-medium': {
    digest: '277051bb9d7fe855',
    first: ['((22+7)+7)-87=? -51', '36-(6-8)=? 38', '16+2+0=? 18'],
  },
  'arith-hard': {
    digest: 'bbd28c4e1753c2ab',
    first: ['(9-20)+74*9-9=? 646', '7+96+19+0*47=? 122', '3+27-86+25+15+1=? -15'],
  },
  'arith-in': {
    digest: '9716f934283fec7b',
    first: ['23+4-2-39=? -14', '3+60=? 63', '4-82+70=? -8'],
  },
  'arith-frontier': {
    digest: '5bd168c1977b8357',
    first: ['78+84-2-55-90=? 15', '41+0-0-44-75=? -78', '4+43+1-15-3=? 30'],
  },
  'arith-wide': {
    digest: '6889662d470bb374',
    first: ['256+(942+878)=? 2076', '779+530-955=? 354', '542-657-656-230=? -1001'],
  },
  'arith-beyond': {
    digest: 'ef01f5f0cee39360',
    first: ['15-3+8-8-0+76=? 88', '9-7-52+82-3+7=? 36', '95-6-8-2-5-9=? 65'],
  },
};

describe('arith benchmarks', () => {
  test('pinned content (digest and first items)', () => {
    for (const name of ALL_ARITH_BENCHMARK_NAMES) {
      const items = arithBenchmark(name);
      const first = items.slice(0, 3).map((i) => `${i.question} ${i.answer}`);
      assert.deepEqual({ digest: digest(items), first }, PINNED[name], name);
    }
  });

  test('deterministic: rebuilt from the spec, identical', () => {
    for (const name of ALL_ARITH_BENCHMARK_NAMES) {
      assert.deepEqual(buildBenchmark(ARITH_BENCHMARK_SPECS[name]), arithBenchmark(name));
      assert.equal(arithBenchmark(name), arithBenchmark(name));
    }
  });

  test('at least 300 items, unique ids and questions, frozen', () => {
    for (const name of ALL_ARITH_BENCHMARK_NAMES) {
      const items = arithBenchmark(name);
      assert.ok(items.length >= 300, name);
      assert.equal(new Set(items.map((i) => i.question)).size, items.length, name);
      items.forEach((item, i) => assert.equal(item.id, `${name}-${String(i).padStart(4, '0')}`));
      assert.ok(Object.isFrozen(items) && Object.isFrozen(items[0]));
    }
  });

  test('difficulty rises easy -> medium -> hard', () => {
    const means = ARITH_BENCHMARK_NAMES.map((name) =>
      meanDifficulty(arithBenchmark(name).map((i) => questionDifficulty(i.question)!))!,
    );
    for (const key of ['operands', 'maxDigits', 'depth', 'steps'] as const) {
      assert.ok(means[0]![key] < means[1]![key] && means[1]![key] < means[2]![key], key);
    }
  });

  test('easy is inside the pretraining distribution, hard entirely outside it', () => {
    const k = ARITH_PRETRAIN_KNOBS;
    for (const item of arithBenchmark('arith-easy')) {
      const d = questionDifficulty(item.question)!;
      assert.ok(d.operands <= k.maxOperands && d.maxDigits <= k.maxDigits && d.depth <= k.maxDepth);
    }
    for (const item of arithBenchmark('arith-hard')) {
      assert.ok(questionDifficulty(item.question)!.operands > k.maxOperands, item.id);
    }
  });
});

describe('arith-small benchmarks: one notch past the pretraining distribution', () => {
  const k = ARITH_SMALL_PRETRAIN_KNOBS;
  const of = (name: Parameters<typeof arithBenchmark>[0]) =>
    arithBenchmark(name).map((i) => questionDifficulty(i.question)!);

  test('arith-in is inside it; frontier one step past, beyond two; wide one digit past', () => {
    for (const d of of('arith-in')) {
      assert.ok(d.operands <= k.maxOperands && d.maxDigits <= k.maxDigits && d.depth <= 1);
      assert.equal(d.operators['*'], 0);
    }
    for (const d of of('arith-frontier')) {
      assert.ok(d.operands === k.maxOperands + 1 && d.maxDigits <= k.maxDigits);
    }
    for (const d of of('arith-beyond')) {
      assert.ok(d.operands === k.maxOperands + 2 && d.maxDigits <= k.maxDigits);
    }
    for (const d of of('arith-wide')) {
      assert.ok(d.operands <= k.maxOperands && d.maxDigits === k.maxDigits + 1);
    }
  });
});

describe('arith metrics', () => {
  const items = [{ answer: '52' }, { answer: '-3' }, { answer: '0' }, { answer: '7' }];

  test('lastBoxed takes the last box, with balanced braces', () => {
    assert.equal(lastBoxed('\\boxed{1} then \\boxed{2}'), '2');
    assert.equal(lastBoxed('\\boxed{\\frac{1}{2}}'), '\\frac{1}{2}');
    assert.equal(lastBoxed('\\boxed{12'), null);
    assert.equal(lastBoxed('no box'), null);
    assert.equal(lastBoxed('\\boxed{}'), '');
  });

  test('greedyAccuracy compares boxed answers as integers', () => {
    const preds = ['1+2=3\n\\boxed{52}', '\\boxed{ -3 }', '\\boxed{1}\\boxed{00}', '\\boxed{7.0}'];
    assert.equal(greedyAccuracy(preds, items), 3 / 4);
    assert.throws(() => greedyAccuracy(preds.slice(1), items), RangeError);
    assert.throws(() => greedyAccuracy([], []), RangeError);
  });

  test('meanAtK averages per-item sample accuracy', () => {
    const samples = [
      ['\\boxed{52}', '\\boxed{51}'],
      ['\\boxed{-3}'],
      ['', '', '\\boxed{0}', '\\boxed{+0}'],
      ['\\boxed{8}'],
    ];
    assert.equal(meanAtK(samples, items), (0.5 + 1 + 0.5 + 0) / 4);
    assert.throws(() => meanAtK([[], [], [], []], items), RangeError);
  });

  test('oracleStats: answerable share, true pseudo-label accuracy, mean difficulty', () => {
    const questions = ['1+2=?', '(2+3)*4=?', '1/2=?', '7-8=?', 'hello', '1+2+3+4+5+6+7=?'];
    const labels = ['3', '21', '0', null, '1', '28'];
    const s = oracleStats(questions, labels);
    assert.equal(s.questions, 6);
    assert.equal(s.answerable, 3);
    assert.equal(s.answerableShare, 0.5);
    assert.equal(s.labeled, 2);
    assert.equal(s.correct, 1);
    assert.equal(s.accuracy, 0.5);
    assert.deepEqual(s.meanDifficulty, {
      operands: 7 / 3,
      maxDigits: 1,
      depth: 1 / 3,
      steps: 4 / 3,
    });
    assert.deepEqual(s.unanswerable, { division: 1, 'unknown-char': 1, 'too-many-operands': 1 });
    assert.equal(oracleStats([], []).accuracy, null);
    assert.throws(() => oracleStats(['1+1'], []), RangeError);
  });
});
