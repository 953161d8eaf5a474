/**
 * Reproduces the shape of the R-Zero paper's tables on the arithmetic domain, where the truth is
 * computable, and writes docs/results.md with PNG plots (docs/results/*.png) and the raw numbers
 * (docs/results.json).
 *
 *   npm run replicate -- [--seeds 1,2,3] [--ablationSeeds 1] [--jobs 2] [--work runs/replicate] [--out docs]
 *                        [--base arith-tiny|<model dir>] [--preset tiny|paper]
 *                        [--set solver.lr=3e-5 ...]   (applied to every run; recorded in the report)
 *
 * First the gate (src/rzero/probe.ts, `npm run probe:domain`): the base model's majority votes on
 * its own Challenger questions must be right on >= 60% of those inside the filter band, with a
 * correct vote on >= 70%. A domain that fails it is not replicated (exit 1): change the domain.
 * Benchmarks: arith-tiny's for arith-tiny, arith-small's (ARITH_SMALL_BENCHMARK_NAMES) for any other base.
 *
 * Runs per seed (each a `scripts/coevolve.js` child process, `--jobs` at a time, one per core:
 * the wasm backend is single-threaded):
 *   rzero            R-Zero, 3 iterations                     -> Table 1 rows "R-Zero it 1..3"
 *   oracle           R-Zero with oracle labels, 3 iterations  -> the upper bound of the labels
 *   base-challenger  1 iteration, Challenger not trained      -> Table 1 row "Base Challenger"
 *   no-filter        1 iteration, filter off                  -> ablation (vs R-Zero it 1)
 *   no-repetition    1 iteration, repetition penalty off      -> ablation (vs R-Zero it 1)
 * The two ablations run on `--ablationSeeds` only (default: every seed), and the report compares
 * them with R-Zero iteration 1 on the same seeds.
 * Then, per seed and iteration t, the Table 4 analogue: the questions Challenger t generated that
 * the oracle can answer, answered greedily by the base model and by Solvers 1..3 (true accuracy),
 * the oracle accuracy of the majority-vote pseudo-labels, and the questions' difficulty.
 * Work directories are resumable: rerunning the command skips finished iterations and reuses the
 * gate's report (`<work>/gate.json`) when the base model, the settings, the benchmarks and the
 * backend are the same, and the report states the wall time of every invocation on the work
 * directory (`<work>/invocations.json`).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { initBackend, loadModelDir, modelDirDigest, parseBackendRequest } from '../src/engine';
import type { BackendInfo, CausalLM } from '../src/engine';
import {
  DEFAULT_PROBE,
  PROBE_REPORT_VERSION,
  PromptRenderer,
  iterationDir,
  probeDomain,
  probeMarkdown,
  resolveConfig,
} from '../src/rzero';
import type {
  BenchmarkScore,
  CoevolveResult,
  CurriculumItem,
  PresetName,
  ProbeReport,
  RZeroConfig,
} from '../src/rzero';
import { difficultyHistogram, sampledOracleAccuracy } from '../src/rzero/diagnostics';
import { evaluateModel } from '../src/rzero/evaluation';
import {
  ARITH_BENCHMARK_NAMES,
  ARITH_DOMAIN,
  ARITH_SMALL_BENCHMARK_NAMES,
  arithBenchmarkSets,
} from '../src/tasks/arith';
import type { ArithBenchmarkName } from '../src/tasks/arith';
import { BUILTIN_MODELS, buildConfig } from './coevolve';
import { runCoevolveJobs } from './coevolve-jobs';
import type { CoevolveJob } from './coevolve-jobs';
import { renderPlots } from './replicate-plots';
import { publicPath } from './pretrain-arith';
import { exportResultModels } from './result-models';
import type { ResultModelsFile } from './result-models';

interface Variant {
  name: string;
  label: string;
  iterations: number;
  sets: string[];
  /** An ablation: runs on `--ablationSeeds` only. */
  ablation?: boolean;
}

const VARIANTS: Variant[] = [
  { name: 'rzero', label: 'R-Zero', iterations: 3, sets: [] },
  { name: 'oracle', label: 'Oracle labels', iterations: 3, sets: ['solver.labels=oracle'] },
  {
    name: 'base-challenger',
    label: 'Base Challenger',
    iterations: 1,
    sets: ['challenger.train=false'],
  },
  {
    name: 'no-filter',
    label: 'w/o filter',
    iterations: 1,
    sets: ['filter.enabled=false'],
    ablation: true,
  },
  {
    name: 'no-repetition',
    label: 'w/o repetition penalty',
    iterations: 1,
    sets: ['reward.repetitionPenalty=false'],
    ablation: true,
  },
];
/** The benchmarks of a base model: arith-tiny's for arith-tiny, arith-small's for the others. */
function benchesFor(base: string): string[] {
  return base === 'arith-tiny' ? [...ARITH_BENCHMARK_NAMES] : [...ARITH_SMALL_BENCHMARK_NAMES];
}
/** The benchmarks the paper's shape is checked on: past the base model's distribution. */
function frontierOf(benches: readonly string[]): string[] {
  return benches.includes('arith-frontier')
    ? benches.filter((b) => b !== 'arith-in')
    : benches.filter((b) => b !== 'arith-easy');
}
/** Questions per (seed, iteration) for the Table 4 analogue. */
const TABLE4_QUESTIONS = 200;

