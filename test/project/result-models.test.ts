/**
 * The committed result models can be checked with another implementation: exported as F16 with
 * config and tokenizer, scored by the engine, then scored again by the PyTorch reference
 * (test/reference/) with the same numbers. arith-tiny stands in for a replication's Solvers.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BUILTIN_MODEL_DIRS, projectRoot } from '../../src/common/paths';
import { initBackend, parseBackendRequest } from '../../src/engine';
import { parseSafetensors } from '../../src/engine/safetensors';
import { checkResultModels, exportResultModels } from '../../scripts/result-models';

describe('result models (f16 export, engine scores, PyTorch check)', () => {
  let out = '';
  before(async () => {
    await initBackend(parseBackendRequest(process.env.RZERO_BACKEND));
    out = mkdtempSync(join(tmpdir(), 'rzero-result-models-'));
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  test('exported F16 with tokenizer; the reference reproduces every recorded score', async () => {
    const tiny = join(projectRoot(), BUILTIN_MODEL_DIRS['arith-tiny']!);
    const file = await exportResultModels(
      [{ name: 'base', dir: tiny, label: 'arith-tiny' }],
      out,
      ['arith-easy', 'arith-medium'],
      96,
      60,
    );
    for (const f of ['config.json', 'model.safetensors', 'tokenizer.json'])
      assert.ok(existsSync(join(out, 'base', f)), f);
    const st = parseSafetensors(readFileSync(join(out, 'base', 'model.safetensors')));
    assert.ok(st.entries.length > 0 && st.entries.every((t) => t.dtype === 'F16'));
    const easy = file.models[0]!.scores['arith-easy']!;
    // arith-tiny answers most in-distribution items and few past it: the scores are real ones.
    assert.ok(easy > 0.5 && easy > file.models[0]!.scores['arith-medium']!, String(easy));
    const rows = await checkResultModels(out);
    assert.equal(rows.length, 2);
    for (const r of rows) assert.equal(r.reference, r.recorded, `${r.model} ${r.benchmark}`);
  });
});
