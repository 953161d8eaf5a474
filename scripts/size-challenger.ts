/**
 * Sizes the Challenger phase before a replication (issue: "the Solver answers its own iteration's
 * questions 35-65% right"), judged by the Challenger's own questions and the oracle, never by a
 * benchmark.
 *
 *   npm run size:challenger -- --base <model dir> [--preset tiny] [--jobs 2] [--seed 1]
 *       [--grid challenger.lr=2e-5,1e-4] [--grid challenger.steps=4,16] [--set ...]
 *       [--iterations 1] [--work runs/size-challenger] [--out docs/results/size-challenger.md]
 *
 * Every point of the grid (the product of the --grid lists), and the Base Challenger
 * (challenger.train=false) as the reference row, is by default the first half of iteration 1: the
 * Challenger phase against the frozen base Solver, then the N candidates the trained Challenger
 * writes, each answered m times by the base Solver (solver.steps=0: no Solver phase, no
 * benchmark). With --iterations n > 1 each point runs n whole iterations (the Solver phase as the
 * preset and --set give it, still no benchmark), so that a drift that builds up over the
 * iterations shows (one iteration at lr 4e-4 parsed 97% of its candidates; three iterations of the
 * replication fell to 68-75% in two seeds). Reported per point and iteration: the Challenger's
 * reward and p^ over its steps, and on the candidates the share the oracle can parse, the mean p^,
 * the share kept by the band, the Solver's sampled accuracy (the share of its votes that the
 * oracle calls right), the kept pseudo-labels' accuracy and the mean operand count, all and kept.
 * Work directories resume like `npm run coevolve`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { iterationDir } from '../src/rzero';
import type { CurriculumItem, IterationSummary } from '../src/rzero';
import { sampledOracleAccuracy } from '../src/rzero/diagnostics';
import { BUILTIN_MODELS } from './coevolve';
import { runCoevolveJobs } from './coevolve-jobs';
import type { CoevolveJob } from './coevolve-jobs';
import { parseGridArgs, points, writeSizingReport } from './size-solver';

const BASE_CHALLENGER = 'challenger.train=false';

export interface SizingRow {
  point: string[];
  iteration: number;
  challengerSteps: { reward: number; meanP: number; kl: number | null }[];
  challengerSeconds: number | null;
  /** Wall time of the point's iteration. */
  seconds: number;
  candidates: number;
  valid: number;
  meanP: number;
  kept: number;
  /** Share of the valid candidates the domain's oracle can parse and answer. */
  parseable: number | null;
  sampledAll: number;
  sampledKept: number;
  labelsAll: number | null;
  labelsKept: number | null;
  operandsAll: number | null;
  operandsKept: number | null;
}

