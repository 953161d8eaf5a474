import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  inspectModelDir,
  loadModelDir,
  modelDirDigest,
  saveModelDir,
} from '../../src/engine/checkpoint';
import { buildCharTokenizerJson } from '../../src/engine/tokenizer';
import { parseModelConfig } from '../../src/engine/config';
import { SafetensorsError } from '../../src/engine/safetensors';
import { WeightsError } from '../../src/engine/weights';
import { prompts, randomModel, tinyConfig, TINY_VARIANTS, useBackend } from '../helpers/engine';
import { generate } from '../../src/engine/sampler';

describe('checkpoints', () => {
  let root: string;
  before(async () => {
    await useBackend();
    root = mkdtempSync(join(tmpdir(), 'rzero-ckpt-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  for (const variant of TINY_VARIANTS) {
    test(`${variant.name}: save -> load gives the same config, weights and tokens`, async () => {
      const model = randomModel(tinyConfig(variant), 9, 0.3);
      const src = join(root, `${variant.name}-tok`);
      const dir = join(root, variant.name);
      try {
        // A tokenizer travels with the weights.
        const chars = 'abcdefghijklmnopqrstuvwxyz0123456789 '.split('');
        const tok = buildCharTokenizerJson(chars, ['<|bos|>', '<|eos|>']);
        rmSync(src, { recursive: true, force: true });
        mkdirSync(src, { recursive: true });
        writeFileSync(join(src, 'tokenizer.json'), JSON.stringify(tok));
        writeFileSync(
          join(src, 'tokenizer_config.json'),
          JSON.stringify({ eos_token: '<|eos|>', bos_token: '<|bos|>' }),
        );
        await saveModelDir(model, dir, { tokenizerFrom: src });
        assert.deepEqual(readdirSync(dir).sort(), [
          'config.json',
          'model.safetensors',
          'tokenizer.json',
          'tokenizer_config.json',
        ]);
        const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<
          string,
          unknown
        >;
        assert.deepEqual(cfg.architectures, [model.config.architecture]);
        assert.deepEqual(parseModelConfig(cfg), {
          ...model.config,
          raw: parseModelConfig(cfg).raw,
        });
        const loaded = await loadModelDir(dir);
        assert.ok(loaded.tokenizer, 'tokenizer loaded');
        assert.deepEqual(loaded.unexpected, []);
        const ps = prompts([3, 5], model.config.vocabSize);
        const a = generate(model, ps, { maxNewTokens: 6, temperature: 0 }).map((s) => s.tokens);
        const b = generate(loaded.model, ps, { maxNewTokens: 6, temperature: 0 }).map(
          (s) => s.tokens,
        );
        assert.deepEqual(b, a);
        loaded.model.dispose();
      } finally {
        model.dispose();
      }
    });
  }

  test('saving over an existing checkpoint replaces it whole; no staging directories remain', async () => {
    const dir = join(root, 'replace');
    const m1 = randomModel(tinyConfig('llama-mha-tied'), 1);
    const m2 = randomModel(tinyConfig('llama-mha-tied'), 2);
    await saveModelDir(m1, dir);
    await saveModelDir(m2, dir);
    const again = await loadModelDir(dir);
    const w = again.model.toHfWeights().get('model.norm.weight')!.data;
    assert.deepEqual(w, m2.toHfWeights().get('model.norm.weight')!.data);
    assert.deepEqual(
      readdirSync(root).filter((n) => n.includes('staging')),
      [],
    );
    [m1, m2, again.model].forEach((m) => m.dispose());
  });

  test('sharded checkpoints load like single files', async () => {
    const dir = join(root, 'sharded');
    const model = randomModel(tinyConfig('qwen3-qknorm-gqa-untied'), 4);
    await saveModelDir(model, dir, { maxShardBytes: 20_000 });
    assert.ok(existsSync(join(dir, 'model.safetensors.index.json')));
    const inspected = await inspectModelDir(dir);
    for (const [name, t] of model.toHfWeights())
      assert.deepEqual(inspected.weights.get(name)!.data, t.data, name);
    model.dispose();
  });

  test('modelDirDigest: the files by name and content, not the path; subdirectories ignored', async () => {
    const dir = (name: string, files: Record<string, string>) => {
      const d = join(root, name);
      mkdirSync(d, { recursive: true });
      for (const [f, text] of Object.entries(files)) writeFileSync(join(d, f), text);
      return d;
    };
    const model = { 'model.safetensors': 'weights', 'config.json': '{"hidden_size": 160}' };
    const digest = await modelDirDigest(dir('digest-a', model));
    assert.match(digest, /^[0-9a-f]{64}$/);
    // The same files at another path; a subdirectory (a staging area, an export) is no part.
    const elsewhere = dir('digest-b', model);
    mkdirSync(join(elsewhere, 'sub'));
    writeFileSync(join(elsewhere, 'sub', 'x'), 'y');
    assert.equal(await modelDirDigest(elsewhere), digest);
    const changed: Record<string, string>[] = [
      { ...model, 'model.safetensors': 'weightz' },
      // Files are hashed one by one: moving bytes from one to another changes the digest.
      { 'model.safetensors': 'weights{"hidden_size": 160}', 'config.json': '' },
      // A renamed file, and a file the model did not have (a chat template, a shard).
      { 'model-00001-of-00001.safetensors': 'weights', 'config.json': model['config.json'] },
      { ...model, 'tokenizer_config.json': '{}' },
    ];
    for (const [i, files] of changed.entries()) {
      assert.notEqual(await modelDirDigest(dir(`digest-c${i}`, files)), digest, `case ${i}`);
    }
    // A real checkpoint: saved twice from the same weights, the same digest.
    const m = randomModel(tinyConfig(), 5);
    await saveModelDir(m, join(root, 'digest-d'));
    await saveModelDir(m, join(root, 'digest-e'));
    m.dispose();
    assert.equal(
      await modelDirDigest(join(root, 'digest-d')),
      await modelDirDigest(join(root, 'digest-e')),
    );
  });

  test('bad directories fail with typed errors and leave no tensors behind', async () => {
    const before = tf.memory().numTensors;
    const dir = join(root, 'bad');
    const model = randomModel(tinyConfig('llama-gqa-untied'), 3);
    await saveModelDir(model, dir);
    model.dispose();
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, intermediate_size: 65 }));
    await assert.rejects(
      loadModelDir(dir),
      (e: unknown) => e instanceof WeightsError && e.code === 'SHAPE_MISMATCH',
    );
    writeFileSync(join(dir, 'model.safetensors'), Buffer.from([1, 2, 3]));
    await assert.rejects(
      loadModelDir(dir),
      (e: unknown) => e instanceof SafetensorsError && e.code === 'HEADER_TRUNCATED',
    );
    assert.equal(tf.memory().numTensors, before);
  });
});
