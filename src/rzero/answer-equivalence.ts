/**
 * Answer equivalence: our stand-in for mathruler `grade_answer` (hiyouga/MathRuler grader.py, from
 * openai/prm800k), which the official reward server and evaluate.py use to merge Solver answers
 * in the majority vote (RZERO.md "Uncertainty"; golden README "Majority vote").
 *
 * `answersEquivalent(a, b)` is true when any of these holds:
 * 1. a === b.
 * 2. Hendrycks-MATH normalisation (math_normalize.py `normalize_answer`, ported exactly) gives equal
 *    strings: strip, unwrap one enclosing `\text{...}`, drop newlines, `\!`, `\left`/`\right`,
 *    `^{\circ}`/`^\circ`, `\$`, `\%`/`%`, units after `\text{ `; `\dfrac`/`\tfrac` -> `\frac`;
 *    `k = ` prefixes of <= 2 chars; `\sqrt2` -> `\sqrt{2}`; spaces; `\frac12` -> `\frac{1}{2}`;
 *    `0.5` -> `\frac{1}{2}`; `a/b` (canonical ints) -> `\frac{a}{b}`.
 * 3. grader.py `grade_answer` in either direction (ported; `_normalize` step by step) with two
 *    substitutions, see below: unwrap `\text{...}`, `$`, `%`, ` or `/` and ` -> `,`, million/
 *    billion/trillion, unit words (degree, cm, meter, mile, second, ..., yard, with es/s/^n),
 *    `^\circ`, one outer `{}`, `,\!`, integral floats -> int (`5.0` -> `5`, `1e3` -> `1000`),
 *    LaTeX -> text, `- ` -> `-`, mixed numbers `7 3/4` -> `7+3/4`, spaces and braces removed,
 *    lower case, thousands separators (`2,125` -> `2125`, `1{,}000` -> `1000`). Then tuples/
 *    intervals are compared element-wise: two plain fractions must be written identically (an
 *    unreduced `2/4` does NOT equal `1/2`, mathruler's rule); an integer never equals a non-integer
 *    form (`4/2` != `2`); otherwise the two elements must be numerically equal.
 * 4. Our canonical forms (`normalizeAnswer`) are equal; this adds to (3) the unwrapping of `\(...\)`
 *    / `\[...\]` and a trailing period (`5.` and `x.`), which mathruler does not strip.
 *
 * Substitutions for mathruler's dependencies (the known differences from the official grader):
 * - sympy `simplify(a - b) == 0` -> `numericEqual`: exact evaluation of + - * / ^ and parentheses
 *   over integers and decimals, with sympy's typing (integer arithmetic is exact; anything that
 *   touches a decimal is rounded to float64, as sympy Floats of 15 digits are). Symbolic answers
 *   (`x+1` vs `1+x`, `\sqrt{8}` vs `2\sqrt{2}`, `\pi/2` vs `90^\circ`) are NOT recognised as equal
 *   unless their normalised strings coincide.
 * - pylatexenc 2.10 `latex_to_text` -> `latexToText`: a small converter for the macros answers
 *   use (`\frac{a}{b}` -> `a/b`, `\sqrt{x}` -> `sqrt(x)`, `\text{x}` -> `x`, Greek letters,
 *   `\times`, `\cdot`, `\infty`, spacing macros; `\sin`, `\log`, `\max`, `\det`... keep their
 *   names and accents become combining marks, as in pylatexenc); unknown macros keep their name
 *   (pylatexenc drops it, which made `\foo x` equal `x`).
 * - Python `float()` does not accept non-ASCII digits here; mathruler's stopit time-outs do not
 *   exist (nothing here can hang).
 */
import { pyFloat, pyIntStr, pyLen, pyRound, pyStrip } from './py-compat';

// ---------------------------------------------------------------------------------------------
// math_normalize.py (Hendrycks MATH `normalize_answer`), exact port.

class NormalizeError extends Error {}

const TEXT_WRAP = /^\\text\{([^\n]+?)\}\n?$/;

/** math_normalize.py `normalize_answer`; its try/except returns the unwrapped answer on error. */
export function mathdNormalize(input: string): string {
  let answer = pyStrip(input);
  const m = TEXT_WRAP.exec(answer);
  if (m) answer = pyStrip(m[1]);
  try {
    return stripString(answer);
  } catch (e) {
    if (e instanceof NormalizeError) return answer;
    throw e;
  }
}

