/**
 * The tensors a config implies, by their Hugging Face names and PyTorch shapes (a Linear weight
 * is [out, in]), and the check that a checkpoint supplies exactly those.
 */
import type { ModelConfig } from './config';

export type WeightsErrorCode = 'MISSING_TENSOR' | 'SHAPE_MISMATCH';

export class WeightsError extends Error {
  override readonly name = 'WeightsError';
  constructor(
    readonly code: WeightsErrorCode,
    readonly tensor: string,
    message: string,
    readonly expected?: number[],
    readonly actual?: number[],
  ) {
    super(message);
  }
}

export interface ExpectedWeight {
  name: string;
  shape: number[];
  /** Per dimension, the config fields that imply it, e.g. "num_key_value_heads*head_dim=2*64". */
  why: string[];
}

/** Dimension sizes paired with their explanation, so messages can say where a size comes from. */
function dims(cfg: ModelConfig) {
  const {
    hiddenSize: H,
    intermediateSize: I,
    vocabSize: V,
    numHeads: nh,
    numKvHeads: nkv,
    headDim: hd,
  } = cfg;
  return {
    H: [H, `hidden_size=${H}`],
    I: [I, `intermediate_size=${I}`],
    V: [V, `vocab_size=${V}`],
    D: [hd, `head_dim=${hd}`],
    Q: [nh * hd, `num_attention_heads*head_dim=${nh}*${hd}`],
    KV: [nkv * hd, `num_key_value_heads*head_dim=${nkv}*${hd}`],
  } as const;
}

type Dim = readonly [number, string];

function weight(name: string, ...ds: Dim[]): ExpectedWeight {
  return { name, shape: ds.map((d) => d[0]), why: ds.map((d) => d[1]) };
}

function attention(cfg: ModelConfig, p: string): ExpectedWeight[] {
  const { H, D, Q, KV } = dims(cfg);
  const out = [
    weight(`${p}.q_proj.weight`, Q, H),
    ...(cfg.qkvBias ? [weight(`${p}.q_proj.bias`, Q)] : []),
    weight(`${p}.k_proj.weight`, KV, H),
    ...(cfg.qkvBias ? [weight(`${p}.k_proj.bias`, KV)] : []),
    weight(`${p}.v_proj.weight`, KV, H),
    ...(cfg.qkvBias ? [weight(`${p}.v_proj.bias`, KV)] : []),
    weight(`${p}.o_proj.weight`, H, Q),
  ];
  if (cfg.qkNorm) out.push(weight(`${p}.q_norm.weight`, D), weight(`${p}.k_norm.weight`, D));
  return out;
}

function layer(cfg: ModelConfig, i: number): ExpectedWeight[] {
  const { H, I } = dims(cfg);
  const p = `model.layers.${i}`;
  return [
    weight(`${p}.input_layernorm.weight`, H),
    ...attention(cfg, `${p}.self_attn`),
    weight(`${p}.post_attention_layernorm.weight`, H),
    weight(`${p}.mlp.gate_proj.weight`, I, H),
    weight(`${p}.mlp.up_proj.weight`, I, H),
    weight(`${p}.mlp.down_proj.weight`, H, I),
  ];
}

/** Every tensor the model needs, in model order (embeddings, layers, final norm, head). */
export function expectedWeights(cfg: ModelConfig): ExpectedWeight[] {
  const { H, V } = dims(cfg);
  const layers = Array.from({ length: cfg.numLayers }, (_, i) => layer(cfg, i)).flat();
  return [
    weight('model.embed_tokens.weight', V, H),
    ...layers,
    weight('model.norm.weight', H),
    ...(cfg.tieWordEmbeddings ? [] : [weight('lm_head.weight', V, H)]),
  ];
}

/** name -> shape, insertion order = model order. */
export function expectedWeightShapes(cfg: ModelConfig): Map<string, number[]> {
  return new Map(expectedWeights(cfg).map((w) => [w.name, w.shape]));
}

const fmt = (shape: readonly number[]) => `[${shape.join(', ')}]`;

function missingError(w: ExpectedWeight, missing: string[], prefix: string): WeightsError {
  const others =
    missing.length > 1
      ? ` (${missing.length} tensors missing in all, e.g. ${missing
          .slice(1, 4)
          .map((m) => JSON.stringify(m))
          .join(', ')})`
      : '';
  const hint =
    w.name === 'lm_head.weight'
      ? '; config.json says tie_word_embeddings=false, set it true if the head shares the embedding'
      : '';
  const msg = `${prefix}tensor ${JSON.stringify(w.name)}: missing, expected shape ${fmt(w.shape)} (${w.why.join(', ')})${others}${hint}`;
  return new WeightsError('MISSING_TENSOR', w.name, msg, w.shape);
}

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Checks that every tensor the config implies is present with the right shape. Throws a
 * WeightsError for the first missing or misshapen tensor, in model order; returns the names it
 * ignores (lm_head.weight of a tied model, rotary inv_freq buffers, anything else unknown).
 */
export function validateWeights(
  cfg: ModelConfig,
  tensors: ReadonlyMap<string, { shape: readonly number[] }>,
  source?: string,
): { unexpected: string[] } {
  const prefix = source === undefined ? '' : `${source}: `;
  const expected = expectedWeights(cfg);
  const missing = expected.filter((w) => !tensors.has(w.name)).map((w) => w.name);
  for (const w of expected) {
    const t = tensors.get(w.name);
    if (!t) throw missingError(w, missing, prefix);
    if (!Array.isArray(t.shape) || !sameShape(t.shape, w.shape)) {
      const actual = Array.isArray(t.shape) ? [...t.shape] : [];
      const msg = `${prefix}tensor ${JSON.stringify(w.name)}: expected shape ${fmt(w.shape)} (${w.why.join(', ')}) but found ${fmt(actual)}`;
      throw new WeightsError('SHAPE_MISMATCH', w.name, msg, w.shape, actual);
    }
  }
  const names = new Set(expected.map((w) => w.name));
  return { unexpected: [...tensors.keys()].filter((n) => !names.has(n)) };
}

export function countParameters(cfg: ModelConfig): number {
  return expectedWeights(cfg).reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
}

/** A small, fast, seedable uniform [0, 1) generator (mulberry32). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples by Box-Muller, both values of each pair used. */
export function gaussian(rand: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(1 - rand())); // 1 - u is in (0, 1], so log is finite
    const theta = 2 * Math.PI * rand();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
}

/**
 * Deterministic random weights for every expected tensor: N(0, scale^2) for matrices and biases,
 * 1 + N(0, scale^2) for norm weights so a broken norm is not hidden behind all-ones.
 */
export function randomWeights(
  cfg: ModelConfig,
  seed: number,
  scale = 0.02,
): Map<string, { shape: number[]; data: Float32Array }> {
  const normal = gaussian(mulberry32(seed));
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const w of expectedWeights(cfg)) {
    const data = new Float32Array(w.shape.reduce((a, b) => a * b, 1));
    const base = w.name.endsWith('norm.weight') ? 1 : 0;
    for (let i = 0; i < data.length; i++) data[i] = base + scale * normal();
    out.set(w.name, { shape: [...w.shape], data });
  }
  return out;
}
