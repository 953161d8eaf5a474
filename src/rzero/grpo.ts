/**
 * GRPO arithmetic of the official trainer (verl/trainer/core_algos.py, verl/utils/torch_functional.py,
 * verl/workers/actor/dp_actor.py at R-Zero 5699329; RZERO.md "GRPO as the official code computes
 * it"; golden README "GRPO and losses"), in float64 unless stated. These are the reference
 * formulas; the engine's tfjs trainer computes the token-level loss itself in float32.
 *
 * - Advantage: per group of equal uid, A_i = (r_i - mean) / (std + 1e-6), std UNBIASED (n - 1);
 *   a group of one throws like the official AssertionError.
 * - Policy loss: dual-clip PPO with ratio = exp(logp - old), clip range [1 - 0.2, 1 + 0.3], dual
 *   clip c = 3 for negative advantages; all outputs are token means over the mask.
 * - KL: computed in float32 as the official `.float()` casts (emulated with Math.fround), then
 *   averaged in float64; low_var_kl = clamp(e^k - k - 1, -10, 10), k = ref - logp.
 */

export const GRPO_EPS = 1e-6;
export const MASK_EPS = 1e-8;

/** Sequential sum (the order torch's small CPU reductions reproduce on the golden cases). */
function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

/** Unbiased standard deviation (torch.std default). */
function unbiasedStd(xs: readonly number[], mean: number): number {
  let ss = 0;
  for (const x of xs) ss += (x - mean) * (x - mean);
  return Math.sqrt(ss / (xs.length - 1));
}

/** Outcome advantages (r - group mean) / (unbiased group std + eps), one per response. */
export function grpoAdvantages(
  rewards: readonly number[],
  groups: readonly (string | number)[],
  eps = GRPO_EPS,
): number[] {
  if (rewards.length !== groups.length) throw new Error('rewards and groups differ in length');
  const members = new Map<string | number, number[]>();
  groups.forEach((g, i) => members.set(g, [...(members.get(g) ?? []), i]));
  const out = new Array<number>(rewards.length);
  for (const idx of members.values()) {
    if (idx.length < 2) throw new Error('GRPO needs rollout.n > 1.');
    const scores = idx.map((i) => rewards[i]);
    const mean = sum(scores) / scores.length;
    const std = unbiasedStd(scores, mean);
    for (const i of idx) out[i] = (rewards[i] - mean) / (std + eps);
  }
  return out;
}

/**
 * `compute_grpo_outcome_advantage`: scores are the row sums of the token-level rewards; every
 * response token gets its response's advantage, times the response mask.
 */
export function grpoTokenAdvantages(
  tokenLevelRewards: readonly (readonly number[])[],
  responseMask: readonly (readonly number[])[],
  index: readonly (string | number)[],
  eps = GRPO_EPS,
): number[][] {
  const adv = grpoAdvantages(tokenLevelRewards.map(sum), index, eps);
  return responseMask.map((row, i) => row.map((m) => adv[i] * m));
}

type Matrix = readonly (readonly number[])[];

/** `masked_mean(values, mask)` over everything: sum(v * m) / (sum(m) + 1e-8). */
export function maskedMean(values: Matrix, mask: Matrix, eps = MASK_EPS): number {
  let num = 0;
  let den = 0;
  values.forEach((row, i) =>
    row.forEach((v, j) => {
      num += v * mask[i][j];
      den += mask[i][j];
    }),
  );
  return num / (den + eps);
}

/** `masked_mean(values, mask, dim=-1)`: one mean per row. */
export function maskedMeanRows(values: Matrix, mask: Matrix, eps = MASK_EPS): number[] {
  return values.map((row, i) => maskedMean([row], [mask[i]], eps));
}

/** `masked_var(values, mask, unbiased=True)`; a mask summing to <= 1 keeps the biased value. */
export function maskedVar(values: Matrix, mask: Matrix): number {
  const mean = maskedMean(values, mask);
  const centred = values.map((row) => row.map((v) => (v - mean) ** 2));
  const variance = maskedMean(centred, mask);
  const maskSum = sum(mask.map(sum));
  return maskSum <= 1 ? variance : variance * (maskSum / (maskSum - 1));
}

export interface ClipOptions {
  /** eps_low (default 0.2). */
  clipRatioLow?: number;
  /** eps_high (default 0.3; the paper's plain GRPO uses 0.2). */
  clipRatioHigh?: number;
  /** Dual-clip constant c (default 3). */
  clipRatioDual?: number;
}

export interface PolicyLossTerms {
  pgLoss: number;
  clipfracHigher: number;
  clipfracLower: number;
  ppoKl: number;
}

interface TokenLoss {
  loss: number;
  higher: number;
  lower: number;
}

