/**
 * Registers the `torch` tfjs backend: libtorch kernels through the project's N-API addon.
 *
 *   RZERO_DEVICE=auto|cpu|cuda|cuda:N   auto = the first CUDA device when this libtorch has CUDA
 *                                        and a GPU is visible, else the CPU
 *   RZERO_THREADS=n                      libtorch intra-op threads (default: the machine's cores)
 */
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { loadTorchAddon, TorchAddonError, TorchAddonInfo } from './addon';
import { TorchBackend } from './backend';
import { BACKEND_NAME, torchKernelConfigs } from './kernels';
import { fusedKernelConfigs } from './fused';

export { TorchAddonError } from './addon';
export { TorchBackend } from './backend';

export interface TorchSetup {
  device: string;
  threads: number;
  info: TorchAddonInfo;
}

let registered: TorchSetup | null = null;

export function parseDeviceRequest(value: string | undefined): string {
  const v = (value ?? 'auto').trim().toLowerCase() || 'auto';
  if (!/^(auto|cpu|cuda(:\d+)?)$/.test(v))
    throw new TorchAddonError(
      `RZERO_DEVICE=${JSON.stringify(value)}: expected auto, cpu, cuda or cuda:<index>`,
    );
  return v;
}

export function parseThreads(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return availableParallelism();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1024)
    throw new TorchAddonError(`RZERO_THREADS=${JSON.stringify(value)}: expected an integer >= 1`);
  return n;
}

/**
 * Loads the addon and registers the backend and its kernels with tfjs (once per thread; the
 * engine thread of a worker registers its own). Throws TorchAddonError with the reason when the
 * addon is missing or cannot run on the requested device.
 */
export function registerTorchBackend(
  env: Record<string, string | undefined> = process.env,
): TorchSetup {
  if (registered) return registered;
  const deviceRequest = parseDeviceRequest(env.RZERO_DEVICE);
  const threads = parseThreads(env.RZERO_THREADS);
  const addon = loadTorchAddon();
  const probe = addon.info();
  let device = deviceRequest;
  if (device === 'auto') device = probe.cuda && probe.cudaDevices > 0 ? 'cuda:0' : 'cpu';
  else if (device.startsWith('cuda') && !(probe.cuda && probe.cudaDevices > 0))
    throw new TorchAddonError(
      `RZERO_DEVICE=${deviceRequest}, but this libtorch (${probe.version}) ${probe.cuda ? 'sees no GPU' : 'was built without CUDA'}`,
    );
  addon.setThreads(threads);
  // The factory runs when tfjs activates the backend (tf.setBackend).
  tf.registerBackend(BACKEND_NAME, () => new TorchBackend(addon, device), 1);
  for (const k of [...torchKernelConfigs(), ...fusedKernelConfigs()]) tf.registerKernel(k);
  registered = { device, threads, info: { ...addon.info(), device } };
  return registered;
}

/** Live libtorch tensors held by this thread (null when the addon is not loaded). */
export function torchLiveTensors(): number | null {
  if (!registered) return null;
  return loadTorchAddon().live().thread;
}

/** Bytes of freed blocks the addon's caching allocator keeps for reuse (part of the RSS). */
export function torchCachedBytes(): number | null {
  if (!registered) return null;
  return loadTorchAddon().live().cachedBytes;
}
