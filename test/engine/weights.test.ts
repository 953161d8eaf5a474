import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelConfig, parseModelConfig } from '../../src/engine/config';
import {
  WeightsError,
  countParameters,
  expectedWeightShapes,
  randomWeights,
  validateWeights,
} from '../../src/engine/weights';

const base = {
  hidden_size: 64,
  intermediate_size: 96,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  vocab_size: 50,
  max_position_embeddings: 128,
};

const llama = (extra: Record<string, unknown> = {}) =>
  parseModelConfig({ architectures: ['LlamaForCausalLM'], ...base, ...extra });
const qwen2 = (extra: Record<string, unknown> = {}) =>
  parseModelConfig({ architectures: ['Qwen2ForCausalLM'], ...base, ...extra });
/** head_dim 32 != hidden/heads (16): the q/o projections are then not square. */
const qwen3 = (extra: Record<string, unknown> = {}) =>
  parseModelConfig({ architectures: ['Qwen3ForCausalLM'], ...base, head_dim: 32, ...extra });

const layerNames = (m: Map<string, number[]>, i: number) =>
  [...m.keys()]
    .filter((n) => n.startsWith(`model.layers.${i}.`))
    .map((n) => n.slice(`model.layers.${i}.`.length));

describe('expectedWeightShapes', () => {
  test('Llama: names, order and [out, in] shapes', () => {
    const m = expectedWeightShapes(llama());
    assert.deepEqual(layerNames(m, 1), [
      'input_layernorm.weight',
      'self_attn.q_proj.weight',
      'self_attn.k_proj.weight',
      'self_attn.v_proj.weight',
      'self_attn.o_proj.weight',
      'post_attention_layernorm.weight',
      'mlp.gate_proj.weight',
      'mlp.up_proj.weight',
      'mlp.down_proj.weight',
    ]);
    const keys = [...m.keys()];
    assert.equal(keys[0], 'model.embed_tokens.weight');
    assert.deepEqual(keys.slice(-2), ['model.norm.weight', 'lm_head.weight']);
    assert.equal(m.size, 1 + 2 * 9 + 2);
    assert.deepEqual(m.get('model.embed_tokens.weight'), [50, 64]);
    assert.deepEqual(m.get('model.layers.0.self_attn.q_proj.weight'), [64, 64]);
    assert.deepEqual(m.get('model.layers.0.self_attn.k_proj.weight'), [32, 64]);
    assert.deepEqual(m.get('model.layers.0.self_attn.v_proj.weight'), [32, 64]);
    assert.deepEqual(m.get('model.layers.0.self_attn.o_proj.weight'), [64, 64]);
    assert.deepEqual(m.get('model.layers.0.mlp.gate_proj.weight'), [96, 64]);
    assert.deepEqual(m.get('model.layers.0.mlp.down_proj.weight'), [64, 96]);
    assert.deepEqual(m.get('lm_head.weight'), [50, 64]);
  });

  test('Qwen2: q/k/v biases right after their weights', () => {
    const m = expectedWeightShapes(qwen2());
    assert.deepEqual(layerNames(m, 0).slice(1, 8), [
      'self_attn.q_proj.weight',
      'self_attn.q_proj.bias',
      'self_attn.k_proj.weight',
      'self_attn.k_proj.bias',
      'self_attn.v_proj.weight',
      'self_attn.v_proj.bias',
      'self_attn.o_proj.weight',
    ]);
    assert.deepEqual(m.get('model.layers.0.self_attn.q_proj.bias'), [64]);
    assert.deepEqual(m.get('model.layers.0.self_attn.k_proj.bias'), [32]);
    assert.deepEqual(m.get('model.layers.0.self_attn.v_proj.bias'), [32]);
    assert.ok(![...m.keys()].some((n) => n.includes('o_proj.bias') || n.includes('q_norm')));
  });

  test('Qwen3: q/k norms of head_dim, projections sized by head_dim not hidden/heads', () => {
    const m = expectedWeightShapes(qwen3());
    assert.deepEqual(m.get('model.layers.0.self_attn.q_proj.weight'), [128, 64]);
    assert.deepEqual(m.get('model.layers.0.self_attn.k_proj.weight'), [64, 64]);
    assert.deepEqual(m.get('model.layers.0.self_attn.o_proj.weight'), [64, 128]);
    assert.deepEqual(m.get('model.layers.0.self_attn.q_norm.weight'), [32]);
    assert.deepEqual(m.get('model.layers.0.self_attn.k_norm.weight'), [32]);
    assert.ok(![...m.keys()].some((n) => n.endsWith('.bias')));
  });

  test('tied embeddings drop lm_head.weight', () => {
    assert.ok(!expectedWeightShapes(llama({ tie_word_embeddings: true })).has('lm_head.weight'));
    assert.ok(expectedWeightShapes(llama({ tie_word_embeddings: false })).has('lm_head.weight'));
  });
});

