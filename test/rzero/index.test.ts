import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as rzero from '../../src/rzero';

// The signatures other modules and outside checks rely on; a type error here breaks the build.
const sentenceBleu: (hypothesis: string, reference: string) => number = rzero.sentenceBleu;
const clusterShares: (questions: string[], threshold?: number) => number[] = rzero.clusterShares;
const uncertaintyReward: (p: number) => number = rzero.uncertaintyReward;
const majorityVote: (answers: string[]) => { answer: string | null; votes: number; p: number } =
  rzero.majorityVote;
const grpoAdvantages: (rewards: number[], groups: (string | number)[]) => number[] =
  rzero.grpoAdvantages;
const extractBoxed: (text: string) => string | null = rzero.extractBoxed;
const answersEquivalent: (a: string, b: string) => boolean = rzero.answersEquivalent;

describe('src/rzero/index.ts public API', () => {
  test('the required functions are exported and callable with their documented signatures', () => {
    assert.equal(sentenceBleu('a b c d', 'a b c d'), 1);
    assert.deepEqual(clusterShares(['a b c d', 'a b c d', 'x y z w']), [2 / 3, 2 / 3, 1 / 3]);
    assert.deepEqual(clusterShares(['a b c d', 'a b c e'], 0.1), [0.5, 0.5]);
    assert.equal(uncertaintyReward(0.5), 1);
    assert.deepEqual(majorityVote(['1', '1', '2', '']), {
      answer: '1',
      votes: 2,
      p: 0.5,
      counted: 3,
    });
    assert.deepEqual(grpoAdvantages([1, 1], ['g', 'g']), [0, 0]);
    assert.equal(extractBoxed('\\boxed{4}'), '4');
    assert.equal(answersEquivalent('\\dfrac{1}{2}', '0.5'), true);
  });

  test('everything the modules export is reachable from the index', () => {
    for (const name of [
      'parseChallengerOutput',
      'extractQuestion',
      'extractBoxedOfficial',
      'normalizeAnswer',
      'majorityVoteEvaluate',
      'bleuDistanceMatrix',
      'clusterDistances',
      'uncertaintyRewardOfficial',
      'repetitionPenalties',
      'challengerReward',
      'challengerRewards',
      'computeScoreOfficial',
      'solverReward',
      'keepForSolver',
      'evaluateQuestion',
      'policyLossTerms',
      'lowVarKl',
      'maskedMean',
      'actorLoss',
    ]) {
      assert.equal(typeof (rzero as Record<string, unknown>)[name], 'function', name);
    }
  });
});
