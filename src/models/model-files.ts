/**
 * Which files a model upload may carry, and the engine's verdict on a directory of them: the
 * upload is validated completely (config, every tensor's dtype, offsets and shape, tokenizer)
 * before anything is stored.
 */
import { promises as fs } from 'node:fs';
import { join, sep } from 'node:path';
import {
  ConfigError,
  SafetensorsError,
  TokenizerError,
  WeightsError,
  inspectModelDir,
} from '../engine';
import type { ModelConfig } from '../engine';
import { DomainError } from '../common/domain-error';
import { sha256File } from '../storage/artifact-store';

const FIXED = new Set([
  'config.json',
  'model.safetensors',
  'model.safetensors.index.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'generation_config.json',
  'chat_template.jinja',
]);
const SHARD = /^model-\d{5}-of-\d{5}\.safetensors$/;

/** `message` with every mention of `dir` (and the separator after it) removed. */
function withoutDir(message: string, dir: string): string {
  return message.split(`${dir}${sep}`).join('').split(dir).join('(upload)');
}

export const isAllowedModelFile = (name: string): boolean => FIXED.has(name) || SHARD.test(name);

export interface ValidatedModel {
  config: ModelConfig;
  /** config.json as uploaded (what the API shows and what is stored), not the engine's reading. */
  rawConfig: Record<string, unknown>;
  parameters: number;
  sha256: string;
  sizeBytes: number;
}

/** Validates a Hugging Face directory with the engine; throws MODEL_INVALID naming the problem. */
export async function validateModelDir(dir: string): Promise<ValidatedModel> {
  const names = await fs.readdir(dir);
  const missing = ['config.json', 'tokenizer.json'].filter((n) => !names.includes(n));
  const hasWeights =
    names.includes('model.safetensors') || names.includes('model.safetensors.index.json');
  if (!hasWeights) missing.push('model.safetensors (or model.safetensors.index.json with shards)');
  if (missing.length > 0) {
    throw new DomainError(
      'MODEL_INVALID',
      `missing files: ${missing.join(', ')}`,
      missing.map((m) => ({ field: 'files', reason: `missing ${m}` })),
    );
  }
  let inspected;
  try {
    inspected = await inspectModelDir(dir, { requireTokenizer: true });
  } catch (err) {
    if (
      err instanceof ConfigError ||
      err instanceof SafetensorsError ||
      err instanceof WeightsError ||
      err instanceof TokenizerError
    ) {
      // Errors name the uploaded file, never the directory it was validated in.
      const message = withoutDir(err.message, dir);
      throw new DomainError('MODEL_INVALID', `${err.name}: ${message}`, [
        { field: 'files', reason: message },
      ]);
    }
    throw err;
  }
  // Tensors the architecture does not use would be dropped silently (a Qwen3 checkpoint labelled
  // Llama loses its q/k norms): refuse them by name. Rotary inverse-frequency buffers, which some
  // checkpoints carry, are recomputed from the config and are the one exception.
  const unexpected = inspected.unexpected.filter((n) => !n.endsWith('.rotary_emb.inv_freq'));
  if (unexpected.length > 0) {
    inspected.weights.clear();
    const shown = unexpected.slice(0, 20);
    throw new DomainError(
      'MODEL_INVALID',
      `${unexpected.length} tensor${unexpected.length === 1 ? '' : 's'} that ${inspected.config.architecture} does not use: ${shown.join(', ')}${unexpected.length > shown.length ? ', ...' : ''}`,
      shown.map((n) => ({
        field: 'files',
        reason: `unexpected tensor ${JSON.stringify(n)} (not part of ${inspected.config.architecture} with this config)`,
      })),
    );
  }
  inspected.weights.clear();
  const weightsFile = names.includes('model.safetensors')
    ? 'model.safetensors'
    : 'model.safetensors.index.json';
  let sizeBytes = 0;
  for (const n of names) sizeBytes += (await fs.stat(join(dir, n))).size;
  return {
    config: inspected.config,
    rawConfig: JSON.parse(await fs.readFile(join(dir, 'config.json'), 'utf8')) as Record<
      string,
      unknown
    >,
    parameters: inspected.parameters,
    sha256: await sha256File(join(dir, weightsFile)),
    sizeBytes,
  };
}