interface Args {
  seeds: number[];
  /** The seeds the ablations run on; null: every seed. */
  ablationSeeds: number[] | null;
  jobs: number;
  work: string;
  out: string;
  set: string[];
  base: string;
  preset: PresetName;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    seeds: [1, 2, 3],
    ablationSeeds: null,
    jobs: 2,
    work: 'runs/replicate',
    out: 'docs',
    set: [],
    base: 'arith-tiny',
    preset: 'tiny',
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [key, value] = [argv[i]!, argv[i + 1]];
    if (value === undefined) throw new Error(`missing value for ${key}`);
    if (key === '--seeds') a.seeds = value.split(',').map(Number);
    else if (key === '--ablationSeeds') a.ablationSeeds = value.split(',').map(Number);
    else if (key === '--jobs') a.jobs = Number(value);
    else if (key === '--work') a.work = value;
    else if (key === '--out') a.out = value;
    else if (key === '--set') a.set.push(value);
    else if (key === '--base') a.base = value;
    else if (key === '--preset') a.preset = value as PresetName;
    else throw new Error(`unknown option ${key}`);
  }
  const outside = (a.ablationSeeds ?? []).filter((x) => !a.seeds.includes(x));
  if (outside.length > 0)
    throw new Error(`--ablationSeeds must be a non-empty subset of --seeds (${a.seeds.join(',')})`);
  return a;
}

/** The seeds a variant runs on: the ablations on --ablationSeeds, the others on every seed. */
export function variantSeeds(
  variant: { ablation?: boolean },
  args: { seeds: number[]; ablationSeeds: number[] | null },
): number[] {
  return variant.ablation && args.ablationSeeds ? args.ablationSeeds : args.seeds;
}

interface Job extends CoevolveJob {
  variant: Variant;
  seed: number;
}

const readResult = (j: Job): CoevolveResult =>
  JSON.parse(readFileSync(join(j.dir, 'report.json'), 'utf8'));

export interface Table4Row {
  seed: number;
  iteration: number;
  questions: number;
  /** Greedy true accuracy on the iteration's questions: base, then Solver 1..3. */
  accuracy: Record<string, number>;
  /**
   * Sampled true accuracy of the Solver the Challenger was trained against, on the same
   * questions: the share of its m votes (temperature sampling, recorded in the curriculum) that
   * are equivalent to the oracle's answer. The filter's p^ is about these samples, not about greedy answers.
   */
  sampledAccuracy: number;
  pseudoLabelAccuracy: number | null;
  pseudoLabelAccuracyKept: number | null;
  difficulty: Record<string, number> | null;
  /**
   * All kept questions of the iteration (not only the first TABLE4_QUESTIONS), by the domain's
   * `steps` (operations; on arith one fewer than the operands).
   */
  keptLabelsBySteps: KeptLabelsByValue | null;
  keptShare: number;
  meanP: number;
}

/** Kept, oracle-answerable questions and how many of their pseudo-labels are right, by value. */
export type KeptLabelsByValue = Record<string, { kept: number; right: number }>;

/**
 * The kept questions' pseudo-labels, right or wrong by the oracle, grouped by one difficulty
 * measure of the domain (`steps` on arith: one fewer than the operands): where along the notch
 * the labels stop being right. Null when the domain does not measure `name`.
 */
export function keptLabelsByDifficulty(
  items: readonly CurriculumItem[],
  measure: (question: string) => Record<string, number> | null,
  name: string,
): KeptLabelsByValue | null {
  const kept = items.filter((it) => it.kept && it.oracle?.answerable);
  const byValue = (xs: readonly CurriculumItem[]) =>
    difficultyHistogram(
      xs.map((it) => it.question),
      measure,
    )[name];
  const all = byValue(kept);
  if (!all) return null;
  const right = byValue(kept.filter((it) => it.oracle!.labelCorrect === true)) ?? {};
  return Object.fromEntries(
    Object.entries(all).map(([v, n]) => [v, { kept: n, right: right[v] ?? 0 }]),
  );
}

/** One line per iteration: the seeds' kept labels summed, right share by steps. */
export function keptLabelsByStepsLines(rows: readonly Table4Row[]): string[] {
  const out: string[] = [];
  for (const k of [...new Set(rows.map((r) => r.iteration))].sort((a, b) => a - b)) {
    const sum: KeptLabelsByValue = {};
    for (const r of rows.filter((x) => x.iteration === k))
      for (const [v, c] of Object.entries(r.keptLabelsBySteps ?? {})) {
        const row = (sum[v] ??= { kept: 0, right: 0 });
        row.kept += c.kept;
        row.right += c.right;
      }
    const cells = Object.entries(sum)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(
        ([v, c]) =>
          `${v} steps ${((100 * c.right) / c.kept).toFixed(1)}% (${c.right} of ${c.kept})`,
      );
    if (cells.length > 0) out.push(`- iteration ${k}: ${cells.join(', ')}`);
  }
  return out.length === 0
    ? []
    : [
        "Kept pseudo-labels right by the question's steps (operations: on arith one fewer than the operands; every kept question, the seeds summed):",
        '',
        ...out,
      ];
}

