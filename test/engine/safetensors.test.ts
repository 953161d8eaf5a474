import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseModelConfig } from '../../src/engine/config';
import {
  DTYPE_BYTES,
  INDEX_FILE,
  SINGLE_FILE,
  SafetensorsError,
  TensorToWrite,
  f16BitsToF32Bits,
  f32BitsToBf16Bits,
  f32BitsToF16Bits,
  loadSafetensorsDir,
  parseSafetensors,
  readSafetensorsF32,
  readTensorF32,
  saveSafetensorsDir,
  serializeSafetensors,
} from '../../src/engine/safetensors';
import { WeightsError, mulberry32, randomWeights, validateWeights } from '../../src/engine/weights';

const tiny = parseModelConfig({
  architectures: ['LlamaForCausalLM'],
  hidden_size: 8,
  intermediate_size: 16,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  num_key_value_heads: 1,
  vocab_size: 16,
  max_position_embeddings: 32,
});

const tinyTensors = (seed = 1): TensorToWrite[] =>
  [...randomWeights(tiny, seed)].map(([name, t]) => ({ name, ...t }));

const tmpRoot = mkdtempSync(join(tmpdir(), 'rzero-safetensors-'));
after(() => rmSync(tmpRoot, { recursive: true, force: true }));
let tmpCount = 0;
const tmpDir = () => join(tmpRoot, String(tmpCount++));

/** A file from header text and data bytes; `n` overrides the length field. */
function rawFile(
  header: string | object,
  data: Uint8Array = new Uint8Array(0),
  n?: number,
): Uint8Array {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(n ?? json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const bytesOf = (...words: number[]) => new Uint8Array(new Uint16Array(words).buffer);
const f32Bits = (x: number) => new Uint32Array(new Float32Array([x]).buffer)[0];
const fromBits = (u: number) => new Float32Array(new Uint32Array([u]).buffer)[0];
const headerLength = (b: Uint8Array) =>
  Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true));

/** Runs fn and returns the SafetensorsError it must throw. */
function stError(fn: () => unknown, code: string, tensor?: string): SafetensorsError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof SafetensorsError, `expected SafetensorsError ${code}, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (tensor !== undefined) assert.equal(e.tensor, tensor, e.message);
    return e;
  }
  assert.fail(`expected SafetensorsError ${code}, nothing was thrown`);
}

async function stErrorAsync(
  p: Promise<unknown>,
  code: string,
  tensor?: string,
): Promise<SafetensorsError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof SafetensorsError, `expected SafetensorsError ${code}, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (tensor !== undefined) assert.equal(e.tensor, tensor, e.message);
    return e;
  }
  assert.fail(`expected SafetensorsError ${code}, nothing was thrown`);
}

function assertSameTensors(
  got: Map<string, { shape: number[]; data: Float32Array }>,
  want: TensorToWrite[],
) {
  assert.deepEqual([...got.keys()].sort(), want.map((t) => t.name).sort());
  for (const t of want) {
    assert.deepEqual(got.get(t.name)!.shape, t.shape);
    assert.deepEqual(got.get(t.name)!.data, t.data, t.name);
  }
}

