import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { majorityVote, OFFICIAL_VOTE_OPTIONS } from '../../src/rzero/majority-vote';
import { extractBoxedOfficial } from '../../src/rzero/parsing';
import {
  challengerReward,
  challengerRewards,
  computeScoreOfficial,
  repetitionPenalties,
  solverReward,
  uncertaintyReward,
  uncertaintyRewardOfficial,
} from '../../src/rzero/rewards';
import { ARITH_DOMAIN } from '../../src/tasks/arith/domain';
import { questionCheckOf, OPEN_MATH_DOMAIN } from '../../src/rzero/domain';
import { golden } from './golden';

interface RewardCase {
  id: string;
  question_present: boolean;
  solver_raw_outputs: string[];
  uncertainty_reward_paper: number;
  uncertainty_reward_code: number;
  overall_given_penalty: { penalty: number; overall: number }[];
}

interface EndToEnd {
  id: string;
  predicts: string[];
  solver_answers_by_question: Record<string, string[]>;
  parsed_items_sent_to_server: { question: string; answer: string }[];
  server_results: { question: string; answer: string; score: number }[];
  penalty: number[];
  compute_score_output: { overall: number; format: number; accuracy: number }[];
}

const g = golden<{
  cases: RewardCase[];
  grader_dependent_cases: RewardCase[];
  compute_score_end_to_end: EndToEnd[];
}>('challenger_reward.json');

describe('golden challenger_reward.json: uncertainty and overall_given_penalty', () => {
  for (const c of [...g.cases, ...g.grader_dependent_cases]) {
    test(c.id, () => {
      const { p } = majorityVote(
        c.solver_raw_outputs.map(extractBoxedOfficial),
        OFFICIAL_VOTE_OPTIONS,
      );
      assert.equal(uncertaintyReward(p), c.uncertainty_reward_paper);
      assert.equal(uncertaintyRewardOfficial(p), c.uncertainty_reward_code);
      assert.equal(uncertaintyReward(p, 'official'), c.uncertainty_reward_code);
      for (const { penalty, overall } of c.overall_given_penalty) {
        const valid = c.question_present;
        assert.equal(challengerReward({ valid, p, penalty }, { form: 'official' }), overall);
      }
    });
  }
});

describe('golden compute_score_end_to_end', () => {
  for (const c of g.compute_score_end_to_end) {
    test(c.id, () => {
      // A question the golden file gives no solver outputs for was answered with no samples.
      const r = computeScoreOfficial(c.predicts, (q) => c.solver_answers_by_question[q] ?? []);
      assert.deepEqual(r.items, c.parsed_items_sent_to_server);
      assert.deepEqual(r.server, c.server_results);
      assert.deepEqual(r.penalty, c.penalty);
      assert.deepEqual(r.scores, c.compute_score_output);
    });
  }

  test('a question whose 10 samples are all \\boxed{} scores like one with no samples', () => {
    const c = g.compute_score_end_to_end.find(
      (x) => x.id === 'unknown_question_all_solver_outputs_empty',
    );
    assert.ok(c);
    const r = computeScoreOfficial(
      c.predicts,
      (q) => c.solver_answers_by_question[q] ?? new Array(10).fill('\\boxed{}'),
    );
    assert.deepEqual(r.scores, c.compute_score_output);
  });
});

describe('paper-form Challenger reward', () => {
  test('max(0, r_unc - r_rep) for valid, invalidReward (default 0) for invalid', () => {
    assert.equal(challengerReward({ valid: true, p: 0.5, penalty: 0.25 }), 0.75);
    assert.equal(challengerReward({ valid: true, p: 0.9, penalty: 0.5 }), 0);
    assert.equal(challengerReward({ valid: false, p: 0.5, penalty: 0 }), 0);
    assert.equal(challengerReward({ valid: false, p: 0.5, penalty: 0 }, { invalidReward: -1 }), -1);
    assert.equal(uncertaintyReward(0), 0);
    assert.equal(uncertaintyReward(1), 0);
    assert.equal(uncertaintyReward(0.5), 1);
  });

  test('official form subtracts the penalty from -1 for invalid items', () => {
    assert.equal(
      challengerReward({ valid: false, p: 0, penalty: 0.125 }, { form: 'official' }),
      -1.125,
    );
  });

  test('challengerRewards: batch with duplicates and an invalid completion', () => {
    const q = (s: string): string => `<question>${s}</question> \\boxed{1}`;
    const batch = [
      q('Find the area of the big circle'),
      q('Find the area of the big circle'),
      'junk',
      q('How many primes are below 30?'),
    ];
    const items = challengerRewards(batch, () => 0.5);
    assert.deepEqual(
      items.map((x) => x.penalty),
      [0.5, 0.5, 0.25, 0.25],
    );
    assert.deepEqual(
      items.map((x) => x.reward),
      [0.5, 0.5, 0, 0.75],
    );
    const validOnly = challengerRewards(batch, () => 0.5, { penaltyScope: 'valid', lambda: 0.5 });
    assert.deepEqual(
      validOnly.map((x) => x.penalty),
      [1 / 3, 1 / 3, 0, 1 / 6],
    );
  });

  test('questionCheck domain: tagged text outside the grammar gets the invalid reward', () => {
    const q = (s: string): string => `<question>${s}</question> \\boxed{7}`;
    // Both tags are present in all four; only the first and last are arithmetic questions.
    const batch = [q('3+4=?'), q('=?=?'), q('3+*4=?'), q('12*3-5=?')];
    const asked: string[] = [];
    const agreement = (question: string): number => (asked.push(question), 0.5);
    const tags = challengerRewards(batch, agreement, { lambda: 0 });
    assert.deepEqual(
      tags.map((x) => x.valid),
      [true, true, true, true],
    );
    asked.length = 0;
    const wellFormed = questionCheckOf('domain', ARITH_DOMAIN);
    assert.ok(wellFormed);
    const checked = challengerRewards(batch, agreement, {
      lambda: 0,
      invalidReward: -1,
      wellFormed,
    });
    assert.deepEqual(
      checked.map((x) => [x.valid, x.reward]),
      [
        [true, 1],
        [false, -1],
        [false, -1],
        [true, 1],
      ],
    );
    // Rejected questions are never sent to the Solver; their text stays on the item.
    assert.deepEqual(asked, ['3+4=?', '12*3-5=?']);
    assert.equal(checked[1]!.question, '=?=?');
    assert.equal(questionCheckOf('tags', ARITH_DOMAIN), null);
    assert.equal(questionCheckOf('domain', OPEN_MATH_DOMAIN), null);
  });

  test('repetitionPenalties = lambda * share', () => {
    const qs = ['a b c d', 'a b c d', 'e f g h'];
    assert.deepEqual(repetitionPenalties(qs, { lambda: 0.5 }), [1 / 3, 1 / 3, 1 / 6]);
  });
});

describe('solverReward', () => {
  test('paper: 1 iff the boxed answer is equivalent to the pseudo-label', () => {
    assert.equal(solverReward('so \\boxed{\\dfrac{1}{2}}', '0.5'), 1);
    assert.equal(solverReward('so \\boxed{3}', '0.5'), 0);
    assert.equal(solverReward('no box', 'None'), 0);
  });

  test('official: 0.9 accuracy + 0.1 <think> format (math.py)', () => {
    assert.equal(solverReward('<think>x</think> \\boxed{2}', '2', 'official'), 1);
    assert.equal(solverReward('\\boxed{2}', '2', 'official'), 0.9);
    assert.equal(solverReward('< think >x</think> \\boxed{3}', '2', 'official'), 0.1);
  });
});