/** Table 4 analogue for one seed's R-Zero run. */
async function table4(
  j: Job,
  baseDir: string,
  seed: number,
  iterations: number,
): Promise<Table4Row[]> {
  const config = resolveConfig('tiny', { evaluation: { maxItems: 0, maxNewTokens: 160 } });
  // (greedy answers with a generous budget: the config only sizes the decoding)
  const dirs: [string, string][] = [['base', baseDir]];
  for (let k = 1; k <= iterations; k++)
    dirs.push([`solver ${k}`, join(iterationDir(j.dir, k), 'solver')]);
  const models: [string, CausalLM][] = [];
  let render: PromptRenderer | null = null;
  for (const [name, dir] of dirs) {
    const loaded = await loadModelDir(dir, { requireTokenizer: true });
    render ??= new PromptRenderer(loaded.tokenizer!, ARITH_DOMAIN.prompts);
    models.push([name, loaded.model]);
  }
  const rows: Table4Row[] = [];
  const measure = ARITH_DOMAIN.oracle?.difficulty?.bind(ARITH_DOMAIN.oracle);
  try {
    for (let k = 1; k <= iterations; k++) {
      const items: CurriculumItem[] = readFileSync(
        join(iterationDir(j.dir, k), 'curriculum.jsonl'),
        'utf8',
      )
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const answerable = items.filter((it) => it.oracle?.answerable).slice(0, TABLE4_QUESTIONS);
      const bench = [
        {
          name: `iteration-${k}`,
          items: answerable.map((it) => ({ question: it.question, answer: it.oracle!.answer! })),
        },
      ];
      const sampledAccuracy = sampledOracleAccuracy(answerable);
      const accuracy: Record<string, number> = {};
      for (const [name, model] of models) {
        const [score] = await evaluateModel({
          model,
          render: render!,
          benchmarks: bench,
          config,
          iteration: k,
        });
        accuracy[name] = score?.score ?? NaN;
      }
      const summary = JSON.parse(
        readFileSync(join(iterationDir(j.dir, k), 'summary.json'), 'utf8'),
      );
      const all = summary.curriculum.oracleAll;
      const kept = summary.curriculum.oracleKept;
      rows.push({
        seed,
        iteration: k,
        questions: answerable.length,
        accuracy,
        sampledAccuracy,
        pseudoLabelAccuracy: all?.accuracy ?? null,
        pseudoLabelAccuracyKept: kept?.accuracy ?? null,
        difficulty: all?.meanDifficulty ?? null,
        keptLabelsBySteps: measure ? keptLabelsByDifficulty(items, measure, 'steps') : null,
        keptShare: summary.curriculum.keptShare,
        meanP: summary.curriculum.meanP,
      });
    }
  } finally {
    for (const [, m] of models) m.dispose();
  }
  return rows;
}

// ---- statistics and markdown ---------------------------------------------------------------

export function meanStd(xs: readonly number[]): { mean: number; std: number; n: number } {
  const v = xs.filter((x) => Number.isFinite(x));
  const mean = v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
  const std =
    v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
  return { mean, std, n: v.length };
}

const fmtPct = (xs: number[]): string => {
  const { mean, std, n } = meanStd(xs);
  if (n === 0) return '-';
  return n > 1
    ? `${(100 * mean).toFixed(1)} ± ${(100 * std).toFixed(1)}`
    : `${(100 * mean).toFixed(1)}`;
};
const fmtNum = (xs: number[], d = 2): string => {
  const { mean, std, n } = meanStd(xs);
  if (n === 0) return '-';
  return n > 1 ? `${mean.toFixed(d)} ± ${std.toFixed(d)}` : mean.toFixed(d);
};

const greedy = (scores: readonly BenchmarkScore[], bench: string): number =>
  scores.find((s) => s.benchmark === bench && s.metric === 'greedy')?.score ?? NaN;

export interface Table1Row {
  label: string;
  scores: Record<string, number[]>;
}

function table1(results: Map<string, CoevolveResult[]>, benches: readonly string[]): Table1Row[] {
  const rz = results.get('rzero') ?? [];
  const oracle = results.get('oracle') ?? [];
  const rows: Table1Row[] = [];
  const row = (
    label: string,
    pick: (r: CoevolveResult) => BenchmarkScore[] | undefined,
    runs: CoevolveResult[],
  ) => {
    const scores: Record<string, number[]> = {};
    for (const b of benches) scores[b] = runs.map((r) => greedy(pick(r) ?? [], b));
    rows.push({ label, scores });
  };
  row('Base', (r) => r.baseScores, rz.slice(0, 1)); // greedy decoding of one model: identical in every seed
  row('Base Challenger', (r) => r.iterations[0]?.scores, results.get('base-challenger') ?? []);
  for (let k = 1; k <= 3; k++) row(`R-Zero iteration ${k}`, (r) => r.iterations[k - 1]?.scores, rz);
  for (let k = 1; k <= 3; k++)
    row(`Oracle labels iteration ${k}`, (r) => r.iterations[k - 1]?.scores, oracle);
  return rows;
}

