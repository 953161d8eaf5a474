/**
 * Exact oracle of the arithmetic domain: parses question text and computes the true answer with
 * BigInt arithmetic, so every answer is exact whatever the magnitude.
 *
 * Accepted language (whitespace anywhere between tokens is ignored):
 *   question := expr [ '=' '?' ]          the canonical form ends in "=?"; the suffix is optional
 *   expr     := term { ('+' | '-') term }  left-associative
 *   term     := factor { '*' factor }      '*' binds tighter than '+' and '-'
 *   factor   := [ '-' ] primary            a sign only at the start of an expr (text start or
 *                                          right after '('), so "3*(-2)" but not "3*-2" or "--2"
 *   primary  := integer | '(' expr ')'     integers are decimal, no leading zero ("0" itself ok)
 *
 * Domain limits (DOMAIN_LIMITS): at most 80 characters (trimmed), 6 operands, 3 digits per
 * operand, parenthesis depth 3. These are the widest settings the generator's knobs allow, so a
 * Challenger question outside them is "out of domain" rather than merely hard. Division, decimals,
 * exponents, words and anything else are unanswerable, each with a code and a readable reason.
 */

export type ArithOp = '+' | '-' | '*';

export const ARITH_OPS: readonly ArithOp[] = Object.freeze(['+', '-', '*'] as ArithOp[]);

export interface DomainLimits {
  readonly maxChars: number;
  readonly maxOperands: number;
  readonly maxDigits: number;
  readonly maxDepth: number;
}

export const DOMAIN_LIMITS: DomainLimits = Object.freeze({
  maxChars: 80,
  maxOperands: 6,
  maxDigits: 3,
  maxDepth: 3,
});

export type Expr =
  | { readonly kind: 'num'; readonly value: bigint; readonly digits: number }
  | { readonly kind: 'neg'; readonly arg: Expr }
  | { readonly kind: 'bin'; readonly op: ArithOp; readonly left: Expr; readonly right: Expr };

/** Difficulty measures of a parsed question. */
export interface Difficulty {
  /** Integer literals. */
  operands: number;
  /** Most digits of one literal (sign not counted). */
  maxDigits: number;
  /** Deepest parenthesis nesting (0 when there are none). */
  depth: number;
  /** Binary operators by kind (a leading sign is a negation, not a '-'). */
  operators: Record<ArithOp, number>;
  /** Binary operations, i.e. lines of the worked solution. */
  steps: number;
  negations: number;
  /** Digits of the largest |value| of any subexpression (the answer included). */
  maxAbsDigits: number;
}

export type UnanswerableCode =
  | 'empty'
  | 'too-long'
  | 'unknown-char'
  | 'division'
  | 'not-integer'
  | 'unbalanced-parens'
  | 'syntax'
  | 'leading-zero'
  | 'too-many-operands'
  | 'too-many-digits'
  | 'too-deep';

export interface Unanswerable {
  answerable: false;
  code: UnanswerableCode;
  reason: string;
  /** Measures when the text parsed (out-of-domain questions), else null. */
  difficulty: Difficulty | null;
}

export interface Answered {
  answerable: true;
  /** The exact answer in canonical decimal form ("-12", "0", "52"). */
  answer: string;
  difficulty: Difficulty;
}

export type OracleResult = Answered | Unanswerable;

export type ParseOutcome =
  | {
      answerable: true;
      expr: Expr;
      value: bigint;
      /** Largest |value| of any subexpression, the answer included. */
      maxAbs: bigint;
      difficulty: Difficulty;
    }
  | Unanswerable;

type Token =
  | { kind: 'num'; text: string; pos: number }
  | { kind: 'op'; op: ArithOp; pos: number }
  | { kind: '(' | ')'; pos: number };

const QUERY_SUFFIX = /=\s*\?\s*$/;

function fail(code: UnanswerableCode, reason: string, difficulty: Difficulty | null = null) {
  return { answerable: false as const, code, reason, difficulty };
}

/** The answer to `text`, or why it has none. */
export function solveQuestion(text: string, limits: DomainLimits = DOMAIN_LIMITS): OracleResult {
  const parsed = parseQuestion(text, limits);
  if (!parsed.answerable) return parsed;
  return { answerable: true, answer: parsed.value.toString(), difficulty: parsed.difficulty };
}