function tokenLoss(logRatio: number, a: number, lo: number, hi: number, dual: number): TokenLoss {
  const ratio = Math.exp(logRatio);
  const clipped = Math.exp(Math.min(Math.max(logRatio, lo), hi));
  const l1 = -a * ratio;
  const l2 = -a * clipped;
  const l3 = -a * dual;
  const higherLoss = Math.max(l1, l2);
  const loss = a < 0 ? Math.min(higherLoss, l3) : higherLoss;
  return { loss, higher: l1 < l2 ? 1 : 0, lower: higherLoss > l3 && a < 0 ? 1 : 0 };
}

/** `compute_policy_loss` (dual-clip PPO), token means over the response mask. */
export function policyLossTerms(
  oldLogProbs: Matrix,
  logProbs: Matrix,
  advantages: Matrix,
  responseMask: Matrix,
  opts: ClipOptions = {},
): PolicyLossTerms {
  const lo = Math.log(1 - (opts.clipRatioLow ?? 0.2));
  const hi = Math.log(1 + (opts.clipRatioHigh ?? 0.3));
  const dual = opts.clipRatioDual ?? 3;
  const terms = logProbs.map((row, i) =>
    row.map((lp, j) => tokenLoss(lp - oldLogProbs[i][j], advantages[i][j], lo, hi, dual)),
  );
  const pick = (f: (t: TokenLoss) => number): number[][] => terms.map((row) => row.map(f));
  const negLogRatio = logProbs.map((row, i) => row.map((lp, j) => -(lp - oldLogProbs[i][j])));
  return {
    pgLoss: maskedMean(
      pick((t) => t.loss),
      responseMask,
    ),
    clipfracHigher: maskedMean(
      pick((t) => t.higher),
      responseMask,
    ),
    clipfracLower: maskedMean(
      pick((t) => t.lower),
      responseMask,
    ),
    ppoKl: maskedMean(negLogRatio, responseMask),
  };
}

export type KlMode = 'low_var_kl' | 'kl' | 'abs' | 'mse';

const f32 = Math.fround;
const id = (x: number): number => x;

/** One token of `compute_kl`; `float32` (default true) emulates the official `.float()` casts. */
export function klTerm(logProb: number, refLogProb: number, mode: KlMode, float32 = true): number {
  const r = float32 ? f32 : id;
  const [lp, ref] = [r(logProb), r(refLogProb)];
  if (mode === 'kl') return r(lp - ref);
  if (mode === 'abs') return Math.abs(r(lp - ref));
  if (mode === 'mse') return r(0.5 * r(r(lp - ref) ** 2));
  const k = r(ref - lp);
  const kld = r(r(r(Math.exp(k)) - k) - 1);
  return Math.min(Math.max(kld, -10), 10);
}

/** Schulman's low-variance KL estimator e^k - k - 1 (k = ref - logp), clamped to [-10, 10]. */
export function lowVarKl(logProb: number, refLogProb: number, float32 = true): number {
  return klTerm(logProb, refLogProb, 'low_var_kl', float32);
}

/** `compute_kl` over a batch. */
export function computeKl(
  logProbs: Matrix,
  refLogProbs: Matrix,
  mode: KlMode,
  float32 = true,
): number[][] {
  return logProbs.map((row, i) => row.map((lp, j) => klTerm(lp, refLogProbs[i][j], mode, float32)));
}

export interface ActorLossOptions extends ClipOptions {
  /** KL loss coefficient beta (official examples/config.yaml: 0.01). */
  klCoef?: number;
}

export interface ActorLoss extends PolicyLossTerms {
  /** masked_mean(low_var_kl) (float32 token values, float64 mean). */
  klLoss: number;
  /** pgLoss + klCoef * klLoss: what dp_actor.py back-propagates. */
  totalLoss: number;
  /** -masked_mean(logp): dp_actor.py's entropy estimate (a metric). */
  entropyLoss: number;
}

/** dp_actor.py `update_policy` loss for one micro-batch, low_var_kl KL loss. */
export function actorLoss(
  oldLogProbs: Matrix,
  logProbs: Matrix,
  refLogProbs: Matrix,
  advantages: Matrix,
  responseMask: Matrix,
  opts: ActorLossOptions = {},
): ActorLoss {
  const terms = policyLossTerms(oldLogProbs, logProbs, advantages, responseMask, opts);
  const klLoss = maskedMean(computeKl(logProbs, refLogProbs, 'low_var_kl'), responseMask);
  return {
    ...terms,
    klLoss,
    totalLoss: terms.pgLoss + klLoss * (opts.klCoef ?? 0.01),
    entropyLoss: -maskedMean(logProbs, responseMask),
  };
}
