/**
 * The benchmarks each built-in model is scored on when a run names none. The lists are the arith
 * domain's own constants, referenced and never copied, so a change to a model's benchmarks in
 * src/tasks/arith reaches the service (what boot registers, what a run defaults to) unedited.
 */
import { OPEN_MATH_DOMAIN } from '../rzero/domain';
import type { Domain } from '../rzero/domain';
import { ARITH_BENCHMARK_NAMES, ARITH_DOMAIN, ARITH_SMALL_BENCHMARK_NAMES } from '../tasks/arith';
import type { ArithBenchmarkName } from '../tasks/arith';

/**
 * The domain a run's `domain` name stands for: the built-in arith domain (oracle, grammar), else
 * open math. The engine thread runs it and the API checks a config against it, so the two agree.
 */
export function runDomain(name: string): Readonly<Domain> {
  return name === 'arith' ? ARITH_DOMAIN : OPEN_MATH_DOMAIN;
}

/** Keyed like BUILTIN_MODEL_DIRS (paths.ts); each list in the order a run scores it. */
export const BUILTIN_MODEL_BENCHMARKS: Readonly<Record<string, readonly ArithBenchmarkName[]>> =
  Object.freeze({
    'arith-tiny': ARITH_BENCHMARK_NAMES,
    'arith-small': ARITH_SMALL_BENCHMARK_NAMES,
  });

/**
 * The arith domain's defaults, for a base model that is not built in and does not descend from
 * one (an upload): arith-tiny's, as before arith-small shipped.
 */
export const ARITH_DOMAIN_BENCHMARKS: readonly ArithBenchmarkName[] = ARITH_BENCHMARK_NAMES;

/** Every built-in model's benchmarks, each once, in table order: the built-in benchmarks. */
export function builtinBenchmarkNames(): ArithBenchmarkName[] {
  return [...new Set(Object.values(BUILTIN_MODEL_BENCHMARKS).flat())];
}

/**
 * The default benchmark names of a run whose base model is, or descends from, the built-in model
 * `builtin` (null: neither), in the order the run scores them.
 */
export function defaultBenchmarkNames(builtin: string | null): readonly ArithBenchmarkName[] {
  // hasOwn: a name such as "constructor" is not a built-in model.
  if (builtin !== null && Object.hasOwn(BUILTIN_MODEL_BENCHMARKS, builtin))
    return BUILTIN_MODEL_BENCHMARKS[builtin]!;
  return ARITH_DOMAIN_BENCHMARKS;
}
