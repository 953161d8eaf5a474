/**
 * Boxed-answer extraction and integer comparison for this domain only. A shared R-Zero version
 * lives elsewhere; this one stays private to src/tasks/arith (not exported from index.ts) so the
 * domain's metrics do not depend on it.
 */

const BOXED = '\\boxed{';

/** Content of the last `\boxed{...}` with balanced braces, or null (none, or never closed). */
export function lastBoxed(text: string): string | null {
  const start = text.lastIndexOf(BOXED);
  if (start < 0) return null;
  let depth = 1;
  for (let i = start + BOXED.length; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(start + BOXED.length, i);
  }
  return null;
}

const INTEGER = /^[+-]?\d+$/;

/** `text` as an integer ("+052" -> 52n, " -3 " -> -3n), or null when it is not one. */
export function parseInteger(text: string | null | undefined): bigint | null {
  if (typeof text !== 'string') return null;
  const t = text.trim();
  return INTEGER.test(t) ? BigInt(t) : null;
}

/** True when both are integers of equal value. */
export function sameInteger(a: string | null | undefined, b: string | null | undefined): boolean {
  const x = parseInteger(a);
  const y = parseInteger(b);
  return x !== null && y !== null && x === y;
}

/** True when the last boxed answer of `completion` equals `answer` as an integer. */
export function boxedMatches(completion: string, answer: string): boolean {
  return sameInteger(lastBoxed(completion), answer);
}
