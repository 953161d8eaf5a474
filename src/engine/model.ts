/**
 * Llama / Qwen2 / Qwen3 causal language model on tfjs-core.
 *
 * Parameters live in the engine's layout, not Hugging Face's: projections are stored [in, out] so
 * every forward product is a plain 2D matMul (the fast path on wasm), q/k/v are fused into one
 * [H, (nh + 2 nkv) hd] matrix and gate/up into one [H, 2I] matrix. `fromHfWeights`/`toHfWeights`
 * convert at the boundary, so checkpoints stay in the Hugging Face layout.
 *
 * Shapes: B batch rows, T new tokens, Tc cached tokens, H hidden, nh/nkv query/kv heads, hd head
 * width, rep = nh / nkv, I intermediate, V vocabulary. Activations flow as 2D [B*T, H].
 */
import * as tf from '@tensorflow/tfjs-core';
import { prefersExplicitTranspose } from './backend';
import type { ModelConfig } from './config';
import {
  attentionCore,
  gatherRows,
  linear,
  rmsNorm,
  rope as applyRotary,
  rotaryTables,
  rotateHalfMatrix,
  swiglu,
} from './ops';

export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

export interface LayerParams {
  inputNorm: tf.Variable; // [H]
  wqkv: tf.Variable; // [H, (nh + 2 nkv) hd]
  bqkv: tf.Variable | null; // [(nh + 2 nkv) hd], Qwen2
  qNorm: tf.Variable | null; // [hd], Qwen3
  kNorm: tf.Variable | null; // [hd], Qwen3
  wo: tf.Variable; // [nh hd, H]
  postNorm: tf.Variable; // [H]
  wGateUp: tf.Variable; // [H, 2I]
  wDown: tf.Variable; // [I, H]
}

export interface ModelParams {
  embed: tf.Variable; // [V, H]
  layers: LayerParams[];
  norm: tf.Variable; // [H]
  lmHead: tf.Variable | null; // [H, V] when untied
}

/** A batch of token rows as the model consumes it: row-major [B, T] ids and 0/1 mask. */
export interface TokenBatch {
  ids: Int32Array;
  mask: Uint8Array;
  batch: number;
  length: number;
}

/** Past keys/values per layer ([B*nkv, Tc, hd], post-rotary) plus what is needed to extend them. */
export class KVCache {
  keys: tf.Tensor3D[] = [];
  values: tf.Tensor3D[] = [];
  /** Key mask of every cached position, [B, Tc] row-major. */
  mask: Uint8Array = new Uint8Array(0);
  /** Next rotary position per row. */
  nextPos: Int32Array;
  length = 0;
  constructor(readonly batch: number) {
    this.nextPos = new Int32Array(batch);
  }
  dispose(): void {
    tf.dispose([...this.keys, ...this.values]);
    this.keys = [];
    this.values = [];
  }
}

let nextModelId = 0;

export class CausalLM {
  private readonly rotate: tf.Tensor2D;

  constructor(
    readonly config: ModelConfig,
    readonly params: ModelParams,
  ) {
    this.rotate = tf.keep(
      tf.tensor2d(rotateHalfMatrix(config.headDim), [config.headDim, config.headDim]),
    );
  }

