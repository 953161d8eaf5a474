/**
 * Training: AdamW with decoupled weight decay, global gradient-norm clipping, gradient
 * accumulation over micro-batches, and the GRPO policy step of verl as R-Zero runs it
 * (formulas in docs/rzero.md, from verl/trainer/core_algos.py and dp_actor.py).
 *
 * A step leaves tf.memory().numTensors as it found it: gradients, accumulators and every
 * intermediate are disposed; only the optimizer moments persist (created on the first step).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM } from './model';
import { hasFused } from './ops';
import { responseLogProbs } from './scoring';
import { FUSED } from './torch/fused';
import { chunks, packSequences } from './sequences';

export interface AdamWSettings {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Global L2 norm clip; 0 or Infinity disables. */
  maxGradNorm: number;
}

export const DEFAULT_ADAMW: AdamWSettings = {
  lr: 1e-6,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0.01,
  maxGradNorm: 1.0,
};

/** What AdamW.exportState returns and importState takes. */
export interface AdamWState {
  step: number;
  m: { shape: number[]; data: Float32Array }[] | null;
  v: { shape: number[]; data: Float32Array }[] | null;
}

/** One micro-batch's contribution: a scalar already scaled so that the parts sum to the loss. */
export type LossPart = () => tf.Scalar;

export interface StepResult {
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
}

export class AdamW {
  private m: tf.Variable[] | null = null;
  private v: tf.Variable[] | null = null;
  private t = 0;

  constructor(
    private readonly vars: tf.Variable[],
    readonly settings: AdamWSettings,
  ) {}

  get stepCount(): number {
    return this.t;
  }

  /**
   * The optimizer's state for a checkpoint: the step count and both moments of every variable,
   * in the order of the variables (copies; null moments before the first step).
   */
  exportState(): AdamWState {
    const copy = (xs: tf.Variable[] | null) =>
      xs ? xs.map((x) => ({ shape: x.shape.slice(), data: x.dataSync() as Float32Array })) : null;
    return { step: this.t, m: copy(this.m), v: copy(this.v) };
  }

  /** Restores exportState()'s result; shapes must match the variables. */
  importState(state: AdamWState): void {
    const load = (xs: AdamWState['m'], what: string): tf.Variable[] | null => {
      if (xs === null) return null;
      if (xs.length !== this.vars.length)
        throw new RangeError(
          `AdamW state: ${xs.length} ${what} moments for ${this.vars.length} variables`,
        );
      return xs.map((x, i) => {
        const want = this.vars[i]!.shape;
        if (x.shape.length !== want.length || x.shape.some((d, j) => d !== want[j]))
          throw new RangeError(
            `AdamW state: ${what}[${i}] has shape [${x.shape}], variable [${want}]`,
          );
        const init = tf.tensor(x.data, want, 'float32');
        const v = tf.variable(init, false);
        init.dispose();
        return v;
      });
    };
    if (!Number.isInteger(state.step) || state.step < 0)
      throw new RangeError(`AdamW state: step ${state.step}`);
    const m = load(state.m, 'first');
    const v = load(state.v, 'second');
    if ((m === null) !== (v === null)) throw new RangeError('AdamW state: one moment is missing');
    this.dispose();
    this.m = m;
    this.v = v;
    this.t = state.step;
  }

  /**
   * Accumulates gradients of every part, clips the global norm, applies one AdamW update.
   * Same arithmetic as torch.optim.AdamW and torch.nn.utils.clip_grad_norm_.
   */
  step(parts: LossPart[], lrOverride?: number): StepResult {
    const { grads, loss } = this.accumulate(parts);
    try {
      const gradNorm = globalNorm(grads);
      const { maxGradNorm } = this.settings;
      const scale =
        maxGradNorm > 0 && Number.isFinite(maxGradNorm)
          ? Math.min(1, maxGradNorm / (gradNorm + 1e-6))
          : 1;
      if (!Number.isFinite(gradNorm))
        throw new Error(`non-finite gradient norm (${gradNorm}); step skipped`);
      this.apply(grads, scale, lrOverride ?? this.settings.lr);
      return { loss, gradNorm };
    } finally {
      tf.dispose(grads);
    }
  }

