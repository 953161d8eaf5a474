/**
 * Tensor building blocks with gradients shaped around the slow paths of the wasm backend
 * (measured on a 2-core x86 machine, tfjs 4.22, see docs/engine.md):
 *  - 2D matMul runs at ~23 GFLOP/s, but with a transposed operand at 1-2 GFLOP/s, and tfjs's own
 *    matMul gradient uses transposed operands. `linear` transposes explicitly instead (a cheap copy).
 *  - gather has no gradient kernel (UnsortedSegmentSum is missing). `gatherRows` scatters the
 *    gradient itself where the kernel is absent.
 *  - any batched matMul (batch > 1) takes a slow path (~2 GFLOP/s); attention is the only user.
 */
import * as tf from '@tensorflow/tfjs-core';
import { prefersExplicitTranspose } from './backend';
import { FUSED } from './torch/fused';

/**
 * Whether the active backend registers the fused kernel `name` (the torch backend does; see
 * src/engine/torch/fused.ts). Callers fall back to the tfjs composition otherwise; both paths are
 * tested against each other. RZERO_FUSED=0 turns the fused kernels off (for those tests and for
 * measuring what they gain).
 */
export function hasFused(name: string): boolean {
  if (process.env.RZERO_FUSED === '0') return false;
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

function runFused(name: string, inputs: tf.Tensor[] | Record<string, tf.Tensor>, attrs = {}) {
  return tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs) as
    tf.Tensor | tf.Tensor[];
}

type GradFn = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
/** tf.customGrad with the argument types spelled out (its own typing takes a rest parameter). */
function custom<A extends tf.Tensor[]>(
  f: (...args: [...A, tf.GradSaveFunc]) => { value: tf.Tensor; gradFunc: GradFn },
): (...args: A) => tf.Tensor {
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (
    ...args: A
  ) => tf.Tensor;
}

/** y[N, out] = x[N, in] @ w[in, out]. */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  if (!prefersExplicitTranspose()) return tf.matMul(x, w);
  return linearExplicit(x, w) as tf.Tensor2D;
}

const linearExplicit = custom<[tf.Tensor, tf.Tensor]>((x, w, save) => {
  save([x, w]);
  return {
    value: tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      const d = dy as tf.Tensor2D;
      return [tf.matMul(d, tf.transpose(ws)), tf.matMul(tf.transpose(xs), d)];
    },
  };
});

/**
 * Batched product a[G, M, K] @ b[G, K, N] (or b^T when transposeB, b[G, N, K]) -> [G, M, N].
 * On wasm every batched matMul takes the same slow path whatever the transposes; looping over 2D
 * slices was measured slower still (unstack/stack dominate), so this stays one kernel call.
 */
export function batchMatMul(a: tf.Tensor3D, b: tf.Tensor3D, transposeB = false): tf.Tensor3D {
  return tf.matMul(a, b, false, transposeB);
}

/** Whether the active backend has a gradient kernel for gather. */
function hasSegmentSum(): boolean {
  return tf.getKernel('UnsortedSegmentSum', tf.getBackend()) !== undefined;
}

/**
 * rows[M, C] = table[R, C][idx]. The gradient scatters dy back into a zero [R, C] table: with
 * UnsortedSegmentSum when the backend has it, else on the host (O(M*C), fine for CPU backends
 * whose data already lives in host memory).
 */
export function gatherRows(table: tf.Tensor2D, idx: Int32Array): tf.Tensor2D {
  const [R, C] = table.shape;
  const f = custom<[tf.Tensor]>((t, save) => {
    // Saved tensors outlive the forward tidy until the backward pass has run.
    const idxT = tf.tensor1d(idx, 'int32');
    save([idxT]);
    return {
      value: tf.gather(t, idxT),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        if (hasSegmentSum()) return tf.unsortedSegmentSum(dy, saved[0] as tf.Tensor1D, R);
        const g = new Float32Array(R * C);
        const d = dy.dataSync() as Float32Array;
        for (let m = 0; m < idx.length; m++) {
          const src = m * C;
          const dst = idx[m]! * C;
          for (let c = 0; c < C; c++) g[dst + c]! += d[src + c]!;
        }
        return tf.tensor2d(g, [R, C]);
      },
    };
  });
  return f(table) as tf.Tensor2D;
}