  /** Builds the model from Hugging Face tensors (names and [out, in] layouts as in the checkpoint). */
  static fromHfWeights(
    config: ModelConfig,
    weights: Map<string, HostTensor>,
    trainable = true,
  ): CausalLM {
    const get = (name: string): HostTensor => {
      const t = weights.get(name);
      if (!t) throw new Error(`weights: missing tensor "${name}"`);
      return t;
    };
    // tfjs variable names are global: prefix them with a per-instance id.
    const scope = `m${nextModelId++}`;
    const v = (data: Float32Array, shape: number[], name: string): tf.Variable => {
      const init = tf.tensor(data, shape);
      const variable = tf.variable(init, trainable, `${scope}/${name}`);
      init.dispose(); // the variable holds its own reference to the data
      return variable;
    };
    const {
      hiddenSize: H,
      intermediateSize: I,
      headDim: hd,
      numHeads: nh,
      numKvHeads: nkv,
    } = config;
    const qkvOut = (nh + 2 * nkv) * hd;
    const layers: LayerParams[] = [];
    for (let i = 0; i < config.numLayers; i++) {
      const p = `model.layers.${i}`;
      const att = `${p}.self_attn`;
      const wqkv = concatColumns(
        [get(`${att}.q_proj.weight`), get(`${att}.k_proj.weight`), get(`${att}.v_proj.weight`)].map(
          transposeHost,
        ),
        H,
      );
      const bqkv = config.qkvBias
        ? concat1d([
            get(`${att}.q_proj.bias`).data,
            get(`${att}.k_proj.bias`).data,
            get(`${att}.v_proj.bias`).data,
          ])
        : null;
      layers.push({
        inputNorm: v(get(`${p}.input_layernorm.weight`).data, [H], `${p}.inputNorm`),
        wqkv: v(wqkv, [H, qkvOut], `${p}.wqkv`),
        bqkv: bqkv ? v(bqkv, [qkvOut], `${p}.bqkv`) : null,
        qNorm: config.qkNorm ? v(get(`${att}.q_norm.weight`).data, [hd], `${p}.qNorm`) : null,
        kNorm: config.qkNorm ? v(get(`${att}.k_norm.weight`).data, [hd], `${p}.kNorm`) : null,
        wo: v(transposeHost(get(`${att}.o_proj.weight`)).data, [nh * hd, H], `${p}.wo`),
        postNorm: v(get(`${p}.post_attention_layernorm.weight`).data, [H], `${p}.postNorm`),
        wGateUp: v(
          concatColumns(
            [get(`${p}.mlp.gate_proj.weight`), get(`${p}.mlp.up_proj.weight`)].map(transposeHost),
            H,
          ),
          [H, 2 * I],
          `${p}.wGateUp`,
        ),
        wDown: v(transposeHost(get(`${p}.mlp.down_proj.weight`)).data, [I, H], `${p}.wDown`),
      });
    }
    const params: ModelParams = {
      embed: v(get('model.embed_tokens.weight').data, [config.vocabSize, H], 'embed'),
      layers,
      norm: v(get('model.norm.weight').data, [H], 'norm'),
      lmHead: config.tieWordEmbeddings
        ? null
        : v(transposeHost(get('lm_head.weight')).data, [H, config.vocabSize], 'lmHead'),
    };
    return new CausalLM(config, params);
  }

  /** The parameters back in Hugging Face names and layouts (copied to host memory). */
  toHfWeights(): Map<string, HostTensor> {
    const { intermediateSize: I, headDim: hd, numHeads: nh, numKvHeads: nkv } = this.config;
    const out = new Map<string, HostTensor>();
    const host = (t: tf.Tensor): HostTensor => ({
      shape: t.shape.slice(),
      data: t.dataSync() as Float32Array,
    });
    out.set('model.embed_tokens.weight', host(this.params.embed));
    this.params.layers.forEach((l, i) => {
      const p = `model.layers.${i}`;
      const att = `${p}.self_attn`;
      out.set(`${p}.input_layernorm.weight`, host(l.inputNorm));
      const [q, k, vv] = splitColumns(host(l.wqkv), [nh * hd, nkv * hd, nkv * hd]);
      out.set(`${att}.q_proj.weight`, transposeHost(q!));
      out.set(`${att}.k_proj.weight`, transposeHost(k!));
      out.set(`${att}.v_proj.weight`, transposeHost(vv!));
      if (l.bqkv) {
        const b = l.bqkv.dataSync() as Float32Array;
        out.set(`${att}.q_proj.bias`, { shape: [nh * hd], data: b.slice(0, nh * hd) });
        out.set(`${att}.k_proj.bias`, {
          shape: [nkv * hd],
          data: b.slice(nh * hd, (nh + nkv) * hd),
        });
        out.set(`${att}.v_proj.bias`, { shape: [nkv * hd], data: b.slice((nh + nkv) * hd) });
      }
      out.set(`${att}.o_proj.weight`, transposeHost(host(l.wo)));
      if (l.qNorm) out.set(`${att}.q_norm.weight`, host(l.qNorm));
      if (l.kNorm) out.set(`${att}.k_norm.weight`, host(l.kNorm));
      out.set(`${p}.post_attention_layernorm.weight`, host(l.postNorm));
      const [g, u] = splitColumns(host(l.wGateUp), [I, I]);
      out.set(`${p}.mlp.gate_proj.weight`, transposeHost(g!));
      out.set(`${p}.mlp.up_proj.weight`, transposeHost(u!));
      out.set(`${p}.mlp.down_proj.weight`, transposeHost(host(l.wDown)));
    });
    out.set('model.norm.weight', host(this.params.norm));
    if (this.params.lmHead) out.set('lm_head.weight', transposeHost(host(this.params.lmHead)));
    return out;
  }