describe('serialize and read', () => {
  test('F32 round-trip is bit exact and the layout is the standard one', () => {
    const tensors = tinyTensors();
    const bytes = serializeSafetensors(tensors);
    assertSameTensors(readSafetensorsF32(bytes), tensors);
    const n = headerLength(bytes);
    assert.equal(n % 8, 0);
    const text = Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8');
    assert.match(text, /^\{"__metadata__":\{"format":"pt"\},/);
    assert.match(text, / *$/);
    const header = JSON.parse(text);
    const names = Object.keys(header).filter((k) => k !== '__metadata__');
    assert.deepEqual(names, [...names].sort());
    let offset = 0;
    for (const name of names) {
      assert.equal(header[name].dtype, 'F32');
      assert.equal(header[name].data_offsets[0], offset, 'tensors are laid out in header order');
      offset = header[name].data_offsets[1];
    }
    assert.equal(8 + n + offset, bytes.length);
  });

  test('custom metadata is merged over format pt', () => {
    const file = parseSafetensors(
      serializeSafetensors(tinyTensors(), { metadata: { step: '12' } }),
    );
    assert.deepEqual(file.metadata, { format: 'pt', step: '12' });
  });

  test('reads from unaligned offsets and from Buffers, never aliasing the input', () => {
    const bytes = serializeSafetensors(tinyTensors(), { dtype: 'BF16' });
    const shifted = Buffer.alloc(bytes.length + 3);
    shifted.set(bytes, 3);
    const view = shifted.subarray(3);
    const fromShifted = readSafetensorsF32(view);
    assert.deepEqual(fromShifted, readSafetensorsF32(bytes));
    const f32 = serializeSafetensors(tinyTensors());
    const odd = new Uint8Array(f32.length + 1);
    odd.set(f32, 1);
    const file = parseSafetensors(odd.subarray(1));
    const a = readTensorF32(file, 'model.norm.weight');
    a[0] = 42;
    assert.notEqual(readTensorF32(file, 'model.norm.weight')[0], 42);
    assertSameTensors(readSafetensorsF32(odd.subarray(1)), tinyTensors());
  });

  test('BF16: exact for representable values, within half an ulp otherwise, ties to even', () => {
    const values = [
      1.5,
      -2,
      0.099609375,
      0,
      -0,
      1e-3,
      123.456,
      -7.77e-20,
      3.3e38,
      Infinity,
      -Infinity,
    ];
    const out = readSafetensorsF32(
      serializeSafetensors(
        [{ name: 'x', shape: [values.length], data: new Float32Array(values) }],
        { dtype: 'BF16' },
      ),
    );
    const got = out.get('x')!.data;
    assert.equal(out.get('x')!.dtype, 'BF16');
    assert.deepEqual([...got.slice(0, 3)], [1.5, -2, 0.099609375]);
    assert.ok(Object.is(got[4], -0));
    values.forEach((v, i) => {
      if (Number.isFinite(v))
        assert.ok(Math.abs(got[i] - v) <= Math.abs(v) * 2 ** -8, `${v} -> ${got[i]}`);
      else assert.equal(got[i], v);
    });
    assert.equal(f32BitsToBf16Bits(f32Bits(1 + 2 ** -8)), 0x3f80, 'tie rounds down to even');
    assert.equal(f32BitsToBf16Bits(f32Bits(1 + 3 * 2 ** -8)), 0x3f82, 'tie rounds up to even');
    assert.equal(
      f32BitsToBf16Bits(f32Bits(1 + 2 ** -8 + 2 ** -20)),
      0x3f81,
      'above the tie rounds up',
    );
    assert.equal(f32BitsToBf16Bits(0x7f7fffff), 0x7f80, 'max float rounds to inf');
    assert.ok(Number.isNaN(fromBits(f32BitsToBf16Bits(0x7f800001) << 16)), 'NaN stays NaN');
  });

  test('F16: every half round-trips, midpoints tie to even, overflow and underflow', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0) continue;
      if (f32BitsToF16Bits(f16BitsToF32Bits(h)) !== h) assert.fail(`half 0x${h.toString(16)}`);
    }
    for (let h = 0; h < 0x7bff; h++) {
      const mid = (fromBits(f16BitsToF32Bits(h)) + fromBits(f16BitsToF32Bits(h + 1))) / 2;
      const even = h % 2 === 0 ? h : h + 1;
      const bits = f32Bits(mid);
      if (f32BitsToF16Bits(bits) !== even) assert.fail(`midpoint after 0x${h.toString(16)}`);
      if (f32BitsToF16Bits(bits + 1) !== h + 1)
        assert.fail(`above midpoint after 0x${h.toString(16)}`);
      if (f32BitsToF16Bits(bits - 1) !== h) assert.fail(`below midpoint after 0x${h.toString(16)}`);
    }
    assert.equal(f32BitsToF16Bits(f32Bits(65520)), 0x7c00);
    assert.equal(f32BitsToF16Bits(f32Bits(65519.99)), 0x7bff);
    assert.equal(f32BitsToF16Bits(f32Bits(1e9)), 0x7c00);
    assert.equal(f32BitsToF16Bits(f32Bits(-Infinity)), 0xfc00);
    assert.equal(
      f32BitsToF16Bits(f32Bits(2 ** -25)),
      0x0000,
      'tie between 0 and the least subnormal',
    );
    assert.equal(f32BitsToF16Bits(f32Bits(2 ** -25) + 1), 0x0001);
    assert.equal(f32BitsToF16Bits(f32Bits(-1e-10)), 0x8000);
    assert.equal(
      (f32BitsToF16Bits(0x7fc00000) & 0x7c00) === 0x7c00 &&
        (f32BitsToF16Bits(0x7fc00000) & 0x3ff) !== 0,
      true,
    );
  });

  test('F16 file round-trip within rounding', () => {
    const values = new Float32Array([1, -2.5, 0.1, 1e-6, 6e-8, 70000, -65504, 0.333]);
    const got = readSafetensorsF32(
      serializeSafetensors([{ name: 'h', shape: [2, 4], data: values }], { dtype: 'F16' }),
    ).get('h')!;
    assert.deepEqual(got.shape, [2, 4]);
    assert.deepEqual([...got.data.slice(0, 2)], [1, -2.5]);
    assert.equal(got.data[5], Infinity);
    assert.equal(got.data[6], -65504);
    assert.equal(got.data[4], 2 ** -24, '6e-8 rounds to the least subnormal');
    assert.ok(Math.abs(got.data[2] - 0.1) < 0.1 * 2 ** -11);
    assert.ok(Math.abs(got.data[3] - 1e-6) < 2 ** -25);
  });

  test('hand-built F16, BF16 and F64 bytes decode to the known values', () => {
    const bf = [0x3f80, 0xc000, 0x7f80, 0xff80, 0x0000, 0x8000, 0x3dcc];
    const h = [0x3c00, 0x7c00, 0xfc00, 0x0001, 0x03ff, 0x7bff, 0x8000, 0xc000, 0x7e00];
    const f64 = new Uint8Array(new Float64Array([0.1, -3, 1e300]).buffer);
    const data = new Uint8Array(bf.length * 2 + h.length * 2 + f64.length);
    data.set(bytesOf(...bf), 0);
    data.set(bytesOf(...h), bf.length * 2);
    data.set(f64, (bf.length + h.length) * 2);
    const hb = (bf.length + h.length) * 2;
    const file = rawFile(
      {
        b: { dtype: 'BF16', shape: [bf.length], data_offsets: [0, bf.length * 2] },
        h: { dtype: 'F16', shape: [h.length], data_offsets: [bf.length * 2, hb] },
        d: { dtype: 'F64', shape: [3], data_offsets: [hb, hb + 24] },
      },
      data,
    );
    const t = readSafetensorsF32(file, 'hand');
    const b = t.get('b')!.data;
    assert.deepEqual([...b.slice(0, 5)], [1, -2, Infinity, -Infinity, 0]);
    assert.ok(Object.is(b[5], -0));
    assert.equal(b[6], 0.099609375);
    const half = t.get('h')!.data;
    assert.deepEqual(
      [...half.slice(0, 6)],
      [1, Infinity, -Infinity, 2 ** -24, 1023 * 2 ** -24, 65504],
    );
    assert.ok(Object.is(half[6], -0));
    assert.equal(half[7], -2);
    assert.ok(Number.isNaN(half[8]));
    assert.deepEqual([...t.get('d')!.data], [Math.fround(0.1), -3, Infinity]);
  });

  test('integer tensors parse but are UNSUPPORTED_DTYPE as weights; unknown names TENSOR_NOT_FOUND', () => {
    const bytes = rawFile(
      { ids: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } },
      new Uint8Array(16),
    );
    const file = parseSafetensors(bytes, 'ids.safetensors');
    assert.deepEqual(file.entries, [{ name: 'ids', dtype: 'I64', shape: [2], begin: 0, end: 16 }]);
    stError(() => readTensorF32(file, 'ids'), 'UNSUPPORTED_DTYPE', 'ids');
    stError(() => readSafetensorsF32(bytes), 'UNSUPPORTED_DTYPE', 'ids');
    stError(() => readTensorF32(file, 'nope'), 'TENSOR_NOT_FOUND', 'nope');
  });

  test('zero-sized and scalar tensors', () => {
    const tensors = [
      { name: 'empty', shape: [0, 4], data: new Float32Array(0) },
      { name: 'scalar', shape: [], data: new Float32Array([3]) },
    ];
    assertSameTensors(readSafetensorsF32(serializeSafetensors(tensors)), tensors);
  });

  test('serialize rejects inconsistent input', () => {
    const data = new Float32Array(4);
    stError(() => serializeSafetensors([{ name: 'a', shape: [3], data }]), 'SIZE_MISMATCH', 'a');
    stError(
      () =>
        serializeSafetensors([
          { name: 'a', shape: [4], data },
          { name: 'a', shape: [4], data },
        ]),
      'DUPLICATE_TENSOR',
      'a',
    );
    stError(() => serializeSafetensors([{ name: 'a', shape: [-4], data }]), 'INVALID_INPUT', 'a');
    stError(
      () => serializeSafetensors([{ name: '__metadata__', shape: [4], data }]),
      'INVALID_INPUT',
    );
  });
});