  private accumulate(parts: LossPart[]): { grads: tf.Tensor[]; loss: number } {
    let acc: tf.Tensor[] | null = null;
    let loss = 0;
    for (const part of parts) {
      const { value, grads } = tf.variableGrads(part, this.vars);
      loss += value.dataSync()[0]!;
      const gs = this.vars.map((v) => grads[v.name] ?? tf.zerosLike(v));
      value.dispose();
      if (!acc) acc = gs;
      else {
        const prev: tf.Tensor[] = acc;
        acc = prev.map((a, i) => tf.add(a, gs[i]!));
        tf.dispose([...prev, ...gs]);
      }
    }
    if (!acc) throw new Error('AdamW.step: no loss parts');
    return { grads: acc, loss };
  }

  private apply(grads: tf.Tensor[], scale: number, lr: number): void {
    const { beta1, beta2, eps, weightDecay } = this.settings;
    if (!this.m || !this.v) {
      this.m = this.vars.map(zerosVariable);
      this.v = this.vars.map(zerosVariable);
    }
    this.t += 1;
    if (hasFused(FUSED.adamW)) {
      // One kernel for every parameter (same arithmetic, tested against the composition below).
      tf.tidy(() => {
        const n = this.vars.length;
        const out = tf
          .engine()
          .runKernel(
            FUSED.adamW,
            [...this.vars, ...grads, ...this.m!, ...this.v!] as unknown as tf.NamedTensorMap,
            { lr, beta1, beta2, eps, weightDecay, step: this.t, gradScale: scale },
          ) as tf.Tensor[];
        this.vars.forEach((p, i) => {
          p.assign(out[i]!);
          this.m![i]!.assign(out[n + i]!);
          this.v![i]!.assign(out[2 * n + i]!);
        });
      });
      return;
    }
    const bc1 = 1 - Math.pow(beta1, this.t);
    const bc2 = 1 - Math.pow(beta2, this.t);
    tf.tidy(() => {
      this.vars.forEach((p, i) => {
        const g = scale === 1 ? grads[i]! : tf.mul(grads[i]!, scale);
        const m = this.m![i]!;
        const v = this.v![i]!;
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        // torch: p *= 1 - lr*wd; p -= (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps)
        const decayed = weightDecay ? tf.mul(p, 1 - lr * weightDecay) : p;
        const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), eps);
        p.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), lr / bc1)));
      });
    });
  }

  dispose(): void {
    tf.dispose([...(this.m ?? []), ...(this.v ?? [])]);
    this.m = this.v = null;
  }
}

function zerosVariable(like: tf.Tensor): tf.Variable {
  const init = tf.zerosLike(like);
  const v = tf.variable(init, false);
  init.dispose(); // the variable keeps its own reference
  return v;
}

function globalNorm(grads: tf.Tensor[]): number {
  const sq = tf.tidy(() =>
    hasFused(FUSED.sumSquares)
      ? (tf
          .engine()
          .runKernel(FUSED.sumSquares, grads as unknown as tf.NamedTensorMap, {}) as tf.Tensor)
      : tf.addN(grads.map((g) => tf.sum(tf.square(g)))),
  );
  const n = Math.sqrt(sq.dataSync()[0]!);
  sq.dispose();
  return n;
}

// ---------------------------------------------------------------------------------------------
// GRPO (R-Zero / verl): dual-clip PPO policy loss + low_var_kl to a reference, averaged over the
// mini-batch's response tokens ('token-mean') or per sequence then over sequences ('seq-mean').
// One training step of the official code is a rollout batch, then one pass over it in
// mini-batches with one update each (grpoEpoch); the ratio is 1 on the first mini-batch only.

/**
 * How token losses are averaged over a mini-batch. 'token-mean': every response token of the
 * mini-batch weighs the same (verl's masked mean). 'seq-mean': the token mean of each sequence,
 * then the mean over sequences (the official code with micro-batches of one sequence).
 */
export type LossAggregation = 'token-mean' | 'seq-mean';

