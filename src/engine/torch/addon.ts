/**
 * Loads the native half of the torch backend (`native/torch_backend.cc`, built by
 * `scripts/build-torch-addon.sh`). The addon is optional: when it is not built, or libtorch's
 * shared libraries are missing, `loadTorchAddon` throws an error that says which and how to fix it.
 */
import { existsSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';

/** dtype codes shared with the addon. */
export const DTYPE_CODES = { float32: 0, int32: 1, bool: 2 } as const;
export type TorchDType = keyof typeof DTYPE_CODES;
export const DTYPE_NAMES: TorchDType[] = ['float32', 'int32', 'bool'];

/** Slot ids of tensors held by the addon; every kernel returns one (or an array of them). */
export type Slot = number;

export interface TorchAddonInfo {
  /** libtorch's version, e.g. "1.13.0". */
  version: string;
  cuda: boolean;
  cudaDevices: number;
  device: string;
  threads: number;
  blas: string;
}

/** The functions native/torch_backend.cc exports. */
export interface TorchAddon {
  init(scratch: Int32Array, device: string): void;
  setThreads(n: number): number;
  info(): TorchAddonInfo;
  /** This thread's live tensors, and the bytes the caching allocator holds for reuse (process). */
  live(): { thread: number; cachedBytes: number };
  fromData(values: ArrayBufferView, shape: number[], dtype: number): Slot;
  read(slot: Slot): Float32Array | Int32Array | Uint8Array;
  release(slot: Slot): void;
  unary(op: number, x: Slot): Slot;
  binary(op: number, a: Slot, b: Slot): Slot;
  reduce(op: number, x: Slot, axes: number[], keepDims: boolean): Slot;
  argReduce(op: number, x: Slot, axis: number): Slot;
  matMul(a: Slot, b: Slot, transposeA: boolean, transposeB: boolean): Slot;
  transpose(x: Slot, perm: number[]): Slot;
  reshape(x: Slot, shape: number[]): Slot;
  cast(x: Slot, dtype: number): Slot;
  clip(x: Slot, lo: number, hi: number): Slot;
  select(cond: Slot, a: Slot, b: Slot): Slot;
  softmax(x: Slot, dim: number): Slot;
  concat(xs: Slot[], axis: number): Slot;
  stack(xs: Slot[], axis: number): Slot;
  addN(xs: Slot[]): Slot;
  split(x: Slot, sizes: number[], axis: number): Slot[];
  unstack(x: Slot, axis: number): Slot[];
  slice(x: Slot, begin: number[], size: number[]): Slot;
  gather(x: Slot, indices: Slot, axis: number): Slot;
  segmentSum(x: Slot, segmentIds: Slot, numSegments: number): Slot;
  oneHot(indices: Slot, depth: number, on: number, off: number, dtype: number): Slot;
  fill(shape: number[], value: number, dtype: number): Slot;
  tile(x: Slot, reps: number[]): Slot;
  pad(x: Slot, paddings: number[], value: number): Slot;
  cumsum(x: Slot, axis: number, exclusive: boolean, reverse: boolean): Slot;
  // Fused kernels (src/engine/torch/fused.ts).
  tokenLogProbs(logits: Slot, targets: Slot): Slot[];
  tokenLogProbsGrad(dy: Slot, logits: Slot, targets: Slot, lse: Slot): Slot;
  rope(x: Slot, cos: Slot, sin: Slot): Slot;
  ropeGrad(dy: Slot, cos: Slot, sin: Slot): Slot;
  rmsNorm(x: Slot, w: Slot, eps: number): Slot[];
  rmsNormGrad(dy: Slot, x: Slot, w: Slot, rstd: Slot): Slot[];
  attention(q: Slot, k: Slot, v: Slot, bias: Slot): Slot[];
  attentionGrad(dy: Slot, q: Slot, k: Slot, v: Slot, probs: Slot): Slot[];
  sumSquares(xs: Slot[]): Slot;
  adamW(
    params: Slot[],
    grads: Slot[],
    m: Slot[],
    v: Slot[],
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    step: number,
    gradScale: number,
    mayUpdateInPlace: boolean[],
  ): Slot[];
}

export class TorchAddonError extends Error {
  override readonly name = 'TorchAddonError';
}

/** The repository root, from dist/src/engine/torch or src/engine/torch. */
function repoRoot(): string {
  const inDist = __dirname.includes(`${sep}dist${sep}`);
  return resolve(__dirname, inDist ? '../../../..' : '../../..');
}

/** Where the built addon is looked for: RZERO_TORCH_ADDON, then the node-gyp build folder. */
export function addonPath(): string {
  return (
    process.env.RZERO_TORCH_ADDON ??
    join(repoRoot(), 'src', 'engine', 'torch', 'native', 'build', 'Release', 'rzero_torch.node')
  );
}

let cached: TorchAddon | null = null;

export function loadTorchAddon(): TorchAddon {
  if (cached) return cached;
  const path = addonPath();
  if (!existsSync(path)) {
    throw new TorchAddonError(
      'the torch addon is not built (run `bash scripts/build-torch-addon.sh`; `npm test` and `npm run demo` build it)',
    );
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    cached = require(path) as TorchAddon;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    // The loader names a missing libtorch library; keep that, drop the server path of the addon.
    const reason = msg.split('\n')[0]!.replace(path, 'rzero_torch.node');
    throw new TorchAddonError(`the torch addon does not load: ${reason}`);
  }
  return cached;
}
