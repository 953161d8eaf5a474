/**
 * Checkpoints in the Hugging Face layout: config.json, model.safetensors (or shards + index) and
 * the tokenizer files, which this engine and `transformers` both load.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { modelConfigToJson, parseModelConfig, ConfigError, ModelConfig } from './config';
import { CausalLM } from './model';
import { loadSafetensorsDir, saveSafetensorsDir, LoadedTensor, WriteDtype } from './safetensors';
import { Tokenizer } from './tokenizer';
import { countParameters, validateWeights } from './weights';

/** Files copied along with the weights when present. */
export const TOKENIZER_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'generation_config.json',
  'chat_template.jinja',
] as const;

export interface InspectedModel {
  config: ModelConfig;
  /** Tensors as read (float32), validated against the config. */
  weights: Map<string, LoadedTensor>;
  /** Tensors present but not used (reported, not fatal). */
  unexpected: string[];
  parameters: number;
  tokenizer: Tokenizer | null;
}

export async function readConfigFile(dir: string): Promise<ModelConfig> {
  const path = join(dir, 'config.json');
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch {
    throw new ConfigError('config.json', null, `cannot read ${path}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError('config.json', null, `not valid JSON (${(err as Error).message})`);
  }
  return parseModelConfig(json);
}

/**
 * Reads and validates everything in a model directory without building the model: config,
 * every tensor (dtype, offsets, shapes against the config) and the tokenizer when present.
 * Throws ConfigError, SafetensorsError, WeightsError or TokenizerError.
 */
export async function inspectModelDir(
  dir: string,
  opts: { requireTokenizer?: boolean } = {},
): Promise<InspectedModel> {
  const config = await readConfigFile(dir);
  const weights = await loadSafetensorsDir(dir);
  const { unexpected } = validateWeights(config, weights, basename(dir));
  // Tokenizer.fromDir reports a missing tokenizer.json itself when one is required.
  const wantTokenizer = opts.requireTokenizer || (await exists(join(dir, 'tokenizer.json')));
  const tokenizer = wantTokenizer ? await Tokenizer.fromDir(dir) : null;
  if (tokenizer && tokenizer.vocabSize > config.vocabSize) {
    throw new ConfigError(
      'vocab_size',
      config.vocabSize,
      `tokenizer has ids up to ${tokenizer.vocabSize - 1}, beyond the embedding table`,
    );
  }
  return { config, weights, unexpected, parameters: countParameters(config), tokenizer };
}

export interface LoadedModel extends Omit<InspectedModel, 'weights'> {
  model: CausalLM;
}

/** Loads a Hugging Face model directory into a trainable CausalLM. */
export async function loadModelDir(
  dir: string,
  opts: { trainable?: boolean; requireTokenizer?: boolean } = {},
): Promise<LoadedModel> {
  const { weights, ...rest } = await inspectModelDir(dir, opts);
  const model = CausalLM.fromHfWeights(rest.config, weights, opts.trainable ?? true);
  return { ...rest, model };
}

export interface SaveOptions {
  /** Copy tokenizer files from this directory. */
  tokenizerFrom?: string;
  dtype?: WriteDtype;
  maxShardBytes?: number;
}

/**
 * Writes the model to `dir` in the Hugging Face layout. The directory is assembled beside the
 * target and renamed into place, so readers never see a half-written checkpoint.
 */
export async function saveModelDir(
  model: CausalLM,
  dir: string,
  opts: SaveOptions = {},
): Promise<void> {
  const staging = join(dirname(dir), `.${basename(dir)}.staging-${process.pid}-${Date.now()}`);
  await fs.rm(staging, { recursive: true, force: true });
  await fs.mkdir(staging, { recursive: true });
  try {
    const config = modelConfigToJson(model.config);
    await fs.writeFile(join(staging, 'config.json'), JSON.stringify(config, null, 2) + '\n');
    const tensors = [...model.toHfWeights()].map(([name, t]) => ({
      name,
      shape: t.shape,
      data: t.data,
    }));
    await saveSafetensorsDir(staging, tensors, {
      dtype: opts.dtype ?? 'F32',
      maxShardBytes: opts.maxShardBytes,
    });
    if (opts.tokenizerFrom) {
      for (const f of TOKENIZER_FILES) {
        const src = join(opts.tokenizerFrom, f);
        if (await exists(src)) await fs.copyFile(src, join(staging, f));
      }
    }
    await replaceDir(staging, dir);
  } catch (err) {
    await fs.rm(staging, { recursive: true, force: true });
    throw err;
  }
}

/**
 * A model directory's identity by content: SHA-256 over its files (weights or shards, config,
 * tokenizer, chat template, model card), each by name and the SHA-256 of its bytes, in name
 * order; subdirectories are not part of a model. The same files at another path have the same
 * digest, and moving bytes from one file to another changes it. Files are streamed, so a model
 * of any size is hashed in constant memory.
 */
export async function modelDirDigest(dir: string): Promise<string> {
  const names = (await fs.readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const h = createHash('sha256');
  for (const name of names) {
    const file = createHash('sha256');
    for await (const chunk of createReadStream(join(dir, name))) file.update(chunk as Buffer);
    h.update(`${name}\0`).update(file.digest());
  }
  return h.digest('hex');
}

async function replaceDir(staging: string, dir: string): Promise<void> {
  if (!(await exists(dir))) {
    await fs.rename(staging, dir);
    return;
  }
  const old = `${staging}.old`;
  await fs.rename(dir, old);
  await fs.rename(staging, dir);
  await fs.rm(old, { recursive: true, force: true });
}

async function exists(path: string): Promise<boolean> {
  try {
    await fs.access(path);
    return true;
  } catch {
    return false;
  }
}
