/**
 * Pretrains a built-in base model (character-level Llama) on an arithmetic corpus and writes it in
 * the Hugging Face layout with its recipe and measured benchmark accuracies.
 *
 *   npm run pretrain:arith [-- --model small|tiny --steps N --out DIR ...]
 *   npm run pretrain:arith -- --init <stage-1 dir> --recipe arith-small-ends --steps 1200 --lr 3e-4
 *     (a continuation stage: starts from the given model, reads the named corpus recipe, or fresh
 *     documents of the same one with --corpusSeed, and nests the previous stage's recipe in its
 *     own recipe.json)
 *
 * Models (`--model`):
 * - `small` (default): arith-small, hidden 160, 6 layers, about 1.9M parameters, on the v2 corpus
 *   (src/tasks/arith/distributions.ts, corpus.ts): + and -, 2-4 operands of 1-2 digits, with a
 *   share of Challenger documents one notch past. The shipped model is two stages: the recipe
 *   `arith-small` from random weights (6,000 steps), then `arith-small-ends` (the command above):
 *   solutions worked from either end, 5 and 6 operands the notches.
 * - `tiny`: arith-tiny (0.9M, the v1 corpus), the model the demo and CI runs use.
 *
 * Resumable: every `--checkpointMinutes` (default 5) the model, the optimizer's moments and the
 * position in the corpus are written to `--checkpoint` (default assets/pretrain/<model>, tracked,
 * so a pretraining longer than one working session continues from a commit); run the same command
 * again and it continues where it stopped, drawing the same documents in the same order. The
 * checkpoint is deleted once the model is written. `--maxMinutes M` stops (with a checkpoint)
 * after M minutes, and so does Ctrl-C or SIGTERM after the current step, so a long pretraining can
 * run in slices; `--fresh 1` discards a checkpoint. A checkpoint of other settings is refused.
 *
 * The loss is the mean NLL of completion tokens (+ eos) given the prompt. Progress goes to stderr.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { projectRoot } from '../src/common/paths';
import { initBackend, parseBackendRequest } from '../src/engine/backend';
import { parseModelConfig } from '../src/engine/config';
import { CausalLM } from '../src/engine/model';
import { AdamW, AdamWState, nllStep } from '../src/engine/trainer';
import { countParameters, randomWeights } from '../src/engine/weights';
import { loadModelDir, saveModelDir } from '../src/engine/checkpoint';
import { readSafetensorsF32, saveSafetensorsDir } from '../src/engine/safetensors';
import {
  ARITH_CORPUS_RECIPE,
  ARITH_SMALL_ENDS_RECIPE,
  ARITH_SMALL_ENDS_R_RECIPE,
  ARITH_SMALL_REORDER_RECIPE,
  ARITH_SMALL_REORDER_C5_RECIPE,
  ARITH_SMALL_CHALLENGER_C5_RECIPE,
  ARITH_SMALL_CORPUS_RECIPE,
  arithBenchmark,
  arithCorpus,
  arithTokenizer,
  arithTokenizerFiles,
  greedyAccuracy,
  markerPositions,
  solverPrompt,
} from '../src/tasks/arith';
import type { ArithBenchmarkName, ArithCorpusRecipe } from '../src/tasks/arith';
import { generate } from '../src/engine/sampler';
import type { Tokenizer } from '../src/engine/tokenizer';
import { ProgressBar } from './progress';

type ModelName = 'tiny' | 'small';

interface Args {
  model: ModelName;
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
  /** The corpus recipe by name (CORPUS_RECIPES); a continuation stage may read another one. */
  recipe: string;
  checkpoint: string;
  checkpointMinutes: number;
  maxMinutes: number;
  fresh: number;
}

interface Profile {
  title: string;
  description: string;
  architecture: Record<string, unknown>;
  /** Benchmarks measured on their first evalItems items during training. */
  during: ArithBenchmarkName[];
  /** Benchmarks measured in full at the end. */
  final: ArithBenchmarkName[];
  defaults: Partial<Args>;
}

