/**
 * Pretrains the tiny built-in base model (character-level Llama) on the arithmetic corpus and
 * writes it in the Hugging Face layout with its recipe and measured benchmark accuracies.
 *
 *   npm run pretrain:arith [-- --steps 3000 --out assets/base-models/arith-tiny --seed 1]
 *   npm run pretrain:arith -- --init <stage-1 dir> --corpusSeed 2 --steps 2000 --out <dir>
 *     (a continuation stage: starts from the given model, reads fresh documents, and nests the
 *     previous stage's recipe in its own recipe.json)
 *
 * The corpus (src/tasks/arith/corpus.ts) mixes Solver documents (prompt -> worked solution) and
 * Challenger documents (prompt -> <question>..</question> \boxed{..}); the loss is on completions
 * only (prompts are fixed templates plus the question). Progress goes to stderr.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { initBackend, parseBackendRequest } from '../src/engine/backend';
import { parseModelConfig } from '../src/engine/config';
import { CausalLM } from '../src/engine/model';
import { AdamW, nllStep } from '../src/engine/trainer';
import { countParameters, randomWeights } from '../src/engine/weights';
import { loadModelDir, saveModelDir } from '../src/engine/checkpoint';
import {
  ARITH_CORPUS_RECIPE,
  arithBenchmark,
  arithCorpus,
  arithTokenizer,
  arithTokenizerFiles,
  greedyAccuracy,
  solverPrompt,
} from '../src/tasks/arith';
import type { ArithBenchmarkName } from '../src/tasks/arith';
import { generate } from '../src/engine/sampler';
import type { Tokenizer } from '../src/engine/tokenizer';
import { ProgressBar } from './progress';

interface Args {
  steps: number;
  batch: number;
  micro: number;
  lr: number;
  warmup: number;
  seed: number;
  out: string;
  evalEvery: number;
  evalItems: number;
  /** Continue from this model directory (a previous stage) instead of random weights. */
  init: string;
  /** Corpus seed; give a continuation stage its own, so it reads documents not seen before. */
  corpusSeed: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    steps: 3000,
    batch: 32,
    micro: 8,
    lr: 2e-3,
    warmup: 100,
    seed: 1,
    out: 'assets/base-models/arith-tiny',
    evalEvery: 500,
    evalItems: 100,
    init: '',
    corpusSeed: ARITH_CORPUS_RECIPE.seed,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]!.replace(/^--/, '');
    const value = argv[i + 1];
    if (!(key in a) || value === undefined)
      throw new Error(`unknown or incomplete argument ${argv[i]}`);
    (a as unknown as Record<string, number | string>)[key] =
      key === 'out' || key === 'init' ? value : Number(value);
  }
  return a;
}

/** The architecture of the tiny model: small enough for CPU training, big enough for 2-step sums. */
function modelConfigJson(vocabSize: number, tok: Tokenizer): Record<string, unknown> {
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: 128,
    intermediate_size: 384,
    num_hidden_layers: 4,
    num_attention_heads: 4,
    num_key_value_heads: 4,
    vocab_size: vocabSize,
    max_position_embeddings: 256,
    rms_norm_eps: 1e-6,
    rope_theta: 10000,
    tie_word_embeddings: true,
    hidden_act: 'silu',
    bos_token_id: tok.bosTokenId,
    eos_token_id: tok.eosTokenIds[0],
    pad_token_id: tok.padTokenId,
  };
}

/** Cosine decay to 10% after a linear warm-up. */
function lrAt(step: number, a: Args): number {
  if (step < a.warmup) return (a.lr * (step + 1)) / a.warmup;
  const t = (step - a.warmup) / Math.max(1, a.steps - a.warmup);
  return a.lr * (0.1 + 0.45 * (1 + Math.cos(Math.PI * t)));
}

export function evaluateGreedy(
  model: CausalLM,
  tok: Tokenizer,
  name: ArithBenchmarkName,
  limit?: number,
): number {
  const items = arithBenchmark(name).slice(0, limit);
  const prompts = items.map((it) => tok.encode(solverPrompt(it.question)));
  const samples = generate(model, prompts, {
    maxNewTokens: 96,
    temperature: 0,
    eosTokenIds: tok.eosTokenIds,
    decode: (ids) => tok.decode(ids, { skipSpecialTokens: true }),
    batchSize: 64,
  });
  return greedyAccuracy(
    samples.map((s) => s.text),
    items,
  );
}

