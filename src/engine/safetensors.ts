/**
 * The safetensors format, read and written without any tensor library.
 *
 * Layout: [u64 little-endian N][N bytes of UTF-8 JSON header][data section]. The header maps each
 * tensor name to {dtype, shape, data_offsets: [begin, end]} (offsets relative to the data
 * section) and may carry "__metadata__": {string: string}. Every header is validated completely
 * before any byte of data is trusted; every problem is a SafetensorsError with a code.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/** Bytes per element of every dtype the format defines. */
export const DTYPE_BYTES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
} as const;

export type SafetensorsDtype = keyof typeof DTYPE_BYTES;
export type WriteDtype = 'F32' | 'BF16' | 'F16';

/** FP8 is left out on purpose: such checkpoints need their scale tensors, a plain cast is wrong. */
const F32_CONVERTIBLE: ReadonlySet<string> = new Set(['F32', 'F16', 'BF16', 'F64']);

/** The Rust library's limit; a larger N is corruption, not a header. */
export const MAX_HEADER_BYTES = 100_000_000;

export const SINGLE_FILE = 'model.safetensors';
export const INDEX_FILE = 'model.safetensors.index.json';
/** transformers' default `max_shard_size` ("5GB"). */
export const DEFAULT_MAX_SHARD_BYTES = 5_000_000_000;

export type SafetensorsErrorCode =
  | 'HEADER_TRUNCATED'
  | 'HEADER_TOO_LONG'
  | 'HEADER_NOT_JSON'
  | 'HEADER_NOT_OBJECT'
  | 'UNKNOWN_DTYPE'
  | 'UNSUPPORTED_DTYPE'
  | 'OFFSET_OUT_OF_RANGE'
  | 'OVERLAP'
  | 'SIZE_MISMATCH'
  | 'TENSOR_NOT_FOUND'
  | 'INVALID_INPUT'
  | 'INDEX_INVALID'
  | 'SHARD_MISSING'
  | 'TENSOR_NOT_IN_SHARD'
  | 'DUPLICATE_TENSOR'
  | 'NO_WEIGHTS'
  | 'IO_ERROR';

export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';
  readonly tensor?: string;
  /** The second tensor of an OVERLAP or DUPLICATE_TENSOR. */
  readonly otherTensor?: string;
  readonly source?: string;
  constructor(
    readonly code: SafetensorsErrorCode,
    message: string,
    opts: { tensor?: string; otherTensor?: string; source?: string; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    if (opts.tensor !== undefined) this.tensor = opts.tensor;
    if (opts.otherTensor !== undefined) this.otherTensor = opts.otherTensor;
    if (opts.source !== undefined) this.source = opts.source;
  }
}

export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Byte range [begin, end) relative to the start of the data section. */
  begin: number;
  end: number;
}

/** What a header promises, validated against the size of the file it came from. */
export interface SafetensorsLayout {
  source: string;
  /** 8 + N: where the data section starts in the file. */
  dataStart: number;
  dataLength: number;
  /** Sorted by begin (file order). */
  entries: SafetensorsEntry[];
  byName: ReadonlyMap<string, SafetensorsEntry>;
  metadata: Record<string, string>;
}

export interface SafetensorsFile extends SafetensorsLayout {
  /** The whole file. */
  bytes: Uint8Array;
}

export interface LoadedTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array;
}

export interface TensorToWrite {
  name: string;
  shape: number[];
  /** Row-major, prod(shape) elements. */
  data: Float32Array;
}

export interface SerializeOptions {
  dtype?: WriteDtype;
  /** Merged over {format: 'pt'}, which transformers requires. */
  metadata?: Record<string, string>;
}

