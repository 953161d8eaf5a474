import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConfigError,
  ModelConfig,
  modelConfigToJson,
  parseModelConfig,
} from '../../src/engine/config';

/** Qwen/Qwen3-0.6B's config.json. */
const qwen3 = (): Record<string, unknown> => ({
  architectures: ['Qwen3ForCausalLM'],
  attention_bias: false,
  attention_dropout: 0.0,
  bos_token_id: 151643,
  eos_token_id: 151645,
  head_dim: 128,
  hidden_act: 'silu',
  hidden_size: 1024,
  initializer_range: 0.02,
  intermediate_size: 3072,
  max_position_embeddings: 40960,
  max_window_layers: 28,
  model_type: 'qwen3',
  num_attention_heads: 16,
  num_hidden_layers: 28,
  num_key_value_heads: 8,
  rms_norm_eps: 1e-6,
  rope_scaling: null,
  rope_theta: 1000000,
  sliding_window: null,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  transformers_version: '4.51.0',
  use_cache: true,
  use_sliding_window: false,
  vocab_size: 151936,
});

/** Qwen/Qwen2.5-0.5B-Instruct's config.json. */
const qwen2 = (): Record<string, unknown> => ({
  architectures: ['Qwen2ForCausalLM'],
  attention_dropout: 0.0,
  bos_token_id: 151643,
  eos_token_id: 151645,
  hidden_act: 'silu',
  hidden_size: 896,
  initializer_range: 0.02,
  intermediate_size: 4864,
  max_position_embeddings: 32768,
  max_window_layers: 21,
  model_type: 'qwen2',
  num_attention_heads: 14,
  num_hidden_layers: 24,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000.0,
  sliding_window: 32768,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  transformers_version: '4.43.1',
  use_cache: true,
  use_sliding_window: false,
  vocab_size: 151936,
});

/** A Llama 3 style config (1B-sized, no rope scaling) with a list of eos ids. */
const llama3 = (): Record<string, unknown> => ({
  architectures: ['LlamaForCausalLM'],
  attention_bias: false,
  attention_dropout: 0.0,
  bos_token_id: 128000,
  eos_token_id: [128001, 128008, 128009],
  hidden_act: 'silu',
  hidden_size: 2048,
  initializer_range: 0.02,
  intermediate_size: 8192,
  max_position_embeddings: 131072,
  mlp_bias: false,
  model_type: 'llama',
  num_attention_heads: 32,
  num_hidden_layers: 16,
  num_key_value_heads: 8,
  pretraining_tp: 1,
  rms_norm_eps: 1e-5,
  rope_scaling: null,
  rope_theta: 500000.0,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  transformers_version: '4.45.0',
  use_cache: true,
  vocab_size: 128256,
});

/** TinyLlama-style: no head_dim, no tie_word_embeddings, no num_key_value_heads defaults exercised. */
const tinyLlama = (): Record<string, unknown> => ({
  architectures: ['LlamaForCausalLM'],
  bos_token_id: 1,
  eos_token_id: 2,
  hidden_act: 'silu',
  hidden_size: 2048,
  intermediate_size: 5632,
  max_position_embeddings: 2048,
  model_type: 'llama',
  num_attention_heads: 32,
  num_hidden_layers: 22,
  rms_norm_eps: 1e-5,
  vocab_size: 32000,
});

function expectConfigError(json: unknown, field: string, value: unknown): ConfigError {
  let caught: unknown;
  try {
    parseModelConfig(json);
  } catch (e) {
    caught = e;
  }
  assert.ok(
    caught instanceof ConfigError,
    `expected ConfigError for ${field}, got ${String(caught)}`,
  );
  assert.equal(caught.field, field);
  assert.deepEqual(caught.value, value);
  assert.ok(caught.message.includes(field), caught.message);
  assert.ok(caught.message.includes(JSON.stringify(value)), caught.message);
  return caught;
}

const withField = (base: () => Record<string, unknown>, patch: Record<string, unknown>) => ({
  ...base(),
  ...patch,
});