/** The paper's findings, checked on the measured means (stated, not tuned for). */
export function shapeChecks(
  t1: Table1Row[],
  t4: Table4Row[],
  frontier: readonly string[],
): string[] {
  const ms = (label: string, b: string) =>
    meanStd(t1.find((r) => r.label === label)?.scores[b] ?? []);
  const yes = (ok: boolean) => (ok ? 'yes' : '**no**');
  const pct = (x: number) => (100 * x).toFixed(1);
  // A gap counts when it exceeds twice the spread of a difference of two single runs:
  // 2 sqrt(s_a^2 + s_b^2), with s the sample std over seeds (0 for the greedy base row).
  const clear = (a: ReturnType<typeof meanStd>, b: ReturnType<typeof meanStd>) =>
    a.mean - b.mean > 2 * Math.sqrt(a.std ** 2 + b.std ** 2);
  const out = [
    "**The paper's shape, on these numbers** (means over seeds; a gap is clear when it exceeds 2 sqrt(s_a^2 + s_b^2), s the std over seeds):",
    '',
  ];
  for (const b of frontier) {
    const [base, bc, r1, r2, r3] = [
      'Base',
      'Base Challenger',
      'R-Zero iteration 1',
      'R-Zero iteration 2',
      'R-Zero iteration 3',
    ].map((l) => ms(l, b)) as ReturnType<typeof meanStd>[];
    out.push(
      `- ${b}: R-Zero iteration 3 > Base Challenger > Base, each gap clear: ${yes(clear(r3!, bc!) && clear(bc!, base!))} ` +
        `(${[r3!, bc!, base!].map((x) => pct(x.mean)).join(' / ')}); rising over iterations 1 -> 2 -> 3: ` +
        `${yes(r1!.mean < r2!.mean && r2!.mean < r3!.mean)} (${[r1!, r2!, r3!].map((x) => pct(x.mean)).join(' -> ')})`,
    );
  }
  const kept1 = meanStd(
    t4.filter((r) => r.iteration === 1).map((r) => r.pseudoLabelAccuracyKept ?? NaN),
  ).mean;
  out.push(
    `- pseudo-labels of the questions kept at iteration 1 right (oracle): ${pct(kept1)}%; at least 60%: ${yes(kept1 >= 0.6)}`,
  );
  for (const k of [1, 2, 3]) {
    const rows = t4.filter((r) => r.iteration === k);
    const prev = meanStd(
      rows.map((r) => r.accuracy[k === 1 ? 'base' : `solver ${k - 1}`] ?? NaN),
    ).mean;
    const same = meanStd(rows.map((r) => r.accuracy[`solver ${k}`] ?? NaN)).mean;
    const sampled = meanStd(rows.map((r) => r.sampledAccuracy)).mean;
    const inRange = (x: number) => x >= 0.35 && x <= 0.65;
    out.push(
      `- questions of Challenger ${k}: greedy accuracy of the Solver it was trained against ${pct(prev)}%, ` +
        `of Solver ${k} ${pct(same)}%; between 35% and 65%: ${yes(inRange(prev))} / ${yes(inRange(same))} (the Solver it was trained against / Solver ${k}); ` +
        `sampled accuracy of the Solver it was trained against (its votes) ${pct(sampled)}%, between 35% and 65%: ${yes(inRange(sampled))}`,
    );
  }
  return out;
}

function markdownTable(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

/**
 * The config the gate samples with: the runs' (preset and --set), so that the gate measures the
 * votes the runs will label with (--set solver.voting.temperature=0.7 reaches it).
 */
export function gateConfig(args: Pick<Args, 'preset' | 'set'>): RZeroConfig {
  return buildConfig({ preset: args.preset, set: args.set });
}

/**
 * What decides the gate's report: the base model's files by content (modelDirDigest: weights,
 * shards, config, tokenizer and its chat template), the probe's settings, the benchmarks, the
 * backend and its thread count (floating-point sums depend on it), and the report's version
 * (PROBE_REPORT_VERSION: a report saved before a field existed lacks it). A resumed invocation with
 * the same key reuses the report instead of sampling it again (about 4 minutes on 2 cores).
 */
export function gateKey(parts: {
  reportVersion: number;
  modelDigest: string;
  options: unknown;
  benches: readonly string[];
  backend: string;
  threads: number | null;
}): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        parts.reportVersion,
        parts.modelDigest,
        parts.options,
        parts.benches,
        parts.backend,
        parts.threads,
      ]),
    )
    .digest('hex');
}