const PROFILES: Record<ModelName, Profile> = {
  tiny: {
    title: 'arith-tiny',
    description:
      'The built-in base model of rzero-service that the demo and CI runs use: a character-level ' +
      '`LlamaForCausalLM` (hidden 128, 4 layers, 4 heads, intermediate 384, tied embeddings, ' +
      '53-token vocabulary) pretrained from random weights on the v1 arithmetic corpus of ' +
      '`src/tasks/arith` (Solver documents with worked steps ending in `\\boxed{}`, and ' +
      'Challenger documents `<question>...</question> \\boxed{...}`).',
    architecture: {
      hidden_size: 128,
      intermediate_size: 384,
      num_hidden_layers: 4,
      num_attention_heads: 4,
      num_key_value_heads: 4,
      max_position_embeddings: 256,
    },
    during: ['arith-easy', 'arith-medium'],
    final: ['arith-easy', 'arith-medium', 'arith-hard'],
    defaults: { steps: 3000, batch: 32, micro: 8, lr: 2e-3, warmup: 100 },
  },
  small: {
    title: 'arith-small',
    description:
      'The base model of the replication: a character-level `LlamaForCausalLM` (hidden 160, 6 ' +
      'layers, 5 heads of 32, intermediate 448, tied embeddings, 53-token vocabulary) pretrained ' +
      'from random weights on the v2 arithmetic corpus of `src/tasks/arith`: + and -, 2-4 ' +
      'operands of 1-2 digits, worked as rewrites of the remaining expression (one operation a ' +
      'line); a quarter of the Challenger documents pose questions one notch past (5 operands, ' +
      'or 3-digit operands), which the Solver documents show only as a thin tail (1% each). ' +
      'arith-beyond (6 operands) is in no document.',
    architecture: {
      hidden_size: 160,
      intermediate_size: 448,
      num_hidden_layers: 6,
      num_attention_heads: 5,
      num_key_value_heads: 5,
      max_position_embeddings: 256,
    },
    during: ['arith-in', 'arith-frontier', 'arith-beyond'],
    final: ['arith-in', 'arith-frontier', 'arith-wide', 'arith-beyond'],
    defaults: { steps: 6000, batch: 64, micro: 16, lr: 1e-3, warmup: 200 },
  },
};

/**
 * Loss weights of a completion (and its <|eos|>) whose end markers carry no loss: one per
 * character, as the arith tokenizer has one token per character.
 */
export function markerFreeWeights(completion: string, tok: Tokenizer): number[] {
  const n = tok.encode(completion).length;
  if (n !== completion.length)
    throw new Error(`markerFreeWeights: ${n} tokens for ${completion.length} characters`);
  const w = new Array<number>(n + 1).fill(1);
  for (const i of markerPositions(completion)) w[i] = 0;
  return w;
}

/** The corpus recipes `--recipe` names; a model's default is the one named like it. */
const CORPUS_RECIPES: Record<string, ArithCorpusRecipe> = {
  'arith-tiny': ARITH_CORPUS_RECIPE,
  'arith-small': ARITH_SMALL_CORPUS_RECIPE,
  'arith-small-ends': ARITH_SMALL_ENDS_RECIPE,
  'arith-small-ends-r': ARITH_SMALL_ENDS_R_RECIPE,
  'arith-small-reorder': ARITH_SMALL_REORDER_RECIPE,
  'arith-small-reorder-c5': ARITH_SMALL_REORDER_C5_RECIPE,
  'arith-small-challenger-c5': ARITH_SMALL_CHALLENGER_C5_RECIPE,
};

