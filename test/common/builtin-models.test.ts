/**
 * The table of the built-in models' default benchmarks: one entry per shipped model, each the
 * domain's own constant (so a change to arith-small's benchmarks needs no edit here or in the
 * service), and the built-in benchmarks their union.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ARITH_DOMAIN_BENCHMARKS,
  BUILTIN_MODEL_BENCHMARKS,
  builtinBenchmarkNames,
  defaultBenchmarkNames,
} from '../../src/common/builtin-models';
import { BUILTIN_MODEL_DIRS } from '../../src/common/paths';
import {
  ALL_ARITH_BENCHMARK_NAMES,
  ARITH_BENCHMARK_NAMES,
  ARITH_SMALL_BENCHMARK_NAMES,
} from '../../src/tasks/arith';

describe('built-in models: default benchmarks', () => {
  test('one list per shipped model, the arith constants themselves', () => {
    assert.deepEqual(Object.keys(BUILTIN_MODEL_BENCHMARKS), Object.keys(BUILTIN_MODEL_DIRS));
    assert.equal(defaultBenchmarkNames('arith-tiny'), ARITH_BENCHMARK_NAMES);
    assert.equal(defaultBenchmarkNames('arith-small'), ARITH_SMALL_BENCHMARK_NAMES);
  });

  test("a model that is not built in gets the arith domain's defaults, arith-tiny's", () => {
    assert.equal(ARITH_DOMAIN_BENCHMARKS, ARITH_BENCHMARK_NAMES);
    for (const name of [null, 'my-model', 'constructor', '__proto__', 'toString'])
      assert.equal(defaultBenchmarkNames(name), ARITH_BENCHMARK_NAMES, String(name));
  });

  test('the built-in benchmarks: every model list, each name once, in table order', () => {
    const names = builtinBenchmarkNames();
    assert.deepEqual(names, [
      ...new Set([...ARITH_BENCHMARK_NAMES, ...ARITH_SMALL_BENCHMARK_NAMES]),
    ]);
    // Every one is a defined benchmark (arith-wide is defined but no model's any more).
    for (const n of names) assert.ok(ALL_ARITH_BENCHMARK_NAMES.includes(n), n);
  });
});
