/**
 * The engine's public surface: a TensorFlow.js engine that loads, samples, scores and trains
 * Hugging Face Llama / Qwen2 / Qwen3 causal language models. No framework imports: plain inputs,
 * plain outputs, callbacks for progress.
 */
export { initBackend, backendInfo, parseBackendRequest, BackendError } from './backend';
export type { BackendInfo, BackendName, BackendRequest } from './backend';
export { parseModelConfig, modelConfigToJson, ConfigError } from './config';
export type { Architecture, ModelConfig } from './config';
export {
  parseSafetensors,
  readSafetensorsF32,
  serializeSafetensors,
  loadSafetensorsDir,
  saveSafetensorsDir,
  SafetensorsError,
} from './safetensors';
export {
  expectedWeightShapes,
  validateWeights,
  countParameters,
  randomWeights,
  WeightsError,
} from './weights';
export { Tokenizer, TokenizerError, encodeChat, buildCharTokenizerJson } from './tokenizer';
export type { ChatMessage } from './tokenizer';
export { CausalLM, KVCache } from './model';
export type { HostTensor, TokenBatch } from './model';
export { generate } from './sampler';
export type { Sample, SampleOptions, FinishReason } from './sampler';
export { scoreResponses, responseLogProbs } from './scoring';
export { packSequences } from './sequences';
export {
  AdamW,
  DEFAULT_ADAMW,
  grpoEpoch,
  grpoStep,
  grpoTokenTerms,
  DEFAULT_GRPO,
  nllStep,
} from './trainer';
export type {
  AdamWSettings,
  AdamWState,
  GrpoBatch,
  GrpoMetrics,
  GrpoSettings,
  LossAggregation,
  LossPart,
  NllMetrics,
  StepResult,
} from './trainer';
export {
  inspectModelDir,
  loadModelDir,
  modelDirDigest,
  saveModelDir,
  readConfigFile,
  TOKENIZER_FILES,
} from './checkpoint';
export type { InspectedModel, LoadedModel } from './checkpoint';
export { Rng } from './rng';
