/**
 * Engine benchmark: decode tokens/s (batched greedy sampling with the KV cache, prefill included)
 * and GRPO training tokens/s (forward + backward + AdamW), for a tiny, a ~20M-parameter and a
 * Qwen2.5-0.5B-shaped config, on every backend that loads (each in its own process: a process has
 * one backend), with the same shapes timed in the PyTorch reference in the same run at 1 and at
 * 2 threads (both printed; ratios are against the faster).
 *
 *   npm run bench:engine                table
 *   npm run -s bench:engine -- --json   JSON on stdout (progress goes to stderr)
 *   options: --configs tiny,20m,0.5b  --backends torch,wasm  --repeats 3  --no-torch
 *            --threads 1,2 (PyTorch's thread counts)
 * The 0.5b config runs on torch only (the wasm heap is 4 GiB) with one repeat.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, parseBackendRequest } from '../src/engine/backend';
import { parseModelConfig } from '../src/engine/config';
import { CausalLM } from '../src/engine/model';
import { generate } from '../src/engine/sampler';
import { scoreResponses } from '../src/engine/scoring';
import { AdamW, DEFAULT_ADAMW, DEFAULT_GRPO, grpoStep } from '../src/engine/trainer';
import { countParameters, randomWeights } from '../src/engine/weights';
import { Rng } from '../src/engine/rng';

interface BenchConfig {
  name: string;
  hf: Record<string, unknown>;
  batch: number;
  promptLen: number;
  newTokens: number;
  trainLen: number;
  /** Only these backends (others are skipped with the reason). */
  backends?: string[];
  /** Timed repeats (after one warm-up), when fewer than --repeats. */
  repeats?: number;
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
  {
    // The shape of Qwen2.5-0.5B (random weights, float32).
    name: '0.5b',
    hf: {
      architectures: ['Qwen2ForCausalLM'],
      hidden_size: 896,
      intermediate_size: 4864,
      num_hidden_layers: 24,
      num_attention_heads: 14,
      num_key_value_heads: 2,
      vocab_size: 151936,
      rms_norm_eps: 1e-6,
      rope_theta: 1000000,
      max_position_embeddings: 32768,
      tie_word_embeddings: true,
      use_sliding_window: false,
      sliding_window: 32768,
    },
    batch: 2,
    promptLen: 16,
    newTokens: 8,
    trainLen: 64,
    backends: ['torch'],
    repeats: 1,
  },
];

interface Args {
  json: boolean;
  configs: string[];
  backends: string[];
  repeats: number;
  torch: boolean;
  threads: number[];
  /** Internal: measure this process's backend only and print its JSON. */
  child: boolean;
}

const ALL_BACKENDS = ['torch', 'tensorflow', 'wasm', 'cpu'];