export interface SaveOptions extends SerializeOptions {
  /** Shard when the encoded tensors exceed this; default 5e9 like transformers. */
  maxShardBytes?: number;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// ---------------------------------------------------------------------------------------------
// Header parsing

function fail(
  code: SafetensorsErrorCode,
  source: string,
  what: string,
  opts: { tensor?: string; otherTensor?: string; cause?: unknown } = {},
): never {
  const where = opts.tensor === undefined ? '' : `tensor ${safeJson(opts.tensor)}: `;
  throw new SafetensorsError(code, `${source}: ${where}${what}`, { ...opts, source });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isCount = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** N from the 8-byte prefix; read as two u32 halves so no BigInt is involved. */
export function readHeaderLength(prefix: Uint8Array, fileSize: number, source: string): number {
  if (fileSize < 8 || prefix.length < 8) {
    fail(
      'HEADER_TRUNCATED',
      source,
      `file is ${fileSize} bytes, too short for the 8-byte header length`,
    );
  }
  const view = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  const n = hi * 2 ** 32 + lo;
  if (hi !== 0 || n > MAX_HEADER_BYTES) {
    const shown = hi < 2 ** 21 ? String(n) : `${hi} * 2^32 + ${lo}`;
    fail(
      'HEADER_TOO_LONG',
      source,
      `header length ${shown} exceeds the ${MAX_HEADER_BYTES}-byte limit`,
    );
  }
  return n;
}

/**
 * Index just past the JSON object that starts at `from` (after whitespace); -1 when the bytes end
 * first, -2 when what starts there is not an object.
 */
function jsonObjectEnd(bytes: Uint8Array, from: number): number {
  let i = from;
  while (
    i < bytes.length &&
    (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)
  )
    i++;
  if (bytes[i] !== 0x7b) return i >= bytes.length ? -1 : -2;
  let depth = 0;
  let inString = false;
  for (; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === 0x5c) i++;
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x7b || b === 0x5b) depth++;
    else if ((b === 0x7d || b === 0x5d) && --depth === 0) return i + 1;
  }
  return -1;
}

