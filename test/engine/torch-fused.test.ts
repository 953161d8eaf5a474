/**
 * The torch backend's fused kernels against the plain tfjs compositions they replace (values and
 * gradients), and memory over 20 training steps on the torch backend.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend';
import { addonPath } from '../../src/engine/torch/addon';
import { torchLiveTensors } from '../../src/engine/torch';
import {
  attentionCore,
  rmsNorm,
  rope,
  rotateHalfMatrix,
  tokenLogProbs,
} from '../../src/engine/ops';
import { AdamW, grpoStep, DEFAULT_ADAMW, DEFAULT_GRPO } from '../../src/engine/trainer';
import { scoreResponses } from '../../src/engine/scoring';
import { Rng } from '../../src/engine/rng';
import { prompts, randomModel, tinyConfig } from '../helpers/engine';

const built = existsSync(addonPath());

function withFused<T>(on: boolean, f: () => T): T {
  const prev = process.env.RZERO_FUSED;
  if (on) delete process.env.RZERO_FUSED;
  else process.env.RZERO_FUSED = '0';
  try {
    return f();
  } finally {
    if (prev === undefined) delete process.env.RZERO_FUSED;
    else process.env.RZERO_FUSED = prev;
  }
}

function randn(rng: Rng, shape: number[], scale = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => scale * (2 * rng.next() - 1)),
    shape,
  );
}

/** Values of f(xs) and of the gradient of sum(f(xs) * weights) for each x. */
function valueAndGrads(
  on: boolean,
  xs: tf.Tensor[],
  f: (...a: tf.Tensor[]) => tf.Tensor,
): number[][] {
  return withFused(on, () =>
    tf.tidy(() => {
      const y = f(...xs);
      const w = tf.tensor(
        Float32Array.from({ length: y.size }, (_, i) => 0.5 + i / y.size),
        y.shape,
      );
      const grads = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(...a), w)))(xs);
      return [y, ...grads].map((t) => Array.from(t.dataSync()));
    }),
  );
}

function assertClose(got: number[][], want: number[][], tol: number): void {
  assert.equal(got.length, want.length);
  got.forEach((g, k) => {
    assert.equal(g.length, want[k]!.length);
    g.forEach((v, j) => {
      const e = want[k]![j]!;
      assert.ok(
        Math.abs(v - e) <= tol * (1 + Math.abs(e)),
        `output ${k}[${j}]: fused ${v}, composition ${e}`,
      );
    });
  });
}

describe(
  'torch fused kernels = the tfjs compositions',
  { skip: !built && 'the torch addon is not built' },
  () => {
    before(async () => {
      const info = await initBackend('torch');
      assert.equal(info.backend, 'torch');
    });

    test('RzeroRmsNorm (2D and 4D, as the q/k norms use it)', () => {
      const rng = new Rng(1);
      for (const shape of [
        [6, 16],
        [2, 3, 4, 8],
      ]) {
        const x = randn(rng, shape, 2);
        const w = randn(rng, [shape.at(-1)!]);
        const f = (a: tf.Tensor, b: tf.Tensor) => rmsNorm(a, b as tf.Tensor1D, 1e-6);
        assertClose(valueAndGrads(true, [x, w], f), valueAndGrads(false, [x, w], f), 1e-5);
        tf.dispose([x, w]);
      }
    });

    test('RzeroRope (rotate-half rotary embedding, cos/sin broadcast over heads)', () => {
      const rng = new Rng(7);
      const [B, T, n, hd] = [2, 3, 4, 8];
      const x = randn(rng, [B, T, n, hd]);
      const cos = randn(rng, [B, T, 1, hd]) as tf.Tensor4D;
      const sin = randn(rng, [B, T, 1, hd]) as tf.Tensor4D;
      const rotate = tf.tensor2d(rotateHalfMatrix(hd), [hd, hd]);
      const f = (a: tf.Tensor) => rope(a as tf.Tensor4D, cos, sin, rotate);
      assertClose(valueAndGrads(true, [x], f), valueAndGrads(false, [x], f), 1e-5);
      tf.dispose([x, cos, sin, rotate]);
    });

    test('RzeroTokenLogProbs', () => {
      const rng = new Rng(2);
      const logits = randn(rng, [7, 11], 4);
      const targets = Int32Array.from({ length: 7 }, () => rng.nextU32() % 11);
      const f = (l: tf.Tensor) => tokenLogProbs(l as tf.Tensor2D, targets);
      assertClose(valueAndGrads(true, [logits], f), valueAndGrads(false, [logits], f), 1e-5);
      logits.dispose();
    });

    test('RzeroAttention (grouped heads, padding bias; training rows and one decode row)', () => {
      const rng = new Rng(3);
      for (const [B, nkv, rep, T, Tk, hd] of [
        [2, 2, 3, 4, 6, 8],
        [3, 2, 2, 1, 9, 8],
      ] as const) {
        const q = randn(rng, [B * nkv, rep * T, hd]);
        const k = randn(rng, [B * nkv, Tk, hd]);
        const v = randn(rng, [B * nkv, Tk, hd]);
        const biasData = Float32Array.from({ length: B * T * Tk }, (_, i) =>
          i % 5 === 0 ? -1e9 : 0,
        );
        const bias = tf.tensor(biasData, [B, 1, T, Tk]) as tf.Tensor4D;
        const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
          attentionCore(a as tf.Tensor3D, b as tf.Tensor3D, c as tf.Tensor3D, bias);
        assertClose(valueAndGrads(true, [q, k, v], f), valueAndGrads(false, [q, k, v], f), 1e-5);
        tf.dispose([q, k, v, bias]);
      }
    });

    test('RzeroAdamW and RzeroSumSquares: the same parameters and gradient norm after 3 clipped steps', () => {
      const run = (on: boolean) =>
        withFused(on, () => {
          const rng = new Rng(4);
          const vars = [randn(rng, [5, 3]), randn(rng, [3])].map((t) => tf.variable(t, true));
          const optim = new AdamW(vars, {
            lr: 1e-2,
            beta1: 0.9,
            beta2: 0.99,
            eps: 1e-8,
            weightDecay: 0.1,
            maxGradNorm: 0.5,
          });
          const norms: number[] = [];
          for (let s = 0; s < 3; s++) {
            const r = optim.step([
              () =>
                tf.sum(
                  tf.mul(tf.square(tf.matMul(vars[0]!, tf.expandDims(vars[1]!, 1))), s + 1),
                ) as tf.Scalar,
            ]);
            norms.push(r.gradNorm);
          }
          const out = [norms, ...vars.map((v) => Array.from(v.dataSync()))];
          optim.dispose();
          tf.dispose(vars);
          return out;
        });
      assertClose(run(true), run(false), 1e-5);
    });
  },
);