  /** Every trainable variable, in a fixed order (optimizer state follows it). */
  variables(): tf.Variable[] {
    const p = this.params;
    const vs: tf.Variable[] = [p.embed];
    for (const l of p.layers) {
      vs.push(l.inputNorm, l.wqkv, l.wo, l.postNorm, l.wGateUp, l.wDown);
      if (l.bqkv) vs.push(l.bqkv);
      if (l.qNorm) vs.push(l.qNorm);
      if (l.kNorm) vs.push(l.kNorm);
    }
    vs.push(p.norm);
    if (p.lmHead) vs.push(p.lmHead);
    return vs;
  }

  /** A deep copy with its own variables (e.g. the frozen reference model of a GRPO phase). */
  clone(trainable = false): CausalLM {
    return CausalLM.fromHfWeights(this.config, this.toHfWeights(), trainable);
  }

  dispose(): void {
    tf.dispose(this.variables());
    this.rotate.dispose();
  }

  /**
   * Final hidden states after the last norm: [B*T, H]. With a cache, the new tokens attend to the
   * cached ones and the cache is extended (its tensors are kept outside the caller's tidy).
   */
  hidden(batch: TokenBatch, cache?: KVCache): tf.Tensor2D {
    const { batch: B, length: T } = batch;
    const c = this.config;
    const past = cache?.length ?? 0;
    const positions = past > 0 ? continuePositions(batch, cache!) : positionsFromMask(batch);
    if (cache && past === 0) seedPositions(batch, cache);
    const keyMask = cache ? concatMask(cache.mask, past, batch) : batch.mask;
    const out = tf.tidy(() => {
      const { cos, sin } = rotaryTables(positions, c.headDim, c.ropeTheta);
      const rope = {
        cos: tf.tensor(cos, [B, T, 1, c.headDim]) as tf.Tensor4D,
        sin: tf.tensor(sin, [B, T, 1, c.headDim]) as tf.Tensor4D,
      };
      const bias = tf.tensor(attentionBias(keyMask, B, T, past), [
        B,
        1,
        T,
        past + T,
      ]) as tf.Tensor4D;
      let x = gatherRows(this.params.embed as tf.Tensor2D, batch.ids); // [B*T, H]
      this.params.layers.forEach((layer, i) => {
        x = this.block(layer, i, x, B, T, rope, bias, cache);
      });
      return rmsNorm(x, this.params.norm as tf.Tensor1D, c.rmsNormEps);
    });
    if (cache) {
      cache.mask = keyMask;
      cache.length += T;
    }
    return out;
  }