/** The file ends before 8+N: either it was cut inside the header or N itself is corrupt. */
function headerPastEnd(bytes: Uint8Array, n: number, fileSize: number, source: string): never {
  const closes = jsonObjectEnd(bytes, 8);
  const claim = `header length ${n} needs ${8 + n} bytes but the file has ${fileSize}`;
  if (closes === -1)
    fail('HEADER_TRUNCATED', source, `${claim}: the file ends inside the JSON header`);
  const why =
    closes > 0 ? `; the JSON header closes at byte ${closes}, so the length field is wrong` : '';
  fail('HEADER_TOO_LONG', source, `${claim}${why}`);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeHeaderJson(bytes: Uint8Array, source: string): unknown {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch (cause) {
    fail('HEADER_NOT_JSON', source, 'header is not valid UTF-8', { cause });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    fail('HEADER_NOT_JSON', source, `header is not JSON (${detail})`, { cause });
  }
}

function parseMetadata(v: unknown, source: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  const entries = isRecord(v) ? Object.entries(v) : [];
  if (!isRecord(v) || entries.some(([, s]) => typeof s !== 'string')) {
    fail('HEADER_NOT_OBJECT', source, '"__metadata__" must be an object of string values');
  }
  // fromEntries defines own properties, so a "__proto__" key cannot reach the prototype.
  return Object.fromEntries(entries) as Record<string, string>;
}

/** prod(shape) * bytes, or null when it cannot be a real size (beyond 2^53). */
function byteSize(shape: number[], elementBytes: number): number | null {
  if (shape.includes(0)) return 0;
  let total = elementBytes;
  for (const d of shape) {
    if (total > Number.MAX_SAFE_INTEGER / d) return null;
    total *= d;
  }
  return total;
}

const fmtShape = (shape: number[]) => `[${shape.join(', ')}]`;

function parseEntry(
  name: string,
  v: unknown,
  dataLength: number,
  source: string,
): SafetensorsEntry {
  const at = { tensor: name };
  if (!isRecord(v)) fail('HEADER_NOT_OBJECT', source, 'header entry is not an object', at);
  const { dtype, shape, data_offsets: offsets } = v;
  if (typeof dtype !== 'string')
    fail('HEADER_NOT_OBJECT', source, '"dtype" is missing or not a string', at);
  if (!Object.prototype.hasOwnProperty.call(DTYPE_BYTES, dtype)) {
    fail('UNKNOWN_DTYPE', source, `unknown dtype ${safeJson(dtype)}`, at);
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    fail(
      'HEADER_NOT_OBJECT',
      source,
      `"shape" must be an array of non-negative integers, got ${safeJson(shape)}`,
      at,
    );
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every(isCount) ||
    offsets[0] > offsets[1]
  ) {
    fail(
      'HEADER_NOT_OBJECT',
      source,
      `"data_offsets" must be [begin, end] with 0 <= begin <= end, got ${safeJson(offsets)}`,
      at,
    );
  }
  const [begin, end] = offsets as [number, number];
  if (end > dataLength) {
    fail(
      'OFFSET_OUT_OF_RANGE',
      source,
      `data_offsets [${begin}, ${end}] run past the ${dataLength}-byte data section (truncated file?)`,
      at,
    );
  }
  const elementBytes = DTYPE_BYTES[dtype as SafetensorsDtype];
  const need = byteSize(shape, elementBytes);
  if (need !== end - begin) {
    const needs = need === null ? 'more than 2^53 bytes' : String(need);
    fail(
      'SIZE_MISMATCH',
      source,
      `data_offsets [${begin}, ${end}] hold ${end - begin} bytes but shape ${fmtShape(shape)} of ${dtype} needs ${needs}`,
      at,
    );
  }
  return { name, dtype: dtype as SafetensorsDtype, shape: [...shape], begin, end };
}

/** For messages: a hostile header can hold megabyte-long names and values. */
function safeJson(v: unknown, max = 200): string {
  if (v === undefined) return '(missing)';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

/** Zero-byte tensors own no bytes, so they can never overlap anything. */
function checkOverlaps(entries: SafetensorsEntry[], source: string): void {
  let owner: SafetensorsEntry | undefined;
  for (const e of entries) {
    if (e.begin === e.end) continue;
    if (owner && e.begin < owner.end) {
      fail(
        'OVERLAP',
        source,
        `bytes [${e.begin}, ${e.end}) overlap tensor ${safeJson(owner.name)} at [${owner.begin}, ${owner.end})`,
        { tensor: e.name, otherTensor: owner.name },
      );
    }
    if (!owner || e.end > owner.end) owner = e;
  }
}

/**
 * Validates the header of a file of `fileSize` bytes. `head` holds the file's first
 * min(fileSize, 8 + N) bytes (more is fine).
 */
export function parseLayout(
  head: Uint8Array,
  fileSize: number,
  source = 'safetensors',
): SafetensorsLayout {
  const n = readHeaderLength(head, fileSize, source);
  if (8 + n > fileSize) headerPastEnd(head.subarray(0, fileSize), n, fileSize, source);
  const header = decodeHeaderJson(head.subarray(8, 8 + n), source);
  if (!isRecord(header)) fail('HEADER_NOT_OBJECT', source, 'header is not a JSON object');
  const dataLength = fileSize - 8 - n;
  let metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') metadata = parseMetadata(v, source);
    else entries.push(parseEntry(name, v, dataLength, source));
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  checkOverlaps(entries, source);
  const byName = new Map(entries.map((e) => [e.name, e]));
  return { source, dataStart: 8 + n, dataLength, entries, byName, metadata };
}

/** Parses and validates a whole safetensors file held in memory. Throws only SafetensorsError. */
export function parseSafetensors(bytes: Uint8Array, source = 'safetensors'): SafetensorsFile {
  return { ...parseLayout(bytes, bytes.length, source), bytes };
}

// ---------------------------------------------------------------------------------------------
// Element conversion

/** u16 words of little-endian bytes; a view when aligned, a copy otherwise. */
function words16(raw: Uint8Array): Uint16Array {
  const n = raw.length >>> 1;
  if (LITTLE_ENDIAN) {
    const b = raw.byteOffset % 2 === 0 ? raw : new Uint8Array(raw);
    return new Uint16Array(b.buffer, b.byteOffset, n);
  }
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++) out[i] = raw[2 * i] | (raw[2 * i + 1] << 8);
  return out;
}

function words32(raw: Uint8Array): Uint32Array {
  const n = raw.length >>> 2;
  if (LITTLE_ENDIAN) {
    const b = raw.byteOffset % 4 === 0 ? raw : new Uint8Array(raw);
    return new Uint32Array(b.buffer, b.byteOffset, n);
  }
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const j = 4 * i;
    out[i] = (raw[j] | (raw[j + 1] << 8) | (raw[j + 2] << 16) | (raw[j + 3] << 24)) >>> 0;
  }
  return out;
}

