/**
 * Phase 3 of an iteration: GRPO on the Solver over the fixed filtered dataset (RZERO.md "Solver
 * training"; paper Sec. 3.3). Per step: a batch of (question, pseudo-label) pairs, G rollouts per
 * question, reward 1 when the boxed answer is equivalent to the label, group-normalised
 * advantages, then one pass in mini-batches of `miniBatch` questions, one GRPO update each, with
 * the KL to the phase's starting model.
 */
import type { CausalLM } from '../engine';
import type { RZeroConfig } from './config';
import type { SolverExample } from './dataset';
import type { Domain } from './domain';
import type { SolverStepMetrics } from './events';
import { extractBoxed } from './parsing';
import { solverReward } from './rewards';
import { PromptRenderer, mean, runGrpoPhase, sample } from './rollout';
import { phaseSeed, seededShuffle } from './seeds';

export interface SolverPhaseInput {
  solver: CausalLM;
  render: PromptRenderer;
  dataset: readonly SolverExample[];
  domain: Domain;
  config: RZeroConfig;
  iteration: number;
  signal?: AbortSignal;
  onStep(step: number, metrics: SolverStepMetrics): Promise<void>;
}

/** Offset of the shuffle seeds' positions, apart from the step seeds'. */
const EPOCH_SEED_BASE = 1_000_000;

/** Trains `solver` in place; returns the last step's metrics (null when nothing was trained). */
export async function trainSolver(input: SolverPhaseInput): Promise<SolverStepMetrics | null> {
  const { solver, render, dataset, domain, config: c, iteration } = input;
  const s = c.solver;
  if (dataset.length === 0 || s.steps === 0) return null;
  // Epochs over the dataset in a seeded order; a step takes the next `batch` examples.
  const order: SolverExample[] = [];
  let epoch = 0;
  return runGrpoPhase({
    policy: solver,
    lr: s.lr,
    steps: s.steps,
    groupSize: s.groupSize,
    miniBatch: s.miniBatch,
    temperature: s.rollout.temperature,
    optim: c.optim,
    signal: input.signal,
    onStep: input.onStep,
    rollout: (step) => {
      const seed = phaseSeed(c.seed, iteration, 'solver', step);
      while (order.length < s.batch) {
        const shuffleSeed = phaseSeed(c.seed, iteration, 'solver', EPOCH_SEED_BASE + epoch++);
        order.push(...seededShuffle(dataset, shuffleSeed));
      }
      const batch = order.splice(0, s.batch);
      const prompts = batch.flatMap((ex) => {
        const ids = render.solver(ex.question);
        return Array.from({ length: s.groupSize }, () => ids);
      });
      const samples = sample(solver, render.tokenizer, prompts, s.rollout, seed);
      const examples = batch.flatMap((ex) => Array.from({ length: s.groupSize }, () => ex));
      const rewards = samples.map((x, i) => solverReward(x.text, examples[i]!.label));
      const texts = samples.map((x) => x.text);
      const extra = {
        reward: mean(rewards),
        oracleAccuracy: domain.oracle ? oracleAccuracy(domain, examples, texts) : null,
        rewardAccuracy: domain.oracle ? rewardAccuracy(domain, examples, texts, rewards) : null,
      };
      return { prompts, samples, rewards, extra };
    },
  });
}

/** Share of completions whose boxed answer is the true answer (not the pseudo-label). */
function oracleAccuracy(
  domain: Domain,
  examples: readonly SolverExample[],
  texts: readonly string[],
): number {
  let correct = 0;
  texts.forEach((t, i) => {
    if (domain.oracle!.verdict(examples[i]!.question, extractBoxed(t)).labelCorrect) correct++;
  });
  return correct / texts.length;
}

/**
 * Share of completions whose pseudo-reward (agreement with the label) equals the reward the true
 * answer would give: how often the majority-vote reward tells the Solver the truth.
 */
function rewardAccuracy(
  domain: Domain,
  examples: readonly SolverExample[],
  texts: readonly string[],
  rewards: readonly number[],
): number {
  let same = 0;
  texts.forEach((t, i) => {
    const truth = domain.oracle!.verdict(examples[i]!.question, extractBoxed(t)).labelCorrect
      ? 1
      : 0;
    if (truth === rewards[i]) same++;
  });
  return same / texts.length;
}
