/**
 * Compute backend selection. Model code imports only `@tensorflow/tfjs-core`; this file decides
 * which kernels run under it (tfjs-examples keep the same split between model.js and train.js).
 *
 * RZERO_BACKEND=auto|torch|tensorflow|webgpu|wasm|cpu
 *   auto: torch (the project's libtorch addon) when it is built and loads, else tensorflow
 *   (tfjs-node-gpu, then tfjs-node), else wasm, else cpu, recording why each was skipped.
 * The torch addon is built by scripts/build-torch-addon.sh (npm test and npm run demo run it);
 * tfjs-node(-gpu) are optional dependencies whose installer downloads libtensorflow, which fails
 * on offline machines, so they may simply be absent.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node bundle registers no gradients; the union package's bundle does (it shares this
// tfjs-core instance), so training needs it loaded once.
import '@tensorflow/tfjs';

export type BackendName = 'torch' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
export type BackendRequest = BackendName | 'auto';

export interface BackendInfo {
  /** The tfjs backend in use. */
  backend: BackendName;
  /** What it runs on, in words: "CUDA GPU (tfjs-node-gpu)", "CPU, WebAssembly SIMD", ... */
  device: string;
  /** What provides the kernels: an npm package, or the project's torch addon and its libtorch. */
  package: string;
  /** Worker threads the kernels use, where the backend says. */
  threads: number | null;
  /** Why auto skipped the backends it tried first. */
  skipped: { backend: BackendName; reason: string }[];
}

export class BackendError extends Error {
  override readonly name = 'BackendError';
}

const BACKEND_NAMES: readonly BackendRequest[] = [
  'auto',
  'torch',
  'tensorflow',
  'webgpu',
  'wasm',
  'cpu',
];

let current: BackendInfo | null = null;
let pending: Promise<BackendInfo> | null = null;

export function parseBackendRequest(value: string | undefined): BackendRequest {
  const v = (value ?? 'auto').trim().toLowerCase() || 'auto';
  if (!(BACKEND_NAMES as readonly string[]).includes(v)) {
    throw new BackendError(
      `RZERO_BACKEND=${JSON.stringify(value)}: expected one of ${BACKEND_NAMES.join('|')}`,
    );
  }
  return v as BackendRequest;
}

type Loader = () => Promise<Omit<BackendInfo, 'skipped'>>;

/**
 * The BLAS under a CPU libtorch, in words. Debian's libtorch multiplies through libblas.so.3; with
 * only libtorch-dev installed that is the reference (netlib) BLAS, about 20x slower than OpenBLAS
 * on a training step (measured), so say so where the backend is reported.
 */
function blasInWords(blas: string): string {
  if (blas !== 'other') return blas;
  let maps = '';
  try {
    maps = readFileSync('/proc/self/maps', 'utf8');
  } catch {
    return blas;
  }
  return /\/blas\/libblas\.so/.test(maps)
    ? 'reference BLAS, about 20x slower: install libopenblas0-pthread'
    : blas;
}

/** Loads `name` with require so an absent optional package is an ordinary, catchable failure. */
function requireOptional(name: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(name);
}