  /**
   * Logits for hidden rows: [N, H] -> [N, V]. `head` may pass a precomputed `headMatrix()` so
   * repeated calls with unchanged weights (decoding) skip re-transposing a tied embedding.
   */
  logits(h: tf.Tensor2D, head?: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      if (head) return linear(h, head);
      // A tied head on a backend with fast transposed products: h @ embed^T directly, so the
      // embedding's gradient comes out [V, H] like the gather's, not as a transposed [H, V] that
      // must be added to it across strides (measured on the Qwen2.5-0.5B shape: that add took 1 s).
      if (!this.params.lmHead && !prefersExplicitTranspose())
        return tf.matMul(h, this.params.embed as tf.Tensor2D, false, true);
      return linear(h, this.headMatrix());
    });
  }

  /** The LM head as [H, V]: the untied weight, or the transposed embedding (a new tensor). */
  headMatrix(): tf.Tensor2D {
    return (this.params.lmHead ?? tf.transpose(this.params.embed)) as tf.Tensor2D;
  }

  private block(
    l: LayerParams,
    index: number,
    x: tf.Tensor2D,
    B: number,
    T: number,
    rope: { cos: tf.Tensor4D; sin: tf.Tensor4D },
    bias: tf.Tensor4D,
    cache?: KVCache,
  ): tf.Tensor2D {
    const c = this.config;
    const h = rmsNorm(x, l.inputNorm as tf.Tensor1D, c.rmsNormEps);
    const attn = this.attention(l, index, h, B, T, rope, bias, cache);
    const x1 = tf.add(x, attn) as tf.Tensor2D;
    const h2 = rmsNorm(x1, l.postNorm as tf.Tensor1D, c.rmsNormEps);
    const gu = linear(h2, l.wGateUp as tf.Tensor2D); // [B*T, 2I]
    const [g, u] = tf.split(gu, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    const mlp = linear(swiglu(g, u), l.wDown as tf.Tensor2D);
    return tf.add(x1, mlp) as tf.Tensor2D;
  }

  private attention(
    l: LayerParams,
    index: number,
    h: tf.Tensor2D,
    B: number,
    T: number,
    rope: { cos: tf.Tensor4D; sin: tf.Tensor4D },
    bias: tf.Tensor4D,
    cache?: KVCache,
  ): tf.Tensor2D {
    const { numHeads: nh, numKvHeads: nkv, headDim: hd } = this.config;
    const rep = nh / nkv;
    let qkv = linear(h, l.wqkv as tf.Tensor2D); // [B*T, (nh + 2 nkv) hd]
    if (l.bqkv) qkv = tf.add(qkv, l.bqkv);
    const [q0, k0, v0] = tf.split(qkv, [nh * hd, nkv * hd, nkv * hd], 1);
    let q = tf.reshape(q0!, [B, T, nh, hd]) as tf.Tensor4D;
    let k = tf.reshape(k0!, [B, T, nkv, hd]) as tf.Tensor4D;
    if (l.qNorm) q = rmsNorm(q, l.qNorm as tf.Tensor1D, this.config.rmsNormEps);
    if (l.kNorm) k = rmsNorm(k, l.kNorm as tf.Tensor1D, this.config.rmsNormEps);
    // Fold 1/sqrt(hd) into q: fewer elements than the scores.
    q = tf.mul(this.applyRope(q, rope), 1 / Math.sqrt(hd));
    k = this.applyRope(k, rope);
    // Group the rep query heads that share a kv head along the row axis: no kv repetition.
    const qg = tf.reshape(tf.transpose(tf.reshape(q, [B, T, nkv, rep, hd]), [0, 2, 3, 1, 4]), [
      B * nkv,
      rep * T,
      hd,
    ]) as tf.Tensor3D;
    let kg = tf.reshape(tf.transpose(k, [0, 2, 1, 3]), [B * nkv, T, hd]) as tf.Tensor3D;
    let vg = tf.reshape(tf.transpose(tf.reshape(v0!, [B, T, nkv, hd]), [0, 2, 1, 3]), [
      B * nkv,
      T,
      hd,
    ]) as tf.Tensor3D;
    if (cache) [kg, vg] = this.extendCache(cache, index, kg, vg);
    const ctx = attentionCore(qg, kg, vg, bias); // [B*nkv, rep*T, hd]
    const merged = tf.reshape(
      tf.transpose(tf.reshape(ctx, [B, nkv, rep, T, hd]), [0, 3, 1, 2, 4]),
      [B * T, nh * hd],
    ) as tf.Tensor2D;
    return linear(merged, l.wo as tf.Tensor2D);
  }

  /** x * cos + rotate_half(x) * sin on [B, T, heads, hd]. */
  private applyRope(x: tf.Tensor4D, rope: { cos: tf.Tensor4D; sin: tf.Tensor4D }): tf.Tensor4D {
    return applyRotary(x, rope.cos, rope.sin, this.rotate);
  }

  private extendCache(
    cache: KVCache,
    index: number,
    k: tf.Tensor3D,
    v: tf.Tensor3D,
  ): [tf.Tensor3D, tf.Tensor3D] {
    const pk = cache.keys[index];
    const pv = cache.values[index];
    const nk = pk ? (tf.concat([pk, k], 1) as tf.Tensor3D) : k;
    const nv = pv ? (tf.concat([pv, v], 1) as tf.Tensor3D) : v;
    tf.keep(nk);
    tf.keep(nv);
    if (pk) pk.dispose();
    if (pv) pv.dispose();
    cache.keys[index] = nk;
    cache.values[index] = nv;
    return [nk, nv];
  }
}

