/**
 * Phase 4: held-out evaluation of a model (paper Sec. 4: greedy accuracy, mean@k for the small
 * competition sets). The answer is the last `\boxed{}` of the completion, checked with the same
 * `answersEquivalent` that voting and rewards use.
 */
import type { CausalLM } from '../engine';
import { answersEquivalent } from './answer-equivalence';
import type { RZeroConfig } from './config';
import type { BenchmarkSet } from './domain';
import type { BenchmarkScore } from './events';
import { extractBoxed } from './parsing';
import { PromptRenderer, sample } from './rollout';
import { checkAborted, phaseSeed } from './seeds';

export interface EvaluationInput {
  model: CausalLM;
  render: PromptRenderer;
  benchmarks: readonly BenchmarkSet[];
  config: RZeroConfig;
  iteration: number;
  signal?: AbortSignal;
  onProgress?(done: number, total: number): Promise<void>;
  /** Each benchmark's greedy verdicts, item by item (in the order of its items). */
  onGreedyItems?(benchmark: string, correct: boolean[]): void;
}

/** Whether a completion's boxed answer is equivalent to the reference answer. */
export function isCorrect(completion: string, answer: string): boolean {
  const got = extractBoxed(completion);
  return got !== null && answersEquivalent(got, answer);
}

export async function evaluateModel(input: EvaluationInput): Promise<BenchmarkScore[]> {
  const { model, render, config: c, iteration } = input;
  const e = c.evaluation;
  const greedy = { temperature: 0, topP: 1, topK: 0, maxNewTokens: e.maxNewTokens };
  const scores: BenchmarkScore[] = [];
  const sets = input.benchmarks.map((b) => ({
    name: b.name,
    items: e.maxItems > 0 ? b.items.slice(0, e.maxItems) : b.items,
  }));
  const total = sets.reduce((n, b) => n + b.items.length, 0);
  let done = 0;
  for (const [k, b] of sets.entries()) {
    checkAborted(input.signal);
    if (b.items.length === 0) continue;
    const prompts = b.items.map((it) => render.solver(it.question));
    const texts = sample(model, render.tokenizer, prompts, greedy, 0).map((s) => s.text);
    const verdicts = texts.map((t, i) => isCorrect(t, b.items[i]!.answer));
    input.onGreedyItems?.(b.name, verdicts);
    const correct = verdicts.filter(Boolean).length;
    scores.push({
      benchmark: b.name,
      metric: 'greedy',
      score: correct / b.items.length,
      items: b.items.length,
    });
    if (e.meanAtK > 1) {
      const sampling = {
        temperature: e.meanAtKTemperature,
        topP: 1,
        topK: 0,
        maxNewTokens: e.maxNewTokens,
      };
      const repeated = prompts.flatMap((p) => Array.from({ length: e.meanAtK }, () => p));
      const seed = phaseSeed(c.seed, iteration, 'evaluation', k);
      const samples = sample(model, render.tokenizer, repeated, sampling, seed);
      const hits = samples.filter((s, i) =>
        isCorrect(s.text, b.items[Math.floor(i / e.meanAtK)]!.answer),
      ).length;
      scores.push({
        benchmark: b.name,
        metric: `mean@${e.meanAtK}`,
        score: hits / samples.length,
        items: b.items.length,
      });
    }
    done += b.items.length;
    await input.onProgress?.(done, total);
  }
  return scores;
}
