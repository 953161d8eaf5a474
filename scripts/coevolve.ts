/**
 * Runs R-Zero co-evolution from the command line and writes a JSON and a markdown report.
 *
 *   npm run coevolve -- [--base arith-tiny | arith-small | <hf model dir>] [--preset tiny|paper]
 *       [--config overrides.json] [--set challenger.steps=4 ...] [--domain arith|math]
 *       [--benchmarks arith-easy,arith-medium,arith-hard | arith-in,arith-frontier,... | file.jsonl,...
 *                     | none]
 *       [--work runs/<name>] [--report reports/<name>]
 *
 * A built-in base model runs in the arith domain on its own benchmarks by default
 * (src/common/builtin-models.ts). The work directory holds the checkpoints of every iteration;
 * running the same command again resumes after the last completed iteration. A benchmark file is
 * JSONL with {"question", "answer"} lines, or GSM8K lines whose answer ends in "#### <answer>".
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { defaultBenchmarkNames } from '../src/common/builtin-models';
import { BUILTIN_MODEL_DIRS, projectRoot } from '../src/common/paths';
import { initBackend, parseBackendRequest } from '../src/engine';
import {
  applyOverrides,
  coevolve,
  parseBenchmarkJsonl,
  resolveConfig,
  OPEN_MATH_DOMAIN,
} from '../src/rzero';
import type { BenchmarkSet, Domain, PresetName, RZeroConfig } from '../src/rzero';
import { ALL_ARITH_BENCHMARK_NAMES, ARITH_DOMAIN, arithBenchmarkSets } from '../src/tasks/arith';
import type { ArithBenchmarkName } from '../src/tasks/arith';
import { progressPrinter, runMarkdown } from './run-report';

export const BUILTIN_MODELS: Record<string, string> = Object.fromEntries(
  Object.entries(BUILTIN_MODEL_DIRS).map(([name, rel]) => [name, join(projectRoot(), rel)]),
);

interface Args {
  base: string;
  preset: PresetName;
  config?: string;
  set: string[];
  domain?: string;
  benchmarks?: string;
  work?: string;
  report?: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { base: 'arith-tiny', preset: 'tiny', set: [] };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i]!;
    const value = argv[++i];
    if (!key.startsWith('--') || value === undefined)
      throw new Error(`expected --name value, got ${key}`);
    const name = key.slice(2);
    if (name === 'set') a.set.push(value);
    else if (
      ['base', 'preset', 'config', 'domain', 'benchmarks', 'work', 'report'].includes(name)
    ) {
      (a as unknown as Record<string, string>)[name] = value;
    } else throw new Error(`unknown option ${key}`);
  }
  return a;
}

/** "a.b.c=value" -> {a: {b: {c: value}}}, the value parsed as JSON when it parses. */
function setOverride(target: Record<string, unknown>, assignment: string): void {
  const eq = assignment.indexOf('=');
  if (eq < 1) throw new Error(`--set expects path=value, got ${assignment}`);
  const path = assignment.slice(0, eq).split('.');
  const raw = assignment.slice(eq + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // a bare string
  }
  let node = target;
  for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[path.at(-1)!] = value;
}

export function buildConfig(args: Pick<Args, 'preset' | 'config' | 'set'>): RZeroConfig {
  let config = resolveConfig(args.preset);
  if (args.config) config = applyOverrides(config, JSON.parse(readFileSync(args.config, 'utf8')));
  const sets: Record<string, unknown> = {};
  for (const s of args.set) setOverride(sets, s);
  return applyOverrides(config, sets);
}

/** A JSONL benchmark file (see parseBenchmarkJsonl); every bad line is reported. */
export function readBenchmarkFile(file: string): BenchmarkSet {
  const { items, errors } = parseBenchmarkJsonl(readFileSync(file, 'utf8'));
  if (errors.length > 0) {
    throw new Error(errors.map((e) => `${file}:${e.line}: ${e.reason}`).join('\n'));
  }
  return { name: basename(file).replace(/\.jsonl$/, ''), items };
}

/**
 * The benchmark sets named by --benchmarks: built-in arith names, JSONL files, or none; without
 * it, `defaults` in the arith domain (arith-tiny's unless given) and none elsewhere.
 */
export function benchmarksOf(
  spec: string | undefined,
  domain: Domain,
  defaults?: readonly ArithBenchmarkName[],
): BenchmarkSet[] {
  if (spec === undefined) return domain.name === 'arith' ? arithBenchmarkSets(defaults) : [];
  if (spec === 'none') return [];
  return spec
    .split(',')
    .map((s) =>
      (ALL_ARITH_BENCHMARK_NAMES as readonly string[]).includes(s)
        ? arithBenchmarkSets([s as ArithBenchmarkName])[0]!
        : readBenchmarkFile(s),
    );
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = buildConfig(args);
  const builtin = Object.hasOwn(BUILTIN_MODELS, args.base) ? args.base : null;
  const baseDir = builtin !== null ? BUILTIN_MODELS[builtin]! : resolve(args.base);
  const domain =
    (args.domain ?? (builtin !== null ? 'arith' : 'math')) === 'arith'
      ? ARITH_DOMAIN
      : OPEN_MATH_DOMAIN;
  const benchmarks = benchmarksOf(args.benchmarks, domain, defaultBenchmarkNames(builtin));
  const name = `${basename(baseDir)}-${args.preset}-seed${config.seed}`;
  const workDir = resolve(args.work ?? join('runs', name));
  const report = resolve(args.report ?? join(workDir, 'report'));
  const info = await initBackend(parseBackendRequest(process.env.RZERO_BACKEND));
  process.stderr.write(
    `backend ${info.backend} (${info.device}); base ${baseDir}; work ${workDir}\n`,
  );

  const controller = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write(
      '\nSIGINT: stopping after the current step (finished iterations are kept)\n',
    );
    controller.abort(new Error('SIGINT'));
  });
  const t0 = Date.now();
  const printer = progressPrinter();
  // Training-step metrics of this invocation, appended to the work directory (plots, reports).
  const stepLog = join(workDir, 'steps.jsonl');
  mkdirSync(workDir, { recursive: true });
  const result = await coevolve({ dir: baseDir }, config, {
    workDir,
    domain,
    benchmarks,
    signal: controller.signal,
    hooks: {
      onEvent: (e) => {
        printer(e);
        if (e.type === 'challenger.step' || e.type === 'solver.step')
          appendFileSync(stepLog, JSON.stringify(e) + '\n');
      },
    },
  });
  mkdirSync(dirname(report), { recursive: true });
  writeFileSync(
    `${report}.json`,
    JSON.stringify(
      {
        base: baseDir,
        domain: domain.name,
        backend: info,
        config,
        wallSeconds: (Date.now() - t0) / 1000,
        ...result,
      },
      null,
      2,
    ) + '\n',
  );
  const notes = [
    `Base model \`${baseDir}\`, preset \`${args.preset}\`, seed ${config.seed}, backend ${info.backend}; ` +
      `${result.iterations.length} iteration(s), this invocation ran from iteration ${result.startIteration}.`,
  ];
  writeFileSync(`${report}.md`, runMarkdown(`R-Zero run ${name}`, result, notes));
  process.stderr.write(`wrote ${report}.json and ${report}.md\n`);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
