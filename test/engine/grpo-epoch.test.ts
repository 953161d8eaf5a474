/**
 * One training step of the official code (RZERO.md "GRPO as the official code computes it"): a
 * rollout batch with the sampling log-probs as old log-probs, then one pass over it in
 * mini-batches, one AdamW update each. Checked against the independent PyTorch reference
 * (test/reference/run.py --task grpo), which recomputes every log-prob row by row without
 * packing or cache: the loss and its parts of every update, and the weights after the step.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM } from '../../src/engine/model';
import { Rng } from '../../src/engine/rng';
import { generate } from '../../src/engine/sampler';
import { readSafetensorsF32 } from '../../src/engine/safetensors';
import { scoreResponses } from '../../src/engine/scoring';
import { DEFAULT_GRPO, grpoEpoch, GrpoMetrics, LossAggregation } from '../../src/engine/trainer';
import { referenceAdamW, runReference, TINY_VARIANTS, useReferenceModels } from '../helpers/engine';

/**
 * A large lr so that the policy moves far enough within one step for both clips to act; eps 1e-3
 * (as the parity test) keeps AdamW from turning float-noise gradients into lr-sized moves.
 */
const ADAMW = { lr: 3e-2, betas: [0.9, 0.999], eps: 1e-3, weight_decay: 0.01, max_grad_norm: 1 };
const ROWS = 12;
const GROUP = 3;
const ROWS_PER_UPDATE = 4;

interface TorchUpdate {
  loss: number;
  pg_loss: number;
  kl: number;
  clipfrac_higher: number;
  clipfrac_lower: number;
  grad_norm: number;
}

/** Group-normalised advantages of random 0/1 rewards (groups of GROUP rows), never all zero. */
function advantages(rng: Rng): number[] {
  const out: number[] = [];
  for (let g = 0; g < ROWS / GROUP; g++) {
    const r: number[] = Array.from({ length: GROUP }, (_, i) => (i === 0 ? 1 : rng.nextU32() % 2));
    if (!r.includes(0)) r[GROUP - 1] = 0;
    const mean = r.reduce((a, b) => a + b, 0) / GROUP;
    const std = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / (GROUP - 1));
    out.push(...r.map((x) => (x - mean) / (std + 1e-6)));
  }
  return out;
}