describe('torch fused AdamW in place', { skip: !built && 'the torch addon is not built' }, () => {
  test('updates in place when nothing else sees the data, and copies when another tensor shares it', async () => {
    await initBackend('torch');
    const rng = new Rng(6);
    const v = tf.variable(randn(rng, [40, 30]));
    const optim = new AdamW([v], { ...DEFAULT_ADAMW, lr: 1e-2 });
    const loss = () => tf.sum(tf.square(v)) as tf.Scalar;
    optim.step([loss]);
    const live = torchLiveTensors()!;
    const first = v.dataId;
    optim.step([loss]);
    assert.equal(v.dataId, first, 'the same data, updated in place');
    assert.equal(torchLiveTensors(), live);
    // A clone shares the variable's data (tfjs Identity): the update must not reach it.
    const snapshot = tf.clone(v);
    const before = Array.from(snapshot.dataSync());
    optim.step([loss]);
    assert.notEqual(v.dataId, snapshot.dataId, 'the variable got new data');
    assert.deepEqual(Array.from(snapshot.dataSync()), before, 'the clone is unchanged');
    assert.notDeepEqual(Array.from(v.dataSync()), before);
    // A libtorch view of the data (a transpose kept alive) blocks the in-place update too.
    const view = tf.transpose(v);
    const viewBefore = Array.from(view.dataSync());
    optim.step([loss]);
    assert.deepEqual(Array.from(view.dataSync()), viewBefore, 'the view is unchanged');
    tf.dispose([snapshot, view]);
    optim.dispose();
    v.dispose();
  });
});

describe('torch backend memory', { skip: !built && 'the torch addon is not built' }, () => {
  test('20 GRPO steps: tfjs tensors and libtorch tensors return to their count after each step', async () => {
    await initBackend('torch');
    const config = tinyConfig('qwen2-gqa-bias-tied');
    const model = randomModel(config, 5);
    const ps = prompts([3, 5, 4, 2], config.vocabSize);
    const rs = prompts([6, 4, 7, 5], config.vocabSize, 11);
    const old = scoreResponses(model, ps, rs, { batchSize: 4 });
    const batch = {
      prompts: ps,
      responses: rs,
      advantages: [1, -1, 0.5, -0.5],
      oldLogProbs: old,
      refLogProbs: old,
    };
    const optim = new AdamW(model.variables(), { ...DEFAULT_ADAMW, lr: 1e-3 });
    grpoStep(model, optim, batch, { ...DEFAULT_GRPO, microBatchSize: 2 });
    const tensors = tf.memory().numTensors;
    const live = torchLiveTensors()!;
    for (let s = 0; s < 20; s++) {
      grpoStep(model, optim, batch, { ...DEFAULT_GRPO, microBatchSize: 2 });
      assert.equal(tf.memory().numTensors, tensors, `tfjs tensors after step ${s + 2}`);
      assert.equal(torchLiveTensors(), live, `libtorch tensors after step ${s + 2}`);
    }
    assert.equal(live, tf.memory().numDataBuffers, 'one libtorch tensor per tfjs data buffer');
    optim.dispose();
    model.dispose();
  });
});
