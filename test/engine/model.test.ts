import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { CausalLM, TokenBatch } from '../../src/engine/model';
import { generate } from '../../src/engine/sampler';
import { scoreResponses } from '../../src/engine/scoring';
import { packSequences } from '../../src/engine/sequences';
import { prompts, randomModel, tinyConfig, TINY_VARIANTS, useBackend } from '../helpers/engine';

/** Greedy decoding that recomputes the whole (left-padded) sequence at every step: no cache. */
function greedyByRecompute(model: CausalLM, ps: number[][], steps: number): number[][] {
  const out = ps.map(() => [] as number[]);
  for (let s = 0; s < steps; s++) {
    const seqs = ps.map((p, b) => [...p, ...out[b]!]);
    const T = Math.max(...seqs.map((x) => x.length));
    const batch: TokenBatch = {
      ids: new Int32Array(seqs.length * T),
      mask: new Uint8Array(seqs.length * T),
      batch: seqs.length,
      length: T,
    };
    seqs.forEach((x, b) => {
      batch.ids.set(x, b * T + T - x.length);
      batch.mask.fill(1, b * T + T - x.length, (b + 1) * T);
    });
    const logits = tf.tidy(() => model.logits(model.hidden(batch)));
    const data = logits.dataSync();
    logits.dispose();
    const V = model.config.vocabSize;
    seqs.forEach((_, b) => {
      const row = data.subarray((b * T + T - 1) * V, (b * T + T) * V);
      let best = 0;
      for (let i = 1; i < V; i++) if (row[i]! > row[best]!) best = i;
      out[b]!.push(best);
    });
  }
  return out;
}

describe('model', () => {
  before(async () => {
    await useBackend();
  });

  for (const variant of TINY_VARIANTS) {
    test(`${variant.name}: greedy decoding with the KV cache equals recomputation, token for token`, () => {
      const model = randomModel(tinyConfig(variant), 7, 0.4);
      try {
        const ps = prompts([3, 9, 1, 6], model.config.vocabSize);
        const steps = 12;
        const before = tf.memory().numTensors;
        const cached = generate(model, ps, { maxNewTokens: steps, temperature: 0 }).map(
          (s) => s.tokens,
        );
        assert.equal(tf.memory().numTensors, before, 'generate leaves no tensors behind');
        assert.deepEqual(cached, greedyByRecompute(model, ps, steps));
      } finally {
        model.dispose();
      }
    });
  }

  test('left padding does not change the logits of the real tokens', () => {
    const model = randomModel(tinyConfig('qwen3-qknorm-gqa-untied'), 3, 0.2);
    try {
      const row = [5, 9, 11, 4, 20];
      const alone = tf
        .tidy(() =>
          model.logits(
            model.hidden({
              ids: Int32Array.from(row),
              mask: new Uint8Array(5).fill(1),
              batch: 1,
              length: 5,
            }),
          ),
        )
        .arraySync();
      const pad = 3;
      const ids = Int32Array.from([0, 0, 0, ...row]);
      const mask = Uint8Array.from([0, 0, 0, 1, 1, 1, 1, 1]);
      const padded = tf
        .tidy(() => model.logits(model.hidden({ ids, mask, batch: 1, length: 8 })))
        .arraySync();
      for (let t = 0; t < 5; t++) {
        for (let v = 0; v < model.config.vocabSize; v++) {
          assert.ok(
            Math.abs(alone[t]![v]! - padded[t + pad]![v]!) < 1e-5,
            `position ${t} token ${v}`,
          );
        }
      }
    } finally {
      model.dispose();
    }
  });

  test('scoring reproduces the sampler log-probs (cache and full forward agree)', () => {
    const model = randomModel(tinyConfig('llama-gqa-untied'), 11, 0.3);
    try {
      const ps = prompts([4, 7, 2], model.config.vocabSize);
      const samples = generate(model, ps, {
        maxNewTokens: 10,
        temperature: 0.8,
        topK: 20,
        topP: 0.9,
        seed: 5,
      });
      const scored = scoreResponses(
        model,
        ps,
        samples.map((s) => s.tokens),
        { temperature: 0.8 },
      );
      samples.forEach((s, b) => {
        assert.equal(scored[b]!.length, s.tokens.length);
        s.logProbs.forEach((lp, j) =>
          assert.ok(
            Math.abs(lp - scored[b]![j]!) < 1e-4,
            `row ${b} token ${j}: ${lp} vs ${scored[b]![j]}`,
          ),
        );
      });
    } finally {
      model.dispose();
    }
  });

  test('save -> load round trip through the Hugging Face layout keeps every weight', () => {
    const model = randomModel(tinyConfig('qwen2-gqa-bias-tied'), 5);
    try {
      const again = CausalLM.fromHfWeights(model.config, model.toHfWeights());
      const a = model.toHfWeights();
      const b = again.toHfWeights();
      assert.deepEqual([...a.keys()], [...b.keys()]);
      for (const [name, t] of a) assert.deepEqual(b.get(name)!.data, t.data, name);
      again.dispose();
    } finally {
      model.dispose();
    }
  });

  test('packSequences aligns every response token with the hidden row that predicts it', () => {
    const p = packSequences(
      [[1, 2, 3], [4]],
      [
        [5, 6],
        [7, 8, 9],
      ],
    );
    // Rows are left-padded as a whole to the longest prompt + response (5), not 3 + 3.
    assert.equal(p.batch.length, 5);
    assert.deepEqual(Array.from(p.batch.ids), [1, 2, 3, 5, 6, 0, 4, 7, 8, 9]);
    assert.deepEqual(Array.from(p.batch.mask), [1, 1, 1, 1, 1, 0, 1, 1, 1, 1]);
    assert.deepEqual(Array.from(p.predictRows), [2, 3, 6, 7, 8]);
    assert.deepEqual(Array.from(p.targets), [5, 6, 7, 8, 9]);
  });
});
