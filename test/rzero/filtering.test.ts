import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateDropReason, evaluateQuestion, keepForSolver } from '../../src/rzero/filtering';
import { golden } from './golden';

interface FilteringGolden {
  score_cases: {
    score: number;
    answer: string;
    kept: boolean;
    kept_with_upload_default_max_0_7: boolean;
  }[];
  evaluate_then_upload_cases: {
    id: string;
    question: string;
    solver_raw_outputs: string[];
    evaluate_result: { question: string; answer: string; score: number; results: string[] } | null;
    skipped_by_evaluate: boolean;
    kept_by_upload: boolean;
  }[];
}

const g = golden<FilteringGolden>('filtering.json');

describe('golden filtering.json score_cases', () => {
  test('every case under 0.3..0.8 and upload.py default 0.3..0.7', () => {
    for (const c of g.score_cases) {
      assert.equal(keepForSolver(c.score, c.answer), c.kept, JSON.stringify(c));
      assert.equal(
        keepForSolver(c.score, c.answer, { maxP: 0.7 }),
        c.kept_with_upload_default_max_0_7,
      );
    }
  });
});

describe('golden filtering.json evaluate_then_upload_cases', () => {
  for (const c of g.evaluate_then_upload_cases) {
    test(c.id, () => {
      const e = evaluateQuestion(c.question, c.solver_raw_outputs);
      assert.equal(e.dropped !== null, c.skipped_by_evaluate);
      if (c.evaluate_result !== null) {
        assert.deepEqual(
          { question: e.question, answer: e.answer, score: e.score, results: e.results },
          c.evaluate_result,
        );
      }
      assert.equal(e.dropped === null && keepForSolver(e.score, e.answer), c.kept_by_upload);
    });
  }
});

describe('filter rules', () => {
  test('paper delta form |p - 1/2| <= 0.25', () => {
    assert.equal(keepForSolver(0.25, 'x', { mode: 'delta' }), true);
    assert.equal(keepForSolver(0.75, 'x', { mode: 'delta' }), true);
    assert.equal(keepForSolver(0.2, 'x', { mode: 'delta' }), false);
    assert.equal(keepForSolver(0.8, 'x', { mode: 'delta' }), false);
    assert.equal(keepForSolver(0.8, 'x', { mode: 'delta', delta: 0.3 }), true);
  });

  test('unusable answers are never kept', () => {
    for (const a of [null, '', 'None']) assert.equal(keepForSolver(0.5, a), false);
  });

  test('evaluate.py drop rules', () => {
    assert.equal(evaluateDropReason('请证明 x', '1'), 'proof');
    assert.equal(evaluateDropReason('Put it in a BOX', '1'), 'box');
    assert.equal(evaluateDropReason('Q', '\\text{yes}'), 'text');
    assert.equal(evaluateDropReason('Q', '1'), null);
    assert.equal(evaluateQuestion('Q', ['\\boxed{}', '\\boxed{ }']).dropped, 'no-answer');
  });
});
