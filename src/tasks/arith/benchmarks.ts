/**
 * The built-in benchmarks (settings and rationale in distributions.ts). Items are generated from
 * fixed seeds with no duplicates inside a benchmark; tests pin them.
 */
import { generateProblems } from './generator';
import {
  ARITH_BENCHMARK_NAMES,
  ARITH_BENCHMARK_SPECS,
  ArithBenchmarkName,
  ArithBenchmarkSpec,
} from './distributions';

export { greedyAccuracy, meanAtK, oracleStats } from './metrics';

/**
 * Every benchmark defined, arith-wide included (arith-small's stage 1 corpus keeps its items out,
 * though it is not one of arith-small's benchmarks any more).
 */
export const ALL_ARITH_BENCHMARK_NAMES: readonly ArithBenchmarkName[] = Object.freeze(
  Object.keys(ARITH_BENCHMARK_SPECS) as ArithBenchmarkName[],
);

export interface BenchmarkItem {
  /** "<benchmark>-<index, 4 digits>", e.g. "arith-easy-0007". */
  readonly id: string;
  readonly question: string;
  /** Exact answer, canonical decimal. */
  readonly answer: string;
}

const cache = new Map<ArithBenchmarkName, readonly BenchmarkItem[]>();

/** Generates a benchmark from its spec (uncached; arithBenchmark caches). */
export function buildBenchmark(spec: ArithBenchmarkSpec): readonly BenchmarkItem[] {
  const problems = generateProblems(spec.seed, spec.knobs, spec.count, { unique: true });
  return Object.freeze(
    problems.map((p, i) =>
      Object.freeze({
        id: `${spec.name}-${String(i).padStart(4, '0')}`,
        question: p.question,
        answer: p.answer,
      }),
    ),
  );
}

/** The items of a built-in benchmark (frozen, generated once per process). */
export function arithBenchmark(name: ArithBenchmarkName): readonly BenchmarkItem[] {
  const spec = ARITH_BENCHMARK_SPECS[name];
  if (spec === undefined) throw new RangeError(`unknown arith benchmark ${JSON.stringify(name)}`);
  let items = cache.get(name);
  if (items === undefined) {
    items = buildBenchmark(spec);
    cache.set(name, items);
  }
  return items;
}

/**
 * Every question of the given benchmarks (default: arith-tiny's), to keep them out of a
 * pretraining corpus.
 */
export function allBenchmarkQuestions(
  names: readonly ArithBenchmarkName[] = ARITH_BENCHMARK_NAMES,
): ReadonlySet<string> {
  const set = new Set<string>();
  for (const name of names) {
    for (const item of arithBenchmark(name)) set.add(item.question);
  }
  return set;
}
