/**
 * The language-model side of R-Zero: prompts rendered for each role, sampling with the settings
 * of a phase, the Solver's m votes on a question, and one GRPO training step from scored rollouts.
 * Everything here goes through the engine's public surface.
 */
import {
  AdamW,
  CausalLM,
  Sample,
  Tokenizer,
  encodeChat,
  generate,
  grpoEpoch,
  scoreResponses,
} from '../engine';
import type { GrpoMetrics } from '../engine';
import type { OptimConfig, SamplingConfig } from './config';
import type { RolePrompts } from './domain';
import type { UpdateMetrics } from './events';
import { majorityVoteEvaluate, majorityVote } from './majority-vote';
import { extractBoxed } from './parsing';
import { grpoAdvantages } from './grpo';
import { checkAborted } from './seeds';

/** Rows per prefill/decode batch while sampling. */
const SAMPLE_BATCH = 64;

export class PromptRenderer {
  private challengerIds: number[] | null = null;

  constructor(
    readonly tokenizer: Tokenizer,
    readonly prompts: RolePrompts,
  ) {}

  challenger(): number[] {
    this.challengerIds ??= encodeChat(this.tokenizer, [
      { role: 'system', content: this.prompts.challengerSystem },
      { role: 'user', content: this.prompts.challengerUser },
    ]);
    return this.challengerIds;
  }

  solver(question: string): number[] {
    return encodeChat(this.tokenizer, [
      { role: 'system', content: this.prompts.solverSystem },
      { role: 'user', content: question },
    ]);
  }
}

/** Samples one completion per prompt with a phase's settings. */
export function sample(
  model: CausalLM,
  tokenizer: Tokenizer,
  prompts: number[][],
  s: SamplingConfig,
  seed: number,
): Sample[] {
  return generate(model, prompts, {
    maxNewTokens: s.maxNewTokens,
    temperature: s.temperature,
    topK: s.topK,
    topP: s.topP,
    seed,
    eosTokenIds: tokenizer.eosTokenIds,
    decode: (ids) => tokenizer.decode(ids, { skipSpecialTokens: true }),
    batchSize: SAMPLE_BATCH,
  });
}

export interface Votes {
  /** The m extracted answers (null = no complete box). */
  answers: (string | null)[];
  /** Majority answer and p^ as the reward server computes them (empties stay in the denominator). */
  server: { answer: string | null; p: number };
  /** Majority answer and p^ as evaluate.py computes them (empties removed first). */
  evaluate: { answer: string | null; p: number; counted: number };
}

/** The Solver answers each question m times; answers are voted on as the official code does. */
export function solverVotes(
  solver: CausalLM,
  render: PromptRenderer,
  questions: readonly string[],
  m: number,
  s: SamplingConfig,
  seed: number,
): Votes[] {
  if (questions.length === 0) return [];
  const prompts = questions.flatMap((q) => {
    const ids = render.solver(q);
    return Array.from({ length: m }, () => ids);
  });
  const samples = sample(solver, render.tokenizer, prompts, s, seed);
  return questions.map((_, i) => {
    const answers = samples.slice(i * m, (i + 1) * m).map((x) => extractBoxed(x.text));
    const server = majorityVote(answers);
    const evaluated = majorityVoteEvaluate(answers);
    return {
      answers,
      server: { answer: server.answer, p: server.p },
      evaluate: { answer: evaluated.answer, p: evaluated.p, counted: evaluated.counted },
    };
  });
}

export interface ScoredRollouts {
  prompts: number[][];
  samples: Sample[];
  advantages: number[];
}

/**
 * One GRPO training step of `policy` on a rollout batch: one pass in mini-batches of
 * `rowsPerUpdate` rollouts, one update each (old log-probs are the sampling ones, so the ratio is
 * 1 on the first update only), with the KL to `reference` when klCoef > 0. Returns each update's
 * metrics.
 */
