/**
 * Phase 1 of an iteration: GRPO on the Challenger against the frozen Solver (RZERO.md
 * "Challenger training"; paper Sec. 3.2). Per step: B x G rollouts of the Challenger prompt,
 * parse, m Solver votes per valid question -> p^, repetition penalty over the batch, reward,
 * group-normalised advantages, one GRPO update with the KL to the phase's starting model.
 */
import type { CausalLM } from '../engine';
import type { RZeroConfig } from './config';
import type { ChallengerStepMetrics } from './events';
import { grpoAdvantages } from './grpo';
import { parseChallengerOutput } from './parsing';
import { challengerRewards, uncertaintyReward } from './rewards';
import {
  PromptRenderer,
  grpoUpdate,
  makeOptimizer,
  mean,
  sample,
  updateMetrics,
  solverVotes,
} from './rollout';
import { checkAborted, phaseSeed } from './seeds';

export interface ChallengerPhaseInput {
  challenger: CausalLM;
  solver: CausalLM;
  render: PromptRenderer;
  config: RZeroConfig;
  iteration: number;
  signal?: AbortSignal;
  onStep(step: number, metrics: ChallengerStepMetrics): Promise<void>;
}

/** Trains `challenger` in place; returns the last step's metrics (null when steps = 0). */
export async function trainChallenger(
  input: ChallengerPhaseInput,
): Promise<ChallengerStepMetrics | null> {
  const { challenger, solver, render, config: c, iteration, signal } = input;
  const q = c.challenger;
  const reference = c.optim.klCoef > 0 ? challenger.clone(false) : null;
  const optim = makeOptimizer(challenger, q.lr, c.optim);
  let last: ChallengerStepMetrics | null = null;
  try {
    for (let step = 1; step <= q.steps; step++) {
      checkAborted(signal);
      const t0 = performance.now();
      const seed = phaseSeed(c.seed, iteration, 'challenger', step);
      const n = q.batch * q.groupSize;
      const promptIds = render.challenger();
      const prompts = Array.from({ length: n }, () => promptIds);
      const samples = sample(challenger, render.tokenizer, prompts, q.rollout, seed);

      // p^ of every distinct valid question, from the frozen Solver's m votes (reward server).
      const texts = samples.map((s) => s.text);
      const agreement = agreementOf(texts, solver, render, c, seed);
      const items = challengerRewards(texts, (question) => agreement.get(question) ?? 0, {
        form: c.reward.uncertainty === 'official' ? 'official' : 'paper',
        invalidReward: c.reward.invalidReward,
        lambda: c.reward.repetitionPenalty ? c.reward.penaltyWeight : 0,
        threshold: c.reward.clusterThreshold,
      });
      const rewards = items.map((it) => it.reward);
      // Rollouts of one prompt form a group: rollout i belongs to prompt floor(i / G).
      const groups = rewards.map((_, i) => Math.floor(i / q.groupSize));
      const advantages = grpoAdvantages(rewards, groups);
      const g = grpoUpdate(
        challenger,
        reference,
        optim,
        { prompts, samples, advantages },
        c.optim,
        q.rollout.temperature,
      );

      const valid = items.filter((it) => it.valid);
      last = {
        reward: mean(rewards),
        uncertainty: mean(valid.map((it) => uncertaintyReward(it.p, c.reward.uncertainty))),
        repetitionPenalty: mean(valid.map((it) => it.penalty)),
        validShare: valid.length / items.length,
        meanP: mean(valid.map((it) => it.p)),
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

/** p^ (server semantics) for each distinct valid question of the batch. */
function agreementOf(
  texts: readonly string[],
  solver: CausalLM,
  render: PromptRenderer,
  c: RZeroConfig,
  seed: number,
): Map<string, number> {
  const parsed = texts.map((t) => parseChallengerOutput(t));
  const questions = [...new Set(parsed.filter((p) => p.valid).map((p) => p.question))];
  const votes = solverVotes(solver, render, questions, c.votes, c.solver.voting, seed ^ 0x5eed);
  return new Map(questions.map((question, i) => [question, votes[i]!.server.p]));
}
