/**
 * Phase 1 of an iteration: GRPO on the Challenger against the frozen Solver (RZERO.md
 * "Challenger training"; paper Sec. 3.2). Per step: B x G rollouts of the Challenger prompt,
 * parse, m Solver votes per valid question -> p^, repetition penalty over the batch, reward,
 * group-normalised advantages, then one pass over the batch in mini-batches of `miniBatch`
 * prompts, one GRPO update each, with the KL to the phase's starting model.
 */
import type { CausalLM } from '../engine';
import type { RZeroConfig } from './config';
import type { ChallengerStepMetrics } from './events';
import { parseChallengerOutput } from './parsing';
import { challengerRewards, checkedParse, uncertaintyReward } from './rewards';
import { PromptRenderer, mean, runGrpoPhase, sample, solverVotes } from './rollout';
import { phaseSeed } from './seeds';

export interface ChallengerPhaseInput {
  challenger: CausalLM;
  solver: CausalLM;
  render: PromptRenderer;
  config: RZeroConfig;
  /** The domain's grammar check under `reward.questionCheck: 'domain'` (see questionCheckOf). */
  wellFormed: ((question: string) => boolean) | null;
  iteration: number;
  signal?: AbortSignal;
  onStep(step: number, metrics: ChallengerStepMetrics): Promise<void>;
}

/** Trains `challenger` in place; returns the last step's metrics (null when steps = 0). */
export function trainChallenger(
  input: ChallengerPhaseInput,
): Promise<ChallengerStepMetrics | null> {
  const { challenger, solver, render, config: c, iteration } = input;
  const q = c.challenger;
  return runGrpoPhase({
    policy: challenger,
    lr: q.lr,
    steps: q.steps,
    groupSize: q.groupSize,
    miniBatch: q.miniBatch,
    temperature: q.rollout.temperature,
    optim: c.optim,
    signal: input.signal,
    onStep: input.onStep,
    rollout: (step) => {
      const seed = phaseSeed(c.seed, iteration, 'challenger', step);
      const promptIds = render.challenger();
      const prompts = Array.from({ length: q.batch * q.groupSize }, () => promptIds);
      const samples = sample(challenger, render.tokenizer, prompts, q.rollout, seed);
      // p^ of every distinct valid question, from the frozen Solver's m votes (reward server).
      const texts = samples.map((s) => s.text);
      const agreement = agreementOf(texts, input.wellFormed, solver, render, c, seed);
      const items = challengerRewards(texts, (question) => agreement.get(question) ?? 0, {
        form: c.reward.uncertainty === 'official' ? 'official' : 'paper',
        invalidReward: c.reward.invalidReward,
        lambda: c.reward.repetitionPenalty ? c.reward.penaltyWeight : 0,
        threshold: c.reward.clusterThreshold,
        wellFormed: input.wellFormed,
      });
      const rewards = items.map((it) => it.reward);
      const valid = items.filter((it) => it.valid);
      const extra = {
        reward: mean(rewards),
        uncertainty: mean(valid.map((it) => uncertaintyReward(it.p, c.reward.uncertainty))),
        repetitionPenalty: mean(valid.map((it) => it.penalty)),
        validShare: valid.length / items.length,
        meanP: mean(valid.map((it) => it.p)),
      };
      return { prompts, samples, rewards, extra };
    },
  });
}

/** p^ (server semantics) for each distinct valid question of the batch. */
function agreementOf(
  texts: readonly string[],
  wellFormed: ((question: string) => boolean) | null,
  solver: CausalLM,
  render: PromptRenderer,
  c: RZeroConfig,
  seed: number,
): Map<string, number> {
  const parsed = texts.map((t) => checkedParse(parseChallengerOutput(t), wellFormed));
  const questions = [...new Set(parsed.filter((p) => p.valid).map((p) => p.question))];
  const votes = solverVotes(solver, render, questions, c.votes, c.solver.voting, seed ^ 0x5eed);
  return new Map(questions.map((question, i) => [question, votes[i]!.server.p]));
}
