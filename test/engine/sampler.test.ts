import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { CausalLM } from '../../src/engine/model';
import { generate, pick } from '../../src/engine/sampler';
import { Rng } from '../../src/engine/rng';
import { prompts, randomModel, tinyConfig, useBackend } from '../helpers/engine';

describe('sampler', () => {
  let model: CausalLM;
  before(async () => {
    await useBackend();
    model = randomModel(tinyConfig('llama-mha-tied'), 2, 0.3);
  });
  after(() => model.dispose());

  test('same seed gives the same tokens; another seed differs', () => {
    const ps = prompts([3, 5, 2, 8], model.config.vocabSize);
    const opts = { maxNewTokens: 16, temperature: 1, seed: 42 };
    const a = generate(model, ps, opts).map((s) => s.tokens);
    const b = generate(model, ps, opts).map((s) => s.tokens);
    const c = generate(model, ps, { ...opts, seed: 43 }).map((s) => s.tokens);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  test('top-k = 1 is greedy, and greedy is deterministic without a seed', () => {
    const ps = prompts([4, 6], model.config.vocabSize);
    const greedy = generate(model, ps, { maxNewTokens: 8, temperature: 0 }).map((s) => s.tokens);
    const top1 = generate(model, ps, { maxNewTokens: 8, temperature: 1.5, topK: 1, seed: 9 }).map(
      (s) => s.tokens,
    );
    assert.deepEqual(top1, greedy);
  });

  test('each row finishes on its own: EOS, token budget, stop string', () => {
    const ps = prompts([3, 4, 5, 6], model.config.vocabSize);
    const free = generate(model, ps, { maxNewTokens: 12, temperature: 0 });
    // Pick as EOS the 3rd token of row 0: row 0 must stop right there, with it included.
    const eos = free[0]!.tokens[2]!;
    const withEos = generate(model, ps, { maxNewTokens: 12, temperature: 0, eosTokenIds: [eos] });
    const cut = free[0]!.tokens.indexOf(eos);
    assert.deepEqual(withEos[0]!.tokens, free[0]!.tokens.slice(0, cut + 1));
    assert.equal(withEos[0]!.finishReason, 'eos');
    withEos.forEach((s, b) => {
      const at = free[b]!.tokens.indexOf(eos);
      const expected = at >= 0 ? free[b]!.tokens.slice(0, at + 1) : free[b]!.tokens;
      assert.deepEqual(s.tokens, expected, `row ${b}`);
      assert.equal(s.finishReason, at >= 0 ? 'eos' : 'length');
    });
    // Stop strings on the decoded text: decode ids as letters.
    const decode = (ids: number[]) => ids.map((i) => String.fromCharCode(97 + (i % 26))).join('');
    const stopText = decode(free[1]!.tokens).slice(3, 5);
    const stopped = generate(model, ps, {
      maxNewTokens: 12,
      temperature: 0,
      stopStrings: [stopText],
      decode,
    });
    const full = decode(free[1]!.tokens);
    assert.equal(stopped[1]!.finishReason, 'stop');
    assert.equal(stopped[1]!.text, full.slice(0, full.indexOf(stopText)));
    assert.ok(stopped[1]!.tokens.length <= 5);
  });

  test('log-probs are finite and at most 0; budget respected', () => {
    const out = generate(model, prompts([2, 3], model.config.vocabSize), {
      maxNewTokens: 5,
      temperature: 0.7,
      topP: 0.8,
      seed: 1,
    });
    for (const s of out) {
      assert.equal(s.tokens.length, 5);
      for (const lp of s.logProbs) assert.ok(Number.isFinite(lp) && lp <= 0);
    }
  });

  test('pick: top-k and top-p keep only the allowed tokens', () => {
    const logits = Float32Array.from([0, 3, 1, 2.5, -1, 2.9]);
    const rng = new Rng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 400; i++) seen.add(pick(logits, { temperature: 1, topK: 3 }, rng).token);
    assert.deepEqual([...seen].sort(), [1, 3, 5]);
    // probs ~ [.03,.37,.05,.22,.01,.33]: top-p 0.6 keeps 1 and 5 only.
    const seenP = new Set<number>();
    for (let i = 0; i < 400; i++) seenP.add(pick(logits, { temperature: 1, topP: 0.6 }, rng).token);
    assert.deepEqual([...seenP].sort(), [1, 5]);
  });

  test('rejects bad options with the field named', () => {
    assert.throws(() => generate(model, [[1]], { maxNewTokens: -1 }), /maxNewTokens/);
    assert.throws(() => generate(model, [[1]], { maxNewTokens: 1, topP: 0 }), /topP/);
    assert.throws(
      () => generate(model, [[1]], { maxNewTokens: 1, stopStrings: ['x'] }),
      /stopStrings/,
    );
    assert.equal(tf.memory().numTensors >= 0, true);
  });
});