/** A continuation stage's model card describes every stage that made the model. */
export const STAGE_DESCRIPTIONS: Record<string, string> = {
  'arith-small-ends':
    'The base model of the replication: a character-level `LlamaForCausalLM` (hidden 160, 6 ' +
    'layers, 5 heads of 32, intermediate 448, tied embeddings, 53-token vocabulary), pretrained ' +
    'in two stages on the arithmetic corpora of `src/tasks/arith` (+ and -, operands of 1-2 ' +
    'digits). Stage 1 (from random weights, recipe nested below): 2-4 operands worked left to ' +
    'right as rewrites of the remaining expression, with thin tails of 5-operand and 3-digit ' +
    'problems. Stage 2 (this recipe): the same problems worked from either end (each line, ' +
    'marked l or r, combines the leftmost or the rightmost ready pair, drawn at random, so that ' +
    'samples of one question take different paths), no 3-digit operands, a 2% tail of 5 ' +
    'operands; 30% of the Challenger documents pose ' +
    '5- or 6-operand questions. Six operands are in no Solver document.',
  'arith-small-ends-r':
    'The base model of the replication: a character-level `LlamaForCausalLM` (hidden 160, 6 ' +
    'layers, 5 heads of 32, intermediate 448, tied embeddings, 53-token vocabulary), pretrained ' +
    'on the arithmetic corpora of `src/tasks/arith` (+ and -, operands of 1-2 digits), each ' +
    'stage continuing the one before (commands below). Stage 1: 2-4 operands worked left to ' +
    'right as rewrites of the remaining expression. Stage 2: the same problems worked from ' +
    'either end (each line, marked l or r, combines the leftmost or the rightmost ready pair, r ' +
    'on 40% of lines, so that samples of one question take different paths), a 2% tail of 5 ' +
    'operands; 30% of the Challenger documents pose 5- or 6-operand questions. Stages 3 to 6 ' +
    '(this recipe, four times, on fresh documents): stage 2 with r on 70% of lines and no loss on the ' +
    "markers, to train the right end's sums up to the left end's without moving the model's " +
    'choice of end (greedy stays on l). Six operands are in no Solver document.',
  'arith-small-reorder':
    'The base model of the replication: a character-level `LlamaForCausalLM` (hidden 160, 6 ' +
    'layers, 5 heads of 32, intermediate 448, tied embeddings, 53-token vocabulary), pretrained ' +
    'on the arithmetic corpora of `src/tasks/arith` (+ and -, operands of 1-2 digits), each ' +
    'stage continuing the one before (commands below). Stage 1: 2-4 operands worked left to ' +
    'right as rewrites of the remaining expression. Stage 2: the same problems worked from ' +
    'either end (each line, marked l or r, combines the leftmost or the rightmost ready pair), a ' +
    '2% tail of 5 operands; 30% of the Challenger documents pose 5- or 6-operand questions. ' +
    'Stages 3 to 6: the right end trained (r on 70% of lines, no loss on the markers). Stages 7 ' +
    'and 8 (this recipe, twice, on fresh documents): every question worked in an order of its ' +
    'own (a first line writes the signed terms, parentheses opened, in a random order; then the ' +
    'leftmost pair is combined line by line), so that samples of one question do different ' +
    'partial sums with one skill. Six operands are in no Solver document.',
  'arith-small-reorder-c5':
    'The base model of the replication: a character-level `LlamaForCausalLM` (hidden 160, 6 ' +
    'layers, 5 heads of 32, intermediate 448, tied embeddings, 53-token vocabulary), pretrained ' +
    'on the arithmetic corpora of `src/tasks/arith` (+ and -, operands of 1-2 digits), each ' +
    'stage continuing the one before (commands below). Stage 1: 2-4 operands worked left to ' +
    'right as rewrites of the remaining expression. Stage 2: the same problems worked from ' +
    'either end (each line, marked l or r, combines the leftmost or the rightmost ready pair), a ' +
    '2% tail of 5 operands; 30% of the Challenger documents pose 5- or 6-operand questions. ' +
    'Stages 3 to 6: the right end trained (r on 70% of lines, no loss on the markers). Stages 7 ' +
    'and 8: every question worked in an order of its own (a first line writes the signed terms, ' +
    'parentheses opened, in a random order; then the leftmost pair is combined line by line), so ' +
    'that samples of one question do different partial sums with one skill. Stage 9 (this ' +
    "recipe): stage 8's Solver documents, and Challenger documents that stop at the frontier " +
    '(30% pose 5 operands, none 6), so that the Challenger writes the shapes whose majority ' +
    'labels are good. Six operands are in no Solver document of any stage, and in no document ' +
    'of stage 9.',
};

/** The settings that define a run: a checkpoint is resumed only when all of them agree. */
const RUN_KEYS = [
  'model',
  'steps',
  'batch',
  'micro',
  'lr',
  'warmup',
  'seed',
  'init',
  'corpusSeed',
  'recipe',
] as const;