/** f16 bit pattern -> f32 bit pattern, exact (every half is a float). */
export function f16BitsToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  let man = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (man << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (man << 13)) >>> 0;
  if (man === 0) return sign >>> 0;
  let e = 113;
  while ((man & 0x400) === 0) {
    man <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((man & 0x3ff) << 13)) >>> 0;
}

let f16Table: Uint32Array | undefined;
function halfTable(): Uint32Array {
  if (!f16Table) {
    f16Table = new Uint32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16BitsToF32Bits(h);
  }
  return f16Table;
}

/**
 * f32 bit pattern -> f16 bit pattern, round to nearest even, with subnormals, overflow to inf
 * and NaN kept NaN (numpy's npy_floatbits_to_halfbits).
 */
export function f32BitsToF16Bits(f: number): number {
  const sign = (f >>> 16) & 0x8000;
  const fExp = f & 0x7f800000;
  if (fExp >= 0x47800000) {
    const sig = f & 0x7fffff;
    if (fExp === 0x7f800000 && sig !== 0) return sign | 0x7c00 | (sig >>> 13 || 1);
    return sign | 0x7c00;
  }
  if (fExp <= 0x38000000) {
    if (fExp < 0x33000000) return sign;
    let sig = (0x800000 + (f & 0x7fffff)) >>> (113 - (fExp >>> 23));
    // The shift dropped up to 11 bits; a tie only when all of them were zero too.
    if ((sig & 0x3fff) !== 0x1000 || (f & 0x7ff) !== 0) sig += 0x1000;
    return sign + (sig >>> 13);
  }
  let sig = f & 0x7fffff;
  if ((sig & 0x3fff) !== 0x1000) sig += 0x1000;
  // A carry out of the significand bumps the exponent, up to inf: that is the right answer.
  return sign + ((fExp - 0x38000000) >>> 13) + (sig >>> 13);
}

/** f32 bit pattern -> bf16 bit pattern, round to nearest even; NaN stays (quiet) NaN. */
export function f32BitsToBf16Bits(u: number): number {
  if ((u & 0x7fffffff) > 0x7f800000) return ((u >>> 16) | 0x40) & 0xffff;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

function decodeF32(raw: Uint8Array, entry: SafetensorsEntry, source: string): Float32Array {
  switch (entry.dtype) {
    case 'F32': {
      const w = words32(raw);
      return new Float32Array(w.buffer, w.byteOffset, w.length).slice();
    }
    case 'BF16': {
      const w = words16(raw);
      const out = new Uint32Array(w.length);
      for (let i = 0; i < w.length; i++) out[i] = w[i] << 16;
      return new Float32Array(out.buffer);
    }
    case 'F16': {
      const w = words16(raw);
      const table = halfTable();
      const out = new Uint32Array(w.length);
      for (let i = 0; i < w.length; i++) out[i] = table[w[i]];
      return new Float32Array(out.buffer);
    }
    case 'F64': {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.length);
      const out = new Float32Array(raw.length >>> 3);
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(8 * i, true);
      return out;
    }
    default:
      return fail(
        'UNSUPPORTED_DTYPE',
        source,
        `dtype ${entry.dtype} cannot be read as float32 weights`,
        { tensor: entry.name },
      );
  }
}

function requireConvertible(layout: SafetensorsLayout): void {
  for (const e of layout.entries) {
    if (!F32_CONVERTIBLE.has(e.dtype)) {
      fail(
        'UNSUPPORTED_DTYPE',
        layout.source,
        `dtype ${e.dtype} cannot be read as float32 weights`,
        { tensor: e.name },
      );
    }
  }
}

/** One tensor as float32 (F32, F16, BF16, F64), always a fresh array that aliases nothing. */
export function readTensorF32(file: SafetensorsFile, name: string): Float32Array {
  const entry = file.byName.get(name);
  if (!entry) fail('TENSOR_NOT_FOUND', file.source, 'no such tensor in the file', { tensor: name });
  const raw = file.bytes.subarray(file.dataStart + entry.begin, file.dataStart + entry.end);
  return decodeF32(raw, entry, file.source);
}

