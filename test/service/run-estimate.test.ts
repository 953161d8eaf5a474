/** The dry-run estimate: counts follow the config exactly; memory grows with the model. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseModelConfig } from '../../src/engine';
import { resolveConfig } from '../../src/rzero';
import { estimateRun } from '../../src/runs/run-estimate';

const model = parseModelConfig({
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  hidden_size: 64,
  intermediate_size: 128,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 4,
  vocab_size: 100,
  max_position_embeddings: 512,
});

describe('estimateRun', () => {
  test('rollout, vote and token counts of one iteration', () => {
    const c = resolveConfig('tiny', {
      iterations: 3,
      votes: 10,
      challenger: { steps: 2, batch: 3, miniBatch: 3, groupSize: 4, questionsPerIteration: 50 },
      solver: { steps: 5, batch: 2, miniBatch: 1, groupSize: 3 },
      evaluation: { maxItems: 100, maxNewTokens: 10 },
    });
    const e = estimateRun(c, model, 1000, [300, 40]);
    assert.equal(e.perIteration.challengerRollouts, 24);
    assert.equal(e.perIteration.solverVotes, 24 * 10 + 50 * 10);
    assert.equal(e.perIteration.solverRollouts, 30);
    const q = c.challenger;
    const s = c.solver;
    const gen =
      24 * q.rollout.maxNewTokens +
      (240 + 500) * s.voting.maxNewTokens +
      50 * q.generation.maxNewTokens +
      30 * s.rollout.maxNewTokens +
      (100 + 40) * 10;
    assert.equal(e.perIteration.generatedTokens, gen);
    // Three iterations, and the base model's evaluation (evaluateBase is on by default).
    assert.equal(c.evaluation.evaluateBase, true);
    assert.equal(e.total.generatedTokens, 3 * gen + (100 + 40) * 10);
    assert.ok(e.notes.some((n) => n.startsWith('4 evaluations')));
    // The memory figure says what a worker holds besides it (its RSS is far larger for small models).
    assert.ok(e.notes.some((n) => n.startsWith('memoryBytes is the training state only')));
    const noBase = resolveConfig('tiny', {
      iterations: 3,
      votes: 10,
      challenger: { steps: 2, batch: 3, miniBatch: 3, groupSize: 4, questionsPerIteration: 50 },
      solver: { steps: 5, batch: 2, miniBatch: 1, groupSize: 3 },
      evaluation: { maxItems: 100, maxNewTokens: 10, evaluateBase: false },
    });
    assert.equal(estimateRun(noBase, model, 1000, [300, 40]).total.generatedTokens, 3 * gen);
    assert.equal(
      e.perIteration.trainedTokens,
      24 * q.rollout.maxNewTokens + 30 * s.rollout.maxNewTokens,
    );
    assert.ok(e.notes.some((n) => n.includes('140 items')));
  });

  test('the Base Challenger ablation trains and samples no Challenger rollouts', () => {
    const c = resolveConfig('tiny', { challenger: { train: false } });
    assert.equal(estimateRun(c, model, 1000, []).perIteration.challengerRollouts, 0);
  });

  test('memory grows with the parameter count and drops without the KL reference', () => {
    const c = resolveConfig('tiny');
    const small = estimateRun(c, model, 1e6, []).memoryBytes;
    const big = estimateRun(c, model, 1e8, []).memoryBytes;
    assert.ok(big > small);
    const noKl = estimateRun(
      resolveConfig('tiny', { optim: { klCoef: 0 } }),
      model,
      1e8,
      [],
    ).memoryBytes;
    assert.equal(big - noKl, 1e8 * 4);
  });
});