interface RecipeSummary {
  command: string;
  backend: string;
  parameters: number;
  args: Args;
  corpus: { documents: number; solverShare: number; seed: number };
  wall_seconds: number;
  trained_tokens: number;
  greedy_accuracy: Record<string, number>;
  history: { step: number; loss: number; easy?: number; medium?: number }[];
  previous_stage?: RecipeSummary | null;
}

/** The model card (README.md beside the weights), written from recipe.json so it cannot drift. */
export function modelCard(r: RecipeSummary): string {
  const pct = (x: number | undefined) => (x === undefined ? '-' : `${(100 * x).toFixed(1)}%`);
  const evals = r.history.filter((h) => h.easy !== undefined);
  return [
    '# arith-tiny',
    '',
    'The built-in base model of rzero-service: a character-level `LlamaForCausalLM` (hidden 128,',
    '4 layers, 4 heads, intermediate 384, tied embeddings, 53-token vocabulary) pretrained from',
    'random weights on the arithmetic corpus of `src/tasks/arith` (Solver documents with worked',
    'steps ending in `\\boxed{}`, and Challenger documents `<question>...</question> \\boxed{...}`).',
    'Made by `scripts/pretrain-arith.ts`; every number below comes from `recipe.json` beside it.',
    '',
    `- command: \`${r.command}\``,
    `- parameters: ${r.parameters.toLocaleString('en-US')}; backend ${r.backend}; ${Math.round(r.wall_seconds / 60)} minutes`,
    `- corpus: ${r.corpus.documents.toLocaleString('en-US')} documents (seed ${r.corpus.seed}, ${Math.round(100 * r.corpus.solverShare)}% Solver), ${r.trained_tokens.toLocaleString('en-US')} tokens`,
    ...(r.previous_stage ? [`- continues a previous stage: \`${r.previous_stage.command}\``] : []),
    '',
    '| benchmark | greedy accuracy (all items) |',
    '|---|---|',
    ...Object.entries(r.greedy_accuracy).map(([k, v]) => `| ${k} | ${pct(v)} |`),
    '',
    'During training (first items of each benchmark):',
    '',
    '| step | loss | arith-easy | arith-medium |',
    '|---|---|---|---|',
    ...evals.map((h) => `| ${h.step} | ${h.loss.toFixed(4)} | ${pct(h.easy)} | ${pct(h.medium)} |`),
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  // `--card <dir>`: rewrite the model card of an existing model from its recipe.json.
  if (process.argv[2] === '--card' && process.argv[3]) {
    const dir = resolve(process.argv[3]);
    writeFileSync(
      join(dir, 'README.md'),
      modelCard(JSON.parse(readFileSync(join(dir, 'recipe.json'), 'utf8'))),
    );
    return;
  }
  const args = parseArgs(process.argv.slice(2));
  const info = await initBackend(parseBackendRequest(process.env.RZERO_BACKEND));
  const tok = arithTokenizer();
  const config = parseModelConfig(modelConfigJson(tok.vocabSize, tok));
  // A continuation stage starts from the previous stage's weights and keeps its recipe.
  const previous = args.init
    ? await loadModelDir(resolve(args.init), { requireTokenizer: true })
    : null;
  if (previous && JSON.stringify(previous.config) !== JSON.stringify(config)) {
    throw new Error(`--init ${args.init}: its config differs from this script's architecture`);
  }
  const previousRecipe = previous
    ? JSON.parse(readFileSync(join(resolve(args.init), 'recipe.json'), 'utf8'))
    : null;
  const model =
    previous?.model ?? CausalLM.fromHfWeights(config, randomWeights(config, args.seed, 0.02));
  const optim = new AdamW(model.variables(), {
    lr: args.lr,
    beta1: 0.9,
    beta2: 0.98,
    eps: 1e-8,
    weightDecay: 0.01,
    maxGradNorm: 1,
  });
  process.stderr.write(
    `backend ${info.backend} (${info.device}); ${countParameters(config)} parameters; vocab ${tok.vocabSize}\n`,
  );

  const recipe = {
    ...ARITH_CORPUS_RECIPE,
    seed: args.corpusSeed,
    documents: args.steps * args.batch,
  };
  const corpus = arithCorpus(recipe);
  const eos = tok.eosTokenIds[0]!;
  const bar = new ProgressBar('pretrain', args.steps);
  const history: { step: number; loss: number; easy?: number; medium?: number; hard?: number }[] =
    [];
  const t0 = Date.now();
  let tokens = 0;
  for (let step = 0; step < args.steps; step++) {
    const prompts: number[][] = [];
    const completions: number[][] = [];
    for (let i = 0; i < args.batch; i++) {
      const doc = corpus.next().value!;
      prompts.push(tok.encode(doc.prompt));
      completions.push([...tok.encode(doc.completion), eos]);
    }
    // Shortest rows first, in micro-batches: a micro-batch is padded to its own longest row, so
    // the (shorter) Solver documents do not pay for the Challenger prompt's length.
    const order = prompts
      .map((_, i) => i)
      .sort(
        (i, j) =>
          prompts[i]!.length +
          completions[i]!.length -
          (prompts[j]!.length + completions[j]!.length),
      );
    const m = nllStep(
      model,
      optim,
      order.map((i) => prompts[i]!),
      order.map((i) => completions[i]!),
      args.micro,
      lrAt(step, args),
    );
    tokens += prompts.reduce((n, p, i) => n + p.length + completions[i]!.length, 0);
    const rec: (typeof history)[number] = { step: step + 1, loss: m.loss };
    if ((step + 1) % args.evalEvery === 0 || step + 1 === args.steps) {
      rec.easy = evaluateGreedy(model, tok, 'arith-easy', args.evalItems);
      rec.medium = evaluateGreedy(model, tok, 'arith-medium', args.evalItems);
      process.stderr.write(
        `\nstep ${step + 1}: loss ${m.loss.toFixed(4)}, easy ${(100 * rec.easy).toFixed(1)}%, medium ${(100 * rec.medium).toFixed(1)}% (first ${args.evalItems} items)\n`,
      );
    }
    history.push(rec);
    bar.update(
      step + 1,
      `loss ${m.loss.toFixed(3)} lr ${lrAt(step, args).toExponential(1)} ${(tokens / ((Date.now() - t0) / 1000)).toFixed(0)} tok/s`,
    );
  }
  bar.done();

  // Full benchmark accuracies of the final model, greedy.
  const accuracy: Record<string, number> = {};
  for (const name of ['arith-easy', 'arith-medium', 'arith-hard'] as const) {
    accuracy[name] = evaluateGreedy(model, tok, name);
    process.stderr.write(`${name}: ${(100 * accuracy[name]).toFixed(1)}% greedy\n`);
  }

  const out = resolve(args.out);
  const tokDir = join(out, '..', `.${'arith-tiny'}-tokenizer-${process.pid}`);
  mkdirSync(tokDir, { recursive: true });
  for (const [name, json] of Object.entries(arithTokenizerFiles()))
    writeFileSync(join(tokDir, name), JSON.stringify(json, null, 2) + '\n');
  await saveModelDir(model, out, { tokenizerFrom: tokDir });
  rmSync(tokDir, { recursive: true, force: true });
  const wallS = (Date.now() - t0) / 1000;
  const recipeOut = {
    script: 'scripts/pretrain-arith.ts',
    command: `npm run pretrain:arith -- ${process.argv.slice(2).join(' ')}`.trim(),
    backend: info.backend,
    parameters: countParameters(config),
    args,
    corpus: recipe,
    optimizer: {
      name: 'AdamW',
      beta1: 0.9,
      beta2: 0.98,
      eps: 1e-8,
      weightDecay: 0.01,
      maxGradNorm: 1,
      schedule: 'linear warm-up then cosine to 10%',
    },
    loss: 'mean NLL of completion tokens (+ eos) given the prompt',
    wall_seconds: Math.round(wallS),
    trained_tokens: tokens,
    greedy_accuracy: accuracy,
    history: history.filter((h, i) => i % 50 === 49 || h.easy !== undefined),
    previous_stage: previousRecipe,
  };
  writeFileSync(join(out, 'recipe.json'), JSON.stringify(recipeOut, null, 2) + '\n');
  writeFileSync(join(out, 'README.md'), modelCard(recipeOut));
  optim.dispose();
  model.dispose();
  process.stderr.write(`wrote ${out} in ${wallS.toFixed(0)} s\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
