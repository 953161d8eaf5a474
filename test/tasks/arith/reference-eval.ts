/**
 * Independent evaluators for the tests (they share no code with src/tasks/arith): a shunting-yard
 * evaluator for generated questions and a strict checker for worked-solution step lines.
 */

const PREC: Record<string, number> = { '+': 1, '-': 1, '*': 2 };

function apply(op: string, a: bigint, b: bigint): bigint {
  if (op === '+') return a + b;
  if (op === '-') return a - b;
  if (op === '*') return a * b;
  throw new Error(`bad operator ${op}`);
}

/** Evaluates "<expr>=?" or "<expr>" over non-negative integers, + - * and parentheses. */
export function shuntingYard(question: string): bigint {
  const text = question.replace(/\s+/g, '').replace(/=\?$/, '');
  const tokens = text.match(/\d+|[-+*()]/g) ?? [];
  if (tokens.join('') !== text) throw new Error(`unexpected text in ${question}`);
  const values: bigint[] = [];
  const ops: string[] = [];
  const reduce = () => {
    const b = values.pop()!;
    const a = values.pop()!;
    values.push(apply(ops.pop()!, a, b));
  };
  for (const t of tokens) {
    if (/^\d+$/.test(t)) values.push(BigInt(t));
    else if (t === '(') ops.push(t);
    else if (t === ')') {
      while (ops[ops.length - 1] !== '(') reduce();
      ops.pop();
    } else {
      while (
        ops.length > 0 &&
        ops[ops.length - 1] !== '(' &&
        PREC[ops[ops.length - 1]!]! >= PREC[t]!
      )
        reduce();
      ops.push(t);
    }
  }
  while (ops.length > 0) reduce();
  if (values.length !== 1) throw new Error(`malformed ${question}`);
  return values[0]!;
}

const STEP = /^(-?\d+)([-+*])(\d+|\(-\d+\))=(-?\d+)$/;

/** Parses a step line "a op b=c" (b negative only as "(-n)"); null when the shape is wrong. */
export function parseStep(line: string): { a: bigint; op: string; b: bigint; c: bigint } | null {
  const m = STEP.exec(line);
  if (m === null) return null;
  const b = m[3]!.startsWith('(') ? BigInt(m[3]!.slice(1, -1)) : BigInt(m[3]!);
  return { a: BigInt(m[1]!), op: m[2]!, b, c: BigInt(m[4]!) };
}

/** True when the step line is well formed and arithmetically true. */
export function stepIsTrue(line: string): boolean {
  const s = parseStep(line);
  return s !== null && apply(s.op, s.a, s.b) === s.c;
}