describe('parseModelConfig: the three architectures', () => {
  test('Qwen3-0.6B: explicit head_dim, q/k norm, tied', () => {
    const cfg = parseModelConfig(qwen3());
    const { raw, ...fields } = cfg;
    assert.deepEqual(fields, {
      architecture: 'Qwen3ForCausalLM',
      modelType: 'qwen3',
      hiddenSize: 1024,
      intermediateSize: 3072,
      numLayers: 28,
      numHeads: 16,
      numKvHeads: 8,
      headDim: 128,
      vocabSize: 151936,
      rmsNormEps: 1e-6,
      ropeTheta: 1000000,
      tieWordEmbeddings: true,
      maxPositions: 40960,
      bosTokenId: 151643,
      eosTokenIds: [151645],
      padTokenId: null,
      qkvBias: false,
      qkNorm: true,
    });
    assert.deepEqual(raw, qwen3());
  });

  test('Qwen2.5-0.5B: q/k/v biases always on, sliding_window number with use_sliding_window false', () => {
    const cfg = parseModelConfig(qwen2());
    assert.equal(cfg.architecture, 'Qwen2ForCausalLM');
    assert.equal(cfg.modelType, 'qwen2');
    assert.equal(cfg.qkvBias, true);
    assert.equal(cfg.qkNorm, false);
    assert.equal(cfg.headDim, 64);
    assert.equal(cfg.numKvHeads, 2);
    assert.equal(cfg.tieWordEmbeddings, true);
    assert.equal(cfg.ropeTheta, 1e6);
  });

  test('Llama 3 style: eos list, GQA, no biases', () => {
    const cfg = parseModelConfig(llama3());
    assert.equal(cfg.architecture, 'LlamaForCausalLM');
    assert.deepEqual(cfg.eosTokenIds, [128001, 128008, 128009]);
    assert.equal(cfg.bosTokenId, 128000);
    assert.equal(cfg.headDim, 64);
    assert.equal(cfg.numKvHeads, 8);
    assert.equal(cfg.qkvBias, false);
    assert.equal(cfg.qkNorm, false);
    assert.equal(cfg.rmsNormEps, 1e-5);
    assert.equal(cfg.ropeTheta, 500000);
  });

  test('Llama defaults: kv heads = heads, head_dim = hidden/heads, untied, rope_theta 10000', () => {
    const cfg = parseModelConfig(tinyLlama());
    assert.equal(cfg.numKvHeads, 32);
    assert.equal(cfg.headDim, 64);
    assert.equal(cfg.tieWordEmbeddings, false);
    assert.equal(cfg.ropeTheta, 10000);
    assert.deepEqual(cfg.eosTokenIds, [2]);
    assert.equal(cfg.padTokenId, null);
  });

  test('Llama with head_dim different from hidden/heads', () => {
    const cfg = parseModelConfig(withField(tinyLlama, { head_dim: 128 }));
    assert.equal(cfg.headDim, 128);
  });

  test('transformers v5 rope_parameters supplies rope_theta', () => {
    const json = withField(qwen3, { rope_parameters: { rope_type: 'default', rope_theta: 5e6 } });
    delete json.rope_theta;
    assert.equal(parseModelConfig(json).ropeTheta, 5e6);
  });

  test('null token ids and pad_token_id', () => {
    const cfg = parseModelConfig(
      withField(qwen2, { bos_token_id: null, eos_token_id: null, pad_token_id: 0 }),
    );
    assert.equal(cfg.bosTokenId, null);
    assert.deepEqual(cfg.eosTokenIds, []);
    assert.equal(cfg.padTokenId, 0);
  });

  test('raw is a copy: later edits to the input do not leak in', () => {
    const json = qwen3();
    const cfg = parseModelConfig(json);
    json.hidden_size = 1;
    assert.equal(cfg.raw.hidden_size, 1024);
  });
});