function readCurriculum(dir: string, k: number): CurriculumItem[] {
  return readFileSync(join(iterationDir(dir, k), 'curriculum.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as CurriculumItem);
}

function row(point: string[], dir: string, k: number): SizingRow {
  const summary = JSON.parse(
    readFileSync(join(iterationDir(dir, k), 'summary.json'), 'utf8'),
  ) as IterationSummary;
  const stepsFile = join(dir, 'steps.jsonl');
  // (the Base Challenger trains nothing and logs no step)
  const steps = (existsSync(stepsFile) ? readFileSync(stepsFile, 'utf8') : '')
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map(
      (l) =>
        JSON.parse(l) as {
          type: string;
          iteration: number;
          metrics?: Record<string, number | null>;
        },
    )
    .filter((e) => e.type === 'challenger.step' && e.iteration === k);
  const items = readCurriculum(dir, k);
  const c = summary.curriculum;
  const oracle = (s: Record<string, unknown> | null) =>
    s as {
      accuracy: number | null;
      answerableShare: number;
      meanDifficulty: { operands: number } | null;
    } | null;
  return {
    point,
    iteration: k,
    challengerSteps: steps.map((e) => ({
      reward: e.metrics!.reward!,
      meanP: e.metrics!.meanP!,
      kl: e.metrics!.kl ?? null,
    })),
    challengerSeconds: summary.phases.challenger ?? null,
    seconds: summary.seconds,
    candidates: c.generated,
    valid: c.valid,
    meanP: c.meanP,
    kept: c.kept,
    parseable: oracle(c.oracleAll)?.answerableShare ?? null,
    sampledAll: sampledOracleAccuracy(items),
    sampledKept: sampledOracleAccuracy(items.filter((it) => it.kept)),
    labelsAll: oracle(c.oracleAll)?.accuracy ?? null,
    labelsKept: oracle(c.oracleKept)?.accuracy ?? null,
    operandsAll: oracle(c.oracleAll)?.meanDifficulty?.operands ?? null,
    operandsKept: oracle(c.oracleKept)?.meanDifficulty?.operands ?? null,
  };
}

const pct = (x: number | null) =>
  x === null || Number.isNaN(x) ? '-' : `${(100 * x).toFixed(1)}%`;
const num = (x: number | null, d = 2) => (x === null || Number.isNaN(x) ? '-' : x.toFixed(d));

export function sizingMarkdown(rows: readonly SizingRow[], header: string): string {
  return [
    '# Challenger-phase sizing',
    '',
    header,
    '',
    '| setting | iteration | Challenger reward, first -> last step | its p^, first -> last step | Challenger phase (s) | ' +
      'valid / candidates | parseable | mean p^ | kept | Solver sampled, all | kept | labels right, all | kept | operands, all | kept |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => {
      const first = r.challengerSteps[0];
      const last = r.challengerSteps.at(-1);
      return (
        `| ${r.point.join(', ')} | ${r.iteration} | ${first ? `${num(first.reward)} -> ${num(last!.reward)}` : '-'} | ` +
        `${first ? `${num(first.meanP)} -> ${num(last!.meanP)}` : '-'} | ${r.challengerSeconds?.toFixed(0) ?? '-'} | ` +
        `${r.valid} / ${r.candidates} | ${pct(r.parseable)} | ${num(r.meanP)} | ${r.kept} | ${pct(r.sampledAll)} | ${pct(r.sampledKept)} | ` +
        `${pct(r.labelsAll)} | ${pct(r.labelsKept)} | ${num(r.operandsAll)} | ${num(r.operandsKept)} |`
      );
    }),
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const args = parseGridArgs(
    process.argv.slice(2),
    {
      work: 'runs/size-challenger',
      grid: [
        ['challenger.lr', ['2e-5', '1e-4']],
        ['challenger.steps', ['4', '16']],
      ],
    },
    ['iterations'],
  );
  const iterations = Number(args.extra.iterations ?? 1);
  if (!Number.isInteger(iterations) || iterations < 1)
    throw new Error('--iterations: an integer >= 1');
  const baseDir = BUILTIN_MODELS[args.base] ?? resolve(args.base);
  const work = resolve(args.work);
  const jobs: (CoevolveJob & { point: string[] })[] = [[BASE_CHALLENGER], ...points(args.grid)].map(
    (point) => ({
      point,
      name: point.join(' '),
      dir: join(
        work,
        point.join('_').replace(/[^A-Za-z0-9_.=-]/g, '') +
          (iterations > 1 ? `_it${iterations}` : ''),
      ),
      iterations,
      base: baseDir,
      preset: args.preset,
      benchmarks: [],
      sets: [
        `seed=${args.seed}`,
        // One iteration needs no Solver phase; over several the Challenger faces a trained Solver.
        ...(iterations === 1 ? ['solver.steps=0'] : []),
        'evaluation.evaluateBase=false',
        ...args.set,
        ...point,
      ],
    }),
  );
  await runCoevolveJobs('size-challenger runs', jobs, args.jobs);
  const rows = jobs.flatMap((j) =>
    Array.from({ length: iterations }, (_, i) => row(j.point, j.dir, i + 1)),
  );
  const md = sizingMarkdown(
    rows,
    `\`npm run size:challenger -- ${process.argv.slice(2).join(' ')}\` on ${new Date().toISOString().slice(0, 10)}, ` +
      `the points' iterations ${(rows.reduce((t, r) => t + r.seconds, 0) / 60).toFixed(0)} minutes in all (${args.jobs} at a time; a rerun resumes and reuses them). Base model ${args.base}, preset \`${args.preset}\`, seed ${args.seed}. ` +
      (iterations === 1
        ? 'Each row: the Challenger phase of iteration 1 against the base Solver (none for the Base Challenger), then the ' +
          'candidates the Challenger writes, each answered m times by the base Solver. '
        : `Each point runs ${iterations} whole iterations (Challenger phase, candidates answered m times by the current ` +
          'Solver, Solver phase); a row is one iteration. ') +
      'Parseable: valid candidates the oracle can parse and answer. Solver sampled: the share of its votes ' +
      "the oracle calls right (the issue asks 35-65% on all of an iteration's questions); labels right: majorities equal " +
      "to the oracle's answer; kept: inside the filter band.",
  );
  writeSizingReport(args.out, md, { args, rows });
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
