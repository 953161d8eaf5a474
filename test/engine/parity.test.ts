/**
 * Parity with an independent implementation: test/reference/ is plain PyTorch written from the
 * published architectures. For tiny random configs of each architecture the weights are written
 * with our safetensors writer, both sides load them, and we compare logits and the weights after
 * one clipped AdamW step of a fixed loss (masked mean next-token NLL).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM, TokenBatch } from '../../src/engine/model';
import { gatherRows, tokenLogProbs } from '../../src/engine/ops';
import { readSafetensorsF32 } from '../../src/engine/safetensors';
import { Rng } from '../../src/engine/rng';
import { referenceAdamW, runReference, TINY_VARIANTS, useReferenceModels } from '../helpers/engine';

const ADAMW = { lr: 1e-2, betas: [0.9, 0.999], eps: 1e-3, weight_decay: 0.1, max_grad_norm: 1.0 };

/** Left-padded rows of different lengths, random targets and a loss mask with holes. */
function inputs(vocab: number, seed: number) {
  const rng = new Rng(seed);
  const B = 3;
  const T = 9;
  const lengths = [9, 5, 2];
  const ids: number[][] = [];
  const mask: number[][] = [];
  const targets: number[][] = [];
  const lossMask: number[][] = [];
  for (let b = 0; b < B; b++) {
    const pad = T - lengths[b]!;
    ids.push(Array.from({ length: T }, (_, t) => (t < pad ? 0 : rng.nextU32() % vocab)));
    mask.push(Array.from({ length: T }, (_, t) => (t < pad ? 0 : 1)));
    targets.push(Array.from({ length: T }, () => rng.nextU32() % vocab));
    lossMask.push(mask[b]!.map((m, t) => (m && t % 4 !== 1 ? 1 : 0)));
  }
  return { input_ids: ids, attention_mask: mask, targets, loss_mask: lossMask, ...ADAMW };
}

function batchOf(x: ReturnType<typeof inputs>): TokenBatch {
  const B = x.input_ids.length;
  const T = x.input_ids[0]!.length;
  return {
    ids: Int32Array.from(x.input_ids.flat()),
    mask: Uint8Array.from(x.attention_mask.flat()),
    batch: B,
    length: T,
  };
}

function maxDiff(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  where?: (i: number) => boolean,
): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++)
    if (!where || where(i)) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('parity with the PyTorch reference', () => {
  const referenceModel = useReferenceModels();

  for (const variant of TINY_VARIANTS) {
    describe(variant.name, () => {
      let dir: string;
      let model: CausalLM;
      let x: ReturnType<typeof inputs>;

      before(async () => {
        const made = await referenceModel(variant, 17, 0.15, `rzero-parity-${variant.name}-`);
        ({ dir, model } = made);
        x = inputs(made.config.vocabSize, 23);
        writeFileSync(join(dir, 'inputs.json'), JSON.stringify(x));
      });
      after(() => model?.dispose());

      test('logits equal within 1e-4 at every real token', () => {
        runReference(dir, 'logits');
        const theirs = readSafetensorsF32(readFileSync(join(dir, 'out.safetensors'))).get(
          'logits',
        )!;
        const batch = batchOf(x);
        const ours = tf.tidy(() => model.logits(model.hidden(batch)));
        const V = model.config.vocabSize;
        assert.deepEqual(theirs.shape, [batch.batch, batch.length, V]);
        const d = maxDiff(ours.dataSync(), theirs.data, (i) => batch.mask[Math.floor(i / V)] === 1);
        ours.dispose();
        assert.ok(d <= 1e-4, `max |logits diff| = ${d}`);
      });

      test('weights after one clipped AdamW step equal within 1e-4', () => {
        runReference(dir, 'adamw');
        const expected = readSafetensorsF32(readFileSync(join(dir, 'out.safetensors')));
        const report = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as {
          loss: number;
          grad_norm: number;
        };
        const batch = batchOf(x);
        const T = batch.length;
        const rows: number[] = [];
        const targets: number[] = [];
        x.loss_mask.forEach((r, b) =>
          r.forEach((m, t) => m && (rows.push(b * T + t), targets.push(x.targets[b]![t]!))),
        );
        const optim = referenceAdamW(model, ADAMW);
        const { loss, gradNorm } = optim.step([
          () => {
            const h = gatherRows(model.hidden(batch), Int32Array.from(rows));
            return tf.div(
              tf.neg(tf.sum(tokenLogProbs(model.logits(h), Int32Array.from(targets)))),
              rows.length,
            ) as tf.Scalar;
          },
        ]);
        optim.dispose();
        assert.ok(Math.abs(loss - report.loss) < 1e-5, `loss ${loss} vs ${report.loss}`);
        assert.ok(
          Math.abs(gradNorm - report.grad_norm) < 1e-4 * report.grad_norm,
          `grad norm ${gradNorm} vs ${report.grad_norm}`,
        );
        assert.ok(report.grad_norm > ADAMW.max_grad_norm, 'the clip is exercised');
        const ours = model.toHfWeights();
        assert.deepEqual([...ours.keys()].sort(), [...expected.keys()].sort());
        for (const [name, t] of ours) {
          const d = maxDiff(t.data, expected.get(name)!.data);
          assert.ok(d <= 1e-4, `${name}: max diff ${d}`);
        }
      });
    });
  }
});