/** Difficulty measures of any parsable question (in or out of the domain limits), else null. */
export function questionDifficulty(text: string): Difficulty | null {
  return parseQuestion(text, DOMAIN_LIMITS).difficulty;
}

/** Parses and evaluates `text`; answerable only when it is well formed and inside `limits`. */
export function parseQuestion(text: string, limits: DomainLimits = DOMAIN_LIMITS): ParseOutcome {
  if (typeof text !== 'string') return fail('empty', 'question is not a string');
  const trimmed = text.trim();
  if (trimmed.length === 0) return fail('empty', 'question is empty');
  if (trimmed.length > limits.maxChars) {
    return fail('too-long', `${trimmed.length} characters, more than ${limits.maxChars}`);
  }
  const body = trimmed.replace(QUERY_SUFFIX, '');
  const tokens = lex(body);
  if (!Array.isArray(tokens)) return tokens;
  if (tokens.length === 0) return fail('empty', 'no expression before "=?"');
  const parens = checkParens(tokens);
  if (parens !== null) return parens;
  return parseTokens(tokens, limits);
}

function parseTokens(tokens: Token[], limits: DomainLimits): ParseOutcome {
  let expr: Expr;
  const parser = new Parser(tokens);
  try {
    expr = parser.parseAll();
  } catch (e) {
    if (e instanceof SyntaxFailure) return fail('syntax', e.message);
    throw e;
  }
  const acc = newAccumulator();
  const value = walk(expr, acc);
  const difficulty = toDifficulty(acc, parser.maxDepth);
  const outside = checkLimits(difficulty, limits);
  if (outside !== null) return outside;
  return { answerable: true, expr, value, maxAbs: acc.maxAbs, difficulty };
}

