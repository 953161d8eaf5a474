/**
 * Per-token log-probabilities of given responses after given prompts (the GRPO ratio's old and
 * new terms, and the KL to a reference model). Log-probs are taken under softmax(logits / T),
 * the distribution the sampler drew from, as verl does for the actor.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM } from './model';
import { gatherRows, tokenLogProbs } from './ops';
import { chunks, packSequences, PackedSequences, splitByLengths } from './sequences';

export interface ScoreOptions {
  temperature?: number;
  /** Rows per forward pass. */
  batchSize?: number;
}

/** Log-probs [N] of the packed response tokens, as a tensor (for use inside a gradient scope). */
export function responseLogProbs(
  model: CausalLM,
  packed: PackedSequences,
  temperature = 1,
): tf.Tensor1D {
  return tf.tidy(() => {
    const h = model.hidden(packed.batch);
    const rows = gatherRows(h, packed.predictRows);
    let logits = model.logits(rows);
    if (temperature !== 1) logits = tf.div(logits, temperature);
    return tokenLogProbs(logits, packed.targets);
  });
}

/** Per-token log-probs for each response (plain numbers, no tensors left behind). */
export function scoreResponses(
  model: CausalLM,
  prompts: number[][],
  responses: number[][],
  opts: ScoreOptions = {},
): number[][] {
  const { temperature = 1, batchSize = 32 } = opts;
  const out: number[][] = [];
  for (const [s, e] of chunks(prompts.length, batchSize)) {
    const packed = packSequences(prompts.slice(s, e), responses.slice(s, e));
    if (packed.targets.length === 0) {
      out.push(...packed.lengths.map(() => []));
      continue;
    }
    const lp = responseLogProbs(model, packed, temperature);
    const flat = lp.dataSync();
    lp.dispose();
    out.push(...splitByLengths(flat, packed.lengths));
  }
  return out;
}
