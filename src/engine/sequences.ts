/**
 * Packing prompt/response token lists into the model's batch layout for scoring and training:
 * row b is [pad.., prompt_b, response_b], left-padded as a whole to T = max_b(|prompt_b| +
 * |response_b|). Padding the concatenation (rather than prompts to the longest prompt and
 * responses to the longest response) keeps T at the longest row: with a mix of short and long
 * prompts (Solver and Challenger documents in one batch) the other layout cost up to 1.6x the
 * tokens and 2.5x the attention work. Positions come from the mask, so padding does not shift
 * them. The hidden state at column t predicts the token at column t + 1.
 */
import type { TokenBatch } from './model';

export interface PackedSequences {
  batch: TokenBatch;
  /** Flat row index (b * T + t) of the hidden state that predicts each response token, row-major. */
  predictRows: Int32Array;
  /** The response tokens themselves, aligned with predictRows. */
  targets: Int32Array;
  /** Response lengths per row; offsets into predictRows are their running sums. */
  lengths: number[];
}

export function packSequences(
  prompts: number[][],
  responses: number[][],
  padId = 0,
): PackedSequences {
  if (prompts.length !== responses.length) {
    throw new Error(`packSequences: ${prompts.length} prompts but ${responses.length} responses`);
  }
  const B = prompts.length;
  const T = Math.max(1, ...prompts.map((p, b) => p.length + responses[b]!.length));
  const ids = new Int32Array(B * T).fill(padId);
  const mask = new Uint8Array(B * T);
  const lengths = responses.map((r) => r.length);
  const total = lengths.reduce((a, b) => a + b, 0);
  const predictRows = new Int32Array(total);
  const targets = new Int32Array(total);
  let k = 0;
  for (let b = 0; b < B; b++) {
    const prompt = prompts[b]!;
    const response = responses[b]!;
    if (prompt.length === 0) throw new Error(`packSequences: prompt ${b} is empty`);
    const rowEnd = (b + 1) * T;
    const responseStart = rowEnd - response.length;
    const start = responseStart - prompt.length;
    ids.set(prompt, start);
    ids.set(response, responseStart);
    mask.fill(1, start, rowEnd);
    for (let j = 0; j < response.length; j++) {
      predictRows[k] = responseStart + j - 1;
      targets[k] = response[j]!;
      k++;
    }
  }
  return { batch: { ids, mask, batch: B, length: T }, predictRows, targets, lengths };
}

/** Splits a flat per-token array back into per-row arrays. */
export function splitByLengths(flat: ArrayLike<number>, lengths: number[]): number[][] {
  const out: number[][] = [];
  let off = 0;
  for (const n of lengths) {
    out.push(Array.from({ length: n }, (_, i) => flat[off + i]!));
    off += n;
  }
  return out;
}

/** Index ranges [start, end) of consecutive chunks of at most `size` items. */
export function chunks(n: number, size: number): [number, number][] {
  if (!(size >= 1)) throw new Error(`chunk size must be >= 1, got ${size}`);
  const out: [number, number][] = [];
  for (let s = 0; s < n; s += size) out.push([s, Math.min(n, s + size)]);
  return out;
}
