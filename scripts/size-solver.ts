/**
 * Sizes the Solver phase before a replication, with oracle labels (issue: "use the oracle control
 * to size the Solver phase (lr, updates)"), never with a benchmark.
 *
 *   npm run size:solver -- --base <model dir> [--preset tiny] [--jobs 2] [--seed 1]
 *       [--grid solver.lr=2e-5,1e-4,4e-4] [--grid solver.steps=6,12] [--set ...]
 *       [--labels oracle|majority] [--heldout 512] [--work runs/size-solver]
 *       [--out docs/results/size-solver.md]
 *
 * Every point of the grid (the product of the --grid lists) is one iteration with the Base
 * Challenger (challenger.train=false: every point trains on the same questions) and the given
 * labels. Reported per point: the kept questions, the Solver's oracle accuracy on them before
 * and after the phase, its KL to the base, and its greedy accuracy on held-out questions: fresh
 * questions the base Challenger writes with another seed (the distribution the Solver trains
 * on, not a benchmark), answered by the oracle. Work directories resume like `npm run coevolve`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { initBackend, loadModelDir, parseBackendRequest } from '../src/engine';
import { PromptRenderer, iterationDir, resolveConfig } from '../src/rzero';
import type { CoevolveResult, PresetName } from '../src/rzero';
import { evaluateModel } from '../src/rzero/evaluation';
import { challengerQuestionSet } from '../src/rzero/probe';
import { ARITH_DOMAIN } from '../src/tasks/arith';
import { BUILTIN_MODELS } from './coevolve';
import { runCoevolveJobs } from './coevolve-jobs';
import type { CoevolveJob } from './coevolve-jobs';

export interface GridArgs {
  base: string;
  preset: PresetName;
  jobs: number;
  seed: number;
  grid: [string, string[]][];
  set: string[];
  work: string;
  out: string;
  /** Values of the script's own options (`extra` names them, without the dashes). */
  extra: Record<string, string>;
}

/**
 * The options every sizing script takes: --base --preset --jobs --seed --grid (repeatable, the
 * default grid when none is given) --set (repeatable) --work --out, and the script's `extra` ones.
 */
export function parseGridArgs(
  argv: string[],
  defaults: { work: string; grid: [string, string[]][] },
  extra: readonly string[] = [],
): GridArgs {
  const a: GridArgs = {
    base: '',
    preset: 'tiny',
    jobs: 2,
    seed: 1,
    grid: [],
    set: [],
    work: defaults.work,
    out: '',
    extra: {},
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [key, value] = [argv[i]!, argv[i + 1]];
    if (value === undefined) throw new Error(`missing value for ${key}`);
    if (key === '--base') a.base = value;
    else if (key === '--preset') a.preset = value as PresetName;
    else if (key === '--jobs') a.jobs = Number(value);
    else if (key === '--seed') a.seed = Number(value);
    else if (key === '--work') a.work = value;
    else if (key === '--out') a.out = value;
    else if (key === '--set') a.set.push(value);
    else if (key === '--grid') {
      const eq = value.indexOf('=');
      if (eq <= 0) throw new Error(`--grid field=v1,v2,...: got ${value}`);
      a.grid.push([value.slice(0, eq), value.slice(eq + 1).split(',')]);
    } else if (key.startsWith('--') && extra.includes(key.slice(2))) a.extra[key.slice(2)] = value;
    else throw new Error(`unknown option ${key}`);
  }
  if (!a.base) throw new Error('--base <model dir> is required');
  if (a.grid.length === 0) a.grid.push(...defaults.grid);
  return a;
}

interface Args extends GridArgs {
  labels: 'oracle' | 'majority';
  heldout: number;
}

function parseArgs(argv: string[]): Args {
  const a = parseGridArgs(
    argv,
    { work: 'runs/size-solver', grid: [['solver.lr', ['2e-5', '1e-4', '4e-4']]] },
    ['labels', 'heldout'],
  );
  const labels = a.extra.labels ?? 'oracle';
  if (labels !== 'oracle' && labels !== 'majority') throw new Error('--labels oracle|majority');
  return { ...a, labels, heldout: Number(a.extra.heldout ?? 512) };
}

/** Prints a sizing report and, with --out, writes it there as markdown beside its JSON. */
export function writeSizingReport(out: string, md: string, json: unknown): void {
  process.stdout.write(md);
  if (!out) return;
  mkdirSync(dirname(resolve(out)), { recursive: true });
  writeFileSync(resolve(out), md);
  writeFileSync(resolve(out).replace(/\.md$/, '') + '.json', JSON.stringify(json, null, 2) + '\n');
}

