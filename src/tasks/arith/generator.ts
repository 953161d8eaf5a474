/**
 * Seeded generator of arithmetic questions.
 *
 * Canonical question format: the bare expression followed by "=?", ASCII, no spaces, no words:
 *   "(12+7)*3-5=?"
 * It is the shortest unambiguous question for a character-level model (every character is one
 * token), and it reads like the "a+b=c" lines of the worked solution. Operands are non-negative
 * decimal integers without leading zeros; results and intermediate values may be negative.
 *
 * How a question is drawn (knobs in ArithKnobs):
 * 1. operand count n uniform in [minOperands, maxOperands]; for each operand a digit count uniform
 *    in [minDigits, maxDigits], then a value uniform among numbers of exactly that many digits
 *    (1 digit: 0-9, 2: 10-99, 3: 100-999);
 * 2. each of the n-1 operators uniform in `operators`;
 * 3. up to n-2 parenthesis pairs: while a coin with probability `parenProb` comes up, wrap a random
 *    span of 2..n-1 consecutive operands that nests properly with the pairs already placed and
 *    keeps the nesting depth <= maxDepth (the whole expression is never wrapped);
 * 4. magnitude bound: the draw is rejected and redrawn unless every subexpression's |value|
 *    (each step of the worked solution and the answer) is <= maxAbs. maxAbs is at most
 *    MAX_ABS_CAP = 999999, so every number the solution writes has at most 6 digits.
 */
import { ArithRng } from './prng';
import { ARITH_OPS, ArithOp, DOMAIN_LIMITS, parseQuestion } from './oracle';

export interface ArithKnobs {
  readonly minOperands: number;
  readonly maxOperands: number;
  readonly minDigits: number;
  readonly maxDigits: number;
  readonly operators: readonly ArithOp[];
  /** Chance of adding each further parenthesis pair (0 = never). */
  readonly parenProb: number;
  /** Deepest parenthesis nesting allowed (0 = no parentheses). */
  readonly maxDepth: number;
  /** Bound on |value| of every subexpression, the answer included. */
  readonly maxAbs: number;
}

export interface ArithProblem {
  question: string;
  /** Exact answer, canonical decimal ("-12"). */
  answer: string;
}

export const MAX_ABS_CAP = 999_999;

/** Draws per problem before giving up: knobs whose bound rejects nearly everything are a bug. */
const MAX_TRIES = 10_000;

/** Consecutive duplicate/excluded draws before problemStream gives up. */
const MAX_SKIPS = 100_000;

interface Span {
  readonly from: number;
  readonly to: number;
}

/** Throws a RangeError naming the first knob outside the domain. */
export function validateKnobs(k: ArithKnobs): void {
  const lim = DOMAIN_LIMITS;
  const bad = (msg: string): never => {
    throw new RangeError(`arith knobs: ${msg}`);
  };
  const intIn = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;
  if (!intIn(k.minOperands, 2, lim.maxOperands)) bad(`minOperands ${k.minOperands}`);
  if (!intIn(k.maxOperands, k.minOperands, lim.maxOperands)) bad(`maxOperands ${k.maxOperands}`);
  if (!intIn(k.minDigits, 1, lim.maxDigits)) bad(`minDigits ${k.minDigits}`);
  if (!intIn(k.maxDigits, k.minDigits, lim.maxDigits)) bad(`maxDigits ${k.maxDigits}`);
  if (k.operators.length === 0 || new Set(k.operators).size !== k.operators.length) {
    bad('operators must be a non-empty set');
  }
  if (!k.operators.every((op) => ARITH_OPS.includes(op))) bad(`operators ${k.operators.join('')}`);
  if (!(k.parenProb >= 0 && k.parenProb <= 1)) bad(`parenProb ${k.parenProb}`);
  if (!intIn(k.maxDepth, 0, lim.maxDepth)) bad(`maxDepth ${k.maxDepth}`);
  // Every operand must fit under the bound, or whole digit classes could never be drawn.
  if (!intIn(k.maxAbs, 10 ** k.maxDigits - 1, MAX_ABS_CAP)) bad(`maxAbs ${k.maxAbs}`);
}

