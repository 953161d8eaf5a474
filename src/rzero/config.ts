/**
 * The configuration of an R-Zero run (RZERO.md; paper Sec. 3 and 4.1): one typed object, two
 * presets, and one validator that lists every bad field with its reason, so the CLI, the tests
 * and the HTTP API reject bad input the same way.
 *
 * - `paper`: the official code's defaults (Chengsong-Huang/R-Zero scripts and examples/config.yaml):
 *   a training step is a rollout batch of 512 prompts, then one pass over it in mini-batches, one
 *   update each (Challenger: G = 4, mini-batches of 16 prompts, 32 updates a step, 5 steps;
 *   Solver: n = 5, mini-batches of 128, 4 updates a step, 15 steps), N = 8000 questions, m = 10
 *   votes, band 0.3-0.8, lr 1e-6, clip 0.2 / 0.3, dual clip 3, KL 0.01 (low_var_kl), per-sequence
 *   loss averaging (the Solver's micro-batches of one), 3 iterations.
 * - `tiny`: sizes that finish in minutes on a CPU with the built-in arith-tiny model. The learning
 *   rates are far above the paper's because a 0.9M-parameter model pretrained at 2e-3 barely moves
 *   even at 2e-5 (measured: docs/results-arith-tiny.md, first table).
 */

import type { Domain } from './domain';

export interface SamplingConfig {
  /** 0 = greedy. */
  temperature: number;
  /** 1 = off. */
  topP: number;
  /** 0 = off. */
  topK: number;
  maxNewTokens: number;
}

export interface ChallengerConfig {
  /** false: the "Base Challenger" baseline (no GRPO on the Challenger; it stays the base model). */
  train: boolean;
  steps: number;
  /** Prompts per step (the rollout batch); each gets `groupSize` rollouts. */
  batch: number;
  /** Prompts per optimizer update; a step makes batch / miniBatch updates. */
  miniBatch: number;
  /** Rollouts per prompt (G); GRPO groups. */
  groupSize: number;
  lr: number;
  rollout: SamplingConfig;
  /** Sampling of the N questions of the Solver dataset. */
  generation: SamplingConfig;
  /** N: candidate questions generated per iteration for the Solver dataset. */
  questionsPerIteration: number;
}

export interface SolverConfig {
  steps: number;
  /** Questions per step (the rollout batch); each gets `groupSize` rollouts. */
  batch: number;
  /** Questions per optimizer update; a step makes batch / miniBatch updates. */
  miniBatch: number;
  groupSize: number;
  lr: number;
  rollout: SamplingConfig;
  /** Sampling of the m answers that vote on a question (reward server: T = 1, top-k 40). */
  voting: SamplingConfig;
  /**
   * The Solver's training labels: 'majority' (R-Zero: the majority vote) or 'oracle' (a control:
   * the same kept questions with their true answers; only on a domain with an oracle).
   */
  labels: 'majority' | 'oracle';
}

export interface RewardConfig {
  /** 'paper': 1 - 2|p - 1/2|; 'official': min(p, 1 - p). */
  uncertainty: 'paper' | 'official';
  /** Reward of an unparseable Challenger completion (paper 0; official -1). */
  invalidReward: number;
  /**
   * What makes a Challenger completion valid: 'tags' (official: a non-empty `<question>` and a
   * non-empty box) or 'domain' (also a question of the domain's grammar, e.g. an arithmetic
   * expression the arith parser accepts; only on a domain that has one). Invalid completions get
   * `invalidReward`, are not sent to the Solver and never reach its dataset.
   */
  questionCheck: 'tags' | 'domain';
  /** Ablation switch: false removes the repetition penalty. */
  repetitionPenalty: boolean;
  /** lambda. */
  penaltyWeight: number;
  /** BLEU-distance threshold tau of the agglomerative clustering. */
  clusterThreshold: number;
}

export interface FilterConfig {
  /** Ablation switch: false keeps every question that has a majority answer. */
  enabled: boolean;
  /** 'band': minP <= p <= maxP (official); 'delta': |p - 1/2| <= delta (paper). */
  mode: 'band' | 'delta';
  minP: number;
  maxP: number;
  delta: number;
}

export interface OptimConfig {
  clipLow: number;
  clipHigh: number;
  dualClip: number;
  klCoef: number;
  weightDecay: number;
  maxGradNorm: number;
  /** Sequences per forward/backward pass (memory knob; does not change the maths). */
  microBatchSize: number;
  /** 'token-mean' over a mini-batch's response tokens, or 'seq-mean' (per sequence, then over sequences). */
  lossAgg: 'token-mean' | 'seq-mean';
}

