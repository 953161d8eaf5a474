/**
 * The v2 worked solution (arith-small): the remaining expression, rewritten after each operation.
 *
 *   user: 78+84-2-55-90=?
 *   =162-2-55-90
 *   =160-55-90
 *   =105-90
 *   =15
 *   \boxed{15}
 *
 * Each line does one operation (the same one writeSteps would: the leftmost whose operands are
 * both known) and copies the rest. The number of lines is not something the model has to count:
 * it stops when one number is left, so one more operand than pretraining showed is one more line
 * of the same kind (the v1 format, one "a op b=c" line per operation, made arith-small stop after
 * the 3 lines it had seen on every 5-operand question). Every line is a valid question of the
 * oracle's language with the same value: parentheses stay where the tree needs them, and a
 * negative number that does not start an expression is written "(-5)".
 */
import { ArithOp, Expr, applyOp, parseQuestion } from './oracle';

type Node =
  | { kind: 'num'; value: bigint }
  | { kind: 'neg'; arg: Node }
  | { kind: 'bin'; op: ArithOp; left: Node; right: Node };

const PRECEDENCE: Record<ArithOp, number> = { '+': 1, '-': 1, '*': 2 };

function toNode(e: Expr): Node {
  if (e.kind === 'num') return { kind: 'num', value: e.value };
  if (e.kind === 'neg') {
    const arg = toNode(e.arg);
    return arg.kind === 'num' ? { kind: 'num', value: -arg.value } : { kind: 'neg', arg };
  }
  return { kind: 'bin', op: e.op, left: toNode(e.left), right: toNode(e.right) };
}

/** `n` as text; `atStart`: first token of an expression (text start or after '('). */
export function renderNode(n: Node, atStart = true): string {
  if (n.kind === 'num') return n.value < 0n && !atStart ? `(${n.value})` : `${n.value}`;
  if (n.kind === 'neg') return atStart ? `-(${renderNode(n.arg)})` : `(-(${renderNode(n.arg)}))`;
  const p = PRECEDENCE[n.op];
  const wrapLeft = n.left.kind === 'bin' && PRECEDENCE[n.left.op] < p;
  // Same precedence on the right keeps its parentheses: the tree, not just the value, stays.
  const wrapRight = n.right.kind === 'bin' && PRECEDENCE[n.right.op] <= p;
  const left = wrapLeft ? `(${renderNode(n.left)})` : renderNode(n.left, atStart);
  const right = wrapRight ? `(${renderNode(n.right)})` : renderNode(n.right, false);
  return `${left}${n.op}${right}`;
}

/** Does the first ready operation of `n` (post-order, left first); null when `n` is a number. */
function reduceOnce(n: Node): Node | null {
  if (n.kind === 'num') return null;
  if (n.kind === 'neg') {
    const arg = reduceOnce(n.arg)!;
    return arg.kind === 'num' ? { kind: 'num', value: -arg.value } : { kind: 'neg', arg };
  }
  if (n.left.kind !== 'num') return { ...n, left: reduceOnce(n.left)! };
  if (n.right.kind !== 'num') return { ...n, right: reduceOnce(n.right)! };
  return { kind: 'num', value: applyOp(n.op, n.left.value, n.right.value) };
}

/** The rewrite solution of `question` (no leading newline); throws when it is unanswerable. */
export function rewriteSteps(question: string): string {
  const parsed = parseQuestion(question);
  if (!parsed.answerable) {
    throw new RangeError(`no worked solution for ${JSON.stringify(question)}: ${parsed.reason}`);
  }
  const lines: string[] = [];
  let node = toNode(parsed.expr);
  for (let next = reduceOnce(node); next !== null; next = reduceOnce(node)) {
    node = next;
    lines.push(`=${renderNode(node)}`);
  }
  lines.push(`\\boxed{${parsed.value}}`);
  return lines.join('\n');
}

