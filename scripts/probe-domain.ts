/**
 * The gate before a replication: on questions the base Challenger writes, is the base Solver's
 * majority right often enough, inside the filter band, to be worth training on? Prints the
 * calibration table (majority accuracy by p^), the band's figures against the gate (majority
 * right on >= 60%, >= 1 correct vote on >= 70%), greedy accuracy on the same questions (what the
 * majority must beat) with the two compared question by question (an exact sign test on the
 * questions only one gets right), and each benchmark's greedy and majority-of-m accuracy; exits 1
 * when the gate fails. Nothing trains.
 *
 *   npm run probe:domain -- [--base arith-tiny|<model dir>] [--questions 512] [--votes 10]
 *       [--items 200] [--seed 1] [--benchmarks arith-in,arith-frontier,...] [--json out.json]
 *       [--votingTemperature 1]
 *
 * Sampling, band and budgets are the `tiny` preset's (dataset generation and voting; the votes'
 * temperature can be changed, to measure calibration at another temperature). A model
 * directory named arith-tiny is probed on arith-tiny's benchmarks, any other on arith-small's
 * (a pretraining checkpoint: --base .cache/pretrain/arith-small/model).
 */
import { writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { BUILTIN_MODEL_DIRS, projectRoot } from '../src/common/paths';
import { initBackend, loadModelDir, parseBackendRequest } from '../src/engine';
import { PromptRenderer, resolveConfig } from '../src/rzero';
import { DEFAULT_PROBE, probeDomain, probeMarkdown } from '../src/rzero/probe';
import {
  ARITH_BENCHMARK_NAMES,
  ARITH_DOMAIN,
  ARITH_SMALL_BENCHMARK_NAMES,
  arithBenchmarkSets,
} from '../src/tasks/arith';
import type { ArithBenchmarkName } from '../src/tasks/arith';

interface Args {
  base: string;
  questions: number;
  votes: number;
  items: number;
  seed: number;
  benchmarks: string;
  json: string;
  /** The votes' sampling temperature (the `tiny` preset's when absent). */
  votingTemperature: number;
}

/** Reads an option's text as its value, or says why it cannot. */
type OptionParser<T> = (value: string, flag: string) => T;

const text: OptionParser<string> = (value) => value;
const integer: OptionParser<number> = (value, flag) => {
  if (!Number.isInteger(Number(value))) throw new Error(`${flag} must be an integer, got ${value}`);
  return Number(value);
};
const nonNegative: OptionParser<number> = (value, flag) => {
  if (!(Number(value) >= 0)) throw new Error(`${flag} must be a number >= 0, got ${value}`);
  return Number(value);
};

const OPTIONS: { [K in keyof Args]: OptionParser<Args[K]> } = {
  base: text,
  questions: integer,
  votes: integer,
  items: integer,
  seed: integer,
  benchmarks: text,
  json: text,
  votingTemperature: nonNegative,
};

function parseArgs(argv: string[]): Args {
  const a: Args = {
    base: 'arith-tiny',
    questions: DEFAULT_PROBE.questions,
    votes: DEFAULT_PROBE.votes,
    items: DEFAULT_PROBE.benchmarkItems,
    seed: DEFAULT_PROBE.seed,
    benchmarks: '',
    json: '',
    votingTemperature: NaN,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]!.replace(/^--/, '');
    const value = argv[i + 1];
    if (!Object.hasOwn(OPTIONS, key) || value === undefined)
      throw new Error(`unknown or incomplete ${argv[i]}`);
    const parse = OPTIONS[key as keyof Args] as OptionParser<string | number>;
    (a as unknown as Record<string, string | number>)[key] = parse(value, argv[i]!);
  }
  return a;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const builtin = BUILTIN_MODEL_DIRS[args.base];
  const dir = builtin ? join(projectRoot(), builtin) : resolve(args.base);
  await initBackend(parseBackendRequest(process.env.RZERO_BACKEND));
  const { model, tokenizer } = await loadModelDir(dir, { requireTokenizer: true });
  const names = (
    args.benchmarks
      ? args.benchmarks.split(',')
      : basename(dir) === 'arith-tiny'
        ? ARITH_BENCHMARK_NAMES
        : ARITH_SMALL_BENCHMARK_NAMES
  ) as ArithBenchmarkName[];
  const c = resolveConfig('tiny');
  const started = Date.now();
  const report = probeDomain({
    model,
    render: new PromptRenderer(tokenizer!, ARITH_DOMAIN.prompts),
    domain: ARITH_DOMAIN,
    benchmarks: arithBenchmarkSets(names),
    options: {
      ...DEFAULT_PROBE,
      questions: args.questions,
      votes: args.votes,
      seed: args.seed,
      benchmarkItems: args.items,
      generation: c.challenger.generation,
      voting: Number.isNaN(args.votingTemperature)
        ? c.solver.voting
        : { ...c.solver.voting, temperature: args.votingTemperature },
      filter: c.filter,
      maxNewTokens: c.evaluation.maxNewTokens,
    },
    onProgress: (stage, done, total) =>
      process.stderr.write(
        `probe: ${stage} ${done}/${total} (${Math.round((Date.now() - started) / 1000)} s)\n`,
      ),
  });
  model.dispose();
  const votes = Number.isNaN(args.votingTemperature)
    ? ''
    : `, votes at temperature ${args.votingTemperature}`;
  process.stdout.write(`# Domain probe: ${basename(dir)} (seed ${args.seed}${votes})\n\n`);
  process.stdout.write(probeMarkdown(report, args.votes));
  if (args.json) writeFileSync(args.json, JSON.stringify(report, null, 2) + '\n');
  if (!report.gate.passed) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