/** Every combination of the grid's values, as --set strings. */
export function points(grid: readonly [string, string[]][]): string[][] {
  return grid.reduce<string[][]>(
    (acc, [field, values]) => acc.flatMap((p) => values.map((v) => [...p, `${field}=${v}`])),
    [[]],
  );
}

const pct = (x: number | null | undefined) =>
  x === null || x === undefined || Number.isNaN(x) ? '-' : `${(100 * x).toFixed(1)}%`;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const baseDir = BUILTIN_MODELS[args.base] ?? resolve(args.base);
  const work = resolve(args.work);
  const t0 = Date.now();
  const jobs: (CoevolveJob & { point: string[] })[] = points(args.grid).map((point) => ({
    point,
    name: point.join(' '),
    dir: join(work, point.join('_').replace(/[^A-Za-z0-9_.=-]/g, '')),
    iterations: 1,
    base: baseDir,
    preset: args.preset,
    benchmarks: [],
    sets: [
      `seed=${args.seed}`,
      'challenger.train=false',
      `solver.labels=${args.labels}`,
      ...args.set,
      ...point,
    ],
  }));
  await runCoevolveJobs('size-solver runs', jobs, args.jobs);

  // Held-out questions: the base Challenger, another seed; greedy answers scored by the oracle.
  await initBackend(parseBackendRequest(process.env.RZERO_BACKEND));
  const config = resolveConfig(args.preset);
  const base = await loadModelDir(baseDir, { requireTokenizer: true });
  const render = new PromptRenderer(base.tokenizer!, ARITH_DOMAIN.prompts);
  const { set } = challengerQuestionSet(
    base.model,
    render,
    ARITH_DOMAIN,
    args.heldout,
    config.challenger.generation,
    (args.seed + 0x51e) | 0,
  );
  const heldout = async (dir: string) => {
    const m = dir === baseDir ? base : await loadModelDir(dir, { requireTokenizer: true });
    const [score] = await evaluateModel({
      model: m.model,
      render: new PromptRenderer(m.tokenizer!, ARITH_DOMAIN.prompts),
      config: { ...config, evaluation: { ...config.evaluation, maxItems: 0 } },
      benchmarks: [set],
      iteration: 0,
    });
    if (m !== base) m.model.dispose();
    return score!.score;
  };
  const baseHeldout = await heldout(baseDir);
  const rows = [];
  for (const j of jobs) {
    const r = JSON.parse(readFileSync(join(j.dir, 'report.json'), 'utf8')) as CoevolveResult;
    const it = r.iterations[0]!;
    const d = it.diagnostics;
    rows.push({
      point: j.point,
      kept: d?.solverOnTrainingQuestions?.questions ?? null,
      before: d?.solverOnTrainingQuestions?.before ?? null,
      after: d?.solverOnTrainingQuestions?.after ?? null,
      kl: d?.solverKl ?? null,
      rewardAccuracy: d?.rewardAccuracy ?? null,
      solverSeconds: it.phases.solver ?? null,
      heldout: await heldout(join(iterationDir(j.dir, 1), 'solver')),
    });
  }
  base.model.dispose();

  const md = [
    `# Solver-phase sizing: ${args.labels} labels`,
    '',
    `\`npm run size:solver -- ${process.argv.slice(2).join(' ')}\` on ${new Date().toISOString().slice(0, 10)}, ` +
      `${((Date.now() - t0) / 60000).toFixed(0)} minutes. Base model ${args.base}, preset \`${args.preset}\`, ` +
      `Base Challenger (every point trains on the same questions), seed ${args.seed}. ` +
      `Held-out: ${set.items.length} distinct questions the base Challenger wrote with another seed, ` +
      `greedy, scored by the oracle; the base model answers ${pct(baseHeldout)} of them.`,
    '',
    '| setting | kept questions | Solver on them: before | after | KL to base | held-out | Solver phase (s) |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.point.join(', ') || '(preset)'} | ${r.kept ?? '-'} | ${pct(r.before)} | ${pct(r.after)} | ` +
        `${r.kl === null ? '-' : r.kl.toExponential(1)} | ${pct(r.heldout)} | ${r.solverSeconds?.toFixed(0) ?? '-'} |`,
    ),
    '',
  ].join('\n');
  writeSizingReport(args.out, md, { args, baseHeldout, heldoutQuestions: set.items.length, rows });
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