/** Every tensor of an in-memory file as float32; any non-float tensor is UNSUPPORTED_DTYPE. */
export function readSafetensorsF32(
  bytes: Uint8Array,
  source = 'safetensors',
): Map<string, LoadedTensor> {
  const file = parseSafetensors(bytes, source);
  requireConvertible(file);
  const out = new Map<string, LoadedTensor>();
  for (const e of file.entries) {
    out.set(e.name, { dtype: e.dtype, shape: [...e.shape], data: readTensorF32(file, e.name) });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Writing

function encodeTensor(data: Float32Array, dtype: WriteDtype): Uint8Array {
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  if (dtype === 'F32') return leBytes32(bits);
  const convert = dtype === 'BF16' ? f32BitsToBf16Bits : f32BitsToF16Bits;
  const out = new Uint16Array(data.length);
  for (let i = 0; i < out.length; i++) out[i] = convert(bits[i]);
  return leBytes16(out);
}

function leBytes32(w: Uint32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(w.buffer, w.byteOffset, w.byteLength);
  const out = new Uint8Array(w.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < w.length; i++) view.setUint32(4 * i, w[i], true);
  return out;
}

function leBytes16(w: Uint16Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(w.buffer, w.byteOffset, w.byteLength);
  const out = new Uint8Array(w.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < w.length; i++) view.setUint16(2 * i, w[i], true);
  return out;
}

interface PlannedTensor {
  tensor: TensorToWrite;
  begin: number;
  end: number;
}

interface Plan {
  /** Length prefix + padded JSON header. */
  head: Uint8Array;
  tensors: PlannedTensor[];
  dataLength: number;
}

/** Byte-wise UTF-8 order, the order Rust's String sort gives. */
function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function checkInput(
  tensors: TensorToWrite[],
  metadata: Record<string, string>,
  dtype: string,
): void {
  const source = 'serializeSafetensors';
  if (!['F32', 'BF16', 'F16'].includes(dtype))
    fail('INVALID_INPUT', source, `cannot write dtype ${dtype}`);
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string')
      fail('INVALID_INPUT', source, `metadata ${JSON.stringify(k)} is not a string`);
  }
  const seen = new Set<string>();
  for (const t of tensors) {
    const at = { tensor: t.name };
    if (typeof t.name !== 'string' || t.name === '__metadata__')
      fail('INVALID_INPUT', source, 'invalid tensor name', at);
    if (seen.has(t.name)) fail('DUPLICATE_TENSOR', source, 'tensor name given twice', at);
    seen.add(t.name);
    if (!Array.isArray(t.shape) || !t.shape.every(isCount))
      fail('INVALID_INPUT', source, `invalid shape ${safeJson(t.shape)}`, at);
    if (!(t.data instanceof Float32Array))
      fail('INVALID_INPUT', source, 'data is not a Float32Array', at);
    if (byteSize(t.shape, 1) !== t.data.length) {
      fail(
        'SIZE_MISMATCH',
        source,
        `shape ${fmtShape(t.shape)} does not match ${t.data.length} elements`,
        at,
      );
    }
  }
}

/** Header JSON built by hand so key order is exactly ours (JSON.stringify hoists numeric keys). */
function headerJson(
  tensors: PlannedTensor[],
  dtype: WriteDtype,
  metadata: Record<string, string>,
): string {
  const meta = Object.entries(metadata)
    .sort(([a], [b]) => byUtf8(a, b))
    .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
  const parts = [`"__metadata__":{${meta.join(',')}}`];
  for (const { tensor, begin, end } of tensors) {
    const info = `{"dtype":"${dtype}","shape":[${tensor.shape.join(',')}],"data_offsets":[${begin},${end}]}`;
    parts.push(`${JSON.stringify(tensor.name)}:${info}`);
  }
  return `{${parts.join(',')}}`;
}

function plan(tensors: TensorToWrite[], opts: SerializeOptions): Plan {
  const dtype = opts.dtype ?? 'F32';
  const metadata = { format: 'pt', ...opts.metadata };
  checkInput(tensors, metadata, dtype);
  const elementBytes = DTYPE_BYTES[dtype];
  let offset = 0;
  const planned = [...tensors]
    .sort((a, b) => byUtf8(a.name, b.name))
    .map((tensor) => {
      const begin = offset;
      offset += tensor.data.length * elementBytes;
      return { tensor, begin, end: offset };
    });
  const json = Buffer.from(headerJson(planned, dtype, metadata), 'utf8');
  // Padded with spaces so the data section starts 8-byte aligned, as the Rust writer does.
  const n = Math.ceil(json.length / 8) * 8;
  const head = new Uint8Array(8 + n).fill(0x20, 8 + json.length);
  new DataView(head.buffer).setBigUint64(0, BigInt(n), true);
  head.set(json, 8);
  return { head, tensors: planned, dataLength: offset };
}

/** A complete safetensors file: sorted header keys, data in header order, format "pt". */
export function serializeSafetensors(
  tensors: TensorToWrite[],
  opts: SerializeOptions = {},
): Uint8Array {
  const p = plan(tensors, opts);
  const out = new Uint8Array(p.head.length + p.dataLength);
  out.set(p.head, 0);
  for (const t of p.tensors)
    out.set(encodeTensor(t.tensor.data, opts.dtype ?? 'F32'), p.head.length + t.begin);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Files and directories

/** fs errors that are not about the format still surface as SafetensorsError, with the cause. */
async function io<T>(path: string, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (cause) {
    if (cause instanceof SafetensorsError) throw cause;
    const detail = cause instanceof Error ? cause.message : String(cause);
    return fail('IO_ERROR', path, `${what}: ${detail}`, { cause });
  }
}

/** Reads can return short and are capped at 2 GiB each, so loop in 1 GiB chunks. */
async function readAt(
  fh: FileHandle,
  position: number,
  length: number,
  path: string,
): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  for (let off = 0; off < length;) {
    const { bytesRead } = await fh.read(out, off, Math.min(length - off, 2 ** 30), position + off);
    if (bytesRead === 0)
      fail('IO_ERROR', path, `file shrank while reading (wanted ${length} bytes at ${position})`);
    off += bytesRead;
  }
  return out;
}

async function writeAll(fh: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let off = 0; off < bytes.length;) {
    const { bytesWritten } = await fh.write(bytes, off, Math.min(bytes.length - off, 2 ** 30));
    off += bytesWritten;
  }
}

