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