function stripString(input: string): string {
  let s = input.replaceAll('\n', '').replaceAll('\\!', '').replaceAll('\\\\', '\\');
  s = s.replaceAll('tfrac', 'frac').replaceAll('dfrac', 'frac');
  s = s.replaceAll('\\left', '').replaceAll('\\right', '');
  s = s.replaceAll('^{\\circ}', '').replaceAll('^\\circ', '').replaceAll('\\$', '');
  s = removeRightUnits(s);
  s = s.replaceAll('\\%', '').replaceAll('%', '');
  s = s.replaceAll(' .', ' 0.').replaceAll('{.', '{0.');
  if (s.length === 0) return s;
  if (s[0] === '.') s = '0' + s;
  const eq = s.split('=');
  if (eq.length === 2 && pyLen(eq[0]) <= 2) s = eq[1];
  s = fixSqrt(s).replaceAll(' ', '');
  s = fixFracs(s);
  if (s === '0.5') s = '\\frac{1}{2}';
  return fixASlashB(s);
}

function removeRightUnits(s: string): string {
  if (!s.includes('\\text{ ')) return s;
  const parts = s.split('\\text{ ');
  if (parts.length !== 2) throw new NormalizeError('assert len(splits) == 2');
  return parts[0];
}

function firstChar(s: string): string {
  if (s.length === 0) throw new NormalizeError('IndexError');
  return String.fromCodePoint(s.codePointAt(0) as number);
}

function fixSqrt(s: string): string {
  if (!s.includes('\\sqrt')) return s;
  const parts = s.split('\\sqrt');
  let out = parts[0];
  for (const part of parts.slice(1)) {
    const a = firstChar(part);
    out += a !== '{' ? `\\sqrt{${a}}${part.slice(a.length)}` : `\\sqrt${part}`;
  }
  return out;
}

function fixFracs(s: string): string {
  const parts = s.split('\\frac');
  let out = parts[0];
  for (const part of parts.slice(1)) {
    out += '\\frac';
    const cps = Array.from(part);
    if (firstChar(part) === '{') {
      out += part;
      continue;
    }
    if (cps.length < 2) return s;
    const [a, b] = cps;
    const rest = cps.slice(2).join('');
    out += b !== '{' ? `{${a}}{${b}}${rest}` : `{${a}}${b}${rest}`;
  }
  return out;
}

function fixASlashB(s: string): string {
  const parts = s.split('/');
  if (parts.length !== 2) return s;
  // Python int() then `assert string == f"{a}/{b}"`: only canonical integers survive.
  const canonical = /^-?(?:0|[1-9][0-9]*)$/;
  if (!parts.every((p) => canonical.test(p) && p !== '-0')) return s;
  return `\\frac{${parts[0]}}{${parts[1]}}`;
}

// ---------------------------------------------------------------------------------------------
// grader.py `_normalize` and `grade_answer`, ported (sympy and pylatexenc substituted).

const UNITS = [
  'degree',
  'cm',
  'centimeter',
  'meter',
  'mile',
  'second',
  'minute',
  'hour',
  'day',
  'week',
  'month',
  'year',
  'foot',
  'feet',
  'inch',
  'yard',
].map((unit) => new RegExp(`${unit}(es)?(s)? *(\\^[0-9]+)?`, 'g'));

/** grader.py `_normalize`. */
export function graderNormalize(input: string): string {
  let expr = input;
  const m = TEXT_WRAP.exec(expr);
  if (m) expr = m[1];
  expr = expr.replaceAll('\\%', '%').replaceAll('\\$', '$').replaceAll('$', '').replaceAll('%', '');
  expr = expr.replaceAll(' or ', ' , ').replaceAll(' and ', ' , ');
  expr = expr.replaceAll('million', '*10^6').replaceAll('billion', '*10^9');
  expr = expr.replaceAll('trillion', '*10^12');
  for (const unit of UNITS) expr = expr.replace(unit, '');
  expr = expr.replace(/\^ *\\circ/g, '');
  if (expr.length > 0 && expr[0] === '{' && expr[expr.length - 1] === '}') {
    expr = expr.slice(1, -1);
  }
  expr = expr.replace(/,\\! */g, '');
  const f = pyFloat(expr);
  if (f !== null && isNearInt(f)) expr = pyIntStr(pyRound(f));
  if (expr.includes('\\')) expr = parseLatex(expr);
  expr = expr.replace(/- */g, '-');
  expr = expr.replace(/([0-9]) +([0-9])/g, '$1+$2');
  expr = expr.replaceAll(' ', '').replaceAll('{', '').replaceAll('}', '').toLowerCase();
  if (strIsInt(expr)) expr = strToInt(expr);
  return expr;
}

