/**
 * Phase 3 of an iteration: GRPO on the Solver over the fixed filtered dataset (RZERO.md "Solver
 * training"; paper Sec. 3.3). Per step: a batch of (question, pseudo-label) pairs, G rollouts per
 * question, reward 1 when the boxed answer is equivalent to the label, group-normalised
 * advantages, one GRPO update with the KL to the phase's starting model.
 */
import type { CausalLM } from '../engine';
import type { RZeroConfig } from './config';
import type { SolverExample } from './dataset';
import type { Domain } from './domain';
import type { SolverStepMetrics } from './events';
import { grpoAdvantages } from './grpo';
import { extractBoxed } from './parsing';
import { solverReward } from './rewards';
import { PromptRenderer, grpoUpdate, makeOptimizer, mean, sample, updateMetrics } from './rollout';
import { checkAborted, phaseSeed, seededShuffle } from './seeds';

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
  const { solver, render, dataset, domain, config: c, iteration, signal } = input;
  const s = c.solver;
  if (dataset.length === 0 || s.steps === 0) return null;
  const reference = c.optim.klCoef > 0 ? solver.clone(false) : null;
  const optim = makeOptimizer(solver, s.lr, c.optim);
  // Epochs over the dataset in a seeded order; a step takes the next `batch` examples.
  const order: SolverExample[] = [];
  let epoch = 0;
  let last: SolverStepMetrics | null = null;
  try {
    for (let step = 1; step <= s.steps; step++) {
      checkAborted(signal);
      const t0 = performance.now();
      const seed = phaseSeed(c.seed, iteration, 'solver', step);
      while (order.length < s.batch) {
        order.push(
          ...seededShuffle(
            dataset,
            phaseSeed(c.seed, iteration, 'solver', EPOCH_SEED_BASE + epoch++),
          ),
        );
      }
      const batch = order.splice(0, s.batch);
      const prompts = batch.flatMap((ex) => {
        const ids = render.solver(ex.question);
        return Array.from({ length: s.groupSize }, () => ids);
      });
      const samples = sample(solver, render.tokenizer, prompts, s.rollout, seed);
      const examples = batch.flatMap((ex) => Array.from({ length: s.groupSize }, () => ex));
      const rewards = samples.map((x, i) => solverReward(x.text, examples[i]!.label));
      const groups = rewards.map((_, i) => Math.floor(i / s.groupSize));
      const advantages = grpoAdvantages(rewards, groups);
      const g = grpoUpdate(
        solver,
        reference,
        optim,
        { prompts, samples, advantages },
        c.optim,
        s.rollout.temperature,
      );
      last = {
        reward: mean(rewards),
        oracleAccuracy: domain.oracle
          ? oracleAccuracy(
              domain,
              examples,
              samples.map((x) => x.text),
            )
          : null,
        ...updateMetrics(g, samples, t0),
      };
      await input.onStep(step, last);
    }
  } finally {
    optim.dispose();
    reference?.dispose();
  }
  return last;
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
