/** Shared fixtures for engine tests: tiny configs of each architecture and random models. */
import { initBackend, parseBackendRequest, BackendInfo } from '../../src/engine/backend';
import { parseModelConfig, ModelConfig } from '../../src/engine/config';
import { CausalLM } from '../../src/engine/model';
import { randomWeights } from '../../src/engine/weights';
import { join, resolve } from 'node:path';

export function useBackend(): Promise<BackendInfo> {
  return initBackend(parseBackendRequest(process.env.RZERO_BACKEND));
}

/** Repository root, from dist/test/helpers or test/helpers. */
export const repoRoot = resolve(
  __dirname,
  __dirname.includes(`${join('dist', 'test')}`) ? '../../..' : '../..',
);

export interface TinyVariant {
  name: string;
  config: Record<string, unknown>;
}

const base = {
  hidden_size: 32,
  intermediate_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  vocab_size: 48,
  rms_norm_eps: 1e-6,
  rope_theta: 10000,
  max_position_embeddings: 128,
  bos_token_id: 1,
  eos_token_id: 2,
  hidden_act: 'silu',
};

/** One tiny config per feature the parity tests must cover. */
export const TINY_VARIANTS: TinyVariant[] = [
  {
    name: 'llama-mha-tied',
    config: {
      ...base,
      architectures: ['LlamaForCausalLM'],
      model_type: 'llama',
      num_key_value_heads: 4,
      tie_word_embeddings: true,
    },
  },
  {
    name: 'llama-gqa-untied',
    config: {
      ...base,
      architectures: ['LlamaForCausalLM'],
      model_type: 'llama',
      num_key_value_heads: 2,
      tie_word_embeddings: false,
    },
  },
  {
    name: 'qwen2-gqa-bias-tied',
    config: {
      ...base,
      architectures: ['Qwen2ForCausalLM'],
      model_type: 'qwen2',
      num_key_value_heads: 2,
      tie_word_embeddings: true,
      use_sliding_window: false,
      sliding_window: 4096,
    },
  },
  {
    name: 'qwen3-qknorm-gqa-untied',
    config: {
      ...base,
      architectures: ['Qwen3ForCausalLM'],
      model_type: 'qwen3',
      num_key_value_heads: 1,
      head_dim: 16,
      tie_word_embeddings: false,
      rope_theta: 1000000,
    },
  },
];

export function tinyConfig(variant: TinyVariant | string = TINY_VARIANTS[0]!): ModelConfig {
  const v = typeof variant === 'string' ? TINY_VARIANTS.find((x) => x.name === variant)! : variant;
  return parseModelConfig(v.config);
}

/** A random model; a larger scale gives peaked logits so greedy decoding has clear winners. */
export function randomModel(config: ModelConfig, seed = 1, scale = 0.02): CausalLM {
  return CausalLM.fromHfWeights(config, randomWeights(config, seed, scale));
}

/** Prompts of different lengths from a simple deterministic pattern. */
export function prompts(lengths: number[], vocab: number, offset = 3): number[][] {
  return lengths.map((n, b) =>
    Array.from({ length: n }, (_, i) => (offset + b * 7 + i * 5) % vocab),
  );
}
