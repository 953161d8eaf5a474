/**
 * Batched generation with a KV cache. Prompts are left-padded and prefilled together; then one
 * token per step for every unfinished row. Rows finish on their own (EOS id, stop string or the
 * token budget) and are dropped from the batch, so later steps only compute live rows.
 *
 * Sampling happens on the host from the last position's logits: temperature, then top-k, then
 * top-p over what is left (the order Hugging Face applies its warpers), drawing from a seeded
 * generator. Reported log-probs are those of the sampled token under softmax(logits / T)
 * before truncation (the distribution the GRPO ratio is computed against); greedy uses T = 1.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CausalLM, KVCache, TokenBatch } from './model';
import { Rng } from './rng';
import { chunks } from './sequences';

export interface SampleOptions {
  maxNewTokens: number;
  /** 0 = greedy. */
  temperature?: number;
  /** 0 or undefined = no top-k. */
  topK?: number;
  /** 1 or undefined = no top-p. */
  topP?: number;
  seed?: number;
  eosTokenIds?: number[];
  /** Generation stops once the decoded text contains one of these; the text is cut before it. */
  stopStrings?: string[];
  /** Needed for stop strings and texts. */
  decode?: (ids: number[]) => string;
  /** Prompts per prefill/decode batch. */
  batchSize?: number;
  /** Called after each decode step with the number of live rows. */
  onStep?: (step: number, liveRows: number) => void;
}

export type FinishReason = 'eos' | 'stop' | 'length';

export interface Sample {
  /** Generated ids, including the EOS token when one ended the row. */
  tokens: number[];
  logProbs: number[];
  /** Decoded text (without EOS, cut before a stop string); '' when no decode was given. */
  text: string;
  finishReason: FinishReason;
}

export function generate(model: CausalLM, prompts: number[][], opts: SampleOptions): Sample[] {
  validate(opts, model.config.vocabSize);
  const rng = new Rng(opts.seed ?? 0);
  const out: Sample[] = [];
  for (const [s, e] of chunks(prompts.length, opts.batchSize ?? 64)) {
    out.push(...generateChunk(model, prompts.slice(s, e), opts, rng));
  }
  return out;
}

function validate(o: SampleOptions, vocab: number): void {
  const bad = (field: string, why: string) => {
    throw new RangeError(`sample option ${field}: ${why}`);
  };
  if (!Number.isInteger(o.maxNewTokens) || o.maxNewTokens < 0)
    bad('maxNewTokens', `must be an integer >= 0, got ${o.maxNewTokens}`);
  if (o.temperature !== undefined && !(o.temperature >= 0))
    bad('temperature', `must be >= 0, got ${o.temperature}`);
  if (o.topK !== undefined && !(Number.isInteger(o.topK) && o.topK >= 0))
    bad('topK', `must be an integer >= 0, got ${o.topK}`);
  if (o.topP !== undefined && !(o.topP > 0 && o.topP <= 1))
    bad('topP', `must be in (0, 1], got ${o.topP}`);
  for (const id of o.eosTokenIds ?? [])
    if (!(id >= 0 && id < vocab)) bad('eosTokenIds', `${id} is outside the vocabulary`);
  if ((o.stopStrings?.length ?? 0) > 0 && !o.decode) bad('stopStrings', 'need a decode function');
}

interface Row {
  index: number;
  tokens: number[];
  logProbs: number[];
  done: FinishReason | null;
  text: string;
}

