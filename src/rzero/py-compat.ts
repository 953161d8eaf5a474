/**
 * Python semantics the official R-Zero code relies on and JavaScript does not share.
 *
 * - `str.split()` / `str.strip()` use the code points for which `str.isspace()` is true (29 of
 *   them, listed in shared/golden/bleu.json). JavaScript's `\s` / `trim()` differ: they miss
 *   U+001C..U+001F and U+0085 and include U+FEFF.
 * - `s[-1]` and `s[:-1]` index code points, JavaScript indexes UTF-16 code units.
 * - `math.fsum` is an exactly rounded sum (nltk's BLEU uses it).
 */

/** The characters of Python's `str.isspace()`, as a regex character-class body. */
export const PY_WHITESPACE_CLASS =
  '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

const WS_RUN = new RegExp(`[${PY_WHITESPACE_CLASS}]+`, 'u');
const WS_EDGES = new RegExp(`^[${PY_WHITESPACE_CLASS}]+|[${PY_WHITESPACE_CLASS}]+$`, 'gu');
const WS_ONE = new RegExp(`^[${PY_WHITESPACE_CLASS}]$`, 'u');

/** `ch.isspace()` for one character. */
export function pyIsSpace(ch: string): boolean {
  return WS_ONE.test(ch);
}

/** Python `s.split()` with no argument: runs of whitespace separate, no empty tokens. */
export function pySplit(s: string): string[] {
  return s.split(WS_RUN).filter((t) => t.length > 0);
}

/** Python `s.strip()` with no argument. */
export function pyStrip(s: string): string {
  return s.replace(WS_EDGES, '');
}

/** Python `s[-1]` (the last code point), '' for an empty string (where Python would raise). */
export function pyLastChar(s: string): string {
  const cps = Array.from(s);
  return cps.length === 0 ? '' : cps[cps.length - 1];
}

/** Python `len(s)`: code points, not UTF-16 units. */
export function pyLen(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Python `s[:-1]` on code points. */
export function pyDropLastChar(s: string): string {
  const cps = Array.from(s);
  return cps.slice(0, -1).join('');
}

/**
 * Python `math.fsum`: Shewchuk's exact partials, then the correctly rounded total (a port of
 * CPython's Modules/mathmodule.c `math_fsum`, finite inputs only).
 */
export function fsum(values: Iterable<number>): number {
  const partials: number[] = [];
  let special = 0;
  for (let x of values) {
    if (!Number.isFinite(x)) {
      special += x;
      continue;
    }
    let i = 0;
    for (let y of partials) {
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) partials[i++] = lo;
      x = hi;
    }
    partials.length = i;
    partials.push(x);
  }
  if (special !== 0 || Number.isNaN(special)) return special;
  return roundPartials(partials);
}

function roundPartials(partials: number[]): number {
  let n = partials.length;
  if (n === 0) return 0;
  let hi = partials[--n];
  let lo = 0;
  while (n > 0) {
    const x = hi;
    const y = partials[--n];
    hi = x + y;
    lo = y - (hi - x);
    if (lo !== 0) break;
  }
  // Half-way case: make the rounding of hi + lo correct (CPython's comment "Make half-even
  // rounding work across multiple partials").
  if (n > 0 && ((lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0))) {
    const y = lo * 2;
    const x = hi + y;
    if (y === x - hi) hi = x;
  }
  return hi;
}

/**
 * Python `float(s)` parsing rules (decimal literals with optional underscores between digits,
 * surrounding whitespace, `inf`/`infinity`/`nan` in any case). Returns null where Python raises
 * ValueError. Unicode (non-ASCII) decimal digits, which Python also accepts, are not handled.
 */
export function pyFloat(s: string): number | null {
  const t = pyStrip(s);
  const digits = '[0-9](?:_?[0-9])*';
  const num = `(?:(?:${digits})?\\.${digits}|${digits}\\.?)(?:[eE][+-]?${digits})?`;
  const m = new RegExp(`^([+-]?)(?:(${num})|(inf|infinity)|(nan))$`, 'i').exec(t);
  if (!m) return null;
  const sign = m[1] === '-' ? -1 : 1;
  if (m[3] !== undefined) return sign * Infinity;
  if (m[4] !== undefined) return NaN;
  return sign * Number(m[2].replace(/_/g, ''));
}

/** Python `round(x)` for a finite float: round half to even. */
export function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Python `str(int(x))` for a finite float x (exact, also beyond 2^53). */
export function pyIntStr(x: number): string {
  return BigInt(Math.trunc(x)).toString();
}