/*
 * The two-ends worked solution (arith-small stage 2). The same lines as rewriteSteps (the remaining
 * expression after each operation), each marked by the pair it combined: `l` the leftmost ready
 * pair (rewriteSteps' order), `r` the rightmost, drawn at random line by line (r on 40%); + and -
 * are read as signed terms, so 10-3+5 goes to `l=7+5` or to `r=10+2` (-3 and +5 make +2).
 *
 *   78+84-2-55-90=?  ->  r=78+84-2-145 / l=162-2-145 / r=162-147 / l=15 / \boxed{15}
 *
 * Why: with one fixed order every sample of a question runs the same computations, so a slip the
 * model makes on that question it makes in most samples and the majority vote is wrong (stage 1's
 * probe: 228+305 gave 523 in 8 of 10 votes). Different orders do different computations, so the
 * errors depend on the path and scatter over wrong answers, while the right answer is common to
 * all paths (the self-consistency argument, Wang et al. 2022). The marker comes first, so the
 * choice is made before any digit is written and the rest of the line follows from it; `l` lines
 * are the stage-1 skill. (Combining any ready pair, unmarked, was tried first: after 750 steps the
 * model mixed paths within a line, e.g. `42-8+6` -> `=42+6`, and arith-in fell from 96% to 63%.)
 * Only + and -, the domain of arith-small; a group that is down to one number keeps its sign, as
 * rewriteSteps writes it ("5-(-15)").
 */

interface Term {
  op: '+' | '-';
  /** A number, or a parenthesised group of terms (its first term's op is '+'). */
  item: bigint | Term[];
}

function parseTerms(text: string): Term[] {
  let i = 0;
  const group = (): Term[] => {
    const terms: Term[] = [];
    let op: '+' | '-' = '+';
    for (;;) {
      let item: bigint | Term[];
      if (text[i] === '(') {
        i++;
        item = group();
        if (text[i++] !== ')') throw new RangeError(`ends: ')' expected in ${text}`);
      } else {
        const m = /^\d+/.exec(text.slice(i));
        if (!m) throw new RangeError(`ends: number expected at ${i} in ${text}`);
        i += m[0].length;
        item = BigInt(m[0]);
      }
      terms.push({ op, item });
      const c = text[i];
      if (c !== '+' && c !== '-') return terms;
      op = c;
      i++;
    }
  };
  const terms = group();
  if (i !== text.length) throw new RangeError(`ends: unexpected ${text.slice(i)} in ${text}`);
  return terms;
}

function renderTerms(terms: readonly Term[]): string {
  return terms
    .map((t, k) => {
      const body =
        typeof t.item === 'bigint'
          ? k === 0 || t.item >= 0n
            ? `${t.item}`
            : `(${t.item})`
          : `(${renderTerms(t.item)})`;
      return k === 0 ? (t.op === '-' ? `-${body}` : body) : `${t.op}${body}`;
    })
    .join('');
}

const signed = (t: Term): bigint => (t.op === '-' ? -(t.item as bigint) : (t.item as bigint));

/** Every ready pair: [the group, index of the pair's second term]. */
function readyPairs(terms: Term[], out: [Term[], number][] = []): [Term[], number][] {
  terms.forEach((t, k) => {
    if (typeof t.item !== 'bigint') readyPairs(t.item, out);
    else if (k > 0 && typeof terms[k - 1]!.item === 'bigint') out.push([terms, k]);
  });
  return out;
}

/** Replaces groups that are down to one number by that number (the group's op kept). */
function collapse(terms: Term[]): void {
  for (const t of terms) {
    if (typeof t.item === 'bigint') continue;
    collapse(t.item);
    if (t.item.length === 1) t.item = t.item[0]!.item as bigint;
  }
}

/**
 * Share of `r` lines. Below 1/2 on purpose: greedy decoding takes the likelier marker, and with a
 * fair coin it flipped between the two from one checkpoint to the next (arith-frontier greedy 64%
 * at step 600, 6% at step 800 of the first run of stage 2), so a benchmark's greedy score said
 * more about the coin than about the model. At 0.4 greedy takes the left end, stage 1's path, and
 * samples still take the right one on 40% of lines.
 */
export const ENDS_RIGHT_SHARE = 0.4;

/**
 * The two-ends solution of `question` (no leading newline), drawing each line's end with `rng`
 * (`r` with probability `rightShare`); + and - only. Throws when the question is unanswerable or
 * has another operator.
 */
