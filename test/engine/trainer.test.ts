import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import {
  AdamW,
  AdamWSettings,
  DEFAULT_GRPO,
  grpoStep,
  grpoTokenTerms,
  GrpoBatch,
} from '../../src/engine/trainer';
import { generate } from '../../src/engine/sampler';
import { scoreResponses } from '../../src/engine/scoring';
import { prompts, randomModel, tinyConfig, useBackend } from '../helpers/engine';
import { readShared } from '../helpers/shared';

interface PolicyCase {
  id: string;
  old_log_probs: number[][];
  log_probs: number[][];
  ref_log_probs?: number[][];
  advantages: number[][];
  response_mask: number[][];
  clip_ratio_low: number;
  clip_ratio_high: number;
  clip_ratio_dual: number;
  kl_coef?: number;
  pg_loss: number;
  pg_clipfrac_higher?: number;
  pg_clipfrac_lower?: number;
  ppo_kl?: number;
  kl_loss?: number;
  total_loss?: number;
}

/** The masked tokens of a [rows, tokens] case, flattened. */
const masked = (values: number[][], mask: number[][]) =>
  values.flatMap((r, i) => r.filter((_, j) => mask[i]![j] === 1));

function termsOf(c: PolicyCase) {
  return tf.tidy(() => {
    const m = c.response_mask;
    const n = masked(m, m).length;
    const t = grpoTokenTerms(
      tf.tensor1d(masked(c.log_probs, m)),
      tf.tensor1d(masked(c.old_log_probs, m)),
      c.ref_log_probs ? tf.tensor1d(masked(c.ref_log_probs, m)) : null,
      tf.tensor1d(masked(c.advantages, m)),
      {
        ...DEFAULT_GRPO,
        clipLow: c.clip_ratio_low,
        clipHigh: c.clip_ratio_high,
        dualClip: c.clip_ratio_dual,
        klCoef: c.kl_coef ?? 0,
      },
    );
    // verl's masked_mean: sum / (count + 1e-8), so an empty mask gives 0.
    const mean = (x: tf.Scalar) => x.dataSync()[0]! / (n + 1e-8);
    return {
      pg: mean(t.pg),
      kl: mean(t.kl),
      hi: mean(t.clipHigher),
      lo: mean(t.clipLower),
      ppoKl: mean(t.ppoKl),
      n,
    };
  });
}