/** RMSNorm over the last axis: x * rsqrt(mean(x^2) + eps) * w. */
export function rmsNorm<T extends tf.Tensor>(x: T, w: tf.Tensor1D, eps: number): T {
  if (hasFused(FUSED.rmsNorm)) return rmsNormFused(x, w, eps) as T;
  return tf.tidy(() => {
    const ms = tf.mean(tf.square(x), -1, true);
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, eps))), w) as T;
  });
}

const rmsNormFused = (x: tf.Tensor, w: tf.Tensor, eps: number): tf.Tensor =>
  custom<[tf.Tensor, tf.Tensor]>((xi, wi, save) => {
    const [y, rstd] = runFused(FUSED.rmsNorm, { x: xi, w: wi }, { eps }) as tf.Tensor[];
    save([xi, wi, rstd!]);
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        runFused(FUSED.rmsNormGrad, {
          dy,
          x: saved[0]!,
          w: saved[1]!,
          rstd: saved[2]!,
        }) as tf.Tensor[],
    };
  })(x, w);

/** SiLU(g) * u, the SwiGLU gate. */
export function swiglu(g: tf.Tensor2D, u: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.mul(tf.mul(g, tf.sigmoid(g)), u));
}

/**
 * Log-probability of `targets` under softmax(logits): [N, V] x [N] -> [N].
 * The gradient is written directly (dy * (onehot - softmax)), avoiding a gather and its
 * missing gradient kernel.
 */
export function tokenLogProbs(logits: tf.Tensor2D, targets: Int32Array): tf.Tensor1D {
  if (hasFused(FUSED.tokenLogProbs)) return tokenLogProbsFused(logits, targets);
  const V = logits.shape[1];
  const f = custom<[tf.Tensor]>((l, save) => {
    // tfjs-wasm 4.22 writes int bit patterns for oneHot(..., 'float32') (1 -> 1.4e-45): build it as
    // int32 and cast (test/engine/ops.test.ts pins this).
    const oneHot = tf.cast(tf.oneHot(tf.tensor1d(targets, 'int32'), V), 'float32');
    const lse = tf.logSumExp(l, -1);
    const picked = tf.sum(tf.mul(l, oneHot), -1);
    save([l, oneHot, lse]);
    return {
      value: tf.sub(picked, lse),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [ls, oh, lses] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
        const probs = tf.exp(tf.sub(ls, tf.expandDims(lses, -1)));
        return tf.mul(tf.expandDims(dy, -1), tf.sub(oh, probs));
      },
    };
  });
  return f(logits) as tf.Tensor1D;
}

function tokenLogProbsFused(logits: tf.Tensor2D, targets: Int32Array): tf.Tensor1D {
  const f = custom<[tf.Tensor]>((l, save) => {
    const t = tf.tensor1d(targets, 'int32');
    const [logp, lse] = runFused(FUSED.tokenLogProbs, { logits: l, targets: t }) as tf.Tensor[];
    save([l, t, lse!]);
    return {
      value: logp!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        runFused(FUSED.tokenLogProbsGrad, {
          dy,
          logits: saved[0]!,
          targets: saved[1]!,
          lse: saved[2]!,
        }) as tf.Tensor,
    };
  });
  return f(logits) as tf.Tensor1D;
}

/**
 * Attention over grouped heads: softmax(q k^T + bias) v, with q [G, M, hd] already scaled,
 * k and v [G, Tk, hd], and an additive bias [B, 1, T, Tk] where G = B * nkv and M = rep * T
 * (the rows of G are batch-major, so the bias broadcasts over the nkv * rep heads). -> [G, M, hd]
 */
