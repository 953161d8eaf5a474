/**
 * A tiny arithmetic base model for loop tests: a 2-layer char-level Llama that has memorised a
 * few Challenger and Solver documents, so its rollouts parse (valid questions, boxed answers) and
 * every phase of the loop has real work to do. Built once per test process (a few seconds).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdamW,
  CausalLM,
  nllStep,
  parseModelConfig,
  randomWeights,
  saveModelDir,
} from '../../src/engine';
import { applyOverrides, coevolve, resolveConfig } from '../../src/rzero';
import type { BenchmarkSet, Domain, RZeroConfig, RZeroEvent } from '../../src/rzero';
import {
  ARITH_DOMAIN,
  arithTokenizer,
  arithTokenizerFiles,
  challengerCompletion,
  challengerPrompt,
  generateProblems,
  ARITH_PRETRAIN_KNOBS,
  solverCompletion,
  solverPrompt,
} from '../../src/tasks/arith';

let cached: Promise<string> | null = null;

/** Directory of the fixture model (Hugging Face layout), created on first use. */
export function fixtureModelDir(): Promise<string> {
  cached ??= buildFixture();
  return cached;
}

async function buildFixture(): Promise<string> {
  const tok = arithTokenizer();
  const config = parseModelConfig({
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: 48,
    intermediate_size: 96,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    vocab_size: tok.vocabSize,
    max_position_embeddings: 256,
    rms_norm_eps: 1e-6,
    rope_theta: 10000,
    tie_word_embeddings: true,
    bos_token_id: tok.bosTokenId,
    eos_token_id: tok.eosTokenIds[0],
  });
  const model = CausalLM.fromHfWeights(config, randomWeights(config, 7, 0.02));
  const optim = new AdamW(model.variables(), {
    lr: 1e-2,
    beta1: 0.9,
    beta2: 0.98,
    eps: 1e-8,
    weightDecay: 0,
    maxGradNorm: 1,
  });
  const problems = generateProblems(
    5,
    { ...ARITH_PRETRAIN_KNOBS, maxOperands: 2, maxDigits: 1 },
    6,
  );
  const eos = tok.eosTokenIds[0]!;
  const prompts = [
    ...problems.map(() => tok.encode(challengerPrompt())),
    ...problems.map((p) => tok.encode(solverPrompt(p.question))),
  ];
  const completions = [
    ...problems.map((p) => [...tok.encode(challengerCompletion(p.question, p.answer)), eos]),
    ...problems.map((p) => [...tok.encode(solverCompletion(p.question)), eos]),
  ];
  for (let step = 0; step < 120; step++) nllStep(model, optim, prompts, completions, 16);
  optim.dispose();

  const root = mkdtempSync(join(tmpdir(), 'rzero-fixture-'));
  process.on('exit', () => rmSync(root, { recursive: true, force: true }));
  const tokDir = join(root, 'tokenizer');
  const dir = join(root, 'model');
  const files = arithTokenizerFiles();
  mkdirSync(tokDir);
  for (const [name, json] of Object.entries(files))
    writeFileSync(join(tokDir, name), JSON.stringify(json));
  await saveModelDir(model, dir, { tokenizerFrom: tokDir });
  model.dispose();
  return dir;
}

/** A run small enough for a unit test: every phase does a little real work. */
export function testConfig(overrides: Record<string, unknown> = {}): RZeroConfig {
  // Hot sampling, so that the memorising fixture disagrees with itself and rewards vary inside
  // GRPO groups (at T = 1 every group is unanimous and every advantage is 0).
  const challengerSampling = { temperature: 1.2, topP: 1, topK: 0, maxNewTokens: 40 };
  const solverSampling = { ...challengerSampling, temperature: 2 };
  const base = resolveConfig('tiny', {
    seed: 3,
    iterations: 2,
    votes: 3,
    challenger: {
      steps: 2,
      batch: 2,
      miniBatch: 1,
      groupSize: 2,
      lr: 1e-3,
      rollout: challengerSampling,
      generation: challengerSampling,
      questionsPerIteration: 6,
    },
    solver: {
      steps: 2,
      batch: 2,
      miniBatch: 1,
      groupSize: 2,
      lr: 1e-3,
      rollout: solverSampling,
      voting: solverSampling,
    },
    filter: { enabled: false },
    optim: { microBatchSize: 8 },
    evaluation: { maxNewTokens: 40, maxItems: 4 },
  });
  return applyOverrides(base, overrides);
}

/**
 * The tiny preset cut down to seconds per iteration for a CI run on a shipped base model: sampling
 * and filter as in the preset, 2 Challenger and 2 Solver updates, 20 items a benchmark.
 */
export function shippedModelCiConfig(o: {
  seed: number;
  iterations: number;
  questions: number;
}): RZeroConfig {
  return resolveConfig('tiny', {
    seed: o.seed,
    iterations: o.iterations,
    challenger: { steps: 1, batch: 2, miniBatch: 1, questionsPerIteration: o.questions },
    solver: { steps: 2, batch: 4, miniBatch: 2, groupSize: 4 },
    evaluation: { maxItems: 20 },
  });
}

/** Temporary work directories, removed by cleanup(). */
export class WorkDirs {
  private readonly dirs: string[] = [];
  make(): string {
    const d = mkdtempSync(join(tmpdir(), 'rzero-run-'));
    this.dirs.push(d);
    return d;
  }
  cleanup(): void {
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true });
  }
}

export interface Recorded {
  events: RZeroEvent[];
  result: Awaited<ReturnType<typeof coevolve>>;
}

/** Runs coevolve on the arithmetic domain, recording every event; aborts when `abortWhen` says so. */
export async function recordRun(
  modelDir: string | Promise<string>,
  config: RZeroConfig,
  benchmarks: BenchmarkSet[],
  workDir: string,
  abortWhen?: (e: RZeroEvent) => boolean,
  domain: Domain = ARITH_DOMAIN,
): Promise<Recorded> {
  const events: RZeroEvent[] = [];
  const controller = new AbortController();
  const result = await coevolve({ dir: await modelDir }, config, {
    workDir,
    domain,
    benchmarks,
    signal: controller.signal,
    hooks: {
      onEvent: (e) => {
        events.push(e);
        if (abortWhen?.(e)) controller.abort(new Error('test cancel'));
      },
    },
  });
  return { events, result };
}

/** Events without wall-clock fields and paths, for comparing two runs. */
export function stableEvents(events: RZeroEvent[]): unknown[] {
  return JSON.parse(
    JSON.stringify(events, (k, v) =>
      k === 'seconds' || k === 'dir' || k === 'phases' ? undefined : v,
    ),
  );
}