describe('parseModelConfig: rejections name the field and value', () => {
  test('architectures missing, not one element, or unknown', () => {
    const missing = qwen3();
    delete missing.architectures;
    expectConfigError(missing, 'architectures', null);
    expectConfigError(
      withField(qwen3, { architectures: 'Qwen3ForCausalLM' }),
      'architectures',
      'Qwen3ForCausalLM',
    );
    const two = ['Qwen3ForCausalLM', 'LlamaForCausalLM'];
    expectConfigError(withField(qwen3, { architectures: two }), 'architectures', two);
    expectConfigError(
      withField(qwen3, { architectures: ['MistralForCausalLM'] }),
      'architectures',
      ['MistralForCausalLM'],
    );
    expectConfigError(withField(qwen3, { architectures: [] }), 'architectures', []);
  });

  test('not an object at all', () => {
    expectConfigError(null, 'config.json', null);
    expectConfigError([1], 'config.json', [1]);
  });

  test('model_type that contradicts the architecture', () => {
    expectConfigError(withField(qwen3, { model_type: 'qwen2' }), 'model_type', 'qwen2');
  });

  test('non-positive, non-integer or missing sizes', () => {
    expectConfigError(withField(qwen3, { hidden_size: 0 }), 'hidden_size', 0);
    expectConfigError(withField(qwen3, { intermediate_size: -5 }), 'intermediate_size', -5);
    expectConfigError(withField(qwen3, { num_hidden_layers: 2.5 }), 'num_hidden_layers', 2.5);
    expectConfigError(withField(qwen3, { vocab_size: '151936' }), 'vocab_size', '151936');
    expectConfigError(withField(qwen3, { num_attention_heads: 0 }), 'num_attention_heads', 0);
    expectConfigError(
      withField(qwen3, { max_position_embeddings: -1 }),
      'max_position_embeddings',
      -1,
    );
    const missing = qwen3();
    delete missing.hidden_size;
    expectConfigError(missing, 'hidden_size', null);
  });

  test('heads not a multiple of kv heads', () => {
    expectConfigError(withField(qwen2, { num_key_value_heads: 4 }), 'num_key_value_heads', 4);
  });

  test('odd head_dim, hidden not divisible by heads, Qwen3 without head_dim', () => {
    expectConfigError(withField(qwen3, { head_dim: 127 }), 'head_dim', 127);
    expectConfigError(withField(tinyLlama, { hidden_size: 2050 }), 'hidden_size', 2050);
    expectConfigError(withField(tinyLlama, { hidden_size: 32 * 5 }), 'head_dim', 5);
    const noHeadDim = qwen3();
    delete noHeadDim.head_dim;
    expectConfigError(noHeadDim, 'head_dim', null);
  });

  test('hidden_act other than silu', () => {
    expectConfigError(withField(llama3, { hidden_act: 'gelu' }), 'hidden_act', 'gelu');
  });

  test('any rope_scaling, naming its type', () => {
    const llama32 = {
      factor: 32.0,
      high_freq_factor: 4.0,
      low_freq_factor: 1.0,
      original_max_position_embeddings: 8192,
      rope_type: 'llama3',
    };
    const e = expectConfigError(
      withField(llama3, { rope_scaling: llama32 }),
      'rope_scaling',
      llama32,
    );
    assert.match(e.message, /"llama3"/);
    const linear = { type: 'linear', factor: 2 };
    assert.match(
      expectConfigError(withField(tinyLlama, { rope_scaling: linear }), 'rope_scaling', linear)
        .message,
      /"linear"/,
    );
    const yarn = { rope_type: 'yarn', rope_theta: 1e6, factor: 4 };
    expectConfigError(withField(qwen3, { rope_parameters: yarn }), 'rope_parameters', yarn);
  });

  test('use_sliding_window true on Qwen2 and Qwen3', () => {
    expectConfigError(withField(qwen2, { use_sliding_window: true }), 'use_sliding_window', true);
    expectConfigError(
      withField(qwen3, { use_sliding_window: true, sliding_window: 4096 }),
      'use_sliding_window',
      true,
    );
  });

  test('attention_bias true on Llama and Qwen3, mlp_bias true', () => {
    expectConfigError(withField(llama3, { attention_bias: true }), 'attention_bias', true);
    expectConfigError(withField(qwen3, { attention_bias: true }), 'attention_bias', true);
    expectConfigError(withField(llama3, { mlp_bias: true }), 'mlp_bias', true);
  });

  test('non-positive rms_norm_eps and rope_theta', () => {
    expectConfigError(withField(qwen3, { rms_norm_eps: 0 }), 'rms_norm_eps', 0);
    expectConfigError(withField(qwen3, { rms_norm_eps: -1e-6 }), 'rms_norm_eps', -1e-6);
    expectConfigError(withField(qwen3, { rope_theta: 0 }), 'rope_theta', 0);
  });

  test('malformed token ids and tie flag', () => {
    expectConfigError(withField(llama3, { eos_token_id: [128001, 'x'] }), 'eos_token_id', [
      128001,
      'x',
    ]);
    expectConfigError(withField(llama3, { bos_token_id: -1 }), 'bos_token_id', -1);
    expectConfigError(
      withField(llama3, { tie_word_embeddings: 'yes' }),
      'tie_word_embeddings',
      'yes',
    );
  });
});

describe('modelConfigToJson', () => {
  const fieldsOf = (cfg: ModelConfig) => {
    const { raw: _raw, ...rest } = cfg;
    return rest;
  };

  for (const [name, make] of [
    ['qwen3', qwen3],
    ['qwen2', qwen2],
    ['llama3', llama3],
    ['tinyllama', tinyLlama],
  ] as const) {
    test(`${name}: round-trips through parseModelConfig`, () => {
      const cfg = parseModelConfig(make());
      const json = modelConfigToJson(cfg);
      assert.deepEqual(fieldsOf(parseModelConfig(json)), fieldsOf(cfg));
      assert.deepEqual(fieldsOf(parseModelConfig(JSON.parse(JSON.stringify(json)))), fieldsOf(cfg));
      assert.deepEqual(json.architectures, [cfg.architecture]);
      assert.equal(json.model_type, cfg.modelType);
      assert.equal(json.torch_dtype, 'float32');
    });
  }

  test('keeps fields it does not own and the shape of eos_token_id', () => {
    const q = modelConfigToJson(parseModelConfig(qwen3()));
    assert.equal(q.transformers_version, '4.51.0');
    assert.equal(q.max_window_layers, 28);
    assert.equal(q.eos_token_id, 151645);
    assert.deepEqual(
      modelConfigToJson(parseModelConfig(llama3())).eos_token_id,
      [128001, 128008, 128009],
    );
  });

  test('overwrites owned fields from the config, not from raw', () => {
    const cfg = { ...parseModelConfig(qwen2()), numLayers: 2, tieWordEmbeddings: false };
    const json = modelConfigToJson(cfg);
    assert.equal(json.num_hidden_layers, 2);
    assert.equal(json.tie_word_embeddings, false);
    assert.equal(json.head_dim, 64);
    assert.equal(cfg.raw.num_hidden_layers, 24, 'raw is not mutated');
  });
});