export interface GrpoSettings {
  /** Lower ratio clip eps (ratio >= 1 - clipLow). */
  clipLow: number;
  /** Upper ratio clip eps (ratio <= 1 + clipHigh). */
  clipHigh: number;
  /** Dual-clip constant c for negative advantages (loss <= -A * c). */
  dualClip: number;
  /** KL loss coefficient beta; 0 disables the KL term (reference log-probs then optional). */
  klCoef: number;
  /** Sampling temperature the log-probs are taken at. */
  temperature: number;
  /** Sequences per forward/backward pass; gradients accumulate across them. */
  microBatchSize: number;
  /** Averaging of token losses over the mini-batch (default 'token-mean'). */
  lossAgg?: LossAggregation;
}

export const DEFAULT_GRPO: GrpoSettings = {
  clipLow: 0.2,
  clipHigh: 0.3,
  dualClip: 3.0,
  klCoef: 0.01,
  temperature: 1,
  microBatchSize: 16,
  lossAgg: 'token-mean',
};

export interface GrpoBatch {
  prompts: number[][];
  responses: number[][];
  /** One advantage per sequence, applied to each of its response tokens. */
  advantages: number[];
  /** Log-probs at sampling time, per response token. */
  oldLogProbs: number[][];
  /** Reference-model log-probs per response token; required when klCoef > 0. */
  refLogProbs?: number[][];
}

/**
 * Metrics of one update. Every mean uses the loss's aggregation (token-mean or seq-mean), so
 * loss = pgLoss + klCoef * kl.
 */
export interface GrpoMetrics {
  loss: number;
  pgLoss: number;
  /** Mean low_var_kl to the reference over response tokens. */
  kl: number;
  /** Share of tokens where the upper clip was active (l1 < l2). */
  clipFracHigher: number;
  /** Share of tokens where the dual clip was active (A < 0 and max(l1, l2) > -cA). */
  clipFracLower: number;
  /** mean(old - new) log-prob. */
  ppoKl: number;
  gradNorm: number;
  tokens: number;
}

/** Sums of the per-token terms of one micro-batch, all as tensors (graph-connected for `loss`). */
interface GrpoTerms {
  loss: tf.Scalar;
  pg: tf.Scalar;
  kl: tf.Scalar;
  clipHigher: tf.Scalar;
  clipLower: tf.Scalar;
  ppoKl: tf.Scalar;
}

/**
 * Per-token GRPO terms summed over the given tokens (verl compute_policy_loss + compute_kl).
 * logp: new log-probs [N]; old/ref: [N]; adv: [N] (the sequence advantage on each token);
 * weight: [N] per-token weights of the sums (null: every token weighs 1).
 */
export function grpoTokenTerms(
  logp: tf.Tensor1D,
  old: tf.Tensor1D,
  ref: tf.Tensor1D | null,
  adv: tf.Tensor1D,
  s: GrpoSettings,
  weight: tf.Tensor1D | null = null,
): GrpoTerms {
  const wsum = (x: tf.Tensor): tf.Scalar => tf.sum(weight ? tf.mul(x, weight) : x) as tf.Scalar;
  const logRatio = tf.sub(logp, old);
  const ratio = tf.exp(logRatio);
  const clipped = tf.exp(
    tf.clipByValue(logRatio, Math.log(1 - s.clipLow), Math.log(1 + s.clipHigh)),
  );
  const negA = tf.neg(adv);
  const l1 = tf.mul(negA, ratio);
  const l2 = tf.mul(negA, clipped);
  const hi = tf.maximum(l1, l2);
  const l3 = tf.mul(negA, s.dualClip);
  const isNeg = tf.less(adv, 0);
  const pgTok = tf.where(isNeg, tf.minimum(hi, l3), hi);
  const pg = wsum(pgTok);
  let kl: tf.Scalar = tf.scalar(0);
  if (ref) {
    // low_var_kl: k = ref - logp; clamp(e^k - k - 1, -10, 10) (verl computes it in float32).
    const k = tf.sub(ref, logp);
    kl = wsum(tf.clipByValue(tf.sub(tf.sub(tf.exp(k), k), 1), -10, 10));
  }
  return {
    loss: tf.add(pg, tf.mul(kl, s.klCoef)) as tf.Scalar,
    pg,
    kl,
    clipHigher: wsum(tf.cast(tf.less(l1, l2), 'float32')),
    clipLower: wsum(tf.cast(tf.logicalAnd(tf.greater(hi, l3), isNeg), 'float32')),
    ppoKl: wsum(tf.sub(old, logp)),
  };
}