function parseArgs(argv: string[]): Args {
  const model = (argv[argv.indexOf('--model') + 1] ?? 'small') as ModelName;
  const profile = argv.includes('--model') ? PROFILES[model] : PROFILES.small;
  if (!profile) throw new Error(`--model must be tiny or small, got ${model}`);
  const name = argv.includes('--model') ? model : 'small';
  const a: Args = {
    model: name,
    steps: 3000,
    batch: 32,
    micro: 8,
    lr: 2e-3,
    warmup: 100,
    seed: 1,
    out: `assets/base-models/${profile.title}`,
    evalEvery: 500,
    evalItems: 100,
    init: '',
    corpusSeed: NaN,
    recipe: profile.title,
    checkpoint: `assets/pretrain/${profile.title}`,
    checkpointMinutes: 5,
    maxMinutes: 0,
    fresh: 0,
    ...profile.defaults,
  };
  const strings = new Set(['out', 'init', 'checkpoint', 'model', 'recipe']);
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]!.replace(/^--/, '');
    const value = argv[i + 1];
    if (!(key in a) || value === undefined)
      throw new Error(`unknown or incomplete argument ${argv[i]}`);
    const parsed = strings.has(key) ? value : Number(value);
    if (typeof parsed === 'number' && !Number.isFinite(parsed))
      throw new Error(`--${key} must be a number, got ${value}`);
    (a as unknown as Record<string, number | string>)[key] = parsed;
  }
  const recipe = CORPUS_RECIPES[a.recipe];
  if (!recipe)
    throw new Error(
      `--recipe must be one of ${Object.keys(CORPUS_RECIPES).join(', ')}, got ${a.recipe}`,
    );
  if (Number.isNaN(a.corpusSeed)) a.corpusSeed = recipe.seed;
  return a;
}

function modelConfigJson(profile: Profile, tok: Tokenizer): Record<string, unknown> {
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    ...profile.architecture,
    vocab_size: tok.vocabSize,
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
    maxNewTokens: 128,
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

interface HistoryRow {
  step: number;
  loss: number;
  /** Greedy accuracy on the first evalItems items of each benchmark. */
  evals?: Record<string, number>;
  /** v1 recipes (arith-tiny) wrote these two instead of evals. */
  easy?: number;
  medium?: number;
}

interface RecipeSummary {
  title?: string;
  description?: string;
  command: string;
  backend: string;
  parameters: number;
  args: Partial<Args>;
  corpus: { documents: number; solverShare: number; seed: number };
  wall_seconds: number;
  trained_tokens: number;
  greedy_accuracy: Record<string, number>;
  history: HistoryRow[];
  previous_stage?: RecipeSummary | null;
}

/** A path as the recipe records it: relative to the project, or `<dir>` outside it. */
export function publicPath(p: string): string {
  const rel = relative(projectRoot(), resolve(p));
  return rel.startsWith('..') || isAbsolute(rel) ? '<dir>' : rel;
}

/** The command line as recorded (paths public; the checkpoint's place is no part of a recipe). */
export function publicCommand(argv: readonly string[]): string {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i]!, argv[i + 1] ?? ''];
    if (k === '--checkpoint' || k === '--checkpointMinutes' || k === '--maxMinutes') continue;
    out.push(k, ['--out', '--init'].includes(k) ? publicPath(v) : v);
  }
  return `npm run pretrain:arith -- ${out.join(' ')}`.trim();
}

/** The stages `r` continues, the latest first. */
function previousStages(r: RecipeSummary): RecipeSummary[] {
  const out: RecipeSummary[] = [];
  for (let p = r.previous_stage; p; p = p.previous_stage) out.push(p);
  return out;
}

