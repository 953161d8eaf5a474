/**
 * tfjs kernels of the `torch` backend, by tfjs kernel name. Each one resolves tfjs's attributes
 * (axis conventions, split sizes, slice parameters) with tfjs's own helpers, then makes one addon
 * call. The list covers every kernel the engine's forward, sampling, scoring and training use,
 * including those tfjs's gradient functions call, plus the common elementwise and shape kernels;
 * test/engine/torch-kernels.test.ts checks each against the cpu backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { TorchBackend, dtypeCode } from './backend';

export const BACKEND_NAME = 'torch';

type Inputs = Record<string, TensorInfo> & TensorInfo[];
type Fn = (b: TorchBackend, inputs: Inputs, attrs: NamedAttrMap) => TensorInfo | TensorInfo[];

/** Addon op codes (torch_backend.cc `unary`). */
const UNARY: Record<string, number> = {
  Neg: 0,
  Exp: 1,
  Log: 2,
  Sqrt: 3,
  Rsqrt: 4,
  Square: 5,
  Sigmoid: 6,
  Abs: 7,
  LogicalNot: 8,
  Relu: 9,
  Tanh: 10,
  Sign: 11,
  Floor: 12,
  Ceil: 13,
  Reciprocal: 14,
  Log1p: 15,
  Expm1: 16,
  ZerosLike: 17,
  OnesLike: 18,
  Sin: 19,
  Cos: 20,
  Softplus: 21,
  Erf: 22,
  IsNan: 23,
  Round: 24,
};

/** Addon op codes (torch_backend.cc `binary`). */
const BINARY: Record<string, number> = {
  Add: 0,
  Sub: 1,
  Multiply: 2,
  RealDiv: 3,
  Maximum: 4,
  Minimum: 5,
  Pow: 6,
  SquaredDifference: 7,
  Less: 8,
  LessEqual: 9,
  Greater: 10,
  GreaterEqual: 11,
  Equal: 12,
  NotEqual: 13,
  LogicalAnd: 14,
  LogicalOr: 15,
  FloorDiv: 16,
  Mod: 17,
  Atan2: 18,
};

/** Reductions: tfjs name -> [addon op code, name of the axis attribute]. */
const REDUCE: Record<string, [number, string]> = {
  Sum: [0, 'axis'],
  Mean: [1, 'axis'],
  Max: [2, 'reductionIndices'],
  Min: [3, 'axis'],
  Prod: [4, 'axis'],
  Any: [5, 'axis'],
  All: [6, 'axis'],
};

const first = (inputs: Inputs): TensorInfo => Object.values(inputs)[0]!;

