/**
 * The models behind a results table, committed so anyone can check the table with another
 * implementation (issue: "commit, in f16 safetensors with tokenizer and config, the base model and
 * seed 1's final Solvers").
 *
 * `exportResultModels` writes each model as F16 safetensors with its config and tokenizer into
 * `<out>/<name>/`, reloads what it wrote and scores it greedily on the benchmarks with the engine
 * (so the recorded numbers are those of the committed f16 weights), and writes `<out>/scores.json`.
 *
 *   npm run check:models -- [docs/results/models]
 *
 * scores every committed model again with the independent PyTorch implementation in
 * `test/reference/` (the model's forward pass and greedy decoding in PyTorch; prompts are
 * tokenized and answers checked by this project's code) and exits 1 unless every score matches.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  Tokenizer,
  initBackend,
  loadModelDir,
  parseBackendRequest,
  saveModelDir,
} from '../src/engine';
import { PromptRenderer, resolveConfig } from '../src/rzero';
import type { BenchmarkSet, Domain } from '../src/rzero';
import { evaluateModel, isCorrect } from '../src/rzero/evaluation';
import { ARITH_DOMAIN, arithBenchmarkSets } from '../src/tasks/arith';
import type { ArithBenchmarkName } from '../src/tasks/arith';

export interface ResultModelsFile {
  /** Greedy decoding budget the scores were measured with. */
  maxNewTokens: number;
  /** Items scored per benchmark, from the first (0 = all). */
  items: number;
  benchmarks: string[];
  models: { name: string; source: string; scores: Record<string, number> }[];
}

const firstItems = (sets: readonly BenchmarkSet[], n: number): BenchmarkSet[] =>
  sets.map((b) => ({ name: b.name, items: n > 0 ? b.items.slice(0, n) : b.items }));

/** Greedy accuracy of a model directory on each benchmark, by the engine. */
async function engineScores(
  dir: string,
  domain: Domain,
  benchmarks: readonly BenchmarkSet[],
  maxNewTokens: number,
): Promise<Record<string, number>> {
  const m = await loadModelDir(dir, { trainable: false, requireTokenizer: true });
  const base = resolveConfig('tiny');
  const scores = await evaluateModel({
    model: m.model,
    render: new PromptRenderer(m.tokenizer!, domain.prompts),
    config: { ...base, evaluation: { ...base.evaluation, maxItems: 0, maxNewTokens } },
    benchmarks,
    iteration: 0,
  });
  m.model.dispose();
  return Object.fromEntries(scores.map((s) => [s.benchmark, s.score]));
}

export async function exportResultModels(
  entries: readonly { name: string; dir: string; label: string }[],
  out: string,
  benchmarkNames: readonly ArithBenchmarkName[],
  maxNewTokens: number,
  items = 0,
): Promise<ResultModelsFile> {
  const benchmarks = firstItems(arithBenchmarkSets([...benchmarkNames]), items);
  const file: ResultModelsFile = {
    maxNewTokens,
    items,
    benchmarks: [...benchmarkNames],
    models: [],
  };
  for (const e of entries) {
    const target = join(out, e.name);
    const m = await loadModelDir(e.dir, { trainable: false, requireTokenizer: true });
    await saveModelDir(m.model, target, { dtype: 'F16', tokenizerFrom: e.dir });
    m.model.dispose();
    file.models.push({
      name: e.name,
      source: e.label,
      scores: await engineScores(target, ARITH_DOMAIN, benchmarks, maxNewTokens),
    });
  }
  writeFileSync(join(out, 'scores.json'), JSON.stringify(file, null, 2) + '\n');
  return file;
}

const PYTHON = process.env.RZERO_TORCH_PYTHON ?? '/usr/bin/python3';

