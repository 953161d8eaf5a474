/**
 * The model configuration the engine works with, normalised from a Hugging Face `config.json`.
 * Foreign names (`num_attention_heads`, ...) are mapped here and nowhere else.
 */
export type Architecture = 'LlamaForCausalLM' | 'Qwen2ForCausalLM' | 'Qwen3ForCausalLM';

export interface ModelConfig {
  architecture: Architecture;
  /** `model_type` written back on save: llama | qwen2 | qwen3. */
  modelType: 'llama' | 'qwen2' | 'qwen3';
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  /** Key/value heads; numHeads % numKvHeads == 0 (grouped-query attention when smaller). */
  numKvHeads: number;
  /** Per-head width; `head_dim` when given (Qwen3), else hiddenSize / numHeads. */
  headDim: number;
  vocabSize: number;
  rmsNormEps: number;
  ropeTheta: number;
  tieWordEmbeddings: boolean;
  maxPositions: number;
  bosTokenId: number | null;
  eosTokenIds: number[];
  padTokenId: number | null;
  /** q/k/v projections carry a bias (Qwen2). */
  qkvBias: boolean;
  /** Per-head RMSNorm on q and k before rotary embeddings (Qwen3). */
  qkNorm: boolean;
  /** The original config.json, kept so a saved checkpoint round-trips fields we do not use. */
  raw: Record<string, unknown>;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly reason: string,
  ) {
    super(`config.json: ${field}=${JSON.stringify(value)}: ${reason}`);
  }
}

type Json = Record<string, unknown>;

interface ArchitectureSpec {
  modelType: ModelConfig['modelType'];
  qkvBias: boolean;
  qkNorm: boolean;
  /** transformers' `max_position_embeddings` default for this model type. */
  defaultMaxPositions: number;
  /** Qwen2/Qwen3 configs carry a sliding-window switch that we must see switched off. */
  hasSlidingWindow: boolean;
  /** Llama/Qwen3 have an `attention_bias` switch; Qwen2's q/k/v bias is fixed on. */
  hasAttentionBiasFlag: boolean;
  /** Qwen3's transformers default is 128, not hidden/heads, so guessing would silently differ. */
  requiresHeadDim: boolean;
}

const ARCHITECTURES: Record<Architecture, ArchitectureSpec> = {
  LlamaForCausalLM: {
    modelType: 'llama',
    qkvBias: false,
    qkNorm: false,
    defaultMaxPositions: 2048,
    hasSlidingWindow: false,
    hasAttentionBiasFlag: true,
    requiresHeadDim: false,
  },
  Qwen2ForCausalLM: {
    modelType: 'qwen2',
    qkvBias: true,
    qkNorm: false,
    defaultMaxPositions: 32768,
    hasSlidingWindow: true,
    hasAttentionBiasFlag: false,
    requiresHeadDim: false,
  },
  Qwen3ForCausalLM: {
    modelType: 'qwen3',
    qkvBias: false,
    qkNorm: true,
    defaultMaxPositions: 32768,
    hasSlidingWindow: true,
    hasAttentionBiasFlag: true,
    requiresHeadDim: true,
  },
};

/** Own properties only, so keys like `constructor` never resolve through the prototype. */
function own(obj: Json, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function positiveInt(obj: Json, field: string, fallback?: number): number {
  const v = own(obj, field);
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw new ConfigError(field, v ?? null, 'is required');
  }
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
    throw new ConfigError(field, v, 'must be a positive integer');
  }
  return v;
}

function positiveFinite(obj: Json, field: string, fallback: number): number {
  const v = own(obj, field);
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new ConfigError(field, v, 'must be a positive finite number');
  }
  return v;
}

function tokenId(obj: Json, field: string, v: unknown = own(obj, field)): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new ConfigError(field, v, 'must be a non-negative integer token id or null');
  }
  return v;
}

function eosTokenIds(obj: Json): number[] {
  const v = own(obj, 'eos_token_id');
  if (!Array.isArray(v)) {
    const id = tokenId(obj, 'eos_token_id');
    return id === null ? [] : [id];
  }
  if (!v.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0)) {
    throw new ConfigError('eos_token_id', v, 'list entries must be non-negative integer token ids');
  }
  return [...(v as number[])];
}

