import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  majorityVote,
  majorityVoteEvaluate,
  OFFICIAL_VOTE_OPTIONS,
} from '../../src/rzero/majority-vote';
import { extractBoxedOfficial } from '../../src/rzero/parsing';
import { golden } from './golden';

interface VoteCase {
  id: string;
  question_present: boolean;
  solver_raw_outputs: string[];
  solver_answers_extracted: string[];
  majority_answer: string;
  score_p_hat: number;
  exact_match_only_result: { answer: string; score: number };
}

const g = golden<{ cases: VoteCase[]; grader_dependent_cases: VoteCase[] }>(
  'challenger_reward.json',
);
const exactOnly = { ...OFFICIAL_VOTE_OPTIONS, equivalent: (a: string, b: string) => a === b };

function serverVote(c: VoteCase, opts = OFFICIAL_VOTE_OPTIONS): { answer: string; score: number } {
  const v = majorityVote(c.solver_raw_outputs.map(extractBoxedOfficial), opts);
  return { answer: v.answer ?? '', score: v.p };
}

describe('golden challenger_reward.json cases (server majority vote)', () => {
  for (const c of g.cases) {
    test(c.id, () => {
      assert.deepEqual(c.solver_raw_outputs.map(extractBoxedOfficial), c.solver_answers_extracted);
      assert.deepEqual(serverVote(c), { answer: c.majority_answer, score: c.score_p_hat });
      assert.deepEqual(serverVote(c, exactOnly), c.exact_match_only_result);
    });
  }
});

/**
 * Cases where mathruler's sympy-based grade_answer changes the grouping. Each id lists what our
 * stand-in gives; every visible case is matched (how is noted), none is faked.
 */
const GRADER_DEPENDENT_OURS: Record<string, { answer: string; score: number; how: string }> = {
  whitespace_inside_answer: { answer: 'x + 1', score: 0.7, how: 'MATH normalisation drops spaces' },
  fraction_vs_decimal: {
    answer: '\\frac{1}{2}',
    score: 0.6,
    how: 'numeric equality 1/2 = 0.5 = 0.50',
  },
  latex_spacing: { answer: '\\sqrt{2}', score: 0.5, how: '\\sqrt 2 and \\sqrt2 -> sqrt(2)' },
  integer_formats: { answer: '1000', score: 0.5, how: 'thousands separators, 1000.0 -> 1000' },
};

describe('golden grader_dependent_cases', () => {
  for (const c of g.grader_dependent_cases) {
    test(c.id, () => {
      const ours = GRADER_DEPENDENT_OURS[c.id];
      assert.ok(ours, `new grader-dependent case ${c.id}: add what we give and why to the table`);
      const got = serverVote(c);
      assert.deepEqual(got, { answer: ours.answer, score: ours.score });
      assert.deepEqual(
        got,
        { answer: c.majority_answer, score: c.score_p_hat },
        `${c.id}: ${ours.how}`,
      );
      assert.deepEqual(serverVote(c, exactOnly), c.exact_match_only_result);
    });
  }
});

describe('majorityVote semantics', () => {
  test('empties skipped but in the denominator; nothing counted -> null, 0', () => {
    assert.deepEqual(majorityVote(['', '', '3', '3']), {
      answer: '3',
      votes: 2,
      p: 0.5,
      counted: 2,
    });
    assert.deepEqual(majorityVote(['', '']), { answer: null, votes: 0, p: 0, counted: 0 });
    assert.deepEqual(majorityVote([]), { answer: null, votes: 0, p: 0, counted: 0 });
  });

  test("'None' is an ordinary answer; null maps to 'None' by default or to empty", () => {
    assert.equal(majorityVote(['None', 'None', '1']).answer, 'None');
    assert.deepEqual(majorityVote([null, null, '1']), {
      answer: 'None',
      votes: 2,
      p: 2 / 3,
      counted: 3,
    });
    assert.deepEqual(majorityVote([null, null, '1'], { missing: 'empty' }), {
      answer: '1',
      votes: 1,
      p: 1 / 3,
      counted: 1,
    });
  });

  test('ties go to the group inserted first, not the first to reach the maximum', () => {
    assert.equal(majorityVote(['a', 'b', 'b', 'a']).answer, 'a');
    assert.equal(majorityVote(['b', 'a', 'a', 'b']).answer, 'b');
  });

  test("the 'no ' quirk is opt-in", () => {
    const answers = ['no solution', 'No real roots', '4', '4'];
    assert.equal(majorityVote(answers).answer, '4');
    assert.deepEqual(majorityVote(answers, { noSpaceQuirk: true }), {
      answer: 'no solution',
      votes: 2,
      p: 0.5,
      counted: 4,
    });
  });

  test('an answer joins the FIRST matching group in insertion order', () => {
    // '0.5' matches both '1/2' and '2/4' (which do not match each other); it joins '1/2'.
    const v = majorityVote(['1/2', '2/4', '0.5', '2/4']);
    assert.deepEqual(v, { answer: '1/2', votes: 2, p: 0.5, counted: 4 });
  });

  test('equivalent answers merge, the first-seen spelling is the key', () => {
    assert.deepEqual(majorityVote(['2,125', '2125', '2125.0', '7']), {
      answer: '2,125',
      votes: 3,
      p: 0.75,
      counted: 4,
    });
  });
});

describe('majorityVoteEvaluate (evaluate.py)', () => {
  test('empties leave the denominator', () => {
    assert.deepEqual(majorityVoteEvaluate(['56', '56', '', '', '55']), {
      answer: '56',
      votes: 2,
      p: 2 / 3,
      counted: 3,
    });
    assert.deepEqual(majorityVoteEvaluate(['', '']), { answer: null, votes: 0, p: 0, counted: 0 });
  });
});