export interface EvaluationConfig {
  /** Greedy decoding budget per benchmark item. */
  maxNewTokens: number;
  /** Evaluate at most this many items of each benchmark (0 = all). */
  maxItems: number;
  /** Also report mean@k with temperature sampling when k > 1 (the paper uses mean@32 for AMC/AIME). */
  meanAtK: number;
  meanAtKTemperature: number;
  /** Evaluate the base model first (reported as iteration 0). */
  evaluateBase: boolean;
}

export interface RZeroConfig {
  seed: number;
  iterations: number;
  /** m: Solver samples per question for the majority vote. */
  votes: number;
  challenger: ChallengerConfig;
  solver: SolverConfig;
  reward: RewardConfig;
  filter: FilterConfig;
  optim: OptimConfig;
  evaluation: EvaluationConfig;
}

export type PresetName = 'paper' | 'tiny';

const PAPER: RZeroConfig = {
  seed: 1,
  iterations: 3,
  votes: 10,
  challenger: {
    train: true,
    steps: 5,
    batch: 512,
    miniBatch: 16,
    groupSize: 4,
    lr: 1e-6,
    rollout: { temperature: 1, topP: 0.99, topK: 0, maxNewTokens: 4096 },
    generation: { temperature: 1, topP: 0.95, topK: 0, maxNewTokens: 4096 },
    questionsPerIteration: 8000,
  },
  solver: {
    steps: 15,
    batch: 512,
    miniBatch: 128,
    groupSize: 5,
    lr: 1e-6,
    rollout: { temperature: 1, topP: 0.99, topK: 0, maxNewTokens: 4096 },
    voting: { temperature: 1, topP: 1, topK: 40, maxNewTokens: 4096 },
    labels: 'majority',
  },
  reward: {
    uncertainty: 'paper',
    invalidReward: 0,
    questionCheck: 'tags',
    repetitionPenalty: true,
    penaltyWeight: 1,
    clusterThreshold: 0.5,
  },
  filter: { enabled: true, mode: 'band', minP: 0.3, maxP: 0.8, delta: 0.25 },
  optim: {
    clipLow: 0.2,
    clipHigh: 0.3,
    dualClip: 3,
    klCoef: 0.01,
    weightDecay: 0.01,
    maxGradNorm: 1,
    microBatchSize: 8,
    lossAgg: 'seq-mean',
  },
  evaluation: {
    maxNewTokens: 4096,
    maxItems: 0,
    meanAtK: 0,
    meanAtKTemperature: 1,
    evaluateBase: true,
  },
};

const TINY: RZeroConfig = {
  ...PAPER,
  challenger: {
    ...PAPER.challenger,
    // Same 64 Challenger prompts an iteration as one update per step of 8 had, now 16 updates.
    steps: 4,
    batch: 16,
    miniBatch: 4,
    lr: 2e-5,
    rollout: { ...PAPER.challenger.rollout, maxNewTokens: 64 },
    generation: { ...PAPER.challenger.generation, maxNewTokens: 64 },
    questionsPerIteration: 256,
  },
  solver: {
    ...PAPER.solver,
    // Same 192 question visits an iteration as 12 single-update steps of 16, now 24 updates.
    steps: 6,
    batch: 32,
    miniBatch: 8,
    lr: 2e-5,
    rollout: { ...PAPER.solver.rollout, maxNewTokens: 96 },
    voting: { ...PAPER.solver.voting, maxNewTokens: 96 },
  },
  optim: { ...PAPER.optim, microBatchSize: 32, lossAgg: 'token-mean' },
  evaluation: { ...PAPER.evaluation, maxNewTokens: 128, maxItems: 300 },
};

export const PRESETS: Readonly<Record<PresetName, RZeroConfig>> = Object.freeze({
  paper: PAPER,
  tiny: TINY,
});

/** A partial config: every object level optional. */
export type RZeroConfigOverrides = {
  [K in keyof RZeroConfig]?: RZeroConfig[K] extends object
    ? {
        [L in keyof RZeroConfig[K]]?: RZeroConfig[K][L] extends object
          ? Partial<RZeroConfig[K][L]>
          : RZeroConfig[K][L];
      }
    : RZeroConfig[K];
};

export interface ConfigIssue {
  /** Dotted path of the field, e.g. "filter.minP". */
  field: string;
  reason: string;
}

export class RZeroConfigError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(`invalid R-Zero config: ${issues.map((i) => `${i.field}: ${i.reason}`).join('; ')}`);
    this.name = 'RZeroConfigError';
  }
}

/**
 * The preset with `overrides` merged in (objects merge field by field; unknown fields are
 * reported, not ignored), validated. Throws RZeroConfigError listing every problem.
 */
export function resolveConfig(
  preset: PresetName = 'paper',
  overrides: RZeroConfigOverrides | Record<string, unknown> = {},
): RZeroConfig {
  const base = Object.hasOwn(PRESETS, preset) ? PRESETS[preset] : undefined;
  if (base === undefined) {
    throw new RZeroConfigError([
      { field: 'preset', reason: `unknown preset ${JSON.stringify(preset)} (paper | tiny)` },
    ]);
  }
  return applyOverrides(base, overrides);
}