/** Positions from the mask (cumsum - 1, clamped at 0), so left padding does not shift them. */
export function positionsFromMask(batch: TokenBatch): Int32Array {
  const { batch: B, length: T, mask } = batch;
  const pos = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    let seen = 0;
    for (let t = 0; t < T; t++) {
      if (mask[b * T + t]) seen++;
      pos[b * T + t] = Math.max(0, seen - 1);
    }
  }
  return pos;
}

/** Positions of new tokens after a cache, advancing cache.nextPos for masked-in tokens. */
function continuePositions(batch: TokenBatch, cache: KVCache): Int32Array {
  const { batch: B, length: T, mask } = batch;
  const pos = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      pos[b * T + t] = cache.nextPos[b]!;
      if (mask[b * T + t]) cache.nextPos[b]!++;
    }
  }
  return pos;
}

/** The cache's key mask extended by the new tokens' mask: [B, Tc + T]. */
function concatMask(past: Uint8Array, Tc: number, batch: TokenBatch): Uint8Array {
  const { batch: B, length: T } = batch;
  const out = new Uint8Array(B * (Tc + T));
  for (let b = 0; b < B; b++) {
    out.set(past.subarray(b * Tc, (b + 1) * Tc), b * (Tc + T));
    out.set(batch.mask.subarray(b * T, (b + 1) * T), b * (Tc + T) + Tc);
  }
  return out;
}

/**
 * Additive attention bias [B, 1, T, Tc + T]: 0 where key j is visible to query i (j <= Tc + i and
 * key j is not padding), a large negative value elsewhere. A query always sees itself, so rows of
 * padding never divide by zero.
 */
export function attentionBias(keyMask: Uint8Array, B: number, T: number, Tc: number): Float32Array {
  const Tk = Tc + T;
  const out = new Float32Array(B * T * Tk);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < T; i++) {
      const row = (b * T + i) * Tk;
      const qi = Tc + i;
      for (let j = 0; j < Tk; j++) {
        const visible = j === qi || (j < qi && keyMask[b * Tk + j] === 1);
        out[row + j] = visible ? 0 : -1e9;
      }
    }
  }
  return out;
}

/** After a prefill, each row continues at the number of real tokens it has. */
function seedPositions(batch: TokenBatch, cache: KVCache): void {
  const { batch: B, length: T, mask } = batch;
  for (let b = 0; b < B; b++) {
    let n = 0;
    for (let t = 0; t < T; t++) n += mask[b * T + t]!;
    cache.nextPos[b] = n;
  }
}

function transposeHost(t: HostTensor): HostTensor {
  const [rows, cols] = t.shape as [number, number];
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[c * rows + r] = t.data[r * cols + c]!;
  return { shape: [cols, rows], data: out };
}

/** Concatenates [rows, c_i] matrices along columns. */
function concatColumns(parts: HostTensor[], rows: number): Float32Array {
  const total = parts.reduce((s, p) => s + p.shape[1]!, 0);
  const out = new Float32Array(rows * total);
  let off = 0;
  for (const p of parts) {
    const w = p.shape[1]!;
    for (let r = 0; r < rows; r++) out.set(p.data.subarray(r * w, (r + 1) * w), r * total + off);
    off += w;
  }
  return out;
}

function splitColumns(t: HostTensor, widths: number[]): HostTensor[] {
  const [rows, total] = t.shape as [number, number];
  let off = 0;
  return widths.map((w) => {
    const out = new Float32Array(rows * w);
    for (let r = 0; r < rows; r++)
      out.set(t.data.subarray(r * total + off, r * total + off + w), r * w);
    off += w;
    return { shape: [rows, w], data: out };
  });
}

function concat1d(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