const loaders: Record<BackendName, Loader> = {
  async torch() {
    const { registerTorchBackend } = await import('./torch');
    let setup;
    try {
      setup = registerTorchBackend();
    } catch (err) {
      throw new BackendError(firstLine(err));
    }
    await activate('torch');
    const { info, device, threads } = setup;
    return {
      backend: 'torch',
      package: `rzero torch addon (libtorch ${info.version})`,
      device: device.startsWith('cuda')
        ? `CUDA GPU ${device} (libtorch ${info.version})`
        : `CPU, libtorch ${info.version} (${blasInWords(info.blas)})`,
      threads,
    };
  },
  async tensorflow() {
    let pkg = '@tensorflow/tfjs-node-gpu';
    try {
      requireOptional(pkg);
    } catch (gpuErr) {
      pkg = '@tensorflow/tfjs-node';
      try {
        requireOptional(pkg);
      } catch (cpuErr) {
        throw new BackendError(
          `neither @tensorflow/tfjs-node-gpu (${firstLine(gpuErr)}) nor @tensorflow/tfjs-node (${firstLine(cpuErr)}) loads`,
        );
      }
    }
    await activate('tensorflow');
    const gpu = pkg.endsWith('-gpu');
    return {
      backend: 'tensorflow',
      package: pkg,
      device: gpu ? 'CUDA GPU (libtensorflow)' : 'CPU (libtensorflow)',
      threads: null,
    };
  },
  async webgpu() {
    // Dawn's Node binding provides navigator.gpu; tfjs-backend-webgpu registers the kernels.
    const webgpu = requireOptional('webgpu') as {
      create: (flags: string[]) => unknown;
      globals: Record<string, unknown>;
    };
    Object.assign(globalThis, webgpu.globals);
    const g = globalThis as unknown as { navigator?: { gpu?: unknown } };
    if (!g.navigator)
      Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true });
    (g.navigator as { gpu?: unknown }).gpu = webgpu.create([]);
    requireOptional('@tensorflow/tfjs-backend-webgpu');
    await activate('webgpu');
    const adapterInfo = (
      tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string } }
    ).adapterInfo;
    const what = [adapterInfo?.vendor, adapterInfo?.architecture].filter(Boolean).join(' ');
    return {
      backend: 'webgpu',
      package: '@tensorflow/tfjs-backend-webgpu + webgpu (Dawn)',
      device: `GPU via WebGPU${what ? ` (${what})` : ''}`,
      threads: null,
    };
  },
  async wasm() {
    requireOptional('@tensorflow/tfjs-backend-wasm');
    await activate('wasm');
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const threads =
      (tf.backend() as unknown as { getThreadsCount?: () => number }).getThreadsCount?.() ?? 1;
    return {
      backend: 'wasm',
      package: '@tensorflow/tfjs-backend-wasm',
      device: `CPU, WebAssembly${simd ? ' SIMD' : ''}`,
      threads,
    };
  },
  async cpu() {
    requireOptional('@tensorflow/tfjs-backend-cpu');
    await activate('cpu');
    return {
      backend: 'cpu',
      package: '@tensorflow/tfjs-backend-cpu',
      device: 'CPU, plain JavaScript',
      threads: 1,
    };
  },
};

async function activate(name: BackendName): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name)
    throw new BackendError(`tfjs backend "${name}" failed to initialise`);
  await tf.ready();
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0] ?? msg;
}

/**
 * Selects and initialises the backend once per process. Later calls return the same info; asking
 * for a different explicit backend afterwards is an error (tensors cannot move between them).
 */
export async function initBackend(
  request: BackendRequest = parseBackendRequest(process.env.RZERO_BACKEND),
): Promise<BackendInfo> {
  if (current) {
    if (request !== 'auto' && request !== current.backend) {
      throw new BackendError(
        `backend already initialised as ${current.backend}; cannot switch to ${request}`,
      );
    }
    return current;
  }
  if (!pending) {
    pending = select(request).then((info) => (current = info));
    pending.catch(() => (pending = null));
  }
  return pending;
}

async function select(request: BackendRequest): Promise<BackendInfo> {
  const order: BackendName[] =
    request === 'auto' ? ['torch', 'tensorflow', 'wasm', 'cpu'] : [request];
  const skipped: BackendInfo['skipped'] = [];
  for (const name of order) {
    try {
      return { ...(await loaders[name]()), skipped };
    } catch (err) {
      if (request !== 'auto')
        throw err instanceof BackendError
          ? err
          : new BackendError(`backend ${name}: ${firstLine(err)}`);
      skipped.push({ backend: name, reason: firstLine(err) });
    }
  }
  throw new BackendError(
    `no backend could start: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`,
  );
}

/** The backend in use, for the service to show; null before initBackend. */
export function backendInfo(): BackendInfo | null {
  return current;
}

/**
 * Whether matMul with a transposed operand is slow on this backend: on wasm it runs at 1-2 GFLOP/s
 * against ~23 without (measured, see docs/engine.md), so the engine transposes explicitly there.
 */
export function prefersExplicitTranspose(): boolean {
  const b = tf.getBackend();
  return b === 'wasm' || b === 'cpu';
}
