/**
 * The `torch` tfjs backend: a KernelBackend whose tensor data lives in libtorch tensors held by the
 * native addon. A tfjs DataId maps to one addon slot; data crosses into JavaScript only when read.
 * Kernels (kernels.ts) call the addon with slot ids and turn its answer into a TensorInfo with
 * `output()`, which reads the result's dtype and shape from a scratch array the addon writes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DataStorage, KernelBackend } from '@tensorflow/tfjs-core';
import type { BackendTimingInfo, DataId, TensorInfo } from '@tensorflow/tfjs-core';
import { DTYPE_CODES, DTYPE_NAMES, Slot, TorchAddon, TorchDType } from './addon';

interface TensorData {
  slot: Slot;
  refCount: number;
}

export class TorchBackend extends KernelBackend {
  readonly data: DataStorage<TensorData>;
  /** [dtype, rank, d0, d1, ...] of the addon's last result. */
  private readonly scratch = new Int32Array(16);

  constructor(
    readonly addon: TorchAddon,
    readonly device: string,
  ) {
    super();
    this.data = new DataStorage(this, tf.engine());
    addon.init(this.scratch, device);
  }

  /** The DataId/TensorInfo of the addon's last result, stored in `slot`. */
  output(slot: Slot): TensorInfo {
    const s = this.scratch;
    const rank = s[1]!;
    const shape = new Array<number>(rank);
    for (let i = 0; i < rank; i++) shape[i] = s[2 + i]!;
    return { dataId: this.track(slot), shape, dtype: DTYPE_NAMES[s[0]!]! };
  }

  /** A TensorInfo for a slot whose shape and dtype the caller knows (multi-output kernels). */
  outputAs(slot: Slot, shape: number[], dtype: TorchDType): TensorInfo {
    return { dataId: this.track(slot), shape, dtype };
  }

  private track(slot: Slot): DataId {
    const dataId = {};
    this.data.set(dataId, { slot, refCount: 1 });
    return dataId;
  }

  /** `t`'s own data as a kernel output (refCount + 1), as Identity does: nothing is copied. */
  shared(t: TensorInfo): TensorInfo {
    this.incRef(t.dataId);
    return { dataId: t.dataId, shape: t.shape.slice(), dtype: t.dtype };
  }

  slot(t: TensorInfo): Slot {
    const d = this.data.get(t.dataId);
    if (!d)
      throw new Error('torch backend: tensor data was disposed or belongs to another backend');
    return d.slot;
  }

  override write(
    values: tf.backend_util.BackendValues,
    shape: number[],
    dtype: tf.DataType,
  ): DataId {
    return this.track(this.addon.fromData(checkValues(values, dtype), shape, dtypeCode(dtype)));
  }

  override move(
    dataId: DataId,
    values: tf.backend_util.BackendValues,
    shape: number[],
    dtype: tf.DataType,
    refCount: number,
  ): void {
    const slot = this.addon.fromData(checkValues(values, dtype), shape, dtypeCode(dtype));
    this.data.set(dataId, { slot, refCount });
  }

  override readSync(dataId: DataId): tf.backend_util.BackendValues {
    const d = this.data.get(dataId);
    if (!d) throw new Error('torch backend: reading disposed tensor data');
    return this.addon.read(d.slot);
  }

  override read(dataId: DataId): Promise<tf.backend_util.BackendValues> {
    return Promise.resolve(this.readSync(dataId));
  }

  override refCount(dataId: DataId): number {
    return this.data.get(dataId)?.refCount ?? 0;
  }

  override incRef(dataId: DataId): void {
    const d = this.data.get(dataId);
    if (d) d.refCount++;
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const d = this.data.get(dataId);
    if (!d) return true;
    d.refCount--;
    if (!force && d.refCount > 0) return false;
    this.addon.release(d.slot);
    this.data.delete(dataId);
    return true;
  }

  disposeIntermediateTensorInfo(t: TensorInfo): void {
    this.disposeData(t.dataId);
  }

  override numDataIds(): number {
    return this.data.numDataIds();
  }

  override memory(): { unreliable: boolean; reasons?: string[] } & Record<string, unknown> {
    const live = this.addon.live();
    return { unreliable: false, torchLiveTensors: live.thread };
  }

  override timerAvailable(): boolean {
    return true;
  }

  override async time(f: () => void): Promise<BackendTimingInfo> {
    const t0 = performance.now();
    f();
    return { kernelMs: performance.now() - t0 };
  }

  override floatPrecision(): 32 {
    return 32;
  }

  override epsilon(): number {
    return 1e-7;
  }

  override dispose(): void {
    // Slots are released with their DataIds; nothing else is held.
  }
}

export function dtypeCode(dtype: tf.DataType): number {
  const code = DTYPE_CODES[dtype as TorchDType];
  if (code === undefined) throw new Error(`torch backend: dtype ${dtype} is not supported`);
  return code;
}

function checkValues(values: tf.backend_util.BackendValues, dtype: tf.DataType): ArrayBufferView {
  if (dtype === 'string' || dtype === 'complex64' || !ArrayBuffer.isView(values))
    throw new Error(`torch backend: ${dtype} tensors are not supported`);
  return values;
}