/** Greedy completions of `prompts` by test/reference (PyTorch), decoded up to the first EOS. */
function referenceGreedy(
  modelDir: string,
  tokenizer: Tokenizer,
  prompts: number[][],
  maxNewTokens: number,
): string[] {
  const work = mkdtempSync(join(tmpdir(), 'rzero-check-models-'));
  try {
    for (const f of ['config.json', 'model.safetensors'])
      symlinkSync(resolve(modelDir, f), join(work, f));
    const width = Math.max(...prompts.map((p) => p.length));
    const pad = tokenizer.eosTokenIds[0] ?? 0;
    // Left padding, as the engine's batched decoding: the last prompt token is the last column.
    const inputIds = prompts.map((p) => [...Array<number>(width - p.length).fill(pad), ...p]);
    const mask = prompts.map((p) => [
      ...Array<number>(width - p.length).fill(0),
      ...Array<number>(p.length).fill(1),
    ]);
    writeFileSync(
      join(work, 'inputs.json'),
      JSON.stringify({
        input_ids: inputIds,
        attention_mask: mask,
        max_new_tokens: maxNewTokens,
      }),
    );
    const run = spawnSync(
      PYTHON,
      [resolve(__dirname, '../../test/reference/run.py'), '--dir', work, '--task', 'generate'],
      { encoding: 'utf8' },
    );
    if (run.status !== 0) throw new Error(`test/reference/run.py failed: ${run.stderr.trim()}`);
    const { tokens } = JSON.parse(readFileSync(join(work, 'out.json'), 'utf8')) as {
      tokens: number[][];
    };
    const eos = new Set(tokenizer.eosTokenIds);
    return tokens.map((row) => {
      const end = row.findIndex((t) => eos.has(t));
      return tokenizer.decode(end < 0 ? row : row.slice(0, end), { skipSpecialTokens: true });
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export interface CheckRow {
  model: string;
  benchmark: string;
  recorded: number;
  reference: number;
}

/** Scores every model of `<dir>/scores.json` with the PyTorch reference, in chunks of items. */
export async function checkResultModels(
  dir: string,
  onProgress?: (done: number, total: number) => void,
): Promise<CheckRow[]> {
  const file = JSON.parse(readFileSync(join(dir, 'scores.json'), 'utf8')) as ResultModelsFile;
  const benchmarks = firstItems(
    arithBenchmarkSets(file.benchmarks as ArithBenchmarkName[]),
    file.items,
  );
  const rows: CheckRow[] = [];
  const total = file.models.length * benchmarks.length;
  for (const m of file.models) {
    const modelDir = join(dir, m.name);
    // Only the tokenizer: the model itself runs in PyTorch.
    const tokenizer = await Tokenizer.fromDir(modelDir);
    const render = new PromptRenderer(tokenizer, ARITH_DOMAIN.prompts);
    for (const b of benchmarks) {
      let correct = 0;
      const chunk = 250;
      for (let i = 0; i < b.items.length; i += chunk) {
        const items = b.items.slice(i, i + chunk);
        const texts = referenceGreedy(
          modelDir,
          tokenizer,
          items.map((it) => render.solver(it.question)),
          file.maxNewTokens,
        );
        correct += texts.filter((t, k) => isCorrect(t, items[k]!.answer)).length;
      }
      rows.push({
        model: m.name,
        benchmark: b.name,
        recorded: m.scores[b.name] ?? NaN,
        reference: correct / b.items.length,
      });
      onProgress?.(rows.length, total);
    }
  }
  return rows;
}

async function main(): Promise<void> {
  const dir = resolve(process.argv[2] ?? 'docs/results/models');
  await initBackend(parseBackendRequest(process.env.RZERO_BACKEND));
  const rows = await checkResultModels(dir, (done, total) =>
    process.stderr.write(`check:models ${done}/${total}\n`),
  );
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const lines = [
    '| model | benchmark | recorded (engine, f16 weights) | PyTorch reference | |',
    '|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.model} | ${r.benchmark} | ${pct(r.recorded)} | ${pct(r.reference)} | ${r.recorded === r.reference ? 'same' : 'DIFFERENT'} |`,
    ),
  ];
  process.stdout.write(lines.join('\n') + '\n');
  const bad = rows.filter((r) => r.recorded !== r.reference);
  if (bad.length > 0) {
    process.stderr.write(`${bad.length} score(s) differ from the recorded ones\n`);
    process.exit(1);
  }
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