function parseArchitecture(obj: Json): Architecture {
  const v = own(obj, 'architectures');
  const known = Object.keys(ARCHITECTURES).join(', ');
  if (!Array.isArray(v) || v.length !== 1 || typeof v[0] !== 'string') {
    throw new ConfigError(
      'architectures',
      v ?? null,
      `must be a one-element array naming one of ${known}`,
    );
  }
  if (!Object.prototype.hasOwnProperty.call(ARCHITECTURES, v[0])) {
    throw new ConfigError('architectures', v, `unsupported architecture; supported: ${known}`);
  }
  return v[0] as Architecture;
}

/** Rejects every switch that would change the math into something the engine does not compute. */
function rejectUnsupported(obj: Json, arch: Architecture, spec: ArchitectureSpec): void {
  const modelType = own(obj, 'model_type');
  if (modelType !== undefined && modelType !== spec.modelType) {
    throw new ConfigError('model_type', modelType, `${arch} needs model_type "${spec.modelType}"`);
  }
  const act = own(obj, 'hidden_act');
  if (act !== undefined && act !== 'silu') {
    throw new ConfigError('hidden_act', act, 'only "silu" (SwiGLU MLP) is implemented');
  }
  const scaling = own(obj, 'rope_scaling');
  if (scaling !== undefined && scaling !== null) {
    const kind = isObject(scaling) ? (own(scaling, 'rope_type') ?? own(scaling, 'type')) : scaling;
    throw new ConfigError(
      'rope_scaling',
      scaling,
      `rope scaling ${JSON.stringify(kind ?? null)} is not implemented`,
    );
  }
  if (spec.hasSlidingWindow && own(obj, 'use_sliding_window') === true) {
    throw new ConfigError(
      'use_sliding_window',
      true,
      'sliding-window attention is not implemented',
    );
  }
  if (spec.hasAttentionBiasFlag && own(obj, 'attention_bias') === true) {
    throw new ConfigError(
      'attention_bias',
      true,
      `attention projection biases are not implemented for ${arch}`,
    );
  }
  if (own(obj, 'mlp_bias') === true) {
    throw new ConfigError('mlp_bias', true, 'MLP biases are not implemented');
  }
}

/** transformers v5 moved rope_theta into `rope_parameters`; only the plain (default) kind is ours. */
function ropeTheta(obj: Json): number {
  const params = own(obj, 'rope_parameters');
  if (params === undefined || params === null) return positiveFinite(obj, 'rope_theta', 10000);
  if (!isObject(params)) throw new ConfigError('rope_parameters', params, 'must be an object');
  const kind = own(params, 'rope_type') ?? 'default';
  if (kind !== 'default') {
    throw new ConfigError(
      'rope_parameters',
      params,
      `rope type ${JSON.stringify(kind)} is not implemented`,
    );
  }
  const inner = own(params, 'rope_theta');
  return inner === undefined
    ? positiveFinite(obj, 'rope_theta', 10000)
    : positiveFinite(params, 'rope_theta', 10000);
}

function parseHeads(obj: Json, hidden: number, spec: ArchitectureSpec) {
  const numHeads = positiveInt(obj, 'num_attention_heads');
  const numKvHeads = positiveInt(obj, 'num_key_value_heads', numHeads);
  if (numHeads % numKvHeads !== 0) {
    throw new ConfigError(
      'num_key_value_heads',
      numKvHeads,
      `num_attention_heads=${numHeads} is not a multiple of it`,
    );
  }
  const given = own(obj, 'head_dim');
  if ((given === undefined || given === null) && spec.requiresHeadDim) {
    throw new ConfigError(
      'head_dim',
      given ?? null,
      'is required for this architecture (transformers would assume 128)',
    );
  }
  if ((given === undefined || given === null) && hidden % numHeads !== 0) {
    throw new ConfigError(
      'hidden_size',
      hidden,
      `not divisible by num_attention_heads=${numHeads} and no head_dim given`,
    );
  }
  const headDim = positiveInt(obj, 'head_dim', hidden / numHeads);
  if (headDim % 2 !== 0) {
    throw new ConfigError('head_dim', headDim, 'must be even (rotary embeddings rotate pairs)');
  }
  return { numHeads, numKvHeads, headDim };
}