describe('malformed files: each a specific typed error', () => {
  const valid = () => serializeSafetensors(tinyTensors());

  test('1. truncated header -> HEADER_TRUNCATED', () => {
    stError(() => parseSafetensors(valid().subarray(0, 5)), 'HEADER_TRUNCATED');
    stError(() => parseSafetensors(new Uint8Array(0)), 'HEADER_TRUNCATED');
    const b = valid();
    stError(() => parseSafetensors(b.subarray(0, 8 + headerLength(b) / 2)), 'HEADER_TRUNCATED');
  });

  test('2. header length beyond the file -> HEADER_TOO_LONG', () => {
    const b = valid();
    new DataView(b.buffer).setBigUint64(0, BigInt(b.length), true);
    const e = stError(() => parseSafetensors(b, 'model.safetensors'), 'HEADER_TOO_LONG');
    assert.match(e.message, /length field is wrong/);
    new DataView(b.buffer).setBigUint64(0, 2n ** 64n - 1n, true);
    stError(() => parseSafetensors(b), 'HEADER_TOO_LONG');
    new DataView(b.buffer).setBigUint64(0, 100_000_001n, true);
    stError(() => parseSafetensors(b), 'HEADER_TOO_LONG');
  });

  test('3. offsets out of range -> OFFSET_OUT_OF_RANGE', () => {
    const bytes = rawFile(
      { 'model.norm.weight': { dtype: 'F32', shape: [100], data_offsets: [0, 400] } },
      new Uint8Array(16),
    );
    const e = stError(
      () => parseSafetensors(bytes, 'model.safetensors'),
      'OFFSET_OUT_OF_RANGE',
      'model.norm.weight',
    );
    assert.match(
      e.message,
      /^model\.safetensors: tensor "model\.norm\.weight": data_offsets \[0, 400\]/,
    );
    const cut = valid();
    stError(() => parseSafetensors(cut.subarray(0, cut.length - 1)), 'OFFSET_OUT_OF_RANGE');
  });

  test('4. overlapping tensors -> OVERLAP naming both', () => {
    const bytes = rawFile(
      {
        a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
        b: { dtype: 'F32', shape: [4], data_offsets: [8, 24] },
        z: { dtype: 'F32', shape: [0], data_offsets: [4, 4] },
      },
      new Uint8Array(24),
    );
    const e = stError(() => parseSafetensors(bytes), 'OVERLAP', 'b');
    assert.equal(e.otherTensor, 'a');
    assert.match(e.message, /"b".*"a"/);
  });

  test('5. unknown dtype -> UNKNOWN_DTYPE', () => {
    const bytes = rawFile(
      { w: { dtype: 'Q4_K', shape: [4], data_offsets: [0, 16] } },
      new Uint8Array(16),
    );
    const e = stError(() => parseSafetensors(bytes), 'UNKNOWN_DTYPE', 'w');
    assert.match(e.message, /"Q4_K"/);
  });

  test('6. shape that disagrees with the config -> SHAPE_MISMATCH', () => {
    const tensors = tinyTensors().map((t) =>
      t.name === 'model.layers.0.self_attn.k_proj.weight' ? { ...t, shape: [8, 4] } : t,
    );
    const loaded = readSafetensorsF32(serializeSafetensors(tensors));
    assert.throws(
      () => validateWeights(tiny, loaded, 'model.safetensors'),
      (e: unknown) =>
        e instanceof WeightsError &&
        e.code === 'SHAPE_MISMATCH' &&
        e.tensor === 'model.layers.0.self_attn.k_proj.weight' &&
        /expected shape \[4, 8\] \(num_key_value_heads\*head_dim=1\*4, hidden_size=8\) but found \[8, 4\]/.test(
          e.message,
        ),
    );
  });

  test('7. missing tensor -> MISSING_TENSOR', () => {
    const tensors = tinyTensors().filter((t) => t.name !== 'model.layers.0.mlp.down_proj.weight');
    const loaded = readSafetensorsF32(serializeSafetensors(tensors));
    assert.throws(() => validateWeights(tiny, loaded), {
      name: 'WeightsError',
      code: 'MISSING_TENSOR',
      tensor: 'model.layers.0.mlp.down_proj.weight',
    });
  });

  test('8. header that is not JSON -> HEADER_NOT_JSON', () => {
    stError(() => parseSafetensors(rawFile('{"a": {dtype: F32}}       ')), 'HEADER_NOT_JSON');
    const badUtf8 = rawFile('{"\xff"}');
    badUtf8[10] = 0xff;
    stError(() => parseSafetensors(badUtf8), 'HEADER_NOT_JSON');
  });

  test('SIZE_MISMATCH says which tensor and why', () => {
    const bytes = rawFile(
      { 'model.norm.weight': { dtype: 'F32', shape: [4], data_offsets: [0, 12] } },
      new Uint8Array(12),
    );
    const e = stError(
      () => parseSafetensors(bytes, 'model.safetensors'),
      'SIZE_MISMATCH',
      'model.norm.weight',
    );
    assert.equal(
      e.message,
      'model.safetensors: tensor "model.norm.weight": data_offsets [0, 12] hold 12 bytes but shape [4] of F32 needs 16',
    );
    const huge = rawFile(
      { h: { dtype: 'F32', shape: [2 ** 40, 2 ** 40, 2 ** 40], data_offsets: [0, 4] } },
      new Uint8Array(4),
    );
    stError(() => parseSafetensors(huge), 'SIZE_MISMATCH', 'h');
  });

  test('HEADER_NOT_OBJECT for non-object headers, entries and malformed fields', () => {
    for (const header of ['[]', 'null', '"x"', '1'])
      stError(() => parseSafetensors(rawFile(header)), 'HEADER_NOT_OBJECT');
    const cases: unknown[] = [
      null,
      [],
      { shape: [1], data_offsets: [0, 4] },
      { dtype: 'F32', shape: [-1], data_offsets: [0, 4] },
      { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] },
      { dtype: 'F32', shape: '1', data_offsets: [0, 4] },
      { dtype: 'F32', shape: [1], data_offsets: [4, 0] },
      { dtype: 'F32', shape: [1], data_offsets: [0] },
      { dtype: 'F32', shape: [1], data_offsets: [-4, 0] },
    ];
    for (const entry of cases)
      stError(
        () => parseSafetensors(rawFile({ t: entry }, new Uint8Array(4))),
        'HEADER_NOT_OBJECT',
        't',
      );
    stError(() => parseSafetensors(rawFile({ __metadata__: { step: 1 } })), 'HEADER_NOT_OBJECT');
  });

  test('__proto__ keys are data, never prototypes', () => {
    const text =
      '{"__metadata__":{"__proto__":"x"},"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}';
    const file = parseSafetensors(rawFile(text, new Uint8Array(4)));
    assert.deepEqual(
      file.entries.map((e) => e.name),
      ['__proto__'],
    );
    assert.equal(Object.getPrototypeOf(file.metadata), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(file.metadata, '__proto__')?.value, 'x');
    assert.equal(({} as Record<string, unknown>).dtype, undefined);
  });
});