export function endsSteps(
  question: string,
  rng: { next(): number },
  rightShare = ENDS_RIGHT_SHARE,
): string {
  const parsed = parseQuestion(question);
  if (!parsed.answerable) {
    throw new RangeError(`no worked solution for ${JSON.stringify(question)}: ${parsed.reason}`);
  }
  const terms = parseTerms(question.trim().replace(/=\?$/, ''));
  const lines: string[] = [];
  for (let pairs = readyPairs(terms); pairs.length > 0; pairs = readyPairs(terms)) {
    const right = rng.next() < rightShare;
    const [group, k] = pairs[right ? pairs.length - 1 : 0]!;
    const sum = signed(group[k - 1]!) + signed(group[k]!);
    // The first term of a group carries the sum's sign itself; a later one as its operator.
    group.splice(
      k - 1,
      2,
      k - 1 === 0 && group[0]!.op === '+'
        ? { op: '+', item: sum }
        : { op: sum < 0n ? '-' : '+', item: sum < 0n ? -sum : sum },
    );
    collapse(terms);
    lines.push(`${right ? 'r' : 'l'}=${renderTerms(terms)}`);
  }
  lines.push(`\\boxed{${parsed.value}}`);
  return lines.join('\n');
}

/*
 * The reordered solution (arith-small stage 7). The first line writes the question's signed terms
 * (parentheses opened, their signs distributed) in an order drawn at random, a non-negative term
 * first; the lines after it combine the leftmost pair, marked l, as stage 1 and the `l` end do:
 *
 *   5-(30-45)+7=?  ->  =45+5-30+7 / l=50-30+7 / l=20+7 / l=27 / \boxed{27}
 *
 * Why: the two ends gave samples different paths, but the `r` end was a second skill that stayed
 * weaker than the first (after four stages, votes beginning with `r` were right 40% of the time,
 * with `l` 57%), and most votes still ran through the same `l` lines, so a wrong line was in most
 * votes and the majority was the greedy answer (the stage-6 replication: kept labels 72.8% right,
 * the Solver's greedy answers to the same questions 73.6%). A reordering gives every sample its own
 * partial sums while every line after the first is the one skill the model does best. Measured on
 * stage 6 before this format existed, by asking it each question in 10 orders (greedy, votes on the
 * answers): on the 105 questions of its gate's band the majority over orders was right on 87.6%
 * against 73.3% for greedy on the question as written (17 questions right only by the orders, 2
 * only by greedy, p = 0.001), while the majority of 10 ordinary votes was right on 79.0% (13
 * against 7, p = 0.26).
 */

/** The signed terms of a + and - expression, parentheses opened (`5-(30-45)` -> 5, -30, 45). */
function flatTerms(terms: readonly Term[], sign: 1n | -1n, out: bigint[] = []): bigint[] {
  for (const t of terms) {
    const s = t.op === '-' ? (-sign as 1n | -1n) : sign;
    if (typeof t.item === 'bigint') out.push(s * t.item);
    else flatTerms(t.item, s, out);
  }
  return out;
}

/**
 * The reordered solution of `question` (no leading newline), drawing the order with `rng`: the
 * first term uniformly among the non-negative ones (the question's own first term is one: the
 * language has no leading minus), the rest in a uniform shuffle, so every order that starts with a
 * non-negative term is equally likely. + and - only; throws when the question is unanswerable or
 * has another operator.
 */
export function reorderSteps(question: string, rng: { next(): number }): string {
  const parsed = parseQuestion(question);
  if (!parsed.answerable) {
    throw new RangeError(`no worked solution for ${JSON.stringify(question)}: ${parsed.reason}`);
  }
  const terms = flatTerms(parseTerms(question.trim().replace(/=\?$/, '')), 1n);
  const draw = (n: number) => Math.min(n - 1, Math.floor(rng.next() * n));
  const firsts = terms.map((_, k) => k).filter((k) => terms[k]! >= 0n);
  const first = firsts[draw(firsts.length)]!;
  const rest = terms.filter((_, k) => k !== first);
  for (let k = rest.length - 1; k > 0; k--) {
    const j = draw(k + 1);
    [rest[k], rest[j]] = [rest[j]!, rest[k]!];
  }
  const order = [terms[first]!, ...rest];
  const line = order.map((v, k) => (k === 0 || v < 0n ? `${v}` : `+${v}`)).join('');
  if (order.length === 1) return `=${line}\n\\boxed{${parsed.value}}`;
  return `=${line}\n${endsSteps(`${line}=?`, { next: () => 1 }, 0)}`;
}