function parseTied(obj: Json): boolean {
  const v = own(obj, 'tie_word_embeddings');
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new ConfigError('tie_word_embeddings', v, 'must be a boolean');
  return v;
}

/**
 * Normalises a Hugging Face `config.json` (already JSON-parsed) into a ModelConfig, or throws a
 * ConfigError naming the field and value for anything the engine does not implement.
 * Defaults follow transformers where it has one (num_key_value_heads = heads, rope_theta 10000,
 * rms_norm_eps 1e-6, untied embeddings, per-model max_position_embeddings).
 */
export function parseModelConfig(json: unknown): ModelConfig {
  if (!isObject(json)) throw new ConfigError('config.json', json ?? null, 'must be a JSON object');
  const architecture = parseArchitecture(json);
  const spec = ARCHITECTURES[architecture];
  rejectUnsupported(json, architecture, spec);
  const hiddenSize = positiveInt(json, 'hidden_size');
  return {
    architecture,
    modelType: spec.modelType,
    hiddenSize,
    intermediateSize: positiveInt(json, 'intermediate_size'),
    numLayers: positiveInt(json, 'num_hidden_layers'),
    ...parseHeads(json, hiddenSize, spec),
    vocabSize: positiveInt(json, 'vocab_size'),
    rmsNormEps: positiveFinite(json, 'rms_norm_eps', 1e-6),
    ropeTheta: ropeTheta(json),
    tieWordEmbeddings: parseTied(json),
    maxPositions: positiveInt(json, 'max_position_embeddings', spec.defaultMaxPositions),
    bosTokenId: tokenId(json, 'bos_token_id'),
    eosTokenIds: eosTokenIds(json),
    padTokenId: tokenId(json, 'pad_token_id'),
    qkvBias: spec.qkvBias,
    qkNorm: spec.qkNorm,
    raw: structuredClone(json),
  };
}

/** A single eos id is written back as a number when the source had a number, as transformers does. */
function eosForJson(cfg: ModelConfig): number | number[] | null {
  const ids = cfg.eosTokenIds;
  if (ids.length === 0) return null;
  return ids.length === 1 && !Array.isArray(own(cfg.raw, 'eos_token_id')) ? ids[0] : [...ids];
}

/**
 * The config.json to write next to saved weights: the original fields survive, the ones this
 * module owns are overwritten so the file always describes the weights actually saved (float32).
 */
export function modelConfigToJson(cfg: ModelConfig): Record<string, unknown> {
  const out: Json = { ...structuredClone(cfg.raw) };
  Object.assign(out, {
    architectures: [cfg.architecture],
    model_type: cfg.modelType,
    hidden_size: cfg.hiddenSize,
    intermediate_size: cfg.intermediateSize,
    num_hidden_layers: cfg.numLayers,
    num_attention_heads: cfg.numHeads,
    num_key_value_heads: cfg.numKvHeads,
    head_dim: cfg.headDim,
    hidden_act: 'silu',
    vocab_size: cfg.vocabSize,
    rms_norm_eps: cfg.rmsNormEps,
    rope_theta: cfg.ropeTheta,
    tie_word_embeddings: cfg.tieWordEmbeddings,
    max_position_embeddings: cfg.maxPositions,
    bos_token_id: cfg.bosTokenId,
    eos_token_id: eosForJson(cfg),
    pad_token_id: cfg.padTokenId,
    torch_dtype: 'float32',
  });
  if (Object.prototype.hasOwnProperty.call(out, 'dtype')) out.dtype = 'float32';
  const params = own(out, 'rope_parameters');
  if (isObject(params)) out.rope_parameters = { ...params, rope_theta: cfg.ropeTheta };
  return out;
}