export function grpoUpdate(
  policy: CausalLM,
  reference: CausalLM | null,
  optim: AdamW,
  r: ScoredRollouts,
  o: OptimConfig,
  temperature: number,
  rowsPerUpdate: number = r.prompts.length,
): GrpoMetrics[] {
  const responses = r.samples.map((x) => x.tokens);
  // The reference is frozen for the phase: its log-probs are taken once for the whole batch.
  const refLogProbs =
    o.klCoef > 0 && reference
      ? scoreResponses(reference, r.prompts, responses, {
          temperature,
          batchSize: o.microBatchSize,
        })
      : undefined;
  return grpoEpoch(
    policy,
    optim,
    {
      prompts: r.prompts,
      responses,
      advantages: r.advantages,
      oldLogProbs: r.samples.map((x) => x.logProbs),
      refLogProbs,
    },
    rowsPerUpdate,
    {
      clipLow: o.clipLow,
      clipHigh: o.clipHigh,
      dualClip: o.dualClip,
      klCoef: reference ? o.klCoef : 0,
      temperature,
      microBatchSize: o.microBatchSize,
      lossAgg: o.lossAgg,
    },
  );
}

export function makeOptimizer(model: CausalLM, lr: number, o: OptimConfig): AdamW {
  return new AdamW(model.variables(), {
    lr,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: o.weightDecay,
    maxGradNorm: o.maxGradNorm,
  });
}

/** One step's scored rollouts: consecutive groups of `groupSize` rollouts share a prompt. */
export interface ScoredStep<E> {
  prompts: number[][];
  samples: Sample[];
  rewards: number[];
  /** The role's own metrics of this step. */
  extra: E;
}

export interface GrpoPhase<E> {
  policy: CausalLM;
  lr: number;
  steps: number;
  groupSize: number;
  /** Prompts per optimizer update (each with its `groupSize` rollouts). */
  miniBatch: number;
  /** Temperature the rollouts were sampled at (the log-probs' temperature). */
  temperature: number;
  optim: OptimConfig;
  signal?: AbortSignal;
  rollout(step: number): ScoredStep<E>;
  onStep(step: number, metrics: E & UpdateMetrics): Promise<void>;
}

/**
 * The GRPO training loop both roles share: a frozen reference copy for the KL (when klCoef > 0),
 * a fresh AdamW, then per step rollouts -> group advantages -> one update, the abort signal checked
 * between steps, and everything disposed at the end. Returns the last step's metrics.
 */
export async function runGrpoPhase<E extends object>(
  p: GrpoPhase<E>,
): Promise<(E & UpdateMetrics) | null> {
  const reference = p.optim.klCoef > 0 ? p.policy.clone(false) : null;
  const optim = makeOptimizer(p.policy, p.lr, p.optim);
  let last: (E & UpdateMetrics) | null = null;
  try {
    for (let step = 1; step <= p.steps; step++) {
      checkAborted(p.signal);
      const t0 = performance.now();
      const { prompts, samples, rewards, extra } = p.rollout(step);
      const groups = rewards.map((_, i) => Math.floor(i / p.groupSize));
      const advantages = grpoAdvantages(rewards, groups);
      const g = grpoUpdate(
        p.policy,
        reference,
        optim,
        { prompts, samples, advantages },
        p.optim,
        p.temperature,
        p.miniBatch * p.groupSize,
      );
      last = { ...extra, ...updateMetrics(g, samples, t0) };
      await p.onStep(step, last);
    }
  } finally {
    optim.dispose();
    reference?.dispose();
  }
  return last;
}

/**
 * A step's metrics: the means over its updates, the clip fractions of its last update (the one
 * furthest from the sampling policy), the rollouts' mean length and the wall time since t0.
 */
export function updateMetrics(
  updates: readonly GrpoMetrics[],
  samples: readonly Sample[],
  t0: number,
): UpdateMetrics {
  const avg = (f: (g: GrpoMetrics) => number) => mean(updates.map(f));
  const last = updates[updates.length - 1]!;
  return {
    loss: avg((g) => g.loss),
    pgLoss: avg((g) => g.pgLoss),
    kl: avg((g) => g.kl),
    clipFracHigher: avg((g) => g.clipFracHigher),
    clipFracLower: avg((g) => g.clipFracLower),
    lastClipFracHigher: last.clipFracHigher,
    lastClipFracLower: last.clipFracLower,
    gradNorm: avg((g) => g.gradNorm),
    updates: updates.length,
    responseTokens: mean(samples.map((s) => s.tokens.length)),
    seconds: (performance.now() - t0) / 1000,
  };
}

export const mean = (xs: readonly number[]): number =>
  xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
