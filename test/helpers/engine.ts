/**
 * Shared fixtures for engine tests: tiny configs of each architecture, random models, and random
 * models written for the PyTorch reference (test/reference/run.py).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before } from 'node:test';
import { initBackend, parseBackendRequest, BackendInfo } from '../../src/engine/backend';
import { loadModelDir } from '../../src/engine/checkpoint';
import { parseModelConfig, ModelConfig } from '../../src/engine/config';
import { CausalLM } from '../../src/engine/model';
import { saveSafetensorsDir } from '../../src/engine/safetensors';
import { AdamW } from '../../src/engine/trainer';
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

/** The Python (with torch) that runs the PyTorch reference. */
const REFERENCE_PYTHON = process.env.RZERO_TORCH_PYTHON ?? '/usr/bin/python3';

/**
 * Runs the PyTorch reference's `task` on `dir` (config.json, model.safetensors and inputs.json
 * there); it writes its results (out.safetensors, out.json) into `dir`.
 */
export function runReference(dir: string, task: 'logits' | 'adamw' | 'grpo'): void {
  execFileSync(
    REFERENCE_PYTHON,
    [join(repoRoot, 'test/reference/run.py'), '--dir', dir, '--task', task],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

export interface ReferenceModel {
  /** The temporary directory the reference reads: config.json and model.safetensors. */
  dir: string;
  config: ModelConfig;
  model: CausalLM;
}

/**
 * For the tests of a describe block that compare with the PyTorch reference: sets the backend up
 * before them, and returns the maker of their models, whose directories are removed after them.
 * A model made is a random one of `variant`: its config.json and random weights (`seed`,
 * `scale`) written with our safetensors writer into a new temporary directory (named from
 * `prefix`), and the model loaded back from there.
 */
export function useReferenceModels(): (
  variant: TinyVariant,
  seed: number,
  scale: number,
  prefix: string,
) => Promise<ReferenceModel> {
  const dirs: string[] = [];
  before(async () => {
    await useBackend();
  });
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  return async (variant, seed, scale, prefix) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    const config = tinyConfig(variant);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(variant.config));
    const weights = randomWeights(config, seed, scale);
    await saveSafetensorsDir(
      dir,
      [...weights].map(([name, t]) => ({ name, ...t })),
    );
    return { dir, config, model: (await loadModelDir(dir)).model };
  };
}

/** AdamW's settings as the reference reads them from inputs.json (PyTorch's names). */
export interface ReferenceAdamW {
  lr: number;
  betas: number[];
  eps: number;
  weight_decay: number;
  max_grad_norm: number;
}

/** Our AdamW over `model`'s variables with the reference's settings. */
export function referenceAdamW(model: CausalLM, o: ReferenceAdamW): AdamW {
  return new AdamW(model.variables(), {
    lr: o.lr,
    beta1: o.betas[0]!,
    beta2: o.betas[1]!,
    eps: o.eps,
    weightDecay: o.weight_decay,
    maxGradNorm: o.max_grad_norm,
  });
}
