/** Shared helpers of the rzero golden tests: loading shared/golden and tolerance checks. */
import assert from 'node:assert/strict';
import { readShared } from '../helpers/shared';

export function golden<T>(file: string): T {
  return readShared<T>('golden', file);
}

/** |actual - expected| <= tol element-wise (-0 and 0 compare equal). */
export function assertClose(actual: number, expected: number, tol: number, what = ''): void {
  const diff = Math.abs(actual - expected);
  assert.ok(diff <= tol, `${what}: got ${actual}, expected ${expected} (|diff| ${diff} > ${tol})`);
}

export function assertAllClose(
  actual: readonly (number | readonly number[])[],
  expected: readonly (number | readonly number[])[],
  tol: number,
  what = '',
): void {
  const a = actual.flat();
  const e = expected.flat();
  assert.equal(a.length, e.length, `${what}: length`);
  a.forEach((x, i) => assertClose(x, e[i], tol, `${what}[${i}]`));
}