/** The model card (README.md beside the weights), written from recipe.json so it cannot drift. */
export function modelCard(r: RecipeSummary): string {
  const pct = (x: number | undefined) => (x === undefined ? '-' : `${(100 * x).toFixed(1)}%`);
  const evalsOf = (h: HistoryRow): Record<string, number> | undefined =>
    h.evals ??
    (h.easy !== undefined
      ? { 'arith-easy': h.easy, ...(h.medium !== undefined ? { 'arith-medium': h.medium } : {}) }
      : undefined);
  const evals = r.history.filter((h) => evalsOf(h) !== undefined);
  const names = [...new Set(evals.flatMap((h) => Object.keys(evalsOf(h)!)))];
  const title = r.title ?? 'arith-tiny';
  return [
    `# ${title}`,
    '',
    r.description ?? PROFILES.tiny.description,
    'Made by `scripts/pretrain-arith.ts`; every number below comes from `recipe.json` beside it.',
    '',
    `- command: \`${r.command}\``,
    `- parameters: ${r.parameters.toLocaleString('en-US')}; backend ${r.backend}; ${Math.round(r.wall_seconds / 60)} minutes`,
    `- corpus: ${r.corpus.documents.toLocaleString('en-US')} documents (seed ${r.corpus.seed}, ${Math.round(100 * r.corpus.solverShare)}% Solver), ${r.trained_tokens.toLocaleString('en-US')} tokens`,
    ...previousStages(r).map(
      (p, i) =>
        `- ${i === 0 ? 'continues a previous stage' : 'which continued'}: \`${p.command}\` (${Math.round(p.wall_seconds / 60)} minutes), which scored ${Object.entries(
          p.greedy_accuracy,
        )
          .map(([k, v]) => `${k} ${pct(v)}`)
          .join(', ')} greedy`,
    ),
    '',
    '| benchmark | greedy accuracy (all items) |',
    '|---|---|',
    ...Object.entries(r.greedy_accuracy).map(([k, v]) => `| ${k} | ${pct(v)} |`),
    '',
    'During training (first items of each benchmark):',
    '',
    `| step | loss | ${names.join(' | ')} |`,
    `|---|---|${names.map(() => '---|').join('')}`,
    ...evals.map(
      (h) =>
        `| ${h.step} | ${h.loss.toFixed(4)} | ${names.map((n) => pct(evalsOf(h)![n])).join(' | ')} |`,
    ),
    '',
  ].join('\n');
}

interface CheckpointState {
  /** The settings that define the run, and the corpus recipe's digest (its documents). */
  run: Pick<Args, (typeof RUN_KEYS)[number]> & { corpus: string };
  step: number;
  tokens: number;
  elapsedSeconds: number;
  history: HistoryRow[];
  optimizerStep: number;
}

const runOf = (a: Args): CheckpointState['run'] => ({
  ...(Object.fromEntries(RUN_KEYS.map((k) => [k, a[k]])) as Pick<Args, (typeof RUN_KEYS)[number]>),
  corpus: createHash('sha256')
    .update(JSON.stringify(CORPUS_RECIPES[a.recipe]))
    .digest('hex')
    .slice(0, 16),
});

