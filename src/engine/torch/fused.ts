/**
 * Fused kernels of the torch backend. The engine's maths stays in src/engine on tfjs ops; where
 * one op per call was measured too slow (docs/engine.md), ops.ts and trainer.ts call one of these
 * kernels instead when the active backend registers it, and keep the plain tfjs composition for
 * every other backend. test/engine/torch-fused.test.ts checks each kernel, and its gradient,
 * against the composition it replaces.
 *
 *   RzeroTokenLogProbs(+Grad)  log_softmax picked at the targets      (ops.tokenLogProbs)
 *   RzeroRmsNorm(+Grad)        x * rsqrt(mean(x^2) + eps) * w          (ops.rmsNorm)
 *   RzeroRope(+Grad)           x * cos + rotate_half(x) * sin          (ops.rope)
 *   RzeroAttention(+Grad)      softmax(q k^T + bias) v on grouped heads (ops.attentionCore)
 *   RzeroSumSquares            sum of squares of many tensors          (trainer global norm)
 *   RzeroAdamW                 torch's AdamW update of every parameter (trainer AdamW.apply),
 *                              in place where nothing else can see the data
 */
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { TorchBackend } from './backend';
import { BACKEND_NAME } from './kernels';

export const FUSED = {
  tokenLogProbs: 'RzeroTokenLogProbs',
  tokenLogProbsGrad: 'RzeroTokenLogProbsGrad',
  rope: 'RzeroRope',
  ropeGrad: 'RzeroRopeGrad',
  rmsNorm: 'RzeroRmsNorm',
  rmsNormGrad: 'RzeroRmsNormGrad',
  attention: 'RzeroAttention',
  attentionGrad: 'RzeroAttentionGrad',
  sumSquares: 'RzeroSumSquares',
  adamW: 'RzeroAdamW',
} as const;

type Named = Record<string, TensorInfo>;
type Fn = (
  b: TorchBackend,
  inputs: Named & TensorInfo[],
  attrs: NamedAttrMap,
) => TensorInfo[] | TensorInfo;

const same = (b: TorchBackend, slots: number[], like: TensorInfo[]): TensorInfo[] =>
  slots.map((s, i) => b.outputAs(s, like[i]!.shape.slice(), like[i]!.dtype as 'float32'));

const KERNELS: Record<string, Fn> = {
  [FUSED.tokenLogProbs](b, { logits, targets }) {
    const [logp, lse] = b.addon.tokenLogProbs(b.slot(logits!), b.slot(targets!)) as [
      number,
      number,
    ];
    const rows = [logits!.shape[0]!];
    return [b.outputAs(logp, rows, 'float32'), b.outputAs(lse, rows.slice(), 'float32')];
  },
  [FUSED.tokenLogProbsGrad](b, { dy, logits, targets, lse }) {
    return b.output(
      b.addon.tokenLogProbsGrad(b.slot(dy!), b.slot(logits!), b.slot(targets!), b.slot(lse!)),
    );
  },
  [FUSED.rope](b, { x, cos, sin }) {
    return b.output(b.addon.rope(b.slot(x!), b.slot(cos!), b.slot(sin!)));
  },
  [FUSED.ropeGrad](b, { dy, cos, sin }) {
    return b.output(b.addon.ropeGrad(b.slot(dy!), b.slot(cos!), b.slot(sin!)));
  },
  [FUSED.rmsNorm](b, { x, w }, { eps }) {
    const [y, rstd] = b.addon.rmsNorm(b.slot(x!), b.slot(w!), eps as number) as [number, number];
    return [
      b.outputAs(y, x!.shape.slice(), 'float32'),
      b.outputAs(rstd, [...x!.shape.slice(0, -1), 1], 'float32'),
    ];
  },
  [FUSED.rmsNormGrad](b, { dy, x, w, rstd }) {
    const slots = b.addon.rmsNormGrad(b.slot(dy!), b.slot(x!), b.slot(w!), b.slot(rstd!));
    return same(b, slots, [x!, w!]);
  },
  [FUSED.attention](b, { q, k, v, bias }) {
    const [ctx, probs] = b.addon.attention(b.slot(q!), b.slot(k!), b.slot(v!), b.slot(bias!)) as [
      number,
      number,
    ];
    const [G, M] = q!.shape as [number, number, number];
    const Tk = k!.shape[1]!;
    return [
      b.outputAs(ctx, [G, M, v!.shape[2]!], 'float32'),
      b.outputAs(probs, [G, M, Tk], 'float32'),
    ];
  },
  [FUSED.attentionGrad](b, { dy, q, k, v, probs }) {
    const slots = b.addon.attentionGrad(
      b.slot(dy!),
      b.slot(q!),
      b.slot(k!),
      b.slot(v!),
      b.slot(probs!),
    );
    return same(b, slots, [q!, k!, v!]);
  },
  [FUSED.sumSquares](b, inputs) {
    const xs = Array.from(inputs as TensorInfo[]);
    return b.output(b.addon.sumSquares(xs.map((x) => b.slot(x))));
  },
  [FUSED.adamW](b, inputs, attrs) {
    const xs = Array.from(inputs as TensorInfo[]);
    const n = xs.length / 4;
    const slot = (i: number) => b.slot(xs[i]!);
    const range = (from: number) => Array.from({ length: n }, (_, i) => slot(from + i));
    // In place only where no other tfjs tensor shares the parameter's or a moment's data; the
    // addon also checks that no libtorch view of it exists.
    const sole = (i: number) => b.refCount(xs[i]!.dataId) === 1;
    const mayInPlace = Array.from(
      { length: n },
      (_, i) => sole(i) && sole(2 * n + i) && sole(3 * n + i),
    );
    const a = attrs as Record<string, number>;
    const slots = b.addon.adamW(
      range(0),
      range(n),
      range(2 * n),
      range(3 * n),
      a.lr!,
      a.beta1!,
      a.beta2!,
      a.eps!,
      a.weightDecay!,
      a.step!,
      a.gradScale!,
      mayInPlace,
    );
    // Outputs in the order p', m', v'; -1 means "updated in place": the input's data, shared.
    const like = [...xs.slice(0, n), ...xs.slice(2 * n, 4 * n)];
    return slots.map((s, i) => {
      const x = like[i]!;
      return s >= 0 ? b.outputAs(s, x.shape.slice(), x.dtype as 'float32') : b.shared(x);
    });
  },
};

export function fusedKernelConfigs(): KernelConfig[] {
  return Object.entries(KERNELS).map(([kernelName, fn]) => ({
    kernelName,
    backendName: BACKEND_NAME,
    kernelFunc: ({ inputs, backend, attrs }) =>
      fn(
        backend as TorchBackend,
        inputs as unknown as Named & TensorInfo[],
        (attrs ?? {}) as NamedAttrMap,
      ),
  }));
}