describe('directories', () => {
  test('single file round-trip, no temp files left', async () => {
    const dir = tmpDir();
    const tensors = tinyTensors();
    assert.deepEqual(await saveSafetensorsDir(dir, tensors), [SINGLE_FILE]);
    assert.deepEqual(await fs.readdir(dir), [SINGLE_FILE]);
    const loaded = await loadSafetensorsDir(dir);
    assertSameTensors(loaded, tensors);
    validateWeights(tiny, loaded);
  });

  test('sharded round-trip with index, then a smaller save removes the stale shards', async () => {
    const dir = tmpDir();
    const tensors = tinyTensors(3);
    const written = await saveSafetensorsDir(dir, tensors, { maxShardBytes: 1200 });
    assert.ok(written.length > 3, written.join());
    const shards = written.filter((f) => f !== INDEX_FILE);
    shards.forEach((f, i) =>
      assert.equal(
        f,
        `model-${String(i + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`,
      ),
    );
    assert.deepEqual((await fs.readdir(dir)).sort(), [...written].sort());
    const index = JSON.parse(await fs.readFile(join(dir, INDEX_FILE), 'utf8'));
    const total = tensors.reduce((n, t) => n + t.data.length * 4, 0);
    assert.equal(index.metadata.total_size, total);
    assert.deepEqual(Object.keys(index.weight_map).sort(), tensors.map((t) => t.name).sort());
    assert.deepEqual(Object.keys(index.weight_map), Object.keys(index.weight_map).sort());
    assertSameTensors(await loadSafetensorsDir(dir), tensors);
    for (const f of shards) {
      const single = readSafetensorsF32(await fs.readFile(join(dir, f)));
      for (const name of single.keys()) assert.equal(index.weight_map[name], f);
    }
    assert.deepEqual(await saveSafetensorsDir(dir, tensors, { dtype: 'BF16' }), [SINGLE_FILE]);
    assert.deepEqual(await fs.readdir(dir), [SINGLE_FILE]);
    assert.equal((await loadSafetensorsDir(dir)).get('model.norm.weight')!.dtype, 'BF16');
  });

  test('index problems: SHARD_MISSING, TENSOR_NOT_IN_SHARD, DUPLICATE_TENSOR, INDEX_INVALID', async () => {
    const dir = tmpDir();
    const tensors = tinyTensors();
    await saveSafetensorsDir(dir, tensors, { maxShardBytes: 1200 });
    const indexPath = join(dir, INDEX_FILE);
    const original = await fs.readFile(indexPath, 'utf8');
    const index = JSON.parse(original);
    const setIndex = (v: unknown) =>
      fs.writeFile(indexPath, typeof v === 'string' ? v : JSON.stringify(v));

    const map = index.weight_map as Record<string, string>;
    const [firstName, firstShard] = Object.entries(map)[0];
    const otherShard = Object.values(map).find((f) => f !== firstShard)!;
    await setIndex({ ...index, weight_map: { ...map, [firstName]: otherShard } });
    await stErrorAsync(loadSafetensorsDir(dir), 'TENSOR_NOT_IN_SHARD', firstName);

    await setIndex({
      ...index,
      weight_map: { ...map, [firstName]: 'model-00009-of-00009.safetensors' },
    });
    await stErrorAsync(loadSafetensorsDir(dir), 'SHARD_MISSING', firstName);

    for (const bad of ['../outside.safetensors', '/etc/passwd', 'sub/dir.safetensors', '..']) {
      await setIndex({ ...index, weight_map: { ...map, [firstName]: bad } });
      await stErrorAsync(loadSafetensorsDir(dir), 'INDEX_INVALID', firstName);
    }
    await setIndex('{"weight_map": ');
    await stErrorAsync(loadSafetensorsDir(dir), 'INDEX_INVALID');
    await setIndex({ metadata: {} });
    await stErrorAsync(loadSafetensorsDir(dir), 'INDEX_INVALID');

    await setIndex(original);
    const dup = tensors.find((t) => t.name === firstName)!;
    await fs.writeFile(
      join(dir, otherShard),
      serializeSafetensors(
        [...readSafetensorsF32(await fs.readFile(join(dir, otherShard)))]
          .map(([name, t]): TensorToWrite => ({ name, shape: t.shape, data: t.data }))
          .concat(dup),
      ),
    );
    await stErrorAsync(loadSafetensorsDir(dir), 'DUPLICATE_TENSOR', firstName);

    await fs.rm(join(dir, otherShard));
    await stErrorAsync(loadSafetensorsDir(dir), 'SHARD_MISSING');
  });

  test('no weights, and a corrupt file on disk reports its path', async () => {
    const dir = tmpDir();
    await fs.mkdir(dir);
    await fs.writeFile(join(dir, 'pytorch_model.bin'), 'x');
    const e = await stErrorAsync(loadSafetensorsDir(dir), 'NO_WEIGHTS');
    assert.match(e.message, /pytorch_model\.bin/);
    await stErrorAsync(loadSafetensorsDir(join(dir, 'absent')), 'NO_WEIGHTS');
    const bytes = serializeSafetensors(tinyTensors());
    await fs.writeFile(join(dir, SINGLE_FILE), bytes.subarray(0, bytes.length - 10));
    const cut = await stErrorAsync(loadSafetensorsDir(dir), 'OFFSET_OUT_OF_RANGE');
    assert.equal(cut.source, join(dir, SINGLE_FILE));
  });
});