function isNearInt(x: number): boolean {
  return Number.isFinite(x) && Math.abs(x - pyRound(x)) <= 1e-7;
}

function stripProperCommas(input: string): string {
  const re = /(\p{Nd})(,)(\p{Nd}{3})($|\P{Nd})/gu;
  let expr = input;
  for (;;) {
    const next = expr.replace(re, '$1$3$4');
    if (next === expr) return next;
    expr = next;
  }
}

function strIsInt(x: string): boolean {
  const f = pyFloat(stripProperCommas(x));
  return f !== null && isNearInt(f);
}

/** grader.py `_str_to_int`: removes every comma and truncates (`int(float(x))`). */
function strToInt(x: string): string {
  return pyIntStr(pyFloat(x.replaceAll(',', '')) as number);
}

function isFrac(expr: string): boolean {
  return /^-?[0-9]+[^\n]?\/0*[1-9][0-9]*[^\n]?\n?$/u.test(expr);
}

function splitTuple(input: string): string[] {
  const expr = stripProperCommas(input);
  if (expr.length === 0) return [];
  const chars = '()[]';
  const inner = expr.slice(1, -1);
  if (
    pyLen(expr) > 2 &&
    chars.includes(expr[0]) &&
    chars.includes(expr[expr.length - 1]) &&
    ![...chars].some((c) => inner.includes(c))
  ) {
    return inner.split(',').map(pyStrip);
  }
  return [expr];
}

/** grader.py `grade_answer(given, groundTruth)` (directional, like the original). */
export function gradeAnswer(given: string, groundTruth: string): boolean {
  if (mathdNormalize(groundTruth) === mathdNormalize(given)) return true;
  const gt = graderNormalize(groundTruth);
  const gv = graderNormalize(given);
  if (gt === gv) return true;
  if (gv.length === 0) return false;
  const gtElems = splitTuple(gt);
  const gvElems = splitTuple(gv);
  const [gtCps, gvCps] = [Array.from(gt), Array.from(gv)];
  const edgesDiffer = gtCps[0] !== gvCps[0] || gtCps[gtCps.length - 1] !== gvCps[gvCps.length - 1];
  if (gtElems.length > 1 && edgesDiffer) return false;
  if (gtElems.length !== gvElems.length) return false;
  return gtElems.every((g, i) => elementsEqual(g, gvElems[i]));
}

function elementsEqual(gt: string, given: string): boolean {
  if (isFrac(gt) && isFrac(given)) return gt === given;
  if (strIsInt(gt) !== strIsInt(given)) return false;
  return numericEqual(gt, given);
}

// ---------------------------------------------------------------------------------------------
// The public API.

/** Our canonical form of an answer: grader normalisation after unwrapping math delimiters and a trailing period. */
export function normalizeAnswer(s: string): string {
  let t = pyStrip(s);
  const wrapped = /^\\\(([\s\S]*)\\\)$|^\\\[([\s\S]*)\\\]$/.exec(t);
  if (wrapped) t = pyStrip(wrapped[1] ?? wrapped[2]);
  if (t.length > 1 && t.endsWith('.')) t = pyStrip(t.slice(0, -1));
  return graderNormalize(t);
}

/** True when two final answers are the same answer (rules in the file header). Symmetric. */
export function answersEquivalent(a: string, b: string): boolean {
  if (a === b) return true;
  if (gradeAnswer(a, b) || gradeAnswer(b, a)) return true;
  return normalizeAnswer(a) === normalizeAnswer(b);
}

// ---------------------------------------------------------------------------------------------
// pylatexenc stand-in.