const OTHER: Record<string, Fn> = {
  Identity(b, { x }) {
    return b.shared(x!);
  },
  Reshape(b, { x }, { shape }) {
    return b.output(b.addon.reshape(b.slot(x!), shape as number[]));
  },
  ExpandDims(b, { input }, { dim }) {
    const shape = input!.shape.slice();
    let d = dim as number;
    if (d < 0) d = shape.length + d + 1;
    shape.splice(d, 0, 1);
    return b.output(b.addon.reshape(b.slot(input!), shape));
  },
  Transpose(b, { x }, { perm }) {
    return b.output(b.addon.transpose(b.slot(x!), perm as number[]));
  },
  Cast(b, { x }, { dtype }) {
    // Same dtype: the same data, as the cpu backend does (tfjs's gradients cast a lot).
    if (dtype === x!.dtype) return b.shared(x!);
    return b.output(b.addon.cast(b.slot(x!), dtypeCode(dtype as tf.DataType)));
  },
  ClipByValue(b, { x }, { clipValueMin, clipValueMax }) {
    return b.output(b.addon.clip(b.slot(x!), clipValueMin as number, clipValueMax as number));
  },
  Select(b, { condition, t, e }) {
    return b.output(b.addon.select(b.slot(condition!), b.slot(t!), b.slot(e!)));
  },
  Softmax(b, { logits }, { dim }) {
    return b.output(b.addon.softmax(b.slot(logits!), dim as number));
  },
  BatchMatMul(b, { a, b: bb }, { transposeA, transposeB }) {
    return b.output(
      b.addon.matMul(b.slot(a!), b.slot(bb!), transposeA as boolean, transposeB as boolean),
    );
  },
  ArgMax(b, { x }, { axis }) {
    return b.output(
      b.addon.argReduce(0, b.slot(x!), tf.util.parseAxisParam(axis as number, x!.shape)[0]!),
    );
  },
  ArgMin(b, { x }, { axis }) {
    return b.output(
      b.addon.argReduce(1, b.slot(x!), tf.util.parseAxisParam(axis as number, x!.shape)[0]!),
    );
  },
  Concat(b, inputs, { axis }) {
    const xs = Array.from(inputs as TensorInfo[]);
    const ax = tf.util.parseAxisParam(axis as number, xs[0]!.shape)[0]!;
    return b.output(
      b.addon.concat(
        xs.map((x) => b.slot(x)),
        ax,
      ),
    );
  },
  Pack(b, inputs, { axis }) {
    const xs = Array.from(inputs as TensorInfo[]);
    return b.output(
      b.addon.stack(
        xs.map((x) => b.slot(x)),
        axis as number,
      ),
    );
  },
  AddN(b, inputs) {
    const xs = Array.from(inputs as TensorInfo[]);
    return b.output(b.addon.addN(xs.map((x) => b.slot(x))));
  },
  SplitV(b, { x }, { numOrSizeSplits, axis }) {
    const ax = tf.util.parseAxisParam(axis as number, x!.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(
      x as unknown as tf.Tensor,
      numOrSizeSplits as number | number[],
      ax,
    );
    const slots = b.addon.split(b.slot(x!), sizes, ax);
    return slots.map((s, i) => {
      const shape = x!.shape.slice();
      shape[ax] = sizes[i]!;
      return b.outputAs(s, shape, x!.dtype as 'float32');
    });
  },
  Unpack(b, { value }, { axis }) {
    const ax = tf.util.parseAxisParam(axis as number, value!.shape)[0]!;
    const shape = value!.shape.filter((_, i) => i !== ax);
    return b.addon
      .unstack(b.slot(value!), ax)
      .map((s) => b.outputAs(s, shape.slice(), value!.dtype as 'float32'));
  },
  Slice(b, { x }, { begin, size }) {
    const [beginN, sizeN] = tf.slice_util.parseSliceParams(
      x as unknown as tf.Tensor,
      begin as number | number[],
      size as number | number[],
    );
    return b.output(b.addon.slice(b.slot(x!), beginN, sizeN));
  },
  GatherV2(b, { x, indices }, { axis, batchDims }) {
    if ((batchDims as number) !== 0)
      throw new Error('torch backend: GatherV2 with batchDims > 0 is not supported');
    const ax = tf.util.parseAxisParam(axis as number, x!.shape)[0]!;
    return b.output(b.addon.gather(b.slot(x!), b.slot(indices!), ax));
  },
  UnsortedSegmentSum(b, { x, segmentIds }, { numSegments }) {
    return b.output(b.addon.segmentSum(b.slot(x!), b.slot(segmentIds!), numSegments as number));
  },
  OneHot(b, { indices }, { depth, onValue, offValue, dtype }) {
    return b.output(
      b.addon.oneHot(
        b.slot(indices!),
        depth as number,
        onValue as number,
        offValue as number,
        dtypeCode(dtype as tf.DataType),
      ),
    );
  },
  Fill(b, _inputs, { shape, value, dtype }) {
    const dt = (dtype as tf.DataType | undefined) ?? tf.util.inferDtype(value as number);
    return b.output(b.addon.fill(shape as number[], value as number, dtypeCode(dt)));
  },
  Tile(b, { x }, { reps }) {
    return b.output(b.addon.tile(b.slot(x!), reps as number[]));
  },
  PadV2(b, { x }, { paddings, constantValue }) {
    return b.output(
      b.addon.pad(b.slot(x!), (paddings as [number, number][]).flat(), constantValue as number),
    );
  },
  Cumsum(b, { x }, { axis, exclusive, reverse }) {
    return b.output(
      b.addon.cumsum(b.slot(x!), axis as number, exclusive as boolean, reverse as boolean),
    );
  },
};

function kernelFunc(fn: Fn): KernelFunc {
  return ({ inputs, backend, attrs }) =>
    fn(backend as TorchBackend, inputs as unknown as Inputs, (attrs ?? {}) as NamedAttrMap);
}

/** Every kernel of the backend, as tfjs kernel configs. */
export function torchKernelConfigs(): KernelConfig[] {
  const configs: KernelConfig[] = [];
  const add = (kernelName: string, fn: Fn) =>
    configs.push({ kernelName, backendName: BACKEND_NAME, kernelFunc: kernelFunc(fn) });
  for (const [name, op] of Object.entries(UNARY))
    add(name, (b, inputs) => b.output(b.addon.unary(op, b.slot(first(inputs)))));
  for (const [name, op] of Object.entries(BINARY))
    add(name, (b, { a, b: bb }) => b.output(b.addon.binary(op, b.slot(a!), b.slot(bb!))));
  for (const [name, [op, axisAttr]] of Object.entries(REDUCE))
    add(name, (b, { x }, attrs) =>
      b.output(
        b.addon.reduce(
          op,
          b.slot(x!),
          tf.util.parseAxisParam(attrs[axisAttr] as number | number[], x!.shape),
          attrs.keepDims as boolean,
        ),
      ),
    );
  for (const [name, fn] of Object.entries(OTHER)) add(name, fn);
  return configs;
}

/** Kernel names the backend registers (for tests and the backend info). */
export function torchKernelNames(): string[] {
  return torchKernelConfigs().map((c) => c.kernelName);
}