describe('GRPO training step: rollout batch, then one update per mini-batch (PyTorch reference)', () => {
  const referenceModel = useReferenceModels();

  for (const lossAgg of ['token-mean', 'seq-mean'] as LossAggregation[]) {
    describe(lossAgg, () => {
      let dir: string;
      let model: CausalLM;
      let ours: GrpoMetrics[];
      let theirs: TorchUpdate[];

      before(async () => {
        const made = await referenceModel(
          TINY_VARIANTS[0]!,
          31,
          0.15,
          `rzero-grpo-epoch-${lossAgg}-`,
        );
        const { config } = made;
        ({ dir, model } = made);
        const rng = new Rng(7);
        const V = config.vocabSize;
        // Groups share a prompt; prompts differ in length; EOS ends some responses early, so
        // the sequences of a mini-batch have different lengths (which seq-mean weighs apart).
        const groupPrompts = Array.from({ length: ROWS / GROUP }, (_, g) =>
          Array.from({ length: 3 + g }, () => 3 + (rng.nextU32() % (V - 3))),
        );
        const prompts = groupPrompts.flatMap((p) => Array.from({ length: GROUP }, () => p));
        const samples = generate(model, prompts, {
          maxNewTokens: 7,
          temperature: 1,
          seed: 11,
          eosTokenIds: config.eosTokenIds,
        });
        const responses = samples.map((s) => s.tokens);
        assert.ok(new Set(responses.map((r) => r.length)).size > 1, 'responses of one length');
        // A reference a little away from the policy, so the KL term is not zero at the start.
        const refLogProbs = scoreResponses(model, prompts, responses, { temperature: 1 }).map(
          (row) => row.map((x, j) => x + 0.05 * Math.sin(j + row.length)),
        );
        const adv = advantages(rng);
        const batch = {
          prompts,
          responses,
          advantages: adv,
          oldLogProbs: samples.map((s) => s.logProbs),
          refLogProbs,
        };
        writeFileSync(
          join(dir, 'inputs.json'),
          JSON.stringify({
            prompts,
            responses,
            advantages: adv,
            old_logp: batch.oldLogProbs,
            ref_logp: refLogProbs,
            temperature: 1,
            clip_low: DEFAULT_GRPO.clipLow,
            clip_high: DEFAULT_GRPO.clipHigh,
            dual_clip: DEFAULT_GRPO.dualClip,
            kl_coef: DEFAULT_GRPO.klCoef,
            loss_agg: lossAgg,
            rows_per_update: ROWS_PER_UPDATE,
            ...ADAMW,
          }),
        );
        runReference(dir, 'grpo');
        theirs = (
          JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as { updates: TorchUpdate[] }
        ).updates;
        const optim = referenceAdamW(model, ADAMW);
        const before = tf.memory().numTensors;
        // Micro-batches of 3 rows: they cut across the mini-batches' groups on purpose.
        ours = grpoEpoch(model, optim, batch, ROWS_PER_UPDATE, {
          ...DEFAULT_GRPO,
          microBatchSize: 3,
          lossAgg,
        });
        // The step leaves only the optimizer's moments behind (2 per variable).
        assert.equal(tf.memory().numTensors, before + 2 * model.variables().length);
        optim.dispose();
      });
      after(() => model?.dispose());

      test('one update per mini-batch; the ratio is 1 on the first, the clips act from the second', () => {
        assert.equal(ours.length, ROWS / ROWS_PER_UPDATE);
        assert.equal(ours[0]!.clipFracHigher, 0);
        assert.equal(ours[0]!.clipFracLower, 0);
        assert.ok(Math.abs(ours[0]!.ppoKl) < 1e-5, `first update ppo_kl ${ours[0]!.ppoKl}`);
        const later = ours.slice(1).map((m) => m.clipFracHigher + m.clipFracLower);
        assert.ok(
          later.some((x) => x > 0),
          `no clip acted after the first update: ${JSON.stringify(later)}`,
        );
        assert.ok(ours[1]!.clipFracHigher + ours[1]!.clipFracLower > 0, 'second update unclipped');
      });

      test('every update matches PyTorch: loss, policy loss, KL, clip fractions, gradient norm', () => {
        assert.equal(theirs.length, ours.length);
        ours.forEach((m, i) => {
          const t = theirs[i]!;
          const close = (a: number, b: number, what: string, tol = 1e-4) =>
            assert.ok(
              Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)),
              `update ${i + 1} ${what}: ours ${a}, PyTorch ${b}`,
            );
          close(m.loss, t.loss, 'loss');
          close(m.pgLoss, t.pg_loss, 'pg loss');
          close(m.kl, t.kl, 'kl');
          close(m.gradNorm, t.grad_norm, 'grad norm');
          close(m.clipFracHigher, t.clipfrac_higher, 'clipfrac higher', 1e-6);
          close(m.clipFracLower, t.clipfrac_lower, 'clipfrac lower', 1e-6);
        });
      });

      test('weights after the step equal within 1e-4', () => {
        const expected = readSafetensorsF32(readFileSync(join(dir, 'out.safetensors')));
        const weights = model.toHfWeights();
        assert.deepEqual([...weights.keys()].sort(), [...expected.keys()].sort());
        let worst = 0;
        for (const [name, t] of weights) {
          const want = expected.get(name)!.data;
          for (let i = 0; i < t.data.length; i++)
            worst = Math.max(worst, Math.abs(t.data[i]! - want[i]!));
        }
        assert.ok(worst <= 1e-4, `max |weight diff| = ${worst}`);
      });
    });
  }
});