// ---------------------------------------------------------------------------------------------
// Fuzz: 1,000 seeded mutations of a valid file; the load either succeeds or throws a typed error.

type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)];

const SPECIAL_BYTES = [
  0x22, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x30, 0x39, 0x2d, 0x65, 0x2e, 0x20, 0x5c, 0x00, 0xff,
  0x80,
];
const WEIRD_NUMBERS = [-1, 0, 1, 1.5, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 1e20, 1e308, -0, NaN];
const WEIRD_VALUES: unknown[] = [null, [], {}, 'x', true, '4', [null], [[1]]];

function splitHeader(b: Uint8Array): { n: number; entries: [string, unknown][]; data: Uint8Array } {
  const n = headerLength(b);
  const header = JSON.parse(Buffer.from(b.subarray(8, 8 + n)).toString('utf8')) as Record<
    string,
    unknown
  >;
  return { n, entries: Object.entries(header), data: b.subarray(8 + n) };
}

/** Entries stringified by hand so "__proto__" and duplicate keys survive into the text. */
function joinHeader(entries: [string, unknown][], data: Uint8Array, n?: number): Uint8Array {
  const text = `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
  return rawFile(text, data, n);
}

function jsonEdit(b: Uint8Array, r: Rand): [Uint8Array, string] {
  const { n, entries, data } = splitHeader(b);
  const i = 1 + int(r, entries.length - 1);
  const [name, info] = entries[i] as [string, Record<string, unknown>];
  const e = { ...info };
  let what: string;
  const k = int(r, 11);
  if (k === 0) {
    e.dtype = pick(r, [...Object.keys(DTYPE_BYTES), 'f32', 'Q4_K', '', 'F32 ', 7, null]);
    what = `dtype=${JSON.stringify(e.dtype)}`;
  } else if (k === 1) {
    const [s, t] = info.data_offsets as number[];
    e.data_offsets = pick(r, [
      [s, t + 1],
      [s - 1, t],
      [t, s],
      [s, pick(r, WEIRD_NUMBERS)],
      [pick(r, WEIRD_NUMBERS), t],
      [s],
      [s, t, t],
      [String(s), t],
      null,
      [s + 4, t + 4],
    ]);
    what = `data_offsets=${JSON.stringify(e.data_offsets)}`;
  } else if (k === 2) {
    const s = info.shape as number[];
    e.shape = pick(r, [
      [],
      [0],
      [...s, 1],
      s.slice(1),
      [...s].reverse(),
      [s.reduce((x, y) => x * y, 1)],
      [pick(r, WEIRD_NUMBERS)],
      [2 ** 31, 2 ** 31, 2 ** 31],
      s.map(String),
      [...s, pick(r, WEIRD_NUMBERS)],
    ]);
    what = `shape=${JSON.stringify(e.shape)}`;
  } else if (k === 3) {
    const field = pick(r, ['dtype', 'shape', 'data_offsets']);
    delete e[field];
    what = `delete ${field}`;
  } else if (k === 4) {
    entries[i] = [name, pick(r, WEIRD_VALUES)];
    return [joinHeader(entries, data), `${name}=${JSON.stringify(entries[i][1])}`];
  } else if (k === 5) {
    const other = entries[1 + int(r, entries.length - 1)][1] as Record<string, unknown>;
    e.data_offsets = other.data_offsets;
    what = `offsets copied from another tensor`;
  } else if (k === 6) {
    entries[i] = [pick(r, ['__proto__', 'constructor', 'renamed', '', 'toString']), info];
    return [joinHeader(entries, data), `rename ${name} -> ${entries[i][0]}`];
  } else if (k === 7) {
    entries[0] = [
      '__metadata__',
      pick(r, [null, { format: 1 }, [], 'pt', { __proto__: 'x' }, { a: { b: 1 } }]),
    ];
    return [joinHeader(entries, data), `__metadata__=${JSON.stringify(entries[0][1])}`];
  } else if (k === 8) {
    entries.push([
      name,
      {
        ...info,
        data_offsets: [0, (info.data_offsets as number[])[1] - (info.data_offsets as number[])[0]],
      },
    ]);
    return [joinHeader(entries, data), `duplicate key ${name}`];
  } else if (k === 9) {
    entries.splice(i, 1);
    return [joinHeader(entries, data), `remove ${name}`];
  } else {
    return [joinHeader(entries, data, n), `re-serialized with the old length ${n}`];
  }
  entries[i] = [name, e];
  const keepLength = r() < 0.2;
  return [
    joinHeader(entries, data, keepLength ? n : undefined),
    `${name}: ${what}${keepLength ? ' (old length)' : ''}`,
  ];
}

function byteMutation(b: Uint8Array, r: Rand): [Uint8Array, string] {
  if (b.length < 8) {
    const grown = Uint8Array.from([
      ...b,
      ...Array.from({ length: 1 + int(r, 16) }, () => int(r, 256)),
    ]);
    return [grown, `extend ${b.length} bytes to ${grown.length}`];
  }
  const n = Math.min(headerLength(b), b.length);
  const pos = (len: number) => (r() < 0.7 ? int(r, Math.min(8 + n, len)) : int(r, len));
  const out = new Uint8Array(b);
  switch (int(r, 6)) {
    case 0: {
      const p = pos(b.length);
      const bit = int(r, 8);
      out[p] ^= 1 << bit;
      return [out, `flip bit ${bit} of byte ${p}`];
    }
    case 1: {
      const p = pos(b.length);
      out[p] = r() < 0.6 ? pick(r, SPECIAL_BYTES) : int(r, 256);
      return [out, `byte ${p} = 0x${out[p].toString(16)}`];
    }
    case 2: {
      const len = r() < 0.5 ? int(r, 8 + n + 8) : int(r, b.length);
      return [b.slice(0, len), `truncate to ${len}`];
    }
    case 3: {
      const p = pos(b.length + 1);
      const ins = Uint8Array.from({ length: 1 + int(r, 16) }, () =>
        r() < 0.5 ? pick(r, SPECIAL_BYTES) : int(r, 256),
      );
      const res = new Uint8Array(b.length + ins.length);
      res.set(b.subarray(0, p));
      res.set(ins, p);
      res.set(b.subarray(p), p + ins.length);
      return [res, `insert ${ins.length} bytes at ${p}`];
    }
    case 4: {
      const p = pos(b.length);
      const len = 1 + int(r, 16);
      const res = new Uint8Array([...b.subarray(0, p), ...b.subarray(p + len)]);
      return [res, `delete ${len} bytes at ${p}`];
    }
    default: {
      const v = pick(r, [
        0n,
        BigInt(n - 1),
        BigInt(n + 1),
        BigInt(n - 8),
        BigInt(n + 8),
        BigInt(b.length),
        2n ** 32n + BigInt(n),
        2n ** 64n - 1n,
        100_000_001n,
        BigInt(int(r, 2 ** 31)),
      ]);
      new DataView(out.buffer).setBigUint64(0, v < 0n ? 0n : v, true);
      return [out, `header length = ${v}`];
    }
  }
}

function mutate(b: Uint8Array, r: Rand): [Uint8Array, string] {
  const steps: string[] = [];
  let cur = b;
  const count = r() < 0.8 ? 1 : 2 + int(r, 2);
  for (let s = 0; s < count; s++) {
    // An earlier step may have left a header the JSON editor cannot walk; then edit bytes instead.
    let step: [Uint8Array, string] | null = null;
    if (r() < 0.45) {
      try {
        step = jsonEdit(cur, r);
      } catch {
        step = null;
      }
    }
    const [next, what] = step ?? byteMutation(cur, r);
    cur = next;
    steps.push(what);
  }
  return [cur, steps.join('; ')];
}

/** The whole load path a checkpoint goes through. */
function load(bytes: Uint8Array): void {
  const file = parseSafetensors(bytes, 'fuzz.safetensors');
  const shapes = new Map<string, { shape: number[] }>();
  for (const e of file.entries) {
    const data = readTensorF32(file, e.name);
    assert.equal(
      data.length,
      e.shape.reduce((x, y) => x * y, 1),
    );
    shapes.set(e.name, { shape: e.shape });
  }
  validateWeights(tiny, shapes);
}

/** Raise for a long soak: RZERO_FUZZ_ITERATIONS=200000 node --test dist/test/engine/safetensors.test.js */
const FUZZ_ITERATIONS = Number(process.env.RZERO_FUZZ_ITERATIONS ?? 1000);

describe('fuzz', () => {
  test('1,000 mutations: success or SafetensorsError/WeightsError, nothing else', (t) => {
    const valid = serializeSafetensors(tinyTensors(), { dtype: 'F32' });
    const validBf16 = serializeSafetensors(tinyTensors(), { dtype: 'BF16' });
    const outcomes = new Map<string, number>();
    const started = Date.now();
    for (let seed = 1; seed <= FUZZ_ITERATIONS; seed++) {
      const r = mulberry32(seed * 7919);
      const [bytes, what] = mutate(seed % 4 === 0 ? validBf16 : valid, r);
      let outcome = 'ok';
      try {
        load(bytes);
      } catch (e) {
        if (e instanceof SafetensorsError || e instanceof WeightsError) {
          outcome = e.code;
          assert.ok(
            e.message.length > 0 && !e.message.includes('undefined'),
            `seed ${seed} (${what}): ${e.message}`,
          );
        } else {
          assert.fail(
            `seed ${seed}, mutation "${what}": unexpected ${e instanceof Error ? e.stack : String(e)}`,
          );
        }
      }
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    const elapsed = Date.now() - started;
    const seen = [...outcomes.keys()];
    for (const code of [
      'ok',
      'HEADER_TRUNCATED',
      'HEADER_TOO_LONG',
      'HEADER_NOT_JSON',
      'HEADER_NOT_OBJECT',
      'UNKNOWN_DTYPE',
      'OFFSET_OUT_OF_RANGE',
      'OVERLAP',
      'SIZE_MISMATCH',
      'MISSING_TENSOR',
      'SHAPE_MISMATCH',
    ]) {
      assert.ok(
        seen.includes(code),
        `no mutation produced ${code}: ${JSON.stringify(Object.fromEntries(outcomes))}`,
      );
    }
    t.diagnostic(`${elapsed} ms, outcomes ${JSON.stringify(Object.fromEntries(outcomes))}`);
    assert.equal(({} as Record<string, unknown>).dtype, undefined, 'Object.prototype untouched');
    assert.ok(elapsed < 10 * FUZZ_ITERATIONS, `fuzz took ${elapsed} ms`);
  });
});