/** The gate on the base model (seed 1): refuses a domain whose majority labels are not usable. */
async function gate(
  args: Args,
  baseDir: string,
  benches: string[],
  backend: BackendInfo,
  work: string,
): Promise<ProbeReport> {
  const c = gateConfig(args);
  const options = {
    ...DEFAULT_PROBE,
    generation: c.challenger.generation,
    voting: c.solver.voting,
    filter: c.filter,
    maxNewTokens: c.evaluation.maxNewTokens,
  };
  const key = gateKey({
    reportVersion: PROBE_REPORT_VERSION,
    modelDigest: await modelDirDigest(baseDir),
    options,
    benches,
    backend: backend.device,
    threads: backend.threads,
  });
  const cache = join(work, 'gate.json');
  if (existsSync(cache)) {
    const saved = JSON.parse(readFileSync(cache, 'utf8')) as { key: string; report: ProbeReport };
    if (saved.key === key) {
      process.stderr.write(
        'the gate: reused from an earlier invocation (same base model, settings, benchmarks and backend)\n',
      );
      return saved.report;
    }
  }
  const { model, tokenizer } = await loadModelDir(baseDir, { requireTokenizer: true });
  try {
    process.stderr.write('the gate: the base model votes on its own Challenger questions\n');
    const report = probeDomain({
      model,
      render: new PromptRenderer(tokenizer!, ARITH_DOMAIN.prompts),
      domain: ARITH_DOMAIN,
      benchmarks: arithBenchmarkSets(benches as Parameters<typeof arithBenchmarkSets>[0]),
      options,
    });
    mkdirSync(work, { recursive: true });
    writeFileSync(cache, JSON.stringify({ key, report }) + '\n');
    return report;
  } finally {
    model.dispose();
  }
}

export interface DiagnosticsRow {
  iteration: number;
  /** Per seed: majority accuracy of the kept questions (oracle), reward accuracy, KL, ... */
  keptMajorityAccuracy: number[];
  rewardAccuracy: number[];
  solverKl: number[];
  trainingBefore: number[];
  trainingAfter: number[];
}

/** The per-iteration diagnostics of the R-Zero runs, one value per seed. */
function diagnosticsRows(runs: readonly CoevolveResult[]): DiagnosticsRow[] {
  return [1, 2, 3].map((k) => {
    const ds = runs.map((r) => r.iterations[k - 1]?.diagnostics).filter((d) => d !== undefined);
    const keptAccuracy = (d: (typeof ds)[number]) => {
      const rows = d.calibration?.kept ?? [];
      const n = rows.reduce((a, r) => a + r.questions, 0);
      return n === 0
        ? NaN
        : rows.reduce((a, r) => a + (r.majorityAccuracy ?? 0) * r.questions, 0) / n;
    };
    return {
      iteration: k,
      keptMajorityAccuracy: ds.map(keptAccuracy),
      rewardAccuracy: ds.map((d) => d.rewardAccuracy ?? NaN),
      solverKl: ds.map((d) => d.solverKl ?? NaN),
      trainingBefore: ds.map((d) => d.solverOnTrainingQuestions?.before ?? NaN),
      trainingAfter: ds.map((d) => d.solverOnTrainingQuestions?.after ?? NaN),
    };
  });
}

/**
 * Whether the labels could teach the benchmarks' decoding: a Solver is scored greedily, so its
 * pseudo-labels teach it only where they are right more often than its greedy answers to the same
 * kept questions (before its phase). Per iteration, the means over seeds and the per-seed difference.
 */
export function labelsAgainstGreedyLines(rows: readonly DiagnosticsRow[]): string[] {
  const out = [
    "Can the labels teach a greedily scored Solver? Per iteration, the kept questions' pseudo-labels against the Solver's greedy answers to the same questions before its phase (labels minus greedy per seed, mean ± std; clearly above when the mean exceeds twice the std, as for the gaps above):",
    '',
  ];
  for (const d of rows) {
    const diff = d.keptMajorityAccuracy.map((x, i) => x - (d.trainingBefore[i] ?? NaN));
    const { mean, std, n } = meanStd(diff);
    if (n === 0) continue;
    out.push(
      `- iteration ${d.iteration}: labels right ${fmtPct(d.keptMajorityAccuracy)}%, greedy ${fmtPct(d.trainingBefore)}%, ` +
        `labels minus greedy ${fmtPct(diff)} points; labels clearly above greedy: ${mean > 2 * std ? 'yes' : '**no**'}`,
    );
  }
  return out;
}

/** Wall time of a replication: each invocation's minutes, oldest first, and their sum. */
interface WallTime {
  invocations: number[];
  total: number;
}

/**
 * This invocation's wall time in `<work>/invocations.json`, beside the earlier invocations': the
 * entry is written when the invocation starts and again every minute, so an invocation that is
 * stopped (a session's end, a kill) still counts in the report's total, to the minute.
 */