function parseArgs(argv: string[]): Args {
  const args: Args = {
    json: false,
    configs: CONFIGS.map((c) => c.name),
    backends: ALL_BACKENDS,
    repeats: 3,
    torch: true,
    threads: [1, 2],
    child: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') args.json = true;
    else if (a === '--no-torch') args.torch = false;
    else if (a === '--child') args.child = true;
    else if (a === '--configs') args.configs = argv[++i]!.split(',');
    else if (a === '--backends' || a === '--backend') args.backends = argv[++i]!.split(',');
    else if (a === '--threads') args.threads = argv[++i]!.split(',').map(Number);
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
  // The reference's optimizer (run.py): torch's AdamW at DEFAULT_ADAMW's settings.
  const optim = new AdamW(model.variables(), DEFAULT_ADAMW);
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

function benchTorch(c: BenchConfig, repeats: number, threads: number) {
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
        threads,
        // scripts/gpu-check.sh compares with PyTorch on the GPU.
        device: process.env.RZERO_REFERENCE_DEVICE ?? 'cpu',
      }),
    );
    const python = process.env.RZERO_TORCH_PYTHON ?? '/usr/bin/python3';
    const script = resolve(__dirname, '../../test/reference/run.py');
    log(`  ${c.name} PyTorch reference, ${threads} thread(s)...`);
    // The same OpenMP wait policy as our addon sets (see native/loader.c): with the default
    // (spinning) policy PyTorch at 2 threads runs 2-4x slower here, which would flatter us.
    const out = execFileSync(python, [script, '--dir', dir, '--task', 'bench'], {
      encoding: 'utf8',
      env: { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' },
      maxBuffer: 16 << 20,
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

interface OursResult {
  params: number;
  decode_tokens_per_s: number;
  train_tokens_per_s: number;
  decode_s: number;
  train_step_s: number;
  tensors_leaked_per_step: number;
}

/** Child mode: this process's backend on the chosen configs; JSON on stdout. */
async function measureBackend(args: Args): Promise<void> {
  const info = await initBackend(parseBackendRequest(process.env.RZERO_BACKEND));
  log(`backend ${info.backend} (${info.device}), threads ${info.threads ?? 'n/a'}`);
  const configs: Record<string, OursResult | { skipped: string }> = {};
  for (const c of CONFIGS.filter((x) => args.configs.includes(x.name))) {
    if (c.backends && !c.backends.includes(info.backend)) {
      configs[c.name] = { skipped: `runs on ${c.backends.join(', ')} only` };
      continue;
    }
    log(
      `${c.name} on ${info.backend}: batch ${c.batch}, decode ${c.promptLen}+${c.newTokens} tokens, train ${c.trainLen} tokens`,
    );
    configs[c.name] = benchOurs(c, Math.min(args.repeats, c.repeats ?? args.repeats));
  }
  const { torchCachedBytes, torchLiveTensors } = await import('../src/engine/torch');
  const cached = torchCachedBytes();
  const report = {
    backend: info.backend,
    device: info.device,
    threads: info.threads,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    peak_tensors: peakTensors,
    tensors_at_exit: tf.memory().numTensors,
    torch_live_tensors_at_exit: torchLiveTensors(),
    // Freed blocks the torch addon's caching allocator keeps (counted in the RSS above).
    torch_cached_mb_at_exit: cached === null ? null : Math.round(cached / 2 ** 20),
    configs,
  };
  process.stdout.write(JSON.stringify(report) + '\n');
}

/** Runs the child mode in a fresh process with RZERO_BACKEND=backend; `{ error }` when it fails. */
function runBackend(backend: string, args: Args): Record<string, unknown> | { error: string } {
  const childArgs = [
    __filename,
    '--child',
    '--configs',
    args.configs.join(','),
    '--repeats',
    String(args.repeats),
  ];
  const res = spawnSync(process.execPath, childArgs, {
    env: { ...process.env, RZERO_BACKEND: backend },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 << 20,
  });
  const last = res.stdout.trim().split('\n').pop() ?? '';
  if (res.status !== 0 || !last.startsWith('{'))
    return { error: `exit ${res.status ?? res.signal}: see the log above` };
  return JSON.parse(last) as Record<string, unknown>;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.child) return measureBackend(args);
  const backends: Record<string, unknown> = {};
  for (const b of args.backends) {
    log(`== backend ${b}`);
    const r = runBackend(b, args);
    // A backend that does not load here is reported, not fatal (tensorflow is usually absent).
    backends[b] = r;
    const backendName = (r as { backend?: string }).backend;
    if (backendName && backendName !== b) backends[b] = { error: `loaded ${backendName} instead` };
  }
  const reference: Record<string, unknown> = {};
  let torchMeta: { torch_version: string } | null = null;
  if (args.torch) {
    for (const c of CONFIGS.filter((x) => args.configs.includes(x.name))) {
      const runs = args.threads.map((t) =>
        benchTorch(c, Math.min(args.repeats, c.repeats ?? args.repeats), t),
      );
      torchMeta = { torch_version: runs[0]!.torch_version };
      const best = (k: 'decode_tokens_per_s' | 'train_tokens_per_s') =>
        Math.max(...runs.map((r) => r[k]));
      reference[c.name] = {
        by_threads: Object.fromEntries(
          runs.map((r) => [
            String(r.threads),
            {
              decode_tokens_per_s: r.decode_tokens_per_s,
              train_tokens_per_s: r.train_tokens_per_s,
            },
          ]),
        ),
        decode_tokens_per_s: best('decode_tokens_per_s'),
        train_tokens_per_s: best('train_tokens_per_s'),
      };
    }
  }
  // Ratios of every measured backend against PyTorch's best.
  for (const r of Object.values(backends)) {
    const configs = (r as { configs?: Record<string, Record<string, number>> }).configs ?? {};
    for (const [name, v] of Object.entries(configs)) {
      const ref = reference[name] as
        { decode_tokens_per_s: number; train_tokens_per_s: number } | undefined;
      if (!ref || v.decode_tokens_per_s === undefined) continue;
      v.decode_ratio = v.decode_tokens_per_s / ref.decode_tokens_per_s;
      v.train_ratio = v.train_tokens_per_s! / ref.train_tokens_per_s;
    }
  }
  const report = {
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
    torch_reference: torchMeta && {
      ...torchMeta,
      omp_wait_policy: process.env.OMP_WAIT_POLICY ?? 'PASSIVE',
    },
    reference,
    backends,
  };
  if (args.json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return;
  }
  printTable(report);
}

function printTable(r: {
  reference: Record<string, unknown>;
  backends: Record<string, unknown>;
}): void {
  const fmt = (x: unknown, d = 0) => (typeof x === 'number' ? x.toFixed(d) : '-');
  const head = [
    'backend',
    'config',
    'params',
    'decode tok/s',
    'torch',
    'ratio',
    'train tok/s',
    'torch',
    'ratio',
  ];
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const [backend, v] of Object.entries(r.backends)) {
    const b = v as {
      error?: string;
      configs?: Record<string, Record<string, number | string>>;
      peak_rss_mb?: number;
      threads?: number;
      device?: string;
    };
    if (b.error) {
      notes.push(`${backend}: not measured (${b.error})`);
      continue;
    }
    notes.push(
      `${backend}: ${b.device}, threads ${b.threads ?? 'n/a'}, peak RSS ${b.peak_rss_mb} MB`,
    );
    for (const [name, c] of Object.entries(b.configs ?? {})) {
      if (c.skipped) continue;
      const ref = r.reference[name] as Record<string, number> | undefined;
      rows.push([
        backend,
        name,
        fmt((c.params as number) / 1e6, 2) + 'M',
        fmt(c.decode_tokens_per_s),
        fmt(ref?.decode_tokens_per_s),
        fmt(c.decode_ratio, 2),
        fmt(c.train_tokens_per_s),
        fmt(ref?.train_tokens_per_s),
        fmt(c.train_ratio, 2),
      ]);
    }
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  console.log(line(head));
  for (const row of rows) console.log(line(row));
  for (const n of notes) console.log(n);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