const SYMBOLS: Record<string, string> = {
  pi: 'π',
  infty: '∞',
  cup: '∪',
  cap: '∩',
  times: '×',
  cdot: '⋅',
  div: '÷',
  pm: '±',
  circ: '∘',
  le: '≤',
  leq: '≤',
  ge: '≥',
  geq: '≥',
  neq: '≠',
  ne: '≠',
  alpha: 'α',
  beta: 'β',
  gamma: 'γ',
  delta: 'δ',
  theta: 'θ',
  lambda: 'λ',
  mu: 'μ',
  sigma: 'σ',
  phi: 'φ',
  omega: 'ω',
  '%': '%',
  $: '$',
  '{': '{',
  '}': '}',
  '&': '&',
  '#': '#',
  _: '_',
  ',': ' ',
  ';': ' ',
  ':': ' ',
  ' ': ' ',
  quad: ' ',
  qquad: ' ',
  '!': '',
  left: '',
  right: '',
};
/** Function names pylatexenc renders as their names (its latex2text default specs). */
const FUNCTION_NAMES = new Set(
  (
    'arccos arcsin arctan arg cos cosh cot coth csc deg det dim exp gcd hom inf ker lg lim liminf ' +
    'limsup ln log max min Pr sec sin sinh sup tan tanh'
  ).split(' '),
);
/** Accent macros: pylatexenc appends a combining mark to the argument. */
const ACCENTS: Record<string, string> = {
  hat: '\u0302',
  widehat: '\u0302',
  bar: '\u0304',
  overline: '\u0305',
  tilde: '\u0303',
  widetilde: '\u0303',
  vec: '\u20d7',
  dot: '\u0307',
  ddot: '\u0308',
  acute: '\u0301',
  grave: '\u0300',
  breve: '\u0306',
  check: '\u030c',
};
const ONE_ARG = new Set([
  'text',
  'textbf',
  'textit',
  'textrm',
  'mathrm',
  'mathbf',
  'mathit',
  'mbox',
  'operatorname',
  'boxed',
]);

/** grader.py `_parse_latex` with the converter below in place of pylatexenc. */
function parseLatex(input: string): string {
  let expr = input.replaceAll('\\tfrac', '\\frac').replaceAll('\\dfrac', '\\frac');
  expr = expr.replaceAll('\\frac', ' \\frac');
  expr = latexToText(expr);
  for (const [from, to] of [
    ['√', 'sqrt'],
    ['π', 'pi'],
    ['∞', 'inf'],
    ['∪', 'U'],
    ['·', '*'],
    ['×', '*'],
  ]) {
    expr = expr.replaceAll(from, to);
  }
  return pyStrip(expr);
}

/** A small LaTeX -> plain text converter modelled on pylatexenc 2.10's default specs. */
export function latexToText(src: string): string {
  return new LatexReader(src).readUntil(null);
}

class LatexReader {
  private pos = 0;
  constructor(private readonly src: string) {}

  readUntil(close: string | null): string {
    let out = '';
    while (this.pos < this.src.length) {
      const ch = this.src[this.pos];
      if (ch === close) {
        this.pos++;
        return out;
      }
      this.pos++;
      if (ch === '{') out += this.readUntil('}');
      else if (ch === '\\') out += this.macro();
      else if (ch !== '$') out += ch;
    }
    return out;
  }

  private macro(): string {
    const m = /^(?:[A-Za-z]+|[^A-Za-z])/.exec(this.src.slice(this.pos));
    if (!m) return '';
    const name = m[0];
    this.pos += name.length;
    if (name === 'frac') return `${this.arg()}/${this.arg()}`;
    if (name === 'sqrt') {
      this.optionalArg();
      return `√(${this.arg()})`;
    }
    if (ONE_ARG.has(name)) return this.arg();
    if (FUNCTION_NAMES.has(name)) return name;
    // Own properties only: a macro named \constructor must not read Object.prototype's.
    if (Object.hasOwn(ACCENTS, name)) return this.arg() + ACCENTS[name]!;
    if (Object.hasOwn(SYMBOLS, name)) return SYMBOLS[name]!;
    // Unknown macros keep their name, so that different macros never read as equal.
    return /^[A-Za-z]+$/.test(name) ? `\\${name}` : '';
  }

  private skipSpaces(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos])) this.pos++;
  }

  private optionalArg(): void {
    this.skipSpaces();
    if (this.src[this.pos] !== '[') return;
    const end = this.src.indexOf(']', this.pos);
    this.pos = end === -1 ? this.src.length : end + 1;
  }

  private arg(): string {
    this.skipSpaces();
    if (this.pos >= this.src.length) return '';
    const ch = this.src[this.pos++];
    if (ch === '{') return this.readUntil('}');
    if (ch === '\\') return this.macro();
    return ch;
  }
}

// ---------------------------------------------------------------------------------------------
// sympy stand-in: exact arithmetic with sympy's Integer/Rational vs Float typing.

type Num = { kind: 'rational'; n: bigint; d: bigint } | { kind: 'float'; v: number };

/**
 * `simplify((a) - (b)) == 0` for purely numeric expressions (+ - * / ^, parentheses, integers,
 * decimals, e-notation). False when either side is not such an expression, as well as when
 * mathruler's `should_allow_eval` would refuse it (`^{`, `^(`, multi-digit exponents).
 */