describe('trainer', () => {
  before(async () => {
    await useBackend();
  });

  test('GRPO token terms match the official verl outputs (golden vectors, float32 tolerance)', () => {
    const golden = readShared<{ policy_loss_cases: PolicyCase[]; actor_loss_cases: PolicyCase[] }>(
      'golden',
      'grpo.json',
    );
    for (const c of golden.policy_loss_cases) {
      const r = termsOf(c);
      assert.ok(Math.abs(r.pg - c.pg_loss) < 2e-5, `${c.id}: pg_loss ${r.pg} vs ${c.pg_loss}`);
      assert.ok(
        Math.abs(r.hi - c.pg_clipfrac_higher!) < 1e-6,
        `${c.id}: clipfrac_higher ${r.hi} vs ${c.pg_clipfrac_higher}`,
      );
      assert.ok(
        Math.abs(r.lo - c.pg_clipfrac_lower!) < 1e-6,
        `${c.id}: clipfrac_lower ${r.lo} vs ${c.pg_clipfrac_lower}`,
      );
      assert.ok(Math.abs(r.ppoKl - c.ppo_kl!) < 2e-5, `${c.id}: ppo_kl ${r.ppoKl} vs ${c.ppo_kl}`);
    }
    for (const c of golden.actor_loss_cases) {
      const r = termsOf(c);
      assert.ok(Math.abs(r.kl - c.kl_loss!) < 2e-5, `${c.id}: kl ${r.kl} vs ${c.kl_loss}`);
      assert.ok(Math.abs(r.pg + c.kl_coef! * r.kl - c.total_loss!) < 2e-5, `${c.id}: total`);
    }
  });

  function rollout(seed: number): { model: ReturnType<typeof randomModel>; batch: GrpoBatch } {
    const model = randomModel(tinyConfig('qwen2-gqa-bias-tied'), seed, 0.3);
    const ps = prompts([3, 5, 4, 6, 2, 7], model.config.vocabSize);
    const samples = generate(model, ps, {
      maxNewTokens: 6,
      temperature: 1,
      seed,
      eosTokenIds: [2],
    });
    const responses = samples.map((s) => s.tokens);
    const ref = scoreResponses(model, ps, responses);
    return {
      model,
      batch: {
        prompts: ps,
        responses,
        advantages: [1, -0.5, 0.8, -1.2, 0.3, -0.4],
        oldLogProbs: samples.map((s) => s.logProbs),
        refLogProbs: ref,
      },
    };
  }

  test('a GRPO step leaves tf.memory().numTensors as it found it', () => {
    const { model, batch } = rollout(3);
    const optim = new AdamW(model.variables(), {
      lr: 1e-3,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0.01,
      maxGradNorm: 1,
    });
    const start = tf.memory().numTensors;
    grpoStep(model, optim, batch, { ...DEFAULT_GRPO, microBatchSize: 4 });
    const moments = 2 * model.variables().length;
    assert.equal(tf.memory().numTensors, start + moments, 'only the optimizer moments are new');
    const m = grpoStep(model, optim, batch, { ...DEFAULT_GRPO, microBatchSize: 4 });
    assert.equal(tf.memory().numTensors, start + moments, 'second step adds nothing');
    assert.ok(Number.isFinite(m.loss) && m.gradNorm > 0 && m.tokens > 0);
    optim.dispose();
    model.dispose();
  });

  test('micro-batching changes nothing: loss, gradient norm and weights equal for 1, 2 and 6 rows per pass', () => {
    const results = [1, 2, 6].map((mb) => {
      const { model, batch } = rollout(4);
      // eps 1e-3 keeps Adam's first update (lr * g / (|g| + eps)) continuous in g: with a tiny eps it
      // is sign(g), and float noise on near-zero gradients would flip whole updates.
      const optim = new AdamW(model.variables(), {
        lr: 1e-2,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-3,
        weightDecay: 0.01,
        maxGradNorm: 0.5,
      });
      const metrics = grpoStep(model, optim, batch, { ...DEFAULT_GRPO, microBatchSize: mb });
      const weights = model.toHfWeights();
      optim.dispose();
      model.dispose();
      return { metrics, weights };
    });
    const [a, ...rest] = results;
    for (const b of rest) {
      assert.ok(
        Math.abs(a!.metrics.loss - b.metrics.loss) < 1e-6,
        `loss ${a!.metrics.loss} vs ${b.metrics.loss}`,
      );
      assert.ok(Math.abs(a!.metrics.gradNorm - b.metrics.gradNorm) < 1e-5 * a!.metrics.gradNorm);
      for (const [name, t] of a!.weights) {
        const u = b.weights.get(name)!.data;
        for (let i = 0; i < t.data.length; i++)
          assert.ok(Math.abs(t.data[i]! - u[i]!) < 1e-5, `${name}[${i}]`);
      }
    }
  });

  test('positive advantages raise the log-probability of their responses', () => {
    const { model, batch } = rollout(5);
    const optim = new AdamW(model.variables(), {
      lr: 3e-3,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0,
      maxGradNorm: 1,
    });
    const mean = (rows: number[][]) => rows.map((r) => r.reduce((a, b) => a + b, 0));
    const before = mean(scoreResponses(model, batch.prompts, batch.responses));
    for (let i = 0; i < 3; i++)
      grpoStep(
        model,
        optim,
        { ...batch, oldLogProbs: scoreResponses(model, batch.prompts, batch.responses) },
        { ...DEFAULT_GRPO, klCoef: 0 },
      );
    const after = mean(scoreResponses(model, batch.prompts, batch.responses));
    batch.advantages.forEach((a, i) => {
      if (a > 0.5)
        assert.ok(after[i]! > before[i]!, `row ${i} (A=${a}) ${before[i]} -> ${after[i]}`);
      if (a < -0.5)
        assert.ok(after[i]! < before[i]!, `row ${i} (A=${a}) ${before[i]} -> ${after[i]}`);
    });
    optim.dispose();
    model.dispose();
  });

  test('bad batches are rejected with the field named', () => {
    const { model, batch } = rollout(6);
    const optim = new AdamW(model.variables(), {
      lr: 1e-3,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0,
      maxGradNorm: 1,
    });
    assert.throws(
      () => grpoStep(model, optim, { ...batch, advantages: [1] }),
      /advantages has 1 rows/,
    );
    assert.throws(
      () => grpoStep(model, optim, { ...batch, refLogProbs: undefined }),
      /refLogProbs/,
    );
    optim.dispose();
    model.dispose();
  });
});