export function attentionCore(
  q: tf.Tensor3D,
  k: tf.Tensor3D,
  v: tf.Tensor3D,
  bias: tf.Tensor4D,
): tf.Tensor3D {
  const [G, M] = q.shape;
  const Tk = k.shape[1];
  const [B, , T] = bias.shape;
  if (hasFused(FUSED.attention)) {
    return custom<[tf.Tensor, tf.Tensor, tf.Tensor]>((qi, ki, vi, save) => {
      const [ctx, probs] = runFused(FUSED.attention, { q: qi, k: ki, v: vi, bias }) as tf.Tensor[];
      save([qi, ki, vi, probs!]);
      return {
        value: ctx!,
        gradFunc: (dy: tf.Tensor, s: tf.Tensor[]) =>
          runFused(FUSED.attentionGrad, {
            dy,
            q: s[0]!,
            k: s[1]!,
            v: s[2]!,
            probs: s[3]!,
          }) as tf.Tensor[],
      };
    })(q, k, v) as tf.Tensor3D;
  }
  return tf.tidy(() => {
    const heads = (G * M) / (B * T);
    const scores = tf.add(tf.reshape(batchMatMul(q, k, true), [B, heads, T, Tk]), bias);
    const probs = tf.reshape(tf.softmax(scores), [G, M, Tk]) as tf.Tensor3D;
    return batchMatMul(probs, v);
  });
}

/**
 * Rotary tables for the given positions, rotate_half convention (GPT-NeoX / Llama):
 * inv_freq_j = theta^(-2j/hd), angle = pos * inv_freq, emb = [angle, angle].
 * positions: one per row of the flattened batch. Returns cos, sin as [rows, hd].
 */
export function rotaryTables(
  positions: Int32Array,
  headDim: number,
  theta: number,
): { cos: Float32Array; sin: Float32Array } {
  const half = headDim / 2;
  const invFreq = new Float32Array(half);
  for (let j = 0; j < half; j++) invFreq[j] = 1 / Math.pow(theta, (2 * j) / headDim);
  const cos = new Float32Array(positions.length * headDim);
  const sin = new Float32Array(positions.length * headDim);
  for (let r = 0; r < positions.length; r++) {
    const p = positions[r]!;
    for (let j = 0; j < half; j++) {
      // float32 angle as in the reference implementations (inv_freq and positions in float32).
      const a = Math.fround(p * invFreq[j]!);
      const c = Math.cos(a);
      const s = Math.sin(a);
      cos[r * headDim + j] = c;
      cos[r * headDim + j + half] = c;
      sin[r * headDim + j] = s;
      sin[r * headDim + j + half] = s;
    }
  }
  return { cos, sin };
}

/**
 * Rotary embedding on [B, T, heads, hd]: x * cos + rotate_half(x) * sin, with cos/sin
 * [B, T, 1, hd] and `rotate` the rotateHalfMatrix (the composition runs rotate_half as one 2D
 * product, the fast path on wasm).
 */
export function rope(
  x: tf.Tensor4D,
  cos: tf.Tensor4D,
  sin: tf.Tensor4D,
  rotate: tf.Tensor2D,
): tf.Tensor4D {
  if (hasFused(FUSED.rope)) {
    return custom<[tf.Tensor]>((xi, save) => {
      // Saved so they outlive the forward pass's tidy until the backward pass has run.
      save([cos, sin]);
      return {
        value: runFused(FUSED.rope, { x: xi, cos, sin }) as tf.Tensor,
        gradFunc: (dy: tf.Tensor, s: tf.Tensor[]) =>
          runFused(FUSED.ropeGrad, { dy, cos: s[0]!, sin: s[1]! }) as tf.Tensor,
      };
    })(x) as tf.Tensor4D;
  }
  return tf.tidy(() => {
    const [B, T, n, hd] = x.shape;
    const rotated = tf.reshape(linear(tf.reshape(x, [B * T * n, hd]) as tf.Tensor2D, rotate), [
      B,
      T,
      n,
      hd,
    ]);
    return tf.add(tf.mul(x, cos), tf.mul(rotated, sin)) as tf.Tensor4D;
  });
}

/** rotate_half as a constant [hd, hd] matrix so it runs as one fast 2D product: x @ R. */
export function rotateHalfMatrix(headDim: number): Float32Array {
  const half = headDim / 2;
  const r = new Float32Array(headDim * headDim);
  // out[j] = -x[j + half] for j < half; out[j] = x[j - half] for j >= half.
  for (let j = 0; j < half; j++) {
    r[(j + half) * headDim + j] = -1;
    r[j * headDim + (j + half)] = 1;
  }
  return r;
}