describe('validateWeights', () => {
  const shapesOf = (cfg: ModelConfig) =>
    new Map([...expectedWeightShapes(cfg)].map(([n, shape]) => [n, { shape }]));

  test('a complete set passes with nothing unexpected', () => {
    assert.deepEqual(validateWeights(qwen3(), shapesOf(qwen3())), { unexpected: [] });
  });

  test('reports lm_head in a tied model, inv_freq buffers and unknown names without failing', () => {
    const cfg = qwen2({ tie_word_embeddings: true });
    const t = shapesOf(cfg);
    t.set('lm_head.weight', { shape: [50, 64] });
    t.set('model.layers.0.self_attn.rotary_emb.inv_freq', { shape: [8] });
    t.set('some.adapter.weight', { shape: [3] });
    assert.deepEqual(validateWeights(cfg, t).unexpected, [
      'lm_head.weight',
      'model.layers.0.self_attn.rotary_emb.inv_freq',
      'some.adapter.weight',
    ]);
  });

  test('missing tensor: MISSING_TENSOR naming it, its shape and how many are missing', () => {
    const cfg = llama();
    const t = shapesOf(cfg);
    t.delete('model.layers.1.mlp.down_proj.weight');
    t.delete('model.norm.weight');
    assert.throws(
      () => validateWeights(cfg, t, 'ckpt'),
      (e: unknown) => {
        assert.ok(e instanceof WeightsError);
        assert.equal(e.code, 'MISSING_TENSOR');
        assert.equal(e.tensor, 'model.layers.1.mlp.down_proj.weight');
        assert.match(
          e.message,
          /^ckpt: tensor "model\.layers\.1\.mlp\.down_proj\.weight": missing/,
        );
        assert.match(e.message, /\[64, 96\] \(hidden_size=64, intermediate_size=96\)/);
        assert.match(e.message, /2 tensors missing/);
        return true;
      },
    );
  });

  test('untied model without lm_head hints at tie_word_embeddings', () => {
    const cfg = llama();
    const t = shapesOf(cfg);
    t.delete('lm_head.weight');
    assert.throws(() => validateWeights(cfg, t), /tie_word_embeddings/);
  });

  test('wrong shape: SHAPE_MISMATCH with expected shape, the fields behind it, and the actual', () => {
    const cfg = qwen3();
    const t = shapesOf(cfg);
    t.set('model.layers.0.self_attn.k_proj.weight', { shape: [64, 32] });
    assert.throws(
      () => validateWeights(cfg, t),
      (e: unknown) => {
        assert.ok(e instanceof WeightsError);
        assert.equal(e.code, 'SHAPE_MISMATCH');
        assert.equal(e.tensor, 'model.layers.0.self_attn.k_proj.weight');
        assert.deepEqual(e.actual, [64, 32]);
        assert.equal(
          e.message,
          'tensor "model.layers.0.self_attn.k_proj.weight": expected shape [64, 64] ' +
            '(num_key_value_heads*head_dim=2*32, hidden_size=64) but found [64, 32]',
        );
        return true;
      },
    );
  });

  test('a rank mismatch with equal element count is still a mismatch', () => {
    const cfg = llama();
    const t = shapesOf(cfg);
    t.set('model.embed_tokens.weight', { shape: [50 * 64] });
    assert.throws(() => validateWeights(cfg, t), { code: 'SHAPE_MISMATCH' });
  });
});

describe('countParameters', () => {
  test('Qwen3-0.6B has 596,049,920 parameters (tied)', () => {
    const cfg = parseModelConfig({
      architectures: ['Qwen3ForCausalLM'],
      hidden_size: 1024,
      intermediate_size: 3072,
      num_hidden_layers: 28,
      num_attention_heads: 16,
      num_key_value_heads: 8,
      head_dim: 128,
      vocab_size: 151936,
      tie_word_embeddings: true,
    });
    assert.equal(countParameters(cfg), 596_049_920);
  });

  test('Qwen2.5-0.5B has 494,032,768 parameters (tied, with q/k/v biases)', () => {
    const cfg = parseModelConfig({
      architectures: ['Qwen2ForCausalLM'],
      hidden_size: 896,
      intermediate_size: 4864,
      num_hidden_layers: 24,
      num_attention_heads: 14,
      num_key_value_heads: 2,
      vocab_size: 151936,
      tie_word_embeddings: true,
    });
    assert.equal(countParameters(cfg), 494_032_768);
  });

  test('untying adds exactly vocab*hidden', () => {
    assert.equal(
      countParameters(llama()) - countParameters(llama({ tie_word_embeddings: true })),
      50 * 64,
    );
  });
});

describe('randomWeights', () => {
  test('deterministic per seed, valid shapes, norms near 1, matrices near N(0, scale^2)', () => {
    const cfg = qwen2();
    const a = randomWeights(cfg, 7);
    const b = randomWeights(cfg, 7);
    const c = randomWeights(cfg, 8);
    assert.deepEqual([...a.keys()], [...expectedWeightShapes(cfg).keys()]);
    validateWeights(cfg, a);
    for (const [name, t] of a) {
      assert.equal(
        t.data.length,
        t.shape.reduce((x, y) => x * y, 1),
      );
      assert.deepEqual(t.data, b.get(name)!.data);
    }
    const embed = a.get('model.embed_tokens.weight')!.data;
    assert.notDeepEqual(embed, c.get('model.embed_tokens.weight')!.data);
    const mean = embed.reduce((s, x) => s + x, 0) / embed.length;
    const std = Math.sqrt(embed.reduce((s, x) => s + (x - mean) ** 2, 0) / embed.length);
    assert.ok(Math.abs(mean) < 0.003 && Math.abs(std - 0.02) < 0.003, `mean ${mean} std ${std}`);
    const norm = a.get('model.norm.weight')!.data;
    assert.ok(norm.every((x) => Math.abs(x - 1) < 0.2) && norm.some((x) => x !== 1));
    const bias = a.get('model.layers.0.self_attn.q_proj.bias')!.data;
    assert.ok(bias.every((x) => Math.abs(x) < 0.2) && bias.some((x) => x !== 0));
  });

  test('scale is honoured', () => {
    const w = randomWeights(llama(), 1, 0.5).get('model.layers.0.mlp.up_proj.weight')!.data;
    const std = Math.sqrt(w.reduce((s, x) => s + x * x, 0) / w.length);
    assert.ok(Math.abs(std - 0.5) < 0.05, `std ${std}`);
  });
});