/** Header only: reads 8 + N bytes, never the data, so files of any size can be inspected. */
export async function readSafetensorsLayout(path: string): Promise<SafetensorsLayout> {
  return io(path, 'cannot read', async () => {
    const fh = await fs.open(path, 'r');
    try {
      const size = (await fh.stat()).size;
      const prefix = await readAt(fh, 0, Math.min(8, size), path);
      const n = readHeaderLength(prefix, size, path);
      return parseLayout(await readAt(fh, 0, Math.min(size, 8 + n), path), size, path);
    } finally {
      await fh.close();
    }
  });
}

/** Reads tensor by tensor with positioned reads: peak memory is one tensor, not the file. */
async function readTensors(
  path: string,
  layout: SafetensorsLayout,
  into: Map<string, LoadedTensor>,
): Promise<void> {
  requireConvertible(layout);
  await io(path, 'cannot read', async () => {
    const fh = await fs.open(path, 'r');
    try {
      for (const e of layout.entries) {
        const raw = await readAt(fh, layout.dataStart + e.begin, e.end - e.begin, path);
        into.set(e.name, { dtype: e.dtype, shape: [...e.shape], data: decodeF32(raw, e, path) });
      }
    } finally {
      await fh.close();
    }
  });
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await fs.stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Loads `model.safetensors`, else `model.safetensors.index.json` and its shards (the precedence
 * transformers uses), every tensor converted to float32.
 */
export async function loadSafetensorsDir(dir: string): Promise<Map<string, LoadedTensor>> {
  const single = join(dir, SINGLE_FILE);
  const out = new Map<string, LoadedTensor>();
  if (await isFile(single)) {
    await readTensors(single, await readSafetensorsLayout(single), out);
    return out;
  }
  if (!(await isFile(join(dir, INDEX_FILE)))) await noWeights(dir);
  const shards = await readShardLayouts(dir, await readIndex(dir));
  for (const [file, layout] of shards) await readTensors(join(dir, file), layout, out);
  return out;
}

/**
 * What `loadSafetensorsDir` would read, from the headers alone (file name -> layout): the same
 * file choice, index and shard checks, and every dtype readable as float32. No tensor data is read,
 * so directories of any size are checked in time and memory of their headers.
 */
export async function readSafetensorsDirLayouts(
  dir: string,
): Promise<Map<string, SafetensorsLayout>> {
  const single = join(dir, SINGLE_FILE);
  const out = new Map<string, SafetensorsLayout>();
  if (await isFile(single)) out.set(SINGLE_FILE, await readSafetensorsLayout(single));
  else {
    if (!(await isFile(join(dir, INDEX_FILE)))) await noWeights(dir);
    for (const [f, layout] of await readShardLayouts(dir, await readIndex(dir))) out.set(f, layout);
  }
  for (const layout of out.values()) requireConvertible(layout);
  return out;
}

async function noWeights(dir: string): Promise<never> {
  const names = await fs.readdir(dir).catch(() => null);
  if (names === null) fail('NO_WEIGHTS', dir, 'directory does not exist or cannot be listed');
  const other = names.filter((f) => /\.(bin|pt|pth|ckpt|h5|gguf)$/.test(f));
  const hint = other.length
    ? `; found ${other.join(', ')}, which must be converted to safetensors`
    : '';
  return fail('NO_WEIGHTS', dir, `neither ${SINGLE_FILE} nor ${INDEX_FILE} is here${hint}`);
}

/** A shard name must stay inside the directory: a bare file name. */
function validShardName(f: unknown): f is string {
  return typeof f === 'string' && f !== '' && f !== '.' && f !== '..' && !/[/\\\0]/.test(f);
}

/** weight_map as tensor -> shard file, validated. */
async function readIndex(dir: string): Promise<Map<string, string>> {
  const path = join(dir, INDEX_FILE);
  const text = await io(path, 'cannot read', () => fs.readFile(path, 'utf8'));
  let index: unknown;
  try {
    index = JSON.parse(text);
  } catch (cause) {
    fail('INDEX_INVALID', path, 'not JSON', { cause });
  }
  const map = isRecord(index) ? index.weight_map : undefined;
  if (!isRecord(map)) fail('INDEX_INVALID', path, '"weight_map" is missing or not an object');
  const out = new Map<string, string>();
  for (const [tensor, file] of Object.entries(map)) {
    if (!validShardName(file)) {
      fail(
        'INDEX_INVALID',
        path,
        `shard ${safeJson(file)} is not a file name inside the directory`,
        { tensor },
      );
    }
    out.set(tensor, file);
  }
  if (out.size === 0) fail('INDEX_INVALID', path, '"weight_map" is empty');
  return out;
}

/** Every header first, so a bad index fails before gigabytes are read. */
async function readShardLayouts(
  dir: string,
  weightMap: Map<string, string>,
): Promise<Map<string, SafetensorsLayout>> {
  const indexPath = join(dir, INDEX_FILE);
  const files = [...new Set(weightMap.values())];
  for (const f of files) {
    if (!(await isFile(join(dir, f)))) {
      const first = [...weightMap].find(([, s]) => s === f)?.[0];
      fail('SHARD_MISSING', indexPath, `shard ${JSON.stringify(f)} does not exist`, {
        tensor: first,
      });
    }
  }
  const layouts = new Map<string, SafetensorsLayout>();
  const holder = new Map<string, string>();
  for (const f of files) {
    const layout = await readSafetensorsLayout(join(dir, f));
    for (const name of layout.byName.keys()) {
      const prev = holder.get(name);
      if (prev !== undefined) {
        fail('DUPLICATE_TENSOR', indexPath, `present in both ${prev} and ${f}`, { tensor: name });
      }
      holder.set(name, f);
    }
    layouts.set(f, layout);
  }
  for (const [tensor, f] of weightMap) {
    if (holder.get(tensor) !== f) {
      const actual = holder.get(tensor);
      const where = actual === undefined ? 'in no shard' : `in ${actual}`;
      fail(
        'TENSOR_NOT_IN_SHARD',
        indexPath,
        `the index names shard ${f} but the tensor is ${where}`,
        { tensor },
      );
    }
  }
  return layouts;
}

const SHARD_PATTERN = /^model-\d{5}-of-\d{5}\.safetensors$/;
const shardName = (i: number, n: number) =>
  `model-${String(i + 1).padStart(5, '0')}-of-${String(n).padStart(5, '0')}.safetensors`;

/** Greedy in the caller's order (model order), so a layer's tensors stay together. */
function splitShards(
  tensors: TensorToWrite[],
  elementBytes: number,
  maxBytes: number,
): TensorToWrite[][] {
  const shards: TensorToWrite[][] = [[]];
  let size = 0;
  for (const t of tensors) {
    const bytes = t.data.length * elementBytes;
    if (size > 0 && size + bytes > maxBytes) {
      shards.push([]);
      size = 0;
    }
    shards[shards.length - 1].push(t);
    size += bytes;
  }
  return shards;
}

/** Writes beside the target and renames, so readers see the old file or the whole new one. */
async function writeAtomically(
  path: string,
  write: (fh: FileHandle) => Promise<void>,
): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await io(path, 'cannot write', async () => {
    const fh = await fs.open(tmp, 'wx');
    try {
      await write(fh);
      await fh.sync();
      await fh.close();
      await fs.rename(tmp, path);
    } catch (e) {
      await fh.close().catch(() => undefined);
      await fs.rm(tmp, { force: true }).catch(() => undefined);
      throw e;
    }
  });
}