function generateChunk(
  model: CausalLM,
  prompts: number[][],
  opts: SampleOptions,
  rng: Rng,
): Sample[] {
  const rows: Row[] = prompts.map((_, index) => ({
    index,
    tokens: [],
    logProbs: [],
    done: null,
    text: '',
  }));
  const eos = new Set(opts.eosTokenIds ?? []);
  const V = model.config.vocabSize;
  let live = rows.slice();
  if (opts.maxNewTokens > 0 && live.length > 0) {
    let cache = new KVCache(prompts.length);
    // Weights do not change while decoding: build the LM head matrix once.
    const head = model.params.lmHead ? null : tf.keep(model.headMatrix());
    try {
      let logits = lastLogits(model, leftPad(prompts), cache, head);
      for (let step = 0; step < opts.maxNewTokens && live.length > 0; step++) {
        for (let r = 0; r < live.length; r++) {
          const row = live[r]!;
          const { token, logProb } = pick(logits.subarray(r * V, (r + 1) * V), opts, rng);
          row.tokens.push(token);
          row.logProbs.push(logProb);
          row.done = finishOf(row, token, eos, opts);
        }
        opts.onStep?.(step, live.length);
        const keep = live.map((row, i) => (row.done ? -1 : i)).filter((i) => i >= 0);
        if (keep.length === 0 || step + 1 === opts.maxNewTokens) break;
        if (keep.length < live.length) cache = compact(cache, keep, model.config.numKvHeads);
        live = keep.map((i) => live[i]!);
        const next: TokenBatch = {
          ids: Int32Array.from(live, (row) => row.tokens[row.tokens.length - 1]!),
          mask: new Uint8Array(live.length).fill(1),
          batch: live.length,
          length: 1,
        };
        logits = lastLogits(model, next, cache, head);
      }
    } finally {
      cache.dispose();
      head?.dispose();
    }
  }
  return rows.map((row) => ({
    tokens: row.tokens,
    logProbs: row.logProbs,
    text: opts.decode && row.done !== 'stop' ? opts.decode(stripEos(row.tokens, eos)) : row.text,
    finishReason: row.done ?? 'length',
  }));
}

function finishOf(
  row: Row,
  token: number,
  eos: Set<number>,
  opts: SampleOptions,
): FinishReason | null {
  if (eos.has(token)) return 'eos';
  if (opts.stopStrings?.length && opts.decode) {
    const text = opts.decode(row.tokens);
    let cut = -1;
    for (const s of opts.stopStrings) {
      const at = s ? text.indexOf(s) : -1;
      if (at >= 0 && (cut < 0 || at < cut)) cut = at;
    }
    if (cut >= 0) {
      row.text = text.slice(0, cut);
      return 'stop';
    }
  }
  return row.tokens.length >= opts.maxNewTokens ? 'length' : null;
}

function stripEos(tokens: number[], eos: Set<number>): number[] {
  return tokens.length && eos.has(tokens[tokens.length - 1]!) ? tokens.slice(0, -1) : tokens;
}

function leftPad(prompts: number[][]): TokenBatch {
  const B = prompts.length;
  const T = Math.max(1, ...prompts.map((p) => p.length));
  const ids = new Int32Array(B * T);
  const mask = new Uint8Array(B * T);
  prompts.forEach((p, b) => {
    if (p.length === 0) throw new RangeError(`prompt ${b} is empty`);
    ids.set(p, b * T + T - p.length);
    mask.fill(1, b * T + T - p.length, (b + 1) * T);
  });
  return { ids, mask, batch: B, length: T };
}

/** Runs the batch through the model (extending the cache) and returns the last position's logits [B, V]. */
function lastLogits(
  model: CausalLM,
  batch: TokenBatch,
  cache: KVCache,
  head: tf.Tensor2D | null,
): Float32Array {
  const t = tf.tidy(() => {
    const h = model.hidden(batch, cache); // [B*T, H]
    const T = batch.length;
    const last =
      T === 1
        ? h
        : tf.reshape(tf.slice(tf.reshape(h, [batch.batch, T, -1]), [0, T - 1, 0], [-1, 1, -1]), [
            batch.batch,
            -1,
          ]);
    return model.logits(last as tf.Tensor2D, head ?? undefined);
  });
  const data = t.dataSync() as Float32Array;
  t.dispose();
  return data;
}