export class InvocationLog {
  private readonly file: string;
  private readonly entries: { date: string; minutes: number }[];
  private readonly t0: number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    work: string,
    private readonly now: () => number = Date.now,
  ) {
    mkdirSync(work, { recursive: true });
    this.file = join(work, 'invocations.json');
    this.entries = existsSync(this.file)
      ? (JSON.parse(readFileSync(this.file, 'utf8')) as { date: string; minutes: number }[])
      : [];
    this.t0 = now();
    this.entries.push({ date: new Date(this.t0).toISOString(), minutes: 0 });
    this.write();
    this.timer = setInterval(() => this.write(), 60_000);
    this.timer.unref();
  }

  private write(): WallTime {
    this.entries[this.entries.length - 1]!.minutes = (this.now() - this.t0) / 60000;
    writeFileSync(this.file, JSON.stringify(this.entries, null, 2) + '\n');
    const invocations = this.entries.map((x) => x.minutes);
    return { invocations, total: invocations.reduce((a, b) => a + b, 0) };
  }

  /** Stops the minute updates; this invocation's final time and every invocation's. */
  finish(): WallTime {
    clearInterval(this.timer);
    return this.write();
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const work = resolve(args.work);
  const clock = new InvocationLog(work);
  const baseDir = BUILTIN_MODELS[args.base] ?? resolve(args.base);
  const benches = benchesFor(args.base);
  const backend = await initBackend(parseBackendRequest(process.env.RZERO_BACKEND));
  const probe = await gate(args, baseDir, benches, backend, work);
  process.stderr.write(probeMarkdown(probe, DEFAULT_PROBE.votes));
  if (!probe.gate.passed) {
    throw new Error(
      `the domain fails the gate (${probe.gate.reasons.join('; ')}): its majority labels are not worth training on; change the domain, not the replication`,
    );
  }
  const jobs: Job[] = args.seeds.flatMap((seed) =>
    VARIANTS.filter((variant) => variantSeeds(variant, args).includes(seed)).map((variant) => ({
      variant,
      seed,
      name: `${variant.name} seed ${seed}`,
      dir: join(work, `${variant.name}-seed${seed}`),
      iterations: variant.iterations,
      base: args.base,
      preset: args.preset,
      benchmarks: benches,
      sets: [`seed=${seed}`, ...variant.sets, ...args.set],
    })),
  );
  // Longest jobs first, so the two cores finish together.
  jobs.sort((a, b) => b.iterations - a.iterations);
  await runCoevolveJobs('replicate iterations', jobs, args.jobs);

  const results = new Map<string, CoevolveResult[]>();
  for (const v of VARIANTS)
    results.set(
      v.name,
      variantSeeds(v, args).map((seed) =>
        readResult(jobs.find((j) => j.variant === v && j.seed === seed)!),
      ),
    );

  process.stderr.write("Table 4 analogue: greedy answers to each iteration's questions\n");
  const t4: Table4Row[] = [];
  for (const seed of args.seeds) {
    t4.push(
      ...(await table4(
        jobs.find((j) => j.variant.name === 'rzero' && j.seed === seed)!,
        baseDir,
        seed,
        3,
      )),
    );
  }
  const t1 = table1(results, benches);
  const diagnostics = diagnosticsRows(results.get('rzero') ?? []);

  const outDir = resolve(args.out);
  mkdirSync(join(outDir, 'results'), { recursive: true });
  const plots = await renderPlots(join(outDir, 'results'), t1, t4, results.get('rzero') ?? []);
  // The config as the runs used it (preset + --set), from the first R-Zero run's report.
  const rzeroJob = jobs.find((j) => j.variant.name === 'rzero')!;
  const config = (
    JSON.parse(readFileSync(join(rzeroJob.dir, 'report.json'), 'utf8')) as { config: RZeroConfig }
  ).config;
  // The first seed's models, in f16 with config and tokenizer, for `npm run check:models`.
  const seed = args.seeds[0]!;
  const dirOf = (variant: string) =>
    jobs.find((j) => j.variant.name === variant && j.seed === seed)!;
  process.stderr.write(`exporting seed ${seed}'s models (f16) and scoring them\n`);
  const models = await exportResultModels(
    [
      { name: 'base', dir: baseDir, label: `base model (${args.base})` },
      {
        name: `rzero-it3-seed${seed}`,
        dir: join(iterationDir(dirOf('rzero').dir, 3), 'solver'),
        label: `R-Zero iteration 3, seed ${seed}: Solver`,
      },
      {
        name: `base-challenger-seed${seed}`,
        dir: join(iterationDir(dirOf('base-challenger').dir, 1), 'solver'),
        label: `Base Challenger, seed ${seed}: Solver`,
      },
    ],
    join(outDir, 'results', 'models'),
    benches as ArithBenchmarkName[],
    config.evaluation.maxNewTokens,
    // The items Table 1 scored, so that the committed models reproduce its seed-1 cells.
    config.evaluation.maxItems,
  );
  const wall = clock.finish();
  const raw = {
    seeds: args.seeds,
    ablationSeeds: args.ablationSeeds ?? args.seeds,
    sets: args.set,
    config,
    wallMinutes: wall.total,
    invocationMinutes: wall.invocations,
    base: args.base,
    benchmarks: benches,
    gate: probe,
    table1: t1,
    table4: t4,
    diagnostics,
    models,
    // Paths inside the project as relative ones, any other as '<dir>': no server path in a report.
    runs: Object.fromEntries(
      [...results].map(([name, rs]) => [
        name,
        rs.map((r: CoevolveResult & { base?: string }) => ({
          ...r,
          ...(r.base !== undefined && { base: publicPath(r.base) }),
          workDir: publicPath(r.workDir),
        })),
      ]),
    ),
  };
  writeFileSync(join(outDir, 'results.json'), JSON.stringify(raw, null, 2) + '\n');
  writeFileSync(
    join(outDir, 'results.md'),
    resultsMarkdown(
      args,
      config,
      { t1, t4, benches, probe, diagnostics, models, backend: backend.device },
      results,
      wall,
      plots,
    ),
  );
  process.stderr.write(
    `wrote ${join(outDir, 'results.md')}: ${wall.invocations.at(-1)!.toFixed(1)} min this invocation, ${wall.total.toFixed(1)} in all\n`,
  );
}