async function writeSafetensorsFile(
  path: string,
  tensors: TensorToWrite[],
  opts: SerializeOptions,
): Promise<void> {
  const p = plan(tensors, opts);
  await writeAtomically(path, async (fh) => {
    await writeAll(fh, p.head);
    for (const t of p.tensors) await writeAll(fh, encodeTensor(t.tensor.data, opts.dtype ?? 'F32'));
  });
}

function indexJson(shards: TensorToWrite[][], elementBytes: number): string {
  const names = shards.flatMap((s, i) =>
    s.map((t) => [t.name, shardName(i, shards.length)] as const),
  );
  const total = shards.flat().reduce((n, t) => n + t.data.length * elementBytes, 0);
  const map = [...names]
    .sort(([a], [b]) => byUtf8(a, b))
    .map(([t, f]) => `    ${JSON.stringify(t)}: ${JSON.stringify(f)}`);
  return `{\n  "metadata": {\n    "total_size": ${total}\n  },\n  "weight_map": {\n${map.join(',\n')}\n  }\n}\n`;
}

/**
 * Saves as `model.safetensors`, or as `model-0000i-of-0000n.safetensors` shards plus
 * `model.safetensors.index.json` when the data exceeds maxShardBytes. Each file is written
 * atomically; weight files of the other layout left from an earlier save are removed afterwards
 * (transformers would prefer a stale model.safetensors over a new index). A crash between files
 * can still mix old and new: save into a fresh directory and rename it for a fully atomic save.
 * Returns the file names written.
 */
