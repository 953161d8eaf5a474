/**
 * Every kernel the torch backend registers, checked against tfjs's cpu backend on the same
 * seeded inputs (values and shapes; dtypes exactly). Runs where the addon is built (npm test
 * builds it); the list of kernels exercised must equal the list registered.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs';
import { addonPath } from '../../src/engine/torch/addon';
import { registerTorchBackend } from '../../src/engine/torch';
import { torchKernelNames } from '../../src/engine/torch/kernels';
import { Rng } from '../../src/engine/rng';

const built = existsSync(addonPath());

type Spec = { shape: number[]; dtype?: 'float32' | 'int32' | 'bool'; lo?: number; hi?: number };
interface Case {
  kernel: string;
  inputs: Spec[];
  run: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
}

const f = (...shape: number[]): Spec => ({ shape });
const pos = (...shape: number[]): Spec => ({ shape, lo: 0.1, hi: 3 });
const int = (hi: number, ...shape: number[]): Spec => ({ shape, dtype: 'int32', lo: 0, hi });
const bool = (...shape: number[]): Spec => ({ shape, dtype: 'bool' });

const CASES: Case[] = [
  // unary
  ...(
    [
      ['Neg', tf.neg, f],
      ['Exp', tf.exp, f],
      ['Log', tf.log, pos],
      ['Sqrt', tf.sqrt, pos],
      ['Rsqrt', tf.rsqrt, pos],
      ['Square', tf.square, f],
      ['Sigmoid', tf.sigmoid, f],
      ['Abs', tf.abs, f],
      ['Relu', tf.relu, f],
      ['Tanh', tf.tanh, f],
      ['Sign', tf.sign, f],
      ['Floor', tf.floor, f],
      ['Ceil', tf.ceil, f],
      ['Reciprocal', tf.reciprocal, pos],
      ['Log1p', tf.log1p, pos],
      ['Expm1', tf.expm1, f],
      ['ZerosLike', tf.zerosLike, f],
      ['OnesLike', tf.onesLike, f],
      ['Sin', tf.sin, f],
      ['Cos', tf.cos, f],
      ['Softplus', tf.softplus, f],
      ['Erf', tf.erf, f],
      ['IsNan', tf.isNaN, f],
      ['Round', tf.round, f],
    ] as [string, (x: tf.Tensor) => tf.Tensor, (...s: number[]) => Spec][]
  ).map(([kernel, op, spec]) => ({ kernel, inputs: [spec(3, 5)], run: op })),
  { kernel: 'LogicalNot', inputs: [bool(4, 3)], run: tf.logicalNot },
  { kernel: 'Abs', inputs: [int(9, 6)], run: (x) => tf.abs(tf.sub(x, 4)) },
  // binary, with broadcasting
  ...(
    [
      ['Add', tf.add],
      ['Sub', tf.sub],
      ['Multiply', tf.mul],
      ['RealDiv', tf.div],
      ['Maximum', tf.maximum],
      ['Minimum', tf.minimum],
      ['SquaredDifference', tf.squaredDifference],
      ['Less', tf.less],
      ['LessEqual', tf.lessEqual],
      ['Greater', tf.greater],
      ['GreaterEqual', tf.greaterEqual],
      ['Equal', tf.equal],
      ['NotEqual', tf.notEqual],
      ['Atan2', tf.atan2],
    ] as [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][]
  ).map(([kernel, op]) => ({ kernel, inputs: [f(2, 3, 4), pos(3, 1)], run: op })),
  { kernel: 'Pow', inputs: [pos(2, 3), f(3)], run: tf.pow },
  { kernel: 'Add', inputs: [int(50, 4, 3), int(50, 3)], run: tf.add },
  {
    kernel: 'FloorDiv',
    inputs: [int(50, 6), { shape: [6], dtype: 'int32', lo: 1, hi: 7 }],
    run: tf.floorDiv,
  },
  { kernel: 'Mod', inputs: [f(6), pos(6)], run: tf.mod },
  { kernel: 'LogicalAnd', inputs: [bool(5), bool(5)], run: tf.logicalAnd },
  { kernel: 'LogicalOr', inputs: [bool(5), bool(5)], run: tf.logicalOr },
  // reductions
  {
    kernel: 'Sum',
    inputs: [f(3, 4, 5)],
    run: (x) => [tf.sum(x), tf.sum(x, [0, 2], true), tf.sum(x, -1)],
  },
  { kernel: 'Sum', inputs: [bool(3, 4)], run: (x) => tf.sum(x, 1) },
  { kernel: 'Mean', inputs: [f(3, 4, 5)], run: (x) => [tf.mean(x), tf.mean(x, -1, true)] },
  { kernel: 'Max', inputs: [f(3, 4, 5)], run: (x) => [tf.max(x, [1, 2]), tf.max(x, 0, true)] },
  { kernel: 'Min', inputs: [f(3, 4, 5)], run: (x) => tf.min(x, 1) },
  { kernel: 'Prod', inputs: [pos(3, 4)], run: (x) => [tf.prod(x, 1), tf.prod(x)] },
  { kernel: 'Any', inputs: [bool(3, 4)], run: (x) => [tf.any(x, 1), tf.any(x)] },
  { kernel: 'All', inputs: [bool(3, 4)], run: (x) => [tf.all(x, 0), tf.all(x, [0, 1])] },
  { kernel: 'ArgMax', inputs: [f(4, 6)], run: (x) => [tf.argMax(x, 1), tf.argMax(x, 0)] },
  { kernel: 'ArgMin', inputs: [f(4, 6)], run: (x) => tf.argMin(x, -1) },
  { kernel: 'Softmax', inputs: [f(3, 7)], run: (x) => tf.softmax(x) },
  {
    kernel: 'Cumsum',
    inputs: [f(3, 5)],
    run: (x) => [tf.cumsum(x, 1), tf.cumsum(x, 0, true, true)],
  },
  // products
  {
    kernel: 'BatchMatMul',
    inputs: [f(2, 3, 4), f(2, 4, 5), f(2, 5, 4)],
    run: (a, b, c) => [
      tf.matMul(a, b),
      tf.matMul(a, c, false, true),
      tf.matMul(b, a, true, true),
      tf.matMul(tf.reshape(a, [6, 4]), tf.reshape(c, [10, 4]), false, true),
    ],
  },
  // shapes and data movement
  { kernel: 'Identity', inputs: [f(3, 2)], run: (x) => tf.clone(x) },
  {
    kernel: 'Reshape',
    inputs: [f(3, 4)],
    run: (x) => [tf.reshape(x, [2, -1]), tf.reshape(tf.transpose(x), [12])],
  },
  {
    kernel: 'ExpandDims',
    inputs: [f(3, 4)],
    run: (x) => [tf.expandDims(x, 1), tf.expandDims(x, -1)],
  },
  { kernel: 'Transpose', inputs: [f(2, 3, 4)], run: (x) => tf.transpose(x, [2, 0, 1]) },
  {
    kernel: 'Cast',
    inputs: [f(3, 4), int(9, 5), bool(4)],
    run: (x, i, b) => [
      tf.cast(x, 'int32'),
      tf.cast(x, 'bool'),
      tf.cast(i, 'float32'),
      tf.cast(b, 'float32'),
      tf.cast(x, 'float32'),
    ],
  },
  { kernel: 'ClipByValue', inputs: [f(4, 5)], run: (x) => tf.clipByValue(x, -0.5, 0.25) },
  { kernel: 'Select', inputs: [bool(3, 4), f(3, 4), f(3, 4)], run: (c, a, b) => tf.where(c, a, b) },
  { kernel: 'Select', inputs: [bool(3, 1), f(3, 4), f(3, 4)], run: (c, a, b) => tf.where(c, a, b) },
  {
    kernel: 'Concat',
    inputs: [f(2, 3), f(2, 5), f(2, 0)],
    run: (a, b, c) => tf.concat([a, b, c], 1),
  },
  { kernel: 'Concat', inputs: [int(9, 2, 3), int(9, 1, 3)], run: (a, b) => tf.concat([a, b], 0) },
  {
    kernel: 'Pack',
    inputs: [f(2, 3), f(2, 3)],
    run: (a, b) => [tf.stack([a, b]), tf.stack([a, b], 2)],
  },
  { kernel: 'Unpack', inputs: [f(3, 2, 4)], run: (x) => tf.unstack(x, 1) },
  { kernel: 'AddN', inputs: [f(2, 3), f(2, 3), f(2, 3)], run: (a, b, c) => tf.addN([a, b, c]) },
  {
    kernel: 'SplitV',
    inputs: [f(4, 6)],
    run: (x) => [...tf.split(x, [1, 2, -1], 1), ...tf.split(x, 2, 0)],
  },
  {
    kernel: 'Slice',
    inputs: [f(4, 6, 3)],
    run: (x) => [tf.slice(x, [1, 2, 0], [2, -1, 2]), tf.slice(x, 1)],
  },
  {
    kernel: 'GatherV2',
    inputs: [f(5, 3), int(5, 2, 4), int(3, 4)],
    run: (x, i, j) => [tf.gather(x, i), tf.gather(x, j, 1)],
  },
  {
    kernel: 'UnsortedSegmentSum',
    inputs: [f(6, 3), int(4, 6)],
    run: (x, s) => tf.unsortedSegmentSum(x, s as tf.Tensor1D, 4),
  },
  {
    kernel: 'OneHot',
    inputs: [int(5, 6)],
    run: (i) => [
      tf.oneHot(tf.sub(i, tf.scalar(1, 'int32')) as tf.Tensor1D, 4),
      tf.oneHot(i as tf.Tensor1D, 5, 2, -1, 'float32'),
    ],
  },
  {
    kernel: 'Fill',
    inputs: [],
    run: () => [tf.fill([2, 3], 1.5), tf.fill([4], 7, 'int32'), tf.zeros([3], 'bool')],
  },
  { kernel: 'Tile', inputs: [f(2, 3)], run: (x) => tf.tile(x, [2, 3]) },
  {
    kernel: 'PadV2',
    inputs: [f(2, 3)],
    run: (x) =>
      tf.pad(
        x,
        [
          [1, 0],
          [2, 1],
        ],
        0.5,
      ),
  },
];

function make(spec: Spec, rng: Rng): tf.Tensor {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const lo = spec.lo ?? -2;
  const hi = spec.hi ?? 2;
  if (spec.dtype === 'int32')
    return tf.tensor(
      Int32Array.from({ length: n }, () => lo + (rng.nextU32() % (hi - lo))),
      spec.shape,
      'int32',
    );
  if (spec.dtype === 'bool')
    return tf.tensor(
      Uint8Array.from({ length: n }, () => rng.nextU32() % 2),
      spec.shape,
      'bool',
    );
  return tf.tensor(
    Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.next()),
    spec.shape,
  );
}

interface Result {
  shape: number[];
  dtype: string;
  values: number[];
}

function runOn(backend: string, c: Case, seed: number): Result[] {
  tf.setBackend(backend);
  return tf.tidy(() => {
    const rng = new Rng(seed);
    const xs = c.inputs.map((s) => make(s, rng));
    const out = c.run(...xs);
    return (Array.isArray(out) ? out : [out]).map((t) => ({
      shape: t.shape.slice(),
      dtype: t.dtype,
      values: Array.from(t.dataSync() as ArrayLike<number>),
    }));
  });
}

describe(
  'torch backend kernels against the cpu backend',
  { skip: !built && 'the torch addon is not built' },
  () => {
    const exercised = new Set<string>();
    before(async () => {
      registerTorchBackend();
      await tf.setBackend('torch');
      const engine = tf.engine() as unknown as {
        runKernel: (n: string, ...r: unknown[]) => unknown;
      };
      const orig = engine.runKernel.bind(engine);
      engine.runKernel = (name: string, ...rest: unknown[]) => {
        if (tf.getBackend() === 'torch') exercised.add(name);
        return orig(name, ...rest);
      };
    });

    CASES.forEach((c, i) => {
      test(`${c.kernel} #${i}`, () => {
        const want = runOn('cpu', c, 100 + i);
        const tensorsBefore = tf.memory().numTensors;
        const got = runOn('torch', c, 100 + i);
        assert.equal(tf.memory().numTensors, tensorsBefore, 'no tensor left behind');
        assert.equal(got.length, want.length);
        got.forEach((g, k) => {
          const w = want[k]!;
          assert.deepEqual(g.shape, w.shape, `output ${k} shape`);
          assert.equal(g.dtype, w.dtype, `output ${k} dtype`);
          g.values.forEach((v, j) => {
            const e = w.values[j]!;
            const ok = Number.isNaN(e)
              ? Number.isNaN(v)
              : Math.abs(v - e) <= 1e-5 + 1e-5 * Math.abs(e);
            assert.ok(ok, `output ${k}[${j}]: torch ${v}, cpu ${e}`);
          });
        });
      });
    });

    test('every registered kernel was exercised', () => {
      const missing = torchKernelNames().filter((n) => !exercised.has(n));
      assert.deepEqual(missing, []);
    });

    test('libtorch tensors are released with their tfjs tensors', async () => {
      const { torchLiveTensors } = await import('../../src/engine/torch');
      tf.setBackend('torch');
      const live = torchLiveTensors()!;
      const t = tf.tidy(() => tf.matMul(tf.ones([4, 4]), tf.ones([4, 4])));
      assert.equal(torchLiveTensors(), live + 1);
      t.dispose();
      assert.equal(torchLiveTensors(), live);
    });
  },
);
