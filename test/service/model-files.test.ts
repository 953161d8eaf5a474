/**
 * The check of an uploaded model directory (checkModelDir, what the validation thread runs): from
 * headers and ids alone, for one file or shards; and the tokenizer id check it calls first.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, promises as fs, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  INDEX_FILE,
  readSafetensorsDirLayouts,
  readSafetensorsF32,
  saveSafetensorsDir,
  serializeSafetensors,
} from '../../src/engine/safetensors';
import { checkTokenizerIds, TokenizerError } from '../../src/engine/tokenizer';
import { DomainError } from '../../src/common/domain-error';
import { checkModelDir } from '../../src/models/model-files';
import { repoRoot } from '../helpers/engine';

const MODEL_DIR = join(repoRoot, 'assets/base-models/arith-tiny');
const root = mkdtempSync(join(tmpdir(), 'rzero-model-files-'));
after(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
/** A copy of arith-tiny, with `edit` applied. */
async function modelDir(edit: (dir: string) => Promise<void> = async () => {}): Promise<string> {
  const dir = join(root, `m${n++}`);
  cpSync(MODEL_DIR, dir, { recursive: true });
  await fs.rm(join(dir, 'README.md'));
  await fs.rm(join(dir, 'recipe.json'));
  await edit(dir);
  return dir;
}

const tensors = () =>
  [...readSafetensorsF32(new Uint8Array(readFileSync(join(MODEL_DIR, 'model.safetensors'))))].map(
    ([name, t]) => ({ name, shape: t.shape, data: t.data }),
  );

async function refused(dir: string, reason: RegExp): Promise<void> {
  await assert.rejects(checkModelDir(dir), (err: unknown) => {
    assert.ok(err instanceof DomainError, String(err));
    assert.equal(err.code, 'MODEL_INVALID');
    assert.match(err.message, reason);
    assert.ok(!err.message.includes(root), `no server path: ${err.message}`);
    return true;
  });
}

describe('checkModelDir', () => {
  test('accepts arith-tiny, as one file and as shards + index', async () => {
    const one = await checkModelDir(await modelDir());
    assert.equal(one.parameters, 859_904);
    assert.equal(one.config.vocabSize, 53);
    const sharded = await modelDir(async (dir) => {
      await fs.rm(join(dir, 'model.safetensors'));
      const written = await saveSafetensorsDir(dir, tensors(), { maxShardBytes: 1_000_000 });
      assert.ok(written.length > 2 && written.includes(INDEX_FILE));
    });
    assert.deepEqual(await checkModelDir(sharded), one);
    const layouts = await readSafetensorsDirLayouts(sharded);
    assert.equal(
      [...layouts.values()].reduce((k, l) => k + l.entries.length, 0),
      tensors().length,
    );
  });

  test('refuses trailing bytes after the last tensor, and a shard the index names but lacks', async () => {
    await refused(
      await modelDir(async (dir) => {
        await fs.appendFile(join(dir, 'model.safetensors'), Buffer.alloc(100));
      }),
      /model\.safetensors: the tensors end at byte \d+ of a \d+-byte data section/,
    );
    await refused(
      await modelDir(async (dir) => {
        await fs.rm(join(dir, 'model.safetensors'));
        await saveSafetensorsDir(dir, tensors(), { maxShardBytes: 1_000_000 });
        await fs.rm(join(dir, 'model-00002-of-00004.safetensors'));
      }),
      /SHARD_MISSING|shard "model-00002-of-00004\.safetensors" does not exist/,
    );
  });

  test('refuses a tensor the architecture does not use by name, from the header', async () => {
    await refused(
      await modelDir(async (dir) => {
        const bytes = serializeSafetensors([
          ...tensors(),
          { name: 'extra.weight', shape: [4], data: new Float32Array(4) },
        ]);
        await fs.writeFile(join(dir, 'model.safetensors'), bytes);
      }),
      /1 tensor that LlamaForCausalLM does not use: extra\.weight/,
    );
  });

  test('refuses a JSON file over its size limit before parsing it', async () => {
    await refused(
      await modelDir(async (dir) => {
        const cfg = JSON.parse(await fs.readFile(join(dir, 'config.json'), 'utf8')) as object;
        await fs.writeFile(
          join(dir, 'config.json'),
          JSON.stringify({ ...cfg, pad: 'x'.repeat(2 ** 20) }),
        );
      }),
      /config\.json is \d+ bytes, more than the 1048576 accepted for it/,
    );
  });

  test('refuses a tokenizer id beyond vocab_size before building the tokenizer', async () => {
    await refused(
      await modelDir(async (dir) => {
        const p = join(dir, 'tokenizer.json');
        const tok = JSON.parse(await fs.readFile(p, 'utf8')) as {
          model: { vocab: Record<string, number> };
        };
        tok.model.vocab['<|far|>'] = 4_000_000_000;
        await fs.writeFile(p, JSON.stringify(tok));
      }),
      /^TokenizerError: tokenizer\.json: model\.vocab: token "<\|far\|>" has id 4000000000, not an integer below vocab_size 53$/,
    );
  });
});

describe('checkTokenizerIds', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const tok = (): any => JSON.parse(readFileSync(join(MODEL_DIR, 'tokenizer.json'), 'utf8'));
  const throws = (json: unknown, vocab: number, reason: RegExp) =>
    assert.throws(
      () => checkTokenizerIds(json, vocab),
      (e: unknown) => e instanceof TokenizerError && reason.test(e.message),
    );

  test('accepts arith-tiny at its vocab_size, refuses it one below', () => {
    checkTokenizerIds(tok(), 53);
    throws(tok(), 52, /model\.vocab: token .* has id 52, not an integer below vocab_size 52/);
  });

  test('non-integer ids, Unigram and merge list lengths, post-processor ids', () => {
    const t = tok() as { model: { vocab: Record<string, unknown> } };
    t.model.vocab['x'] = 1.5;
    throws(t, 53, /token "x" has id 1.5/);
    const unigram = { model: { type: 'Unigram', vocab: Array(54).fill(['a', -1]), unk_id: 0 } };
    throws(unigram, 53, /model\.vocab has 54 entries, more than vocab_size 53/);
    checkTokenizerIds({ ...unigram, model: { ...unigram.model, vocab: [['a', -1]] } }, 53);
    const merges = tok() as { model: { merges: unknown[] } };
    merges.model.merges = Array(54).fill('a b');
    throws(merges, 53, /model\.merges has 54 entries/);
    const template = {
      ...tok(),
      post_processor: {
        type: 'Sequence',
        processors: [
          { type: 'ByteLevel' },
          {
            type: 'TemplateProcessing',
            special_tokens: { '<s>': { id: '<s>', ids: [2 ** 31], tokens: ['<s>'] } },
          },
        ],
      },
    };
    throws(
      template,
      53,
      /post_processor TemplateProcessing\.special_tokens: token "<s>" has id 2147483648/,
    );
    const bert = {
      ...tok(),
      post_processor: { type: 'BertProcessing', sep: ['[SEP]', 99], cls: ['[CLS]', 1] },
    };
    throws(bert, 53, /BertProcessing\.sep: token "\[SEP\]" has id 99/);
  });
});
