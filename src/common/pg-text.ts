/**
 * Postgres refuses U+0000 in text and jsonb. Model-generated text (a Challenger's question, a
 * Solver's answer) can hold it, so what a run persists goes through pgSafe first: every NUL in a
 * string or key becomes U+FFFD, and a value without one is returned as it is (no copy).
 */
const NUL = '\u0000';

function hasNul(v: unknown, depth: number): boolean {
  if (typeof v === 'string') return v.includes(NUL);
  if (typeof v !== 'object' || v === null || depth > 64) return false;
  if (Array.isArray(v)) return v.some((x) => hasNul(x, depth + 1));
  return Object.entries(v).some(([k, x]) => k.includes(NUL) || hasNul(x, depth + 1));
}

function replace(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return v.replaceAll(NUL, '\uFFFD');
  if (typeof v !== 'object' || v === null || depth > 64) return v;
  if (Array.isArray(v)) return v.map((x) => replace(x, depth + 1));
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [k.replaceAll(NUL, '\uFFFD'), replace(x, depth + 1)]),
  );
}

export function pgSafe<T>(value: T): T {
  return hasNul(value, 0) ? (replace(value, 0) as T) : value;
}