/** Keeps only the given batch rows of the cache. */
function compact(cache: KVCache, keep: number[], nkv: number): KVCache {
  const next = new KVCache(keep.length);
  const Tc = cache.length;
  const rowIdx = tf.tensor1d(
    keep.flatMap((b) => Array.from({ length: nkv }, (_, g) => b * nkv + g)),
    'int32',
  );
  next.keys = cache.keys.map((k) => tf.gather(k, rowIdx));
  next.values = cache.values.map((v) => tf.gather(v, rowIdx));
  rowIdx.dispose();
  next.mask = new Uint8Array(keep.length * Tc);
  keep.forEach((b, i) => {
    next.mask.set(cache.mask.subarray(b * Tc, (b + 1) * Tc), i * Tc);
    next.nextPos[i] = cache.nextPos[b]!;
  });
  next.length = Tc;
  cache.dispose();
  return next;
}

/** Chooses the next token from one row of logits. */
export function pick(
  logits: Float32Array,
  opts: Pick<SampleOptions, 'temperature' | 'topK' | 'topP'>,
  rng: Rng,
): { token: number; logProb: number } {
  const temperature = opts.temperature ?? 1;
  const V = logits.length;
  if (temperature === 0) {
    let best = 0;
    for (let i = 1; i < V; i++) if (logits[i]! > logits[best]!) best = i;
    return { token: best, logProb: logSoftmaxAt(logits, best, 1) };
  }
  const z = new Float32Array(V);
  let max = -Infinity;
  for (let i = 0; i < V; i++) {
    z[i] = logits[i]! / temperature;
    if (z[i]! > max) max = z[i]!;
  }
  const p = new Float64Array(V);
  let total = 0;
  for (let i = 0; i < V; i++) total += p[i] = Math.exp(z[i]! - max);
  const keep = truncate(z, p, total, opts.topK ?? 0, opts.topP ?? 1);
  let mass = 0;
  for (const i of keep) mass += p[i]!;
  let u = rng.next() * mass;
  let token = keep[keep.length - 1]!;
  for (const i of keep) {
    u -= p[i]!;
    if (u < 0) {
      token = i;
      break;
    }
  }
  return { token, logProb: z[token]! - max - Math.log(total) };
}

function logSoftmaxAt(logits: Float32Array, i: number, temperature: number): number {
  let max = -Infinity;
  for (const v of logits) if (v / temperature > max) max = v / temperature;
  let s = 0;
  for (const v of logits) s += Math.exp(v / temperature - max);
  return logits[i]! / temperature - max - Math.log(s);
}

/**
 * Candidate token ids after top-k then top-p, in descending probability. Only tokens above a
 * falling threshold are sorted, so a peaked distribution over a large vocabulary costs O(V).
 */
function truncate(
  z: Float32Array,
  p: Float64Array,
  total: number,
  topK: number,
  topP: number,
): number[] {
  const V = z.length;
  const k = topK > 0 && topK < V ? topK : V;
  const kth = k < V ? kthLargest(z, k) : -Infinity;
  if (topP >= 1) {
    const all: number[] = [];
    for (let i = 0; i < V; i++) if (z[i]! >= kth) all.push(i);
    return all;
  }
  // Mass left after top-k (ties at the k-th value stay, as in Hugging Face's warper).
  let kept = 0;
  if (k < V) for (let i = 0; i < V; i++) kept += z[i]! >= kth ? p[i]! : 0;
  else kept = total;
  const need = topP * kept;
  let threshold = 1;
  for (;;) {
    const cand: number[] = [];
    let sum = 0;
    for (let i = 0; i < V; i++) {
      if (z[i]! >= kth && p[i]! >= threshold) {
        cand.push(i);
        sum += p[i]!;
      }
    }
    if (sum >= need * (1 - 1e-12) || threshold < 1e-300) {
      cand.sort((a, b) => p[b]! - p[a]! || a - b);
      const out: number[] = [];
      let acc = 0;
      for (const i of cand) {
        out.push(i);
        acc += p[i]!;
        if (acc >= need) break;
      }
      return out;
    }
    threshold /= 16;
  }
}

/** The k-th largest value (1-based) by quickselect on a copy. */
function kthLargest(values: Float32Array, k: number): number {
  const a = Float32Array.from(values);
  let lo = 0;
  let hi = a.length - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! > pivot) i++;
      while (a[j]! < pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return a[target]!;
  }
  return a[target]!;
}
