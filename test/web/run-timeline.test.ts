/**
 * The admin panel's fold of a run's event stream into what the run page plots
 * (web/src/pages/run/run-timeline.ts): one point per (iteration, step) even when a worker takeover
 * repeats work, phases with progress and durations, and batches that never mutate the previous
 * state (React compares by reference).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChallengerStepMetrics, RunEvent, SolverStepMetrics } from '../../openapi/src';
import {
  applyEvents,
  currentPhase,
  emptyTimeline,
  labelsAgainstGreedyText,
  sortedPhases,
  sortedSteps,
} from '../../web/src/pages/run/run-timeline';

let nextId = 0;
const at = (e: Record<string, unknown>): RunEvent =>
  ({
    id: ++nextId,
    runId: 'r',
    createdAt: new Date(nextId * 1000).toISOString(),
    ...e,
  }) as RunEvent;
const update = {
  loss: 0,
  pgLoss: 0,
  kl: 0.01,
  clipFracHigher: 0,
  clipFracLower: 0,
  lastClipFracHigher: 0,
  lastClipFracLower: 0,
  gradNorm: 1,
  updates: 1,
  responseTokens: 9,
  seconds: 1,
};
const challenger = (reward: number): ChallengerStepMetrics => ({
  ...update,
  reward,
  uncertainty: reward,
  repetitionPenalty: 0,
  validShare: 1,
  meanP: 0.5,
});
const solver = (reward: number): SolverStepMetrics => ({
  ...update,
  reward,
  oracleAccuracy: null,
  rewardAccuracy: null,
});

describe('run timeline (admin panel)', () => {
  test('steps get a global x; a step repeated after a takeover replaces the first point', () => {
    const t = applyEvents(emptyTimeline(), [
      at({ type: 'challenger.step', iteration: 1, step: 1, steps: 2, metrics: challenger(0.1) }),
      at({ type: 'challenger.step', iteration: 1, step: 2, steps: 2, metrics: challenger(0.2) }),
      at({ type: 'challenger.step', iteration: 2, step: 1, steps: 2, metrics: challenger(0.3) }),
      // The worker died; the next one redoes iteration 2 from its start.
      at({ type: 'challenger.step', iteration: 2, step: 1, steps: 2, metrics: challenger(0.35) }),
      at({ type: 'solver.step', iteration: 1, step: 1, steps: 3, metrics: solver(0.6) }),
    ]);
    const points = sortedSteps(t.challenger);
    assert.deepEqual(
      points.map((p) => [p.x, p.iteration, p.step, p.metrics.reward]),
      [
        [1, 1, 1, 0.1],
        [2, 1, 2, 0.2],
        [3, 2, 1, 0.35],
      ],
    );
    assert.equal(t.solver.size, 1);
    assert.equal(t.lastEventId, nextId);
  });

  test('phases: progress, duration, order, and the one running now', () => {
    const t = applyEvents(emptyTimeline(), [
      at({ type: 'phase.started', iteration: 0, phase: 'evaluation', total: 300 }),
      at({ type: 'phase.finished', iteration: 0, phase: 'evaluation', seconds: 20 }),
      at({ type: 'phase.started', iteration: 1, phase: 'challenger', total: 4 }),
      at({ type: 'challenger.step', iteration: 1, step: 3, steps: 4, metrics: challenger(0.1) }),
      at({ type: 'phase.finished', iteration: 1, phase: 'challenger', seconds: 60 }),
      at({ type: 'phase.started', iteration: 1, phase: 'dataset', total: 128 }),
      at({ type: 'phase.progress', iteration: 1, phase: 'dataset', done: 64, total: 128 }),
    ]);
    assert.deepEqual(
      sortedPhases(t).map((s) => [s.iteration, s.phase, s.seconds, s.done, s.total]),
      [
        [0, 'evaluation', 20, 300, 300],
        [1, 'challenger', 60, 4, 4],
        [1, 'dataset', null, 64, 128],
      ],
    );
    assert.equal(currentPhase(t)?.phase, 'dataset');
    const done = applyEvents(t, [
      at({ type: 'phase.finished', iteration: 1, phase: 'dataset', seconds: 30 }),
    ]);
    assert.equal(currentPhase(done), null);
  });

  test('per-iteration stats and scores; a batch never mutates the previous timeline', () => {
    const stats = {
      generated: 32,
      valid: 30,
      kept: 6,
      keptShare: 6 / 32,
      pHistogram: [0, 0, 0, 1, 2, 3, 0, 0, 4, 20],
      meanP: 0.8,
      dropReasons: { 'too-easy': 24 },
      oracleKept: { accuracy: 0.5 },
      oracleAll: null,
    };
    const before = emptyTimeline();
    const after = applyEvents(before, [
      at({ type: 'curriculum.stats', iteration: 1, stats }),
      at({
        type: 'evaluation',
        iteration: 1,
        scores: [{ benchmark: 'arith-easy', metric: 'greedy', score: 0.9, items: 20 }],
      }),
      at({
        type: 'diagnostics',
        iteration: 1,
        diagnostics: {
          calibration: null,
          rewardAccuracy: 0.75,
          solverKl: 0.01,
          solverOnTrainingQuestions: { questions: 4, before: 0.25, after: 0.5 },
          labelsAgainstGreedy: {
            bothRight: 1,
            majorityOnly: 2,
            greedyOnly: 0,
            neither: 1,
            pValue: 0.5,
          },
          difficulty: null,
        },
      }),
      at({ type: 'iteration.completed', iteration: 1, summary: {} }),
    ]);
    assert.equal(after.diagnostics.get(1)?.rewardAccuracy, 0.75);
    assert.equal(
      labelsAgainstGreedyText(after.diagnostics.get(1)?.labelsAgainstGreedy),
      'label alone right on 2, greedy alone on 0 (both 1, neither 1; sign test p = 0.500)',
    );
    // Iterations recorded before the field existed show a dash.
    assert.equal(labelsAgainstGreedyText(undefined), '–');
    assert.equal(before.diagnostics.size, 0);
    assert.equal(after.curriculum.get(1)?.keptShare, 6 / 32);
    assert.equal(after.scores.get(1)?.[0]?.score, 0.9);
    assert.ok(after.completed.has(1));
    assert.equal(before.curriculum.size, 0);
    assert.equal(before.completed.size, 0);
    assert.notEqual(after, before);
  });
});
