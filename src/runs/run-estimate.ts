/**
 * What a run will cost, from its config and its base model's shape, before it is queued
 * (POST /runs?dryRun=true). Token counts are upper bounds (every sample runs to maxNewTokens);
 * memory is a rough peak for fp32 training on the tfjs engine.
 */
import type { ModelConfig } from '../engine';
import type { RZeroConfig } from '../rzero';

export interface RunEstimate {
  parameters: number;
  /**
   * Peak bytes of the training state: Challenger + Solver weights, the frozen KL reference, AdamW
   * moments, gradients, one micro-batch of activations. Not a worker's resident memory, which adds
   * the runtime, the backend's libraries and allocator caches, the KV cache while sampling, the
   * tokenizer and the benchmarks (see `notes`).
   */
  memoryBytes: number;
  perIteration: {
    /** Tokens sampled: Challenger rollouts, their Solver votes, the N questions, their m votes, Solver rollouts, evaluation. */
    generatedTokens: number;
    /** Response tokens in GRPO updates (Challenger + Solver). */
    trainedTokens: number;
    challengerRollouts: number;
    solverVotes: number;
    solverRollouts: number;
  };
  /** Every iteration, plus the base model's evaluation when evaluation.evaluateBase is on. */
  total: { generatedTokens: number; trainedTokens: number };
  notes: string[];
}

/**
 * What memoryBytes leaves out: a worker's RSS is the estimate plus these (a probe measured a worker
 * at 1.8 GB RSS for a run estimated at 0.51 GB).
 */
export const OUTSIDE_MEMORY_ESTIMATE =
  "memoryBytes is the training state only; a worker's resident memory also holds the Node.js runtime, the compute backend's libraries (libtorch or the wasm module) and allocator caches, the KV cache while sampling, the tokenizer and the benchmarks";

export function estimateRun(
  c: RZeroConfig,
  m: ModelConfig,
  parameters: number,
  benchmarkSizes: number[],
): RunEstimate {
  const q = c.challenger;
  const s = c.solver;
  const challengerRollouts = q.train ? q.steps * q.batch * q.groupSize : 0;
  const challengerVotes = challengerRollouts * c.votes;
  const datasetVotes = q.questionsPerIteration * c.votes;
  const solverRollouts = s.steps * s.batch * s.groupSize;
  const cap = (n: number) => (c.evaluation.maxItems > 0 ? Math.min(n, c.evaluation.maxItems) : n);
  const benchmarkItems = benchmarkSizes.reduce((a, n) => a + n, 0);
  const evalItems = benchmarkSizes.reduce((a, n) => a + cap(n), 0);
  const evalSamples = evalItems * (1 + (c.evaluation.meanAtK > 1 ? c.evaluation.meanAtK : 0));
  const evalTokens = evalSamples * c.evaluation.maxNewTokens;
  const generatedTokens =
    challengerRollouts * q.rollout.maxNewTokens +
    (challengerVotes + datasetVotes) * s.voting.maxNewTokens +
    q.questionsPerIteration * q.generation.maxNewTokens +
    solverRollouts * s.rollout.maxNewTokens +
    evalTokens;
  // evaluation.evaluateBase scores the base model once more before iteration 1.
  const evaluations = c.iterations + (c.evaluation.evaluateBase ? 1 : 0);
  const trainedTokens =
    challengerRollouts * q.rollout.maxNewTokens + solverRollouts * s.rollout.maxNewTokens;

  const weightBytes = parameters * 4;
  // Two policies + frozen reference (when KL is on) + AdamW m and v + gradients of the one in training.
  const modelCopies = 2 + (c.optim.klCoef > 0 ? 1 : 0) + 3;
  const seq = Math.max(q.rollout.maxNewTokens, s.rollout.maxNewTokens) + 256;
  const perToken = m.numLayers * (m.hiddenSize * 12 + m.intermediateSize * 3) + m.vocabSize * 2;
  const activationBytes = c.optim.microBatchSize * seq * perToken * 4;
  const notes = [
    'token counts are upper bounds: every sample is counted at maxNewTokens',
    'memory assumes fp32 weights and optimizer state on one device; prompts counted as 256 tokens',
    OUTSIDE_MEMORY_ESTIMATE,
  ];
  notes.push(
    `${evaluations} evaluations: one per iteration${c.evaluation.evaluateBase ? ' and one of the base model (evaluation.evaluateBase)' : ''}`,
  );
  if (evalItems < benchmarkItems)
    notes.push(`evaluation.maxItems limits the benchmarks to ${evalItems} items`);
  return {
    parameters,
    memoryBytes: Math.round(weightBytes * modelCopies + activationBytes),
    perIteration: {
      generatedTokens,
      trainedTokens,
      challengerRollouts,
      solverVotes: challengerVotes + datasetVotes,
      solverRollouts,
    },
    total: {
      generatedTokens:
        generatedTokens * c.iterations + (c.evaluation.evaluateBase ? evalTokens : 0),
      trainedTokens: trainedTokens * c.iterations,
    },
    notes,
  };
}
