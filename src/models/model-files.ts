/**
 * Which files a model upload may carry, and the check of a directory of them: config.json, every
 * safetensors header (tensor names, dtypes, shapes, offsets and the file's length against the
 * config) and the tokenizer (its ids against the config's vocabulary before it is built).
 *
 * Tensor data is never read: a header says everything the check needs, and an upload with a tensor
 * the architecture does not use is refused from its header whatever the tensor's size. Nor are the
 * values checked (finiteness included): a checkpoint of NaNs is accepted and shows as NaN losses in
 * the run that trains it. `checkModelDir` runs on a worker thread with a time budget
 * (model-validation.ts); it must stay free of the engine's tensor backends.
 */
import { promises as fs } from 'node:fs';
import { join, sep } from 'node:path';
import { ConfigError, parseModelConfig } from '../engine/config';
import type { ModelConfig } from '../engine/config';
import { readSafetensorsDirLayouts, SafetensorsError } from '../engine/safetensors';
import { checkTokenizerIds, Tokenizer, TokenizerError } from '../engine/tokenizer';
import { countParameters, validateWeights, WeightsError } from '../engine/weights';
import { DomainError } from '../common/domain-error';

const MiB = 1024 ** 2;

/**
 * The files of the Hugging Face layout, with the largest size accepted for each JSON or text
 * file (weights are bounded by RZERO_MAX_UPLOAD_BYTES). The largest real ones are far smaller:
 * Gemma 3's tokenizer.json is 33 MB, Qwen3's 11 MB.
 */
export const MODEL_FILE_LIMITS: Readonly<Record<string, number>> = {
  'config.json': 1 * MiB,
  'model.safetensors.index.json': 16 * MiB,
  'tokenizer.json': 64 * MiB,
  'tokenizer_config.json': 16 * MiB,
  'special_tokens_map.json': 1 * MiB,
  'generation_config.json': 1 * MiB,
  'chat_template.jinja': 1 * MiB,
};
const WEIGHTS = 'model.safetensors';
const SHARD = /^model-\d{5}-of-\d{5}\.safetensors$/;

/** `message` with every mention of `dir` (and the separator after it) removed. */
export function withoutDir(message: string, dir: string): string {
  return message.split(`${dir}${sep}`).join('').split(dir).join('(upload)');
}

export const isAllowedModelFile = (name: string): boolean =>
  name in MODEL_FILE_LIMITS || name === WEIGHTS || SHARD.test(name);

/** What the check of a directory finds (structured-clone safe: it crosses a thread boundary). */
export interface CheckedModel {
  config: ModelConfig;
  /** config.json as uploaded (what the API shows and what is stored), not the engine's reading. */
  rawConfig: Record<string, unknown>;
  parameters: number;
}

export interface ValidatedModel extends CheckedModel {
  sha256: string;
  sizeBytes: number;
}

const invalid = (message: string, reasons: string[] = [message]): DomainError =>
  new DomainError(
    'MODEL_INVALID',
    message,
    reasons.map((reason) => ({ field: 'files', reason })),
  );

/**
 * Checks a Hugging Face directory without reading any tensor; throws MODEL_INVALID naming the
 * problem (and the uploaded file, never the directory it is checked in).
 */
export async function checkModelDir(dir: string): Promise<CheckedModel> {
  const names = await fs.readdir(dir);
  const missing = ['config.json', 'tokenizer.json'].filter((n) => !names.includes(n));
  const hasWeights = names.includes(WEIGHTS) || names.includes('model.safetensors.index.json');
  if (!hasWeights) missing.push('model.safetensors (or model.safetensors.index.json with shards)');
  if (missing.length > 0) {
    throw invalid(
      `missing files: ${missing.join(', ')}`,
      missing.map((m) => `missing ${m}`),
    );
  }
  for (const n of names) {
    const limit = MODEL_FILE_LIMITS[n];
    const size = (await fs.stat(join(dir, n))).size;
    if (limit !== undefined && size > limit)
      throw invalid(`${n} is ${size} bytes, more than the ${limit} accepted for it`);
  }
  try {
    return await checkContents(dir);
  } catch (err) {
    if (
      err instanceof ConfigError ||
      err instanceof SafetensorsError ||
      err instanceof WeightsError ||
      err instanceof TokenizerError
    ) {
      const message = withoutDir(err.message, dir);
      throw invalid(`${err.name}: ${message}`, [message]);
    }
    throw err;
  }
}

async function checkContents(dir: string): Promise<CheckedModel> {
  const rawText = await fs.readFile(join(dir, 'config.json'), 'utf8');
  let rawConfig: unknown;
  try {
    rawConfig = JSON.parse(rawText);
  } catch (err) {
    throw new ConfigError('config.json', null, `not valid JSON (${(err as Error).message})`);
  }
  const config = parseModelConfig(rawConfig);

  // Headers only: names, dtypes, shapes and offsets, each file's length exactly its tensors.
  const tensors = new Map<string, { shape: number[] }>();
  for (const [file, layout] of await readSafetensorsDirLayouts(dir)) {
    const used = layout.entries.reduce((end, e) => Math.max(end, e.end), 0);
    if (used !== layout.dataLength) {
      throw new SafetensorsError(
        'SIZE_MISMATCH',
        `${file}: the tensors end at byte ${used} of a ${layout.dataLength}-byte data section (trailing bytes)`,
        { source: file },
      );
    }
    for (const e of layout.entries) tensors.set(e.name, { shape: e.shape });
  }
  const { unexpected: unused } = validateWeights(config, tensors);
  // Tensors the architecture does not use would be dropped silently (a Qwen3 checkpoint labelled
  // Llama loses its q/k norms): refuse them by name. Rotary inverse-frequency buffers, which some
  // checkpoints carry, are recomputed from the config and are the one exception.
  const unexpected = unused.filter((n) => !n.endsWith('.rotary_emb.inv_freq'));
  if (unexpected.length > 0) {
    const shown = unexpected.slice(0, 20);
    throw invalid(
      `${unexpected.length} tensor${unexpected.length === 1 ? '' : 's'} that ${config.architecture} does not use: ${shown.join(', ')}${unexpected.length > shown.length ? ', ...' : ''}`,
      shown.map(
        (n) =>
          `unexpected tensor ${JSON.stringify(n)} (not part of ${config.architecture} with this config)`,
      ),
    );
  }

  // The tokenizer's ids against the vocabulary before the library builds anything from them.
  const tokenizerPath = join(dir, 'tokenizer.json');
  let tokenizerJson: unknown;
  try {
    tokenizerJson = JSON.parse(await fs.readFile(tokenizerPath, 'utf8'));
  } catch (err) {
    throw new TokenizerError('INVALID_JSON', tokenizerPath, `invalid JSON: ${String(err)}`);
  }
  checkTokenizerIds(tokenizerJson, config.vocabSize, tokenizerPath);
  tokenizerJson = null;
  const tokenizer = await Tokenizer.fromDir(dir);
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new ConfigError(
      'vocab_size',
      config.vocabSize,
      `tokenizer has ids up to ${tokenizer.vocabSize - 1}, beyond the embedding table`,
    );
  }
  return {
    config,
    rawConfig: rawConfig as Record<string, unknown>,
    parameters: countParameters(config),
  };
}