interface Tables {
  t1: Table1Row[];
  t4: Table4Row[];
  benches: string[];
  probe: ProbeReport;
  diagnostics: DiagnosticsRow[];
  models: ResultModelsFile;
  /** The compute backend, in words. */
  backend: string;
}

function resultsMarkdown(
  args: Args,
  config: RZeroConfig,
  { t1, t4, benches, probe, diagnostics, models: committed, backend }: Tables,
  results: Map<string, CoevolveResult[]>,
  wallTime: WallTime,
  plots: string[],
): string {
  const { invocations, total } = wallTime;
  const wall =
    invocations.length > 1
      ? `${total.toFixed(0)} minutes wall time over ${invocations.length} invocations (${invocations.map((m) => m.toFixed(0)).join(' + ')}; a resumed one skips finished iterations)`
      : `${total.toFixed(0)} minutes wall time`;
  const cfg = config;
  const L: string[] = [];
  L.push('# Results: R-Zero on the arithmetic domain', '');
  L.push(
    `Measured by \`npm run replicate --${[`--base ${args.base}`, `--seeds ${args.seeds.join(',')}`, ...(args.ablationSeeds ? [`--ablationSeeds ${args.ablationSeeds.join(',')}`] : []), `--jobs ${args.jobs}`, ...args.set.map((s) => `--set ${s}`)].map((a) => ` ${a}`).join('')}\` on ${new Date().toISOString().slice(0, 10)}: ` +
      `seeds ${args.seeds.join(', ')}, ${args.jobs} runs at a time, ${wall}, backend ${backend}. ` +
      `Base model: \`${args.base}\` (its recipe.json). Preset \`${args.preset}\` with the command's \`--set\` overrides, if any ` +
      `(Challenger ${cfg.challenger.steps} steps x ${cfg.challenger.batch} x G=${cfg.challenger.groupSize}, lr ${cfg.challenger.lr}; ` +
      `N = ${cfg.challenger.questionsPerIteration} questions, m = ${cfg.votes} votes, band ${cfg.filter.minP}-${cfg.filter.maxP}; ` +
      `Solver ${cfg.solver.steps} steps x ${cfg.solver.batch} questions x G=${cfg.solver.groupSize}, lr ${cfg.solver.lr}; KL ${cfg.optim.klCoef}). ` +
      'Greedy accuracy in %, mean ± sample std over seeds.',
    '',
  );
  // How the Solver phase was sized, when it was (npm run size:solver writes this file).
  if (existsSync(join(args.out, 'results', 'size-solver.md')))
    L.push(
      'The Solver phase (lr, steps) was sized before any R-Zero run with oracle labels and the ' +
        'Base Challenger, never on a benchmark: [results/size-solver.md](results/size-solver.md) ' +
        '(`npm run size:solver`; the choice is argued in docs/rzero.md).',
      '',
    );
  // How the Challenger phase was sized, when it was (npm run size:challenger writes these files).
  const challengerSizings = existsSync(join(args.out, 'results'))
    ? readdirSync(join(args.out, 'results'))
        .filter((f) => /^size-challenger.*\.md$/.test(f))
        .sort()
    : [];
  if (challengerSizings.length > 0)
    L.push(
      "The Challenger phase (lr, steps) was sized before the replication on the Challenger's own " +
        "questions (the Solver's sampled accuracy on them, their labels' accuracy), never on a " +
        `benchmark: ${challengerSizings.map((f) => `[results/${f}](results/${f})`).join(', ')} ` +
        '(`npm run size:challenger`; the choice is argued in docs/rzero.md).',
      '',
    );
  L.push('## The gate (before any run)', '');
  L.push(probeMarkdown(probe, DEFAULT_PROBE.votes), '');
  L.push('## Table 1 analogue: greedy accuracy on the built-in benchmarks', '');
  L.push(
    markdownTable(
      ['model', ...benches],
      t1.map((r) => [r.label, ...benches.map((b) => fmtPct(r.scores[b] ?? []))]),
    ),
  );
  L.push(
    '',
    'The base model is decoded greedily, so its row is one measurement. "Oracle labels" is the control: the same loop with the Solver trained on the true answers of its kept questions, the upper bound of what the labels can teach.',
    '',
  );

  L.push(...shapeChecks(t1, t4, frontierOf(benches)), '');
  L.push('## Diagnostics of the R-Zero runs, per iteration', '');
  L.push(
    markdownTable(
      [
        'iteration',
        'kept majority right',
        'reward accuracy',
        'Solver KL to its start',
        'Solver on its training questions (before -> after)',
      ],
      diagnostics.map((d) => [
        String(d.iteration),
        fmtPct(d.keptMajorityAccuracy),
        fmtPct(d.rewardAccuracy),
        fmtNum(d.solverKl, 4),
        `${fmtPct(d.trainingBefore)} -> ${fmtPct(d.trainingAfter)}`,
      ]),
    ),
    '',
    ...labelsAgainstGreedyLines(diagnostics),
    '',
  );
  L.push('## Table 4 analogue: the generated questions, per iteration', '');
  L.push(
    `Questions: the first ${TABLE4_QUESTIONS} oracle-answerable candidates Challenger t wrote for its Solver dataset. ` +
      'Accuracy: greedy answers checked against the oracle (true accuracy, not agreement with the vote); ' +
      'sampled accuracy: the share of the m votes of the Solver the Challenger was trained against (base for Challenger 1, Solver t-1 after) that are equivalent to the oracle answer (as labels are compared).',
    '',
  );
  const iters = [1, 2, 3];
  const models = ['base', 'solver 1', 'solver 2', 'solver 3'];
  L.push(
    markdownTable(
      [
        'questions of',
        ...models.map((m) => `${m} accuracy`),
        'sampled accuracy of the Solver trained against',
        'pseudo-label accuracy (all / kept)',
        'operands',
        'max digits',
        'depth',
        'kept share',
        'mean p^',
      ],
      iters.map((k) => {
        const rows = t4.filter((r) => r.iteration === k);
        const d = (f: string) => fmtNum(rows.map((r) => r.difficulty?.[f] ?? NaN));
        return [
          `Challenger ${k}`,
          ...models.map((m) => fmtPct(rows.map((r) => r.accuracy[m] ?? NaN))),
          fmtPct(rows.map((r) => r.sampledAccuracy)),
          `${fmtPct(rows.map((r) => r.pseudoLabelAccuracy ?? NaN))} / ${fmtPct(rows.map((r) => r.pseudoLabelAccuracyKept ?? NaN))}`,
          d('operands'),
          d('maxDigits'),
          d('depth'),
          fmtPct(rows.map((r) => r.keptShare)),
          fmtNum(rows.map((r) => r.meanP)),
        ];
      }),
    ),
  );
  L.push('');
  const bySteps = keptLabelsByStepsLines(t4);
  if (bySteps.length > 0) L.push(...bySteps, '');
  const ablationSeeds = args.ablationSeeds ?? args.seeds;
  L.push(
    `## Ablations (one iteration each, against R-Zero iteration 1; seed${ablationSeeds.length > 1 ? 's' : ''} ${ablationSeeds.join(', ')})`,
    '',
  );
  // A variant's first-iteration scores on the ablation seeds (its results follow variantSeeds).
  const firstOnAblationSeeds = (v: Variant): BenchmarkScore[][] => {
    const seeds = variantSeeds(v, args);
    return (results.get(v.name) ?? [])
      .filter((_, i) => ablationSeeds.includes(seeds[i]!))
      .map((r) => r.iterations[0]?.scores ?? []);
  };
  const abl: [string, BenchmarkScore[][]][] = [
    ['R-Zero iteration 1', firstOnAblationSeeds(VARIANTS.find((v) => v.name === 'rzero')!)],
    ...VARIANTS.filter((v) => v.iterations === 1).map(
      (v) => [v.label, firstOnAblationSeeds(v)] as [string, BenchmarkScore[][]],
    ),
  ];
  L.push(
    markdownTable(
      ['run', ...benches],
      abl.map(([label, runs]) => [
        label,
        ...benches.map((b) => fmtPct(runs.map((s) => greedy(s, b)))),
      ]),
    ),
  );
  L.push('');
  L.push(`## The committed models (seed ${args.seeds[0]})`, '');
  L.push(
    'In `docs/results/models/`: F16 safetensors with config.json and the tokenizer. Greedy accuracy of these f16 weights ' +
      `(${committed.maxNewTokens} new tokens at most) on the items Table 1 scored (${committed.items > 0 ? `the first ${committed.items} of each benchmark` : 'all'}), ` +
      'scored by the engine; `npm run check:models` scores them again with the independent PyTorch implementation in ' +
      '`test/reference/` and fails unless every number matches. In brackets, the seed-1 cell of Table 1: the f32 weights ' +
      'the run trained, so it may differ from the f16 copy by an item or two.',
    '',
  );
  // The Table 1 row each committed model is a seed-1 cell of (runs are in seed order).
  const seed = args.seeds[0]!;
  const labelOf: Record<string, string> = {
    base: 'Base',
    [`rzero-it3-seed${seed}`]: 'R-Zero iteration 3',
    [`base-challenger-seed${seed}`]: 'Base Challenger',
  };
  const rowOf = (name: string) => t1.find((r) => r.label === labelOf[name]);
  L.push(
    markdownTable(
      ['model', 'directory', ...benches],
      committed.models.map((m) => [
        m.source,
        `\`${m.name}\``,
        ...benches.map((b) => {
          const cell = rowOf(m.name)?.scores[b]?.[0];
          const f16 = (100 * (m.scores[b] ?? NaN)).toFixed(1);
          return cell === undefined ? f16 : `${f16} (${(100 * cell).toFixed(1)})`;
        }),
      ]),
    ),
    '',
  );
  if (plots.length > 0) {
    L.push('## Plots', '');
    for (const p of plots) L.push(`![${p}](results/${p})`, '');
  }
  return L.join('\n');
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exit(1);
  });
}