export function numericEqual(a: string, b: string): boolean {
  const expr = `(${a})-(${b})`;
  if (expr.includes('^{') || expr.includes('^(') || /\^[0-9]+\^|\^[0-9][0-9]+/.test(expr)) {
    return false;
  }
  const x = evaluate(a);
  const y = evaluate(b);
  if (x === null || y === null) return false;
  const diff = binary('-', x, y);
  return diff !== null && (diff.kind === 'rational' ? diff.n === 0n : diff.v === 0);
}

function evaluate(src: string): Num | null {
  const exp = '(?:[eE][+-]?[0-9]+)?';
  const re = new RegExp(
    `[0-9]+\\.[0-9]*${exp}|\\.[0-9]+${exp}|[0-9]+${exp}|\\*\\*|[-+*/^()]|\\S`,
    'g',
  );
  const tokens = src.match(re);
  if (!tokens) return null;
  const parser = new ExprParser(tokens.map((t) => (t === '**' ? '^' : t)));
  try {
    const v = parser.expr();
    return parser.done() ? v : null;
  } catch {
    return null;
  }
}

class ExprParser {
  private i = 0;
  constructor(private readonly t: string[]) {}

  done(): boolean {
    return this.i === this.t.length;
  }

  expr(): Num {
    let v = this.term();
    while (this.t[this.i] === '+' || this.t[this.i] === '-')
      v = need(binary(this.t[this.i++], v, this.term()));
    return v;
  }

  private term(): Num {
    let v = this.unary();
    while (this.t[this.i] === '*' || this.t[this.i] === '/')
      v = need(binary(this.t[this.i++], v, this.unary()));
    return v;
  }

  private unary(): Num {
    const op = this.t[this.i];
    if (op === '-' || op === '+') {
      this.i++;
      const v = this.unary();
      return op === '-' ? need(binary('-', { kind: 'rational', n: 0n, d: 1n }, v)) : v;
    }
    const base = this.atom();
    if (this.t[this.i] !== '^') return base;
    this.i++;
    return need(power(base, this.unary()));
  }

  private atom(): Num {
    const tok = this.t[this.i++];
    if (tok === '(') {
      const v = this.expr();
      if (this.t[this.i++] !== ')') throw new Error('unbalanced');
      return v;
    }
    if (tok === undefined || !/^[0-9.]/.test(tok)) throw new Error('not a number');
    return parseNumber(tok);
  }
}

function need(v: Num | null): Num {
  if (v === null) throw new Error('undefined');
  return v;
}

function parseNumber(tok: string): Num {
  if (/^[0-9]+$/.test(tok)) return { kind: 'rational', n: BigInt(tok), d: 1n };
  const v = Number(tok);
  if (!Number.isFinite(v)) throw new Error('bad number');
  return { kind: 'float', v };
}

function gcd(a: bigint, b: bigint): bigint {
  let [x, y] = [a < 0n ? -a : a, b < 0n ? -b : b];
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

function rational(n: bigint, d: bigint): Num | null {
  if (d === 0n) return null;
  const g = gcd(n, d) || 1n;
  const s = d < 0n ? -1n : 1n;
  return { kind: 'rational', n: (s * n) / g, d: (s * d) / g };
}

function toFloat(x: Num): number {
  return x.kind === 'float' ? x.v : Number(x.n) / Number(x.d);
}

function binary(op: string, x: Num, y: Num): Num | null {
  if (x.kind === 'rational' && y.kind === 'rational') {
    if (op === '+') return rational(x.n * y.d + y.n * x.d, x.d * y.d);
    if (op === '-') return rational(x.n * y.d - y.n * x.d, x.d * y.d);
    if (op === '*') return rational(x.n * y.n, x.d * y.d);
    return rational(x.n * y.d, x.d * y.n);
  }
  const [a, b] = [toFloat(x), toFloat(y)];
  const v = op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : b === 0 ? NaN : a / b;
  return Number.isFinite(v) ? { kind: 'float', v } : null;
}

function power(base: Num, exp: Num): Num | null {
  if (exp.kind === 'rational' && exp.d === 1n && base.kind === 'rational') {
    const e = exp.n < 0n ? -exp.n : exp.n;
    if (e > 64n) return null;
    const [n, d] = [base.n ** e, base.d ** e];
    return exp.n < 0n ? rational(d, n) : rational(n, d);
  }
  if (base.kind === 'rational' && exp.kind === 'rational') return null; // irrational root: symbolic
  const v = Math.pow(toFloat(base), toFloat(exp));
  return Number.isFinite(v) ? { kind: 'float', v } : null;
}
