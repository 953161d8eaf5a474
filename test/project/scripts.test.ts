/**
 * The pure parts of the CLI scripts that a long run depends on: a mistake here shows only after
 * an hour of training (the replication on arith-small once named benchmarks coevolve refused).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OPEN_MATH_DOMAIN } from '../../src/rzero';
import { ALL_ARITH_BENCHMARK_NAMES, ARITH_DOMAIN } from '../../src/tasks/arith';
import { benchmarksOf } from '../../scripts/coevolve';
import { points } from '../../scripts/size-solver';

describe('scripts', () => {
  test('coevolve --benchmarks: every built-in arith benchmark, none, and the domain default', () => {
    const sets = benchmarksOf(ALL_ARITH_BENCHMARK_NAMES.join(','), ARITH_DOMAIN);
    assert.deepEqual(
      sets.map((b) => b.name),
      [...ALL_ARITH_BENCHMARK_NAMES],
    );
    for (const b of sets) assert.equal(b.items.length, 500);
    assert.deepEqual(benchmarksOf('none', ARITH_DOMAIN), []);
    assert.deepEqual(
      benchmarksOf(undefined, ARITH_DOMAIN).map((b) => b.name),
      ['arith-easy', 'arith-medium', 'arith-hard'],
    );
    assert.deepEqual(benchmarksOf(undefined, OPEN_MATH_DOMAIN), []);
    assert.throws(() => benchmarksOf('arith-nope', ARITH_DOMAIN), /ENOENT/);
  });

  test('size:solver: the grid is the product of its lists, in order', () => {
    assert.deepEqual(
      points([
        ['solver.lr', ['1e-5', '1e-4']],
        ['solver.steps', ['6', '12']],
      ]),
      [
        ['solver.lr=1e-5', 'solver.steps=6'],
        ['solver.lr=1e-5', 'solver.steps=12'],
        ['solver.lr=1e-4', 'solver.steps=6'],
        ['solver.lr=1e-4', 'solver.steps=12'],
      ],
    );
    assert.deepEqual(points([]), [[]]);
  });
});