/**
 * Per-token weights that make the weighted sum the chosen average: 1 / (tokens of the batch), or
 * 1 / (sequences x tokens of the token's sequence). A sequence without response tokens counts in
 * the number of sequences and contributes nothing (as an empty micro-batch does in verl).
 */
function tokenWeights(responses: readonly number[][], agg: LossAggregation): number[] {
  if (agg === 'token-mean') {
    const total = responses.reduce((n, r) => n + r.length, 0);
    return responses.flatMap((r) => r.map(() => 1 / total));
  }
  return responses.flatMap((r) => r.map(() => 1 / (responses.length * r.length)));
}

/** One GRPO policy update on `model` from one mini-batch (micro-batched; one optimizer step). */
export function grpoStep(
  model: CausalLM,
  optim: AdamW,
  batch: GrpoBatch,
  settings: GrpoSettings = DEFAULT_GRPO,
): GrpoMetrics {
  checkBatch(batch, settings);
  const totalTokens = batch.responses.reduce((n, r) => n + r.length, 0);
  if (totalTokens === 0) throw new Error('grpoStep: every response is empty');
  const weights = tokenWeights(batch.responses, settings.lossAgg ?? 'token-mean');
  const sums = { pg: 0, kl: 0, clipHigher: 0, clipLower: 0, ppoKl: 0 };
  const parts: LossPart[] = chunks(batch.prompts.length, settings.microBatchSize).map(
    ([s, e]) =>
      () => {
        const packed = packSequences(batch.prompts.slice(s, e), batch.responses.slice(s, e));
        const flat = (rows: number[][]) => tf.tensor1d(rows.slice(s, e).flat());
        const adv = tf.tensor1d(
          batch.responses.slice(s, e).flatMap((r, i) => r.map(() => batch.advantages[s + i]!)),
        );
        const from = batch.responses.slice(0, s).reduce((n, r) => n + r.length, 0);
        const to = from + batch.responses.slice(s, e).reduce((n, r) => n + r.length, 0);
        const logp = responseLogProbs(model, packed, settings.temperature);
        const t = grpoTokenTerms(
          logp,
          flat(batch.oldLogProbs),
          batch.refLogProbs ? flat(batch.refLogProbs) : null,
          adv,
          settings,
          tf.tensor1d(weights.slice(from, to)),
        );
        // Metrics read here are constants of the graph; only `loss` carries gradients.
        sums.pg += t.pg.dataSync()[0]!;
        sums.kl += t.kl.dataSync()[0]!;
        sums.clipHigher += t.clipHigher.dataSync()[0]!;
        sums.clipLower += t.clipLower.dataSync()[0]!;
        sums.ppoKl += t.ppoKl.dataSync()[0]!;
        // Weighted over the whole mini-batch, so micro-batching does not change the loss.
        return t.loss;
      },
  );
  const { loss, gradNorm } = optim.step(parts);
  return {
    loss,
    pgLoss: sums.pg,
    kl: sums.kl,
    clipFracHigher: sums.clipHigher,
    clipFracLower: sums.clipLower,
    ppoKl: sums.ppoKl,
    gradNorm,
    tokens: totalTokens,
  };
}

/**
 * One training step of the official code over a rollout batch: one pass (one PPO epoch) in
 * mini-batches of `rowsPerUpdate` consecutive sequences, one optimizer update each. Old
 * log-probs stay those of sampling, so the ratio moves away from 1 from the second update on and
 * the clips act. Returns each update's metrics in order.
 */
export function grpoEpoch(
  model: CausalLM,
  optim: AdamW,
  batch: GrpoBatch,
  rowsPerUpdate: number,
  settings: GrpoSettings = DEFAULT_GRPO,
): GrpoMetrics[] {
  if (!(Number.isInteger(rowsPerUpdate) && rowsPerUpdate >= 1))
    throw new RangeError(`grpoEpoch: rowsPerUpdate must be an integer >= 1, got ${rowsPerUpdate}`);
  checkBatch(batch, settings);
  return chunks(batch.prompts.length, rowsPerUpdate).map(([s, e]) =>
    grpoStep(
      model,
      optim,
      {
        prompts: batch.prompts.slice(s, e),
        responses: batch.responses.slice(s, e),
        advantages: batch.advantages.slice(s, e),
        oldLogProbs: batch.oldLogProbs.slice(s, e),
        refLogProbs: batch.refLogProbs?.slice(s, e),
      },
      settings,
    ),
  );
}