function lex(body: string): Token[] | Unanswerable {
  const tokens: Token[] = [];
  let i = 0;
  while (i < body.length) {
    const c = body[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (isDigit(c)) {
      let end = i;
      while (end < body.length && isDigit(body[end]!)) end++;
      const num = numberToken(body.slice(i, end), i);
      if (!('kind' in num)) return num;
      tokens.push(num);
      i = end;
    } else {
      const tok = symbolToken(body, i);
      if (!('kind' in tok)) return tok;
      tokens.push(tok);
      i++;
    }
  }
  return tokens;
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

function numberToken(text: string, pos: number): Token | Unanswerable {
  // "07" is not how anyone writes seven; rejecting it keeps one spelling per number.
  if (text.length > 1 && text[0] === '0') {
    return fail('leading-zero', `number "${text}" at ${pos} has a leading zero`);
  }
  return { kind: 'num', text, pos };
}

function symbolToken(body: string, pos: number): Token | Unanswerable {
  const c = body[pos]!;
  if (c === '+' || c === '-' || c === '*') return { kind: 'op', op: c, pos };
  if (c === '(' || c === ')') return { kind: c, pos };
  if (c === '/' || c === '÷')
    return fail('division', `division ("${c}" at ${pos}) is not in the domain`);
  if (c === '.' || c === ',') return fail('not-integer', `"${c}" at ${pos}: only integers`);
  if (c === '=' || c === '?')
    return fail('syntax', `"${c}" at ${pos}: "=?" may only end the question`);
  const ch = String.fromCodePoint(body.codePointAt(pos)!);
  return fail('unknown-char', `unknown character ${JSON.stringify(ch)} at ${pos}`);
}

function checkParens(tokens: Token[]): Unanswerable | null {
  let open = 0;
  for (const t of tokens) {
    if (t.kind === '(') open++;
    if (t.kind === ')' && --open < 0) {
      return fail('unbalanced-parens', `unmatched ")" at ${t.pos}`);
    }
  }
  return open > 0 ? fail('unbalanced-parens', `${open} unclosed "("`) : null;
}

class SyntaxFailure extends Error {}

/** Recursive descent over the grammar in the file comment. */
class Parser {
  private i = 0;
  private depth = 0;
  maxDepth = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parseAll(): Expr {
    const e = this.expr();
    const t = this.tokens[this.i];
    if (t !== undefined) throw new SyntaxFailure(`missing operator before ${describe(t)}`);
    return e;
  }

  private expr(): Expr {
    let left = this.term(true);
    for (let t = this.peekOp(); t === '+' || t === '-'; t = this.peekOp()) {
      this.i++;
      left = { kind: 'bin', op: t, left, right: this.term(false) };
    }
    return left;
  }

  private term(signAllowed: boolean): Expr {
    let left = this.factor(signAllowed);
    while (this.peekOp() === '*') {
      this.i++;
      left = { kind: 'bin', op: '*', left, right: this.factor(false) };
    }
    return left;
  }

  private factor(signAllowed: boolean): Expr {
    if (signAllowed && this.peekOp() === '-') {
      this.i++;
      return { kind: 'neg', arg: this.primary() };
    }
    return this.primary();
  }

  private primary(): Expr {
    const t = this.tokens[this.i++];
    if (t?.kind === 'num') return { kind: 'num', value: BigInt(t.text), digits: t.text.length };
    if (t?.kind !== '(') {
      throw new SyntaxFailure(`expected a number or "(" but found ${describe(t)}`);
    }
    this.maxDepth = Math.max(this.maxDepth, ++this.depth);
    const inner = this.expr();
    // Balance was checked up front, so the next token is the matching ")" unless the inner
    // expression stopped early (e.g. "(1 2)"), which is a syntax error.
    const close = this.tokens[this.i++];
    if (close?.kind !== ')') throw new SyntaxFailure(`missing operator before ${describe(close)}`);
    this.depth--;
    return inner;
  }

  private peekOp(): ArithOp | null {
    const t = this.tokens[this.i];
    return t?.kind === 'op' ? t.op : null;
  }
}

function describe(t: Token | undefined): string {
  if (t === undefined) return 'the end';
  const text = t.kind === 'num' ? t.text : t.kind === 'op' ? t.op : t.kind;
  return `"${text}" at ${t.pos}`;
}

interface Accumulator {
  operands: number;
  maxDigits: number;
  operators: Record<ArithOp, number>;
  negations: number;
  maxAbs: bigint;
}

function newAccumulator(): Accumulator {
  return {
    operands: 0,
    maxDigits: 0,
    operators: { '+': 0, '-': 0, '*': 0 },
    negations: 0,
    maxAbs: 0n,
  };
}

/** Evaluates `e` exactly while counting what the difficulty measures need. */
function walk(e: Expr, acc: Accumulator): bigint {
  let v: bigint;
  if (e.kind === 'num') {
    acc.operands++;
    acc.maxDigits = Math.max(acc.maxDigits, e.digits);
    v = e.value;
  } else if (e.kind === 'neg') {
    acc.negations++;
    v = -walk(e.arg, acc);
  } else {
    acc.operators[e.op]++;
    v = applyOp(e.op, walk(e.left, acc), walk(e.right, acc));
  }
  const abs = v < 0n ? -v : v;
  if (abs > acc.maxAbs) acc.maxAbs = abs;
  return v;
}

export function applyOp(op: ArithOp, a: bigint, b: bigint): bigint {
  if (op === '+') return a + b;
  if (op === '-') return a - b;
  return a * b;
}

/** Exact value of a parsed expression. */
export function evaluate(e: Expr): bigint {
  return walk(e, newAccumulator());
}

function toDifficulty(acc: Accumulator, depth: number): Difficulty {
  const ops = acc.operators;
  return {
    operands: acc.operands,
    maxDigits: acc.maxDigits,
    depth,
    operators: { ...ops },
    steps: ops['+'] + ops['-'] + ops['*'],
    negations: acc.negations,
    maxAbsDigits: acc.maxAbs.toString().length,
  };
}

function checkLimits(d: Difficulty, limits: DomainLimits): Unanswerable | null {
  if (d.operands > limits.maxOperands) {
    return fail('too-many-operands', `${d.operands} operands, more than ${limits.maxOperands}`, d);
  }
  if (d.maxDigits > limits.maxDigits) {
    return fail(
      'too-many-digits',
      `an operand has ${d.maxDigits} digits, more than ${limits.maxDigits}`,
      d,
    );
  }
  if (d.depth > limits.maxDepth) {
    return fail('too-deep', `parentheses nest ${d.depth} deep, more than ${limits.maxDepth}`, d);
  }
  return null;
}