/**
 * What a config asks of its domain: oracle labels need a domain with an oracle, the domain
 * question check one with a grammar.
 */
export function domainConfigIssues(
  c: RZeroConfig,
  domain: Pick<Domain, 'name' | 'oracle' | 'wellFormed'>,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (c.solver.labels === 'oracle' && domain.oracle === null) {
    issues.push({
      field: 'solver.labels',
      reason: `"oracle" needs a domain with an oracle; the ${domain.name} domain has none`,
    });
  }
  if (c.reward.questionCheck === 'domain' && domain.wellFormed === null) {
    issues.push({
      field: 'reward.questionCheck',
      reason: `"domain" needs a domain with a question grammar; the ${domain.name} domain has none`,
    });
  }
  return issues;
}

/** `config` with `overrides` merged in, validated (see resolveConfig). */
export function applyOverrides(
  config: RZeroConfig,
  overrides: RZeroConfigOverrides | Record<string, unknown>,
): RZeroConfig {
  const issues: ConfigIssue[] = [];
  const merged = mergeInto(
    structuredClone(config) as unknown as Record<string, unknown>,
    overrides,
    '',
    issues,
  ) as RZeroConfig;
  issues.push(...validateConfig(merged));
  if (issues.length > 0) throw new RZeroConfigError(issues);
  return merged;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function mergeInto(
  target: Record<string, unknown>,
  src: unknown,
  path: string,
  issues: ConfigIssue[],
): unknown {
  if (!isPlainObject(src)) {
    issues.push({ field: path || '(config)', reason: 'must be an object' });
    return target;
  }
  for (const [key, value] of Object.entries(src)) {
    const field = path ? `${path}.${key}` : key;
    // Own fields only: "__proto__", "constructor" or "toString" are unknown fields, never a
    // path into Object.prototype.
    if (!Object.hasOwn(target, key)) {
      issues.push({ field, reason: 'unknown field' });
      continue;
    }
    if (value === undefined) continue;
    const current = target[key];
    if (isPlainObject(current)) mergeInto(current, value, field, issues);
    else target[key] = value;
  }
  return target;
}

/** Every problem of a complete config: types, ranges and cross-field rules. Empty when valid. */
export function validateConfig(c: RZeroConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const check = (
    field: string,
    value: unknown,
    kind: 'int' | 'num' | 'bool',
    min?: number,
    max?: number,
    minExclusive = false,
  ) => {
    if (kind === 'bool') {
      if (typeof value !== 'boolean') issues.push({ field, reason: 'must be true or false' });
      return;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      issues.push({ field, reason: `must be a finite number, got ${JSON.stringify(value)}` });
      return;
    }
    if (kind === 'int' && !Number.isInteger(value)) {
      issues.push({ field, reason: `must be an integer, got ${value}` });
      return;
    }
    if (min !== undefined && (minExclusive ? !(value > min) : !(value >= min))) {
      issues.push({ field, reason: `must be ${minExclusive ? '>' : '>='} ${min}, got ${value}` });
    } else if (max !== undefined && !(value <= max)) {
      issues.push({ field, reason: `must be <= ${max}, got ${value}` });
    }
  };
  const sampling = (p: string, s: SamplingConfig) => {
    check(`${p}.temperature`, s.temperature, 'num', 0, 10);
    check(`${p}.topP`, s.topP, 'num', 0, 1, true);
    check(`${p}.topK`, s.topK, 'int', 0, 100_000);
    check(`${p}.maxNewTokens`, s.maxNewTokens, 'int', 1, 32_768);
  };
  // A rollout batch is one pass of whole mini-batches (EasyR1 asserts the same divisibility).
  const miniBatchDivides = (role: string, batch: number, miniBatch: number) => {
    if (Number.isInteger(batch) && Number.isInteger(miniBatch) && miniBatch >= 1) {
      if (miniBatch > batch || batch % miniBatch !== 0) {
        issues.push({
          field: `${role}.miniBatch`,
          reason: `must divide ${role}.batch (${batch}), got ${miniBatch}`,
        });
      }
    }
  };
  check('seed', c.seed, 'int', 0, 2 ** 31 - 1);
  check('iterations', c.iterations, 'int', 1, 20);
  check('votes', c.votes, 'int', 2, 64);

  const q = c.challenger;
  check('challenger.train', q.train, 'bool');
  check('challenger.steps', q.steps, 'int', 0, 10_000);
  check('challenger.batch', q.batch, 'int', 1, 4096);
  check('challenger.miniBatch', q.miniBatch, 'int', 1, 4096);
  miniBatchDivides('challenger', q.batch, q.miniBatch);
  check('challenger.groupSize', q.groupSize, 'int', 2, 64);
  check('challenger.lr', q.lr, 'num', 0, 1, true);
  sampling('challenger.rollout', q.rollout);
  sampling('challenger.generation', q.generation);
  check('challenger.questionsPerIteration', q.questionsPerIteration, 'int', 1, 1_000_000);
  if (q.rollout.temperature === 0) {
    issues.push({
      field: 'challenger.rollout.temperature',
      reason: 'must be > 0: greedy rollouts make every GRPO group identical',
    });
  }

  const s = c.solver;
  check('solver.steps', s.steps, 'int', 0, 10_000);
  check('solver.batch', s.batch, 'int', 1, 4096);
  check('solver.miniBatch', s.miniBatch, 'int', 1, 4096);
  miniBatchDivides('solver', s.batch, s.miniBatch);
  check('solver.groupSize', s.groupSize, 'int', 2, 64);
  check('solver.lr', s.lr, 'num', 0, 1, true);
  sampling('solver.rollout', s.rollout);
  sampling('solver.voting', s.voting);
  if (s.rollout.temperature === 0) {
    issues.push({
      field: 'solver.rollout.temperature',
      reason: 'must be > 0: greedy rollouts make every GRPO group identical',
    });
  }
  if (s.labels !== 'majority' && s.labels !== 'oracle') {
    issues.push({
      field: 'solver.labels',
      reason: `must be "majority" or "oracle", got ${JSON.stringify(s.labels)}`,
    });
  }
  if (s.voting.temperature === 0) {
    issues.push({
      field: 'solver.voting.temperature',
      reason: 'must be > 0: greedy votes are unanimous, so p^ is always 1',
    });
  }

  const r = c.reward;
  if (r.uncertainty !== 'paper' && r.uncertainty !== 'official') {
    issues.push({
      field: 'reward.uncertainty',
      reason: `must be "paper" or "official", got ${JSON.stringify(r.uncertainty)}`,
    });
  }
  check('reward.invalidReward', r.invalidReward, 'num', -10, 10);
  if (r.questionCheck !== 'tags' && r.questionCheck !== 'domain') {
    issues.push({
      field: 'reward.questionCheck',
      reason: `must be "tags" or "domain", got ${JSON.stringify(r.questionCheck)}`,
    });
  }
  check('reward.repetitionPenalty', r.repetitionPenalty, 'bool');
  check('reward.penaltyWeight', r.penaltyWeight, 'num', 0, 10);
  check('reward.clusterThreshold', r.clusterThreshold, 'num', 0, 1);

  const f = c.filter;
  check('filter.enabled', f.enabled, 'bool');
  if (f.mode !== 'band' && f.mode !== 'delta') {
    issues.push({
      field: 'filter.mode',
      reason: `must be "band" or "delta", got ${JSON.stringify(f.mode)}`,
    });
  }
  check('filter.minP', f.minP, 'num', 0, 1);
  check('filter.maxP', f.maxP, 'num', 0, 1);
  check('filter.delta', f.delta, 'num', 0, 0.5);
  if (typeof f.minP === 'number' && typeof f.maxP === 'number' && !(f.minP < f.maxP)) {
    issues.push({
      field: 'filter.minP',
      reason: `must be < filter.maxP (${f.maxP}), got ${f.minP}`,
    });
  }

  const o = c.optim;
  check('optim.clipLow', o.clipLow, 'num', 0, 1, true);
  check('optim.clipHigh', o.clipHigh, 'num', 0, 10, true);
  check('optim.dualClip', o.dualClip, 'num', 1, 100, true);
  check('optim.klCoef', o.klCoef, 'num', 0, 10);
  check('optim.weightDecay', o.weightDecay, 'num', 0, 1);
  check('optim.maxGradNorm', o.maxGradNorm, 'num', 0, 1e6);
  check('optim.microBatchSize', o.microBatchSize, 'int', 1, 4096);
  if (o.lossAgg !== 'token-mean' && o.lossAgg !== 'seq-mean') {
    issues.push({
      field: 'optim.lossAgg',
      reason: `must be "token-mean" or "seq-mean", got ${JSON.stringify(o.lossAgg)}`,
    });
  }

  const e = c.evaluation;
  check('evaluation.maxNewTokens', e.maxNewTokens, 'int', 1, 32_768);
  check('evaluation.maxItems', e.maxItems, 'int', 0, 1_000_000);
  check('evaluation.meanAtK', e.meanAtK, 'int', 0, 256);
  check('evaluation.meanAtKTemperature', e.meanAtKTemperature, 'num', 0, 10, true);
  check('evaluation.evaluateBase', e.evaluateBase, 'bool');
  return issues;
}