export async function saveSafetensorsDir(
  dir: string,
  tensors: TensorToWrite[],
  opts: SaveOptions = {},
): Promise<string[]> {
  const dtype = opts.dtype ?? 'F32';
  const maxBytes = opts.maxShardBytes ?? DEFAULT_MAX_SHARD_BYTES;
  if (!(maxBytes > 0))
    fail('INVALID_INPUT', dir, `maxShardBytes must be positive, got ${maxBytes}`);
  plan(tensors, opts); // validates before anything touches the disk
  await io(dir, 'cannot create directory', () => fs.mkdir(dir, { recursive: true }));
  const shards = splitShards(tensors, DTYPE_BYTES[dtype], maxBytes);
  const written =
    shards.length === 1 ? [SINGLE_FILE] : shards.map((_, i) => shardName(i, shards.length));
  for (let i = 0; i < shards.length; i++)
    await writeSafetensorsFile(join(dir, written[i]), shards[i], opts);
  if (shards.length > 1) {
    const text = indexJson(shards, DTYPE_BYTES[dtype]);
    await writeAtomically(join(dir, INDEX_FILE), (fh) => writeAll(fh, Buffer.from(text, 'utf8')));
    written.push(INDEX_FILE);
  }
  await removeStale(dir, new Set(written));
  return written;
}

async function removeStale(dir: string, keep: Set<string>): Promise<void> {
  const names = await io(dir, 'cannot list', () => fs.readdir(dir));
  const stale = names.filter(
    (f) => !keep.has(f) && (f === SINGLE_FILE || f === INDEX_FILE || SHARD_PATTERN.test(f)),
  );
  for (const f of stale)
    await io(join(dir, f), 'cannot remove stale file', () => fs.rm(join(dir, f), { force: true }));
}