/** Writes model, optimizer moments and state to `dir` (replaced whole, never half-written). */
async function writeCheckpoint(
  dir: string,
  model: CausalLM,
  optim: AdamW,
  tokDir: string,
  state: CheckpointState,
): Promise<void> {
  const staging = `${dir}.staging-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  await saveModelDir(model, join(staging, 'model'), { tokenizerFrom: tokDir });
  const s = optim.exportState();
  const moments = (xs: AdamWState['m'], prefix: string) =>
    (xs ?? []).map((x, i) => ({ name: `${prefix}.${i}`, shape: x.shape, data: x.data }));
  mkdirSync(join(staging, 'optimizer'));
  await saveSafetensorsDir(join(staging, 'optimizer'), [
    ...moments(s.m, 'm'),
    ...moments(s.v, 'v'),
  ]);
  writeFileSync(join(staging, 'state.json'), JSON.stringify({ ...state, optimizerStep: s.step }));
  const old = `${dir}.old-${process.pid}`;
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(staging, dir);
  rmSync(old, { recursive: true, force: true });
}

async function readCheckpoint(
  dir: string,
  optim: AdamW,
  model: CausalLM,
): Promise<CheckpointState> {
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as CheckpointState;
  const saved = (await loadModelDir(join(dir, 'model'))).model;
  model.variables().forEach((v, i) => v.assign(saved.variables()[i]!));
  saved.dispose();
  const tensors = readSafetensorsF32(readFileSync(join(dir, 'optimizer', 'model.safetensors')));
  const n = model.variables().length;
  const list = (prefix: string) =>
    tensors.size === 0
      ? null
      : Array.from({ length: n }, (_, i) => {
          const t = tensors.get(`${prefix}.${i}`);
          if (!t) throw new Error(`checkpoint ${dir}: optimizer moment ${prefix}.${i} missing`);
          return { shape: t.shape, data: t.data };
        });
  optim.importState({ step: state.optimizerStep, m: list('m'), v: list('v') });
  return state;
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
  const profile = PROFILES[args.model];
  const info = await initBackend(parseBackendRequest(process.env.RZERO_BACKEND));
  const tok = arithTokenizer();
  const config = parseModelConfig(modelConfigJson(profile, tok));
  // A continuation stage starts from the previous stage's weights and keeps its recipe.
  const previous = args.init
    ? await loadModelDir(resolve(args.init), { requireTokenizer: true })
    : null;
  // Compared as parsed (the saved config.json also carries head_dim and torch_dtype).
  const parsed = (c: typeof config) => JSON.stringify({ ...c, raw: undefined });
  if (previous && parsed(previous.config) !== parsed(config)) {
    throw new Error(`--init ${args.init}: its config differs from this script's architecture`);
  }
  const previousRecipe = previous
    ? JSON.parse(readFileSync(join(resolve(args.init), 'recipe.json'), 'utf8'))
    : null;
  const model =
    previous?.model ?? CausalLM.fromHfWeights(config, randomWeights(config, args.seed, 0.02));
  const optimizer = {
    name: 'AdamW',
    beta1: 0.9,
    beta2: 0.98,
    eps: 1e-8,
    weightDecay: 0.01,
    maxGradNorm: 1,
  };
  const optim = new AdamW(model.variables(), { lr: args.lr, ...optimizer });
  process.stderr.write(
    `${profile.title}: backend ${info.backend} (${info.device}); ${countParameters(config)} parameters; vocab ${tok.vocabSize}\n`,
  );

  // The tokenizer files saveModelDir copies beside the weights, in a scratch directory.
  const tokDir = mkdtempSync(join(tmpdir(), `${profile.title}-tokenizer-`));
  for (const [name, json] of Object.entries(arithTokenizerFiles()))
    writeFileSync(join(tokDir, name), JSON.stringify(json, null, 2) + '\n');

  // Resume from the checkpoint of the same run, if there is one.
  const ckpt = resolve(args.checkpoint);
  let state: CheckpointState = {
    run: runOf(args),
    step: 0,
    tokens: 0,
    elapsedSeconds: 0,
    history: [],
    optimizerStep: 0,
  };
  if (args.fresh) rmSync(ckpt, { recursive: true, force: true });
  if (existsSync(join(ckpt, 'state.json'))) {
    const saved = JSON.parse(readFileSync(join(ckpt, 'state.json'), 'utf8')) as CheckpointState;
    if (JSON.stringify(saved.run) !== JSON.stringify(runOf(args))) {
      throw new Error(
        `checkpoint ${args.checkpoint} is of other settings (${JSON.stringify(saved.run)}); ` +
          'run with those, or pass --fresh 1 to discard it',
      );
    }
    state = await readCheckpoint(ckpt, optim, model);
    process.stderr.write(
      `resuming at step ${state.step} of ${args.steps} (${Math.round(state.elapsedSeconds / 60)} minutes so far)\n`,
    );
  }

  const recipe = {
    ...CORPUS_RECIPES[args.recipe]!,
    seed: args.corpusSeed,
    documents: args.steps * args.batch,
  };
  const corpus = arithCorpus(recipe);
  // The documents the checkpointed steps consumed (the stream is a pure function of the recipe).
  for (let i = 0; i < state.step * args.batch; i++) corpus.next();
  const eos = tok.eosTokenIds[0]!;
  const bar = new ProgressBar('pretrain', args.steps - state.step);
  const t0 = Date.now();
  const elapsed = () => state.elapsedSeconds + (Date.now() - t0) / 1000;
  let lastCheckpoint = Date.now();
  let sliceTokens = 0;
  const firstStep = state.step;
  const stopAt = args.maxMinutes > 0 ? t0 + args.maxMinutes * 60_000 : Infinity;
  // SIGINT/SIGTERM: finish the step, write a checkpoint, exit (the same command resumes).
  let signalled = false;
  const onSignal = () => {
    signalled = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  for (let step = state.step; step < args.steps; step++) {
    const prompts: number[][] = [];
    const completions: number[][] = [];
    const weights: number[][] = [];
    for (let i = 0; i < args.batch; i++) {
      const doc = corpus.next().value!;
      prompts.push(tok.encode(doc.prompt));
      completions.push([...tok.encode(doc.completion), eos]);
      if (recipe.markerLoss === false) weights.push(markerFreeWeights(doc.completion, tok));
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
      recipe.markerLoss === false ? order.map((i) => weights[i]!) : undefined,
    );
    const batchTokens = prompts.reduce((n, p, i) => n + p.length + completions[i]!.length, 0);
    state.tokens += batchTokens;
    sliceTokens += batchTokens;
    state.step = step + 1;
    const rec: HistoryRow = { step: step + 1, loss: m.loss };
    if ((step + 1) % args.evalEvery === 0 || step + 1 === args.steps) {
      rec.evals = Object.fromEntries(
        profile.during.map((name) => [name, evaluateGreedy(model, tok, name, args.evalItems)]),
      );
      process.stderr.write(
        `\nstep ${step + 1}: loss ${m.loss.toFixed(4)}, ${Object.entries(rec.evals)
          .map(([k, v]) => `${k} ${(100 * v).toFixed(1)}%`)
          .join(', ')} (first ${args.evalItems} items)\n`,
      );
    }
    if (rec.evals || (step + 1) % 50 === 0) state.history.push(rec);
    bar.update(
      step + 1 - firstStep,
      `step ${step + 1}/${args.steps} loss ${m.loss.toFixed(3)} lr ${lrAt(step, args).toExponential(1)} ${(sliceTokens / ((Date.now() - t0) / 1000)).toFixed(0)} tok/s`,
    );
    const done = step + 1 === args.steps;
    // Training steps are synchronous: let a pending signal's handler run.
    await new Promise((r) => setImmediate(r));
    const stopping = Date.now() >= stopAt || signalled;
    if (!done && (stopping || Date.now() - lastCheckpoint >= args.checkpointMinutes * 60_000)) {
      await writeCheckpoint(ckpt, model, optim, tokDir, {
        ...state,
        elapsedSeconds: elapsed(),
      });
      lastCheckpoint = Date.now();
      if (stopping) {
        bar.done();
        process.stderr.write(
          `stopped (${signalled ? 'signal' : `--maxMinutes ${args.maxMinutes}`}) at step ${step + 1} with a checkpoint; the same command resumes\n`,
        );
        rmSync(tokDir, { recursive: true, force: true });
        return;
      }
    }
  }
  bar.done();

  // Full benchmark accuracies of the final model, greedy.
  const accuracy: Record<string, number> = {};
  for (const name of profile.final) {
    accuracy[name] = evaluateGreedy(model, tok, name);
    process.stderr.write(`${name}: ${(100 * accuracy[name]).toFixed(1)}% greedy\n`);
  }

  const out = resolve(args.out);
  await saveModelDir(model, out, { tokenizerFrom: tokDir });
  rmSync(tokDir, { recursive: true, force: true });
  const {
    checkpoint: _c,
    checkpointMinutes: _m,
    maxMinutes: _x,
    fresh: _f,
    ...runArgs
  } = {
    ...args,
    out: publicPath(args.out),
    init: args.init && publicPath(args.init),
  };
  const recipeOut: RecipeSummary & Record<string, unknown> = {
    title: profile.title,
    description: STAGE_DESCRIPTIONS[args.recipe] ?? profile.description,
    script: 'scripts/pretrain-arith.ts',
    command: publicCommand(process.argv.slice(2)),
    backend: info.backend,
    parameters: countParameters(config),
    args: runArgs,
    corpus: recipe,
    optimizer: { ...optimizer, schedule: 'linear warm-up then cosine to 10%' },
    loss: 'mean NLL of completion tokens (+ eos) given the prompt',
    wall_seconds: Math.round(elapsed()),
    trained_tokens: state.tokens,
    greedy_accuracy: accuracy,
    history: state.history,
    previous_stage: previousRecipe,
  };
  writeFileSync(join(out, 'recipe.json'), JSON.stringify(recipeOut, null, 2) + '\n');
  writeFileSync(join(out, 'README.md'), modelCard(recipeOut));
  // The model is written: its checkpoint has served.
  rmSync(ckpt, { recursive: true, force: true });
  optim.dispose();
  model.dispose();
  process.stderr.write(`wrote ${out} in ${Math.round(elapsed())} s of training\n`);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
