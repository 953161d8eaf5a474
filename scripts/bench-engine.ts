/**
 * Engine benchmark: decode tokens/s (batched greedy sampling with the KV cache, prefill included)
 * and GRPO training tokens/s (forward + backward + AdamW), for a tiny and a ~20M-parameter
 * config, with the same shapes timed in the PyTorch reference in the same run.
 *
 *   npm run bench:engine            table
 *   npm run bench:engine -- --json  JSON on stdout (progress goes to stderr)
 *   options: --configs tiny,20m  --repeats 3  --no-torch
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, parseBackendRequest } from '../src/engine/backend';
import { parseModelConfig } from '../src/engine/config';
import { CausalLM } from '../src/engine/model';
import { generate } from '../src/engine/sampler';
import { scoreResponses } from '../src/engine/scoring';
import { AdamW, DEFAULT_GRPO, grpoStep } from '../src/engine/trainer';
import { countParameters, randomWeights } from '../src/engine/weights';
import { Rng } from '../src/engine/rng';

interface BenchConfig {
  name: string;
  hf: Record<string, unknown>;
  batch: number;
  promptLen: number;
  newTokens: number;
  trainLen: number;
}

const CONFIGS: BenchConfig[] = [
  {
    name: 'tiny',
    hf: {
      architectures: ['LlamaForCausalLM'],
      hidden_size: 128,
      intermediate_size: 512,
      num_hidden_layers: 4,
      num_attention_heads: 4,
      num_key_value_heads: 4,
      vocab_size: 64,
      rms_norm_eps: 1e-6,
      rope_theta: 10000,
      max_position_embeddings: 256,
      tie_word_embeddings: true,
    },
    batch: 32,
    promptLen: 16,
    newTokens: 32,
    trainLen: 48,
  },
  {
    name: '20m',
    hf: {
      architectures: ['LlamaForCausalLM'],
      hidden_size: 512,
      intermediate_size: 1408,
      num_hidden_layers: 6,
      num_attention_heads: 8,
      num_key_value_heads: 4,
      vocab_size: 8192,
      rms_norm_eps: 1e-6,
      rope_theta: 10000,
      max_position_embeddings: 512,
      tie_word_embeddings: true,
    },
    batch: 8,
    promptLen: 16,
    newTokens: 48,
    trainLen: 64,
  },
];

interface Args {
  json: boolean;
  configs: string[];
  repeats: number;
  torch: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { json: false, configs: CONFIGS.map((c) => c.name), repeats: 3, torch: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') args.json = true;
    else if (a === '--no-torch') args.torch = false;
    else if (a === '--configs') args.configs = argv[++i]!.split(',');
    else if (a === '--repeats') args.repeats = Number(argv[++i]);
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

const log = (msg: string) => process.stderr.write(`${msg}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
let peakTensors = 0;
const notePeak = () => (peakTensors = Math.max(peakTensors, tf.memory().numTensors));

function timeIt(repeats: number, label: string, f: () => void): number {
  const times: number[] = [];
  for (let r = 0; r <= repeats; r++) {
    const t0 = performance.now();
    f();
    const dt = (performance.now() - t0) / 1000;
    if (r > 0) times.push(dt); // the first run is warm-up
    log(`  ${label} ${r === 0 ? 'warm-up' : `${r}/${repeats}`}: ${dt.toFixed(3)} s`);
  }
  return median(times);
}

function benchOurs(c: BenchConfig, repeats: number) {
  const config = parseModelConfig(c.hf);
  const model = CausalLM.fromHfWeights(config, randomWeights(config, 0, 0.02));
  const rng = new Rng(1);
  const V = config.vocabSize;
  const prompts = Array.from({ length: c.batch }, () =>
    Array.from({ length: c.promptLen }, () => rng.nextU32() % V),
  );
  const decodeS = timeIt(repeats, `${c.name} decode`, () => {
    generate(model, prompts, {
      maxNewTokens: c.newTokens,
      temperature: 0,
      batchSize: c.batch,
      onStep: notePeak,
    });
  });
  // GRPO step over trainLen tokens per row: a 1-token prompt and trainLen - 1 scored tokens, the
  // same positions the reference scores (logits[:, :-1] against tokens[:, 1:]).
  const seqs = Array.from({ length: c.batch }, () =>
    Array.from({ length: c.trainLen }, () => rng.nextU32() % V),
  );
  const ps = seqs.map((s) => s.slice(0, 1));
  const rs = seqs.map((s) => s.slice(1));
  const old = scoreResponses(model, ps, rs, { batchSize: c.batch });
  const ref = old.map((row) => row.map((x) => x + 0.01 * (rng.next() - 0.5)));
  const batch = {
    prompts: ps,
    responses: rs,
    advantages: ps.map(() => rng.next() * 2 - 1),
    oldLogProbs: old,
    refLogProbs: ref,
  };
  const optim = new AdamW(model.variables(), {
    lr: 1e-6,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: 0.01,
    maxGradNorm: 1,
  });
  const tensorsBefore = tf.memory().numTensors;
  const trainS = timeIt(repeats, `${c.name} GRPO step`, () => {
    grpoStep(model, optim, batch, { ...DEFAULT_GRPO, microBatchSize: c.batch });
    notePeak();
  });
  const tensorsAfter = tf.memory().numTensors;
  optim.dispose();
  model.dispose();
  return {
    params: countParameters(config),
    decode_s: decodeS,
    train_step_s: trainS,
    decode_tokens_per_s: (c.batch * c.newTokens) / decodeS,
    train_tokens_per_s: (c.batch * c.trainLen) / trainS,
    tensors_leaked_per_step:
      (tensorsAfter - tensorsBefore - 2 * model.variables().length) / (repeats + 1),
  };
}

function benchTorch(c: BenchConfig, repeats: number) {
  const dir = mkdtempSync(join(tmpdir(), 'rzero-bench-'));
  try {
    writeFileSync(join(dir, 'config.json'), JSON.stringify(c.hf));
    writeFileSync(
      join(dir, 'inputs.json'),
      JSON.stringify({
        batch: c.batch,
        prompt_len: c.promptLen,
        new_tokens: c.newTokens,
        train_len: c.trainLen,
        warmup: 1,
        repeats,
      }),
    );
    const python = process.env.RZERO_TORCH_PYTHON ?? '/usr/bin/python3';
    const script = resolve(__dirname, '../../test/reference/run.py');
    log(`  ${c.name} PyTorch reference...`);
    const out = execFileSync(python, [script, '--dir', dir, '--task', 'bench'], {
      encoding: 'utf8',
    });
    return JSON.parse(out.trim().split('\n').pop()!) as {
      torch_version: string;
      threads: number;
      decode_tokens_per_s: number;
      train_tokens_per_s: number;
      decode_s: number;
      train_step_s: number;
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const info = await initBackend(parseBackendRequest(process.env.RZERO_BACKEND));
  log(`backend ${info.backend} (${info.device}), threads ${info.threads ?? 'n/a'}`);
  const results: Record<string, unknown> = {};
  let torchMeta: { torch_version: string; threads: number } | null = null;
  for (const c of CONFIGS.filter((x) => args.configs.includes(x.name))) {
    log(
      `${c.name}: batch ${c.batch}, decode ${c.promptLen}+${c.newTokens} tokens, train ${c.trainLen} tokens`,
    );
    const ours = benchOurs(c, args.repeats);
    const torch = args.torch ? benchTorch(c, args.repeats) : null;
    if (torch) torchMeta = { torch_version: torch.torch_version, threads: torch.threads };
    results[c.name] = {
      params: ours.params,
      batch: c.batch,
      decode_tokens: c.batch * c.newTokens,
      train_tokens: c.batch * c.trainLen,
      decode_tokens_per_s: ours.decode_tokens_per_s,
      train_tokens_per_s: ours.train_tokens_per_s,
      decode_s: ours.decode_s,
      train_step_s: ours.train_step_s,
      torch_decode_tokens_per_s: torch?.decode_tokens_per_s ?? null,
      torch_train_tokens_per_s: torch?.train_tokens_per_s ?? null,
      decode_ratio: torch ? ours.decode_tokens_per_s / torch.decode_tokens_per_s : null,
      train_ratio: torch ? ours.train_tokens_per_s / torch.train_tokens_per_s : null,
      tensors_leaked_per_step: ours.tensors_leaked_per_step,
    };
  }
  const report = {
    backend: info.backend,
    device: info.device,
    threads: info.threads,
    torch: torchMeta,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    peak_tensors: peakTensors,
    tensors_at_exit: tf.memory().numTensors,
    configs: results,
  };
  if (args.json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return;
  }
  printTable(report);
}

function printTable(r: {
  backend: string;
  device: string;
  threads: number | null;
  torch: unknown;
  peak_rss_mb: number;
  peak_tensors: number;
  configs: Record<string, unknown>;
}): void {
  const fmt = (x: unknown, d = 0) => (typeof x === 'number' ? x.toFixed(d) : '-');
  const rows = Object.entries(r.configs).map(([name, v]) => {
    const c = v as Record<string, number | null>;
    return [
      name,
      fmt(c.params! / 1e6, 2) + 'M',
      fmt(c.decode_tokens_per_s),
      fmt(c.torch_decode_tokens_per_s),
      fmt(c.decode_ratio, 2),
      fmt(c.train_tokens_per_s),
      fmt(c.torch_train_tokens_per_s),
      fmt(c.train_ratio, 2),
    ];
  });
  const head = [
    'config',
    'params',
    'decode tok/s',
    'torch',
    'ratio',
    'train tok/s',
    'torch',
    'ratio',
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  console.log(
    `backend ${r.backend} (${r.device}), threads ${r.threads ?? 'n/a'}; torch ${JSON.stringify(r.torch)}`,
  );
  console.log(line(head));
  for (const row of rows) console.log(line(row));
  console.log(`peak RSS ${r.peak_rss_mb} MB, peak tensors ${r.peak_tensors}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