describe('supervised next-token step', () => {
  before(async () => {
    await useBackend();
  });

  /** AdamW settings of the nllStep tests, with `over` replacing some. */
  const adamSettings = (over: Partial<AdamWSettings> = {}): AdamWSettings => ({
    lr: 1e-2,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: 0,
    maxGradNorm: 1,
    ...over,
  });
  /** Three prompts and responses of different lengths over a 48-token vocabulary. */
  const fixedBatch = () => ({ ps: prompts([2, 3, 4], 48), rs: prompts([6, 5, 7], 48, 11) });

  test('nllStep lowers the loss on a fixed batch and leaves no tensors behind', async () => {
    const { nllStep } = await import('../../src/engine/trainer');
    const model = randomModel(tinyConfig('llama-gqa-untied'), 8);
    assert.equal(model.config.vocabSize, 48, 'fixedBatch() is drawn over this vocabulary');
    const optim = new AdamW(model.variables(), adamSettings());
    const { ps, rs } = fixedBatch();
    const first = nllStep(model, optim, ps, rs, 2);
    const count = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 10; i++) last = nllStep(model, optim, ps, rs, 2);
    assert.equal(tf.memory().numTensors, count);
    assert.equal(first.tokens, 18);
    assert.ok(last.loss < first.loss * 0.7, `${first.loss} -> ${last.loss}`);
    optim.dispose();
    model.dispose();
  });

  test('nllStep: a token of weight 0 carries no loss (the step equals one on responses without it)', async () => {
    const { nllStep } = await import('../../src/engine/trainer');
    const settings = adamSettings();
    const { ps, rs } = fixedBatch();
    // Causal: dropping a response's last tokens leaves the earlier tokens' log-probs as they were,
    // so weighting those last tokens 0 must give the same loss and the same update.
    const keep = [4, 5, 3];
    const weights = rs.map((r, i) => r.map((_, j) => (j < keep[i]! ? 1 : 0)));
    const cut = rs.map((r, i) => r.slice(0, keep[i]));
    const a = randomModel(tinyConfig('llama-gqa-untied'), 8);
    const b = randomModel(tinyConfig('llama-gqa-untied'), 8);
    const optA = new AdamW(a.variables(), settings);
    const optB = new AdamW(b.variables(), settings);
    const weighted = nllStep(a, optA, ps, rs, 2, undefined, weights);
    const plain = nllStep(b, optB, ps, cut, 2);
    assert.equal(weighted.tokens, 12);
    assert.ok(Math.abs(weighted.loss - plain.loss) < 1e-5, `${weighted.loss} vs ${plain.loss}`);
    a.variables().forEach((v, i) => {
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(v, b.variables()[i]!))).dataSync()[0]!);
      assert.ok(diff < 1e-5, `variable ${i} differs by ${diff}`);
    });
    // And the weights change the step: all ones is the plain step on the whole responses.
    const c = randomModel(tinyConfig('llama-gqa-untied'), 8);
    const optC = new AdamW(c.variables(), settings);
    const whole = nllStep(
      c,
      optC,
      ps,
      rs,
      2,
      undefined,
      rs.map((r) => r.map(() => 1)),
    );
    assert.equal(whole.tokens, 18);
    assert.ok(Math.abs(whole.loss - weighted.loss) > 1e-3);
    assert.throws(() => nllStep(c, optC, ps, rs, 2, undefined, [[1]]), /weight rows/);
    assert.throws(
      () =>
        nllStep(
          c,
          optC,
          ps,
          rs,
          2,
          undefined,
          rs.map((r) => r.map(() => -1)),
        ),
      /negative/,
    );
    for (const o of [optA, optB, optC]) o.dispose();
    for (const m of [a, b, c]) m.dispose();
  });

  test('AdamW state exported after 2 steps and imported into a fresh optimizer continues exactly', async () => {
    const { nllStep } = await import('../../src/engine/trainer');
    const settings = adamSettings({ beta2: 0.98, weightDecay: 0.01 });
    const { ps, rs } = fixedBatch();
    // Uninterrupted: 3 steps.
    const a = randomModel(tinyConfig('llama-gqa-untied'), 8);
    const optA = new AdamW(a.variables(), settings);
    for (let i = 0; i < 3; i++) nllStep(a, optA, ps, rs, 2);
    // Interrupted after 2: weights and optimizer state carried into fresh objects.
    const b = randomModel(tinyConfig('llama-gqa-untied'), 8);
    const optB = new AdamW(b.variables(), settings);
    for (let i = 0; i < 2; i++) nllStep(b, optB, ps, rs, 2);
    const state = optB.exportState();
    assert.equal(state.step, 2);
    const c = randomModel(tinyConfig('llama-gqa-untied'), 99);
    c.variables().forEach((v, i) => v.assign(b.variables()[i]!));
    const optC = new AdamW(c.variables(), settings);
    const count = tf.memory().numTensors;
    optC.importState(state);
    assert.equal(tf.memory().numTensors, count + 2 * c.variables().length);
    assert.equal(optC.stepCount, 2);
    nllStep(c, optC, ps, rs, 2);
    const wa = a.toHfWeights();
    for (const [name, t] of c.toHfWeights()) {
      const want = wa.get(name)!.data;
      t.data.forEach((x, i) => assert.ok(Math.abs(x - want[i]!) <= 1e-6, `${name}[${i}]`));
    }
    assert.throws(() => optC.importState({ ...state, m: state.m!.slice(1) }), RangeError);
    [optA, optB, optC].forEach((o) => o.dispose());
    [a, b, c].forEach((m) => m.dispose());
  });
});