/** One problem drawn from `knobs` (see the file comment). */
export function generateProblem(rng: ArithRng, knobs: ArithKnobs): ArithProblem {
  const bound = BigInt(knobs.maxAbs);
  for (let t = 0; t < MAX_TRIES; t++) {
    const question = drawQuestion(rng, knobs);
    const parsed = parseQuestion(question);
    if (!parsed.answerable) throw new Error(`generator bug: ${question}: ${parsed.reason}`);
    if (parsed.maxAbs <= bound) return { question, answer: parsed.value.toString() };
  }
  throw new Error(`arith knobs: no question under maxAbs ${knobs.maxAbs} in ${MAX_TRIES} draws`);
}

export interface GenerateOptions {
  /** Skip questions already drawn (default false). */
  unique?: boolean;
  /** Questions never to return (e.g. benchmark items, to keep them out of pretraining). */
  exclude?: ReadonlySet<string>;
}

/** Endless seeded stream of problems. */
export function* problemStream(
  seed: number,
  knobs: ArithKnobs,
  opts: GenerateOptions = {},
): Generator<ArithProblem> {
  validateKnobs(knobs);
  const rng = new ArithRng(seed);
  const seen = new Set<string>();
  // A run of skips this long means unique/exclude have used up the distribution: fail, not hang.
  for (let skipped = 0; skipped < MAX_SKIPS;) {
    const p = generateProblem(rng, knobs);
    if (opts.exclude?.has(p.question) || seen.has(p.question)) {
      skipped++;
      continue;
    }
    skipped = 0;
    if (opts.unique) seen.add(p.question);
    yield p;
  }
  throw new Error(`arith generator: ${MAX_SKIPS} draws in a row were duplicates or excluded`);
}

/** The first `count` problems of `problemStream(seed, knobs, opts)`. */
export function generateProblems(
  seed: number,
  knobs: ArithKnobs,
  count: number,
  opts: GenerateOptions = {},
): ArithProblem[] {
  const out: ArithProblem[] = [];
  if (count <= 0) return out;
  for (const p of problemStream(seed, knobs, opts)) {
    out.push(p);
    if (out.length >= count) break;
  }
  return out;
}

function drawQuestion(rng: ArithRng, k: ArithKnobs): string {
  const n = rng.int(k.minOperands, k.maxOperands);
  const operands = Array.from({ length: n }, () => drawOperand(rng, k));
  const ops = Array.from({ length: n - 1 }, () => rng.pick(k.operators));
  const spans = drawSpans(rng, n, k);
  return render(operands, ops, spans) + '=?';
}

function drawOperand(rng: ArithRng, k: ArithKnobs): number {
  const digits = rng.int(k.minDigits, k.maxDigits);
  return digits === 1 ? rng.int(0, 9) : rng.int(10 ** (digits - 1), 10 ** digits - 1);
}

function drawSpans(rng: ArithRng, n: number, k: ArithKnobs): Span[] {
  const spans: Span[] = [];
  if (k.maxDepth === 0) return spans;
  for (let pair = 0; pair < n - 2 && rng.next() < k.parenProb; pair++) {
    const span = drawSpan(rng, n, spans, k.maxDepth);
    if (span === null) break;
    spans.push(span);
  }
  return spans;
}

/** A random span that fits with `spans`, or null after a few failed tries. */
function drawSpan(rng: ArithRng, n: number, spans: Span[], maxDepth: number): Span | null {
  for (let tries = 0; tries < 8; tries++) {
    const len = rng.int(2, n - 1);
    const from = rng.int(0, n - len);
    const span = { from, to: from + len - 1 };
    if (spans.every((s) => nests(s, span)) && depthWith(spans, span) <= maxDepth) return span;
  }
  return null;
}

/** Disjoint, or one strictly inside the other (equal spans would give "((a+b))"). */
function nests(a: Span, b: Span): boolean {
  if (a.to < b.from || b.to < a.from) return true;
  const aInB = b.from <= a.from && a.to <= b.to;
  const bInA = a.from <= b.from && b.to <= a.to;
  return (aInB || bInA) && !(a.from === b.from && a.to === b.to);
}

function depthWith(spans: Span[], extra: Span): number {
  let depth = 0;
  for (let i = extra.from; i <= extra.to; i++) {
    const d = 1 + spans.filter((s) => s.from <= i && i <= s.to).length;
    depth = Math.max(depth, d);
  }
  return depth;
}

function render(operands: number[], ops: ArithOp[], spans: Span[]): string {
  let text = '';
  operands.forEach((v, i) => {
    const opens = spans.filter((s) => s.from === i).length;
    const closes = spans.filter((s) => s.to === i).length;
    text += '('.repeat(opens) + String(v) + ')'.repeat(closes) + (ops[i] ?? '');
  });
  return text;
}