function checkBatch(b: GrpoBatch, s: GrpoSettings): void {
  const n = b.prompts.length;
  const same = (name: string, len: number) => {
    if (len !== n) throw new RangeError(`grpoStep: ${name} has ${len} rows, prompts have ${n}`);
  };
  same('responses', b.responses.length);
  same('advantages', b.advantages.length);
  same('oldLogProbs', b.oldLogProbs.length);
  if (s.klCoef > 0 && !b.refLogProbs)
    throw new RangeError('grpoStep: klCoef > 0 needs refLogProbs');
  if (b.refLogProbs) same('refLogProbs', b.refLogProbs.length);
  b.responses.forEach((r, i) => {
    if (b.oldLogProbs[i]!.length !== r.length)
      throw new RangeError(
        `grpoStep: oldLogProbs[${i}] has ${b.oldLogProbs[i]!.length} tokens, response has ${r.length}`,
      );
    if (b.refLogProbs && b.refLogProbs[i]!.length !== r.length)
      throw new RangeError(
        `grpoStep: refLogProbs[${i}] has ${b.refLogProbs[i]!.length} tokens, response has ${r.length}`,
      );
  });
  if (!(s.microBatchSize >= 1))
    throw new RangeError(`grpoStep: microBatchSize must be >= 1, got ${s.microBatchSize}`);
  const agg = s.lossAgg ?? 'token-mean';
  if (agg !== 'token-mean' && agg !== 'seq-mean')
    throw new RangeError(`grpoStep: lossAgg must be token-mean or seq-mean, got ${String(agg)}`);
}

// ---------------------------------------------------------------------------------------------
// Supervised next-token training (pretraining and fine-tuning): the loss is the mean negative
// log-likelihood of the response tokens given their prompts (prompt tokens carry no loss).

export interface NllMetrics {
  /** Mean negative log-likelihood per response token. */
  loss: number;
  gradNorm: number;
  tokens: number;
}

/**
 * One optimizer step on -mean log p(response | prompt), micro-batched like grpoStep. `weights`
 * (optional, one per response token, each 0 or more) scale each token's term, and the mean is
 * over their sum: a token of weight 0 carries no loss (a choice the model should keep as it
 * learned it, say, while the tokens around it train). `tokens` counts the weighted tokens.
 */
export function nllStep(
  model: CausalLM,
  optim: AdamW,
  prompts: number[][],
  responses: number[][],
  microBatchSize = 16,
  lr?: number,
  weights?: number[][],
): NllMetrics {
  if (weights) {
    if (weights.length !== responses.length)
      throw new RangeError(
        `nllStep: ${weights.length} weight rows for ${responses.length} responses`,
      );
    weights.forEach((w, i) => {
      if (w.length !== responses[i]!.length)
        throw new RangeError(
          `nllStep: weights[${i}] has ${w.length} entries, response has ${responses[i]!.length} tokens`,
        );
      if (!w.every((x) => x >= 0))
        throw new RangeError(`nllStep: weights[${i}] has a negative entry`);
    });
  }
  const totalTokens = weights
    ? weights.reduce((n, w) => n + w.reduce((a, b) => a + b, 0), 0)
    : responses.reduce((n, r) => n + r.length, 0);
  if (totalTokens === 0) throw new Error('nllStep: every response is empty (or weighs nothing)');
  const parts: LossPart[] = chunks(prompts.length, microBatchSize).map(([s, e]) => () => {
    const packed = packSequences(prompts.slice(s, e), responses.slice(s, e));
    const lp = responseLogProbs(model, packed);
    const weighted = weights ? tf.mul(lp, tf.tensor1d(weights.slice(s, e).flat())) : lp;
    return tf.div(tf.neg(tf.sum(weighted)), totalTokens) as tf.Scalar;
  });
  const { loss, gradNorm } = optim.step(parts, lr);
  return { loss, gradNorm, tokens: totalTokens };
}
