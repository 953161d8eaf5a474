/**
 * Text formats of the tiny arithmetic model.
 *
 * The tiny model has no chat template, so prompts are the plain format of the official R-Zero code:
 *   "system: " + system + "\n" + "user: " + user        (nothing after the user turn)
 * which is what `Tokenizer.applyChatTemplate` renders for a tokenizer without a template. Every
 * completion starts with "\n" so that the model's first token cleanly ends the user turn.
 *
 * Solver (what the Solver sees, then what it should write):
 *   system: Solve step by step.
 *   user: (12+7)*3-5=?
 *   12+7=19
 *   19*3=57
 *   57-5=52
 *   \boxed{52}
 * One line per binary operation, "a op b=c", in the order of a left-to-right reader: always the
 * leftmost operation whose operands are both known (post-order, left subtree first), so
 * parentheses and '*' come before the '+'/'-' that wait on them. A negative right operand is
 * parenthesised ("7-(-2)=9", "4*(-3)=-12"); a negative left operand is written bare ("-2*4=-8").
 * Every line is itself a valid question of the oracle's language. A leading sign in a question
 * folds into the value it negates (no line of its own).
 *
 * Length bounds: with every |value| < 10^k (k = digits of the knobs' maxAbs), a step line has at
 * most 3k+7 characters ("-99999*(-99999)=-99999" shape) and the solution at most
 * steps*(3k+8) + k+9 characters. Pretraining (k=2, <=2 steps): lines <= 13, solution <= 39.
 * Hardest benchmark (k=4, <=5 steps): lines <= 19, solution <= 113. See maxSolutionChars.
 *
 * Challenger:
 *   system: Pose a question in <question></question>, answer in \boxed{}.
 *   user: New question.
 * (Prompts are short on purpose: every Challenger rollout and training row re-reads them, and on
 * the tiny model the prompt is most of the sequence.)
 *   <question>(12+7)*3-5=?</question> \boxed{52}
 */
import { ArithOp, Expr, applyOp, parseQuestion } from './oracle';

export const SOLVER_SYSTEM = 'Solve step by step.';
export const CHALLENGER_SYSTEM = 'Pose a question in <question></question>, answer in \\boxed{}.';
export const CHALLENGER_USER = 'New question.';
/** What every completion starts with (the prompt ends right after the user turn). */
export const COMPLETION_PREFIX = '\n';

/** The official R-Zero format for a [system, user] pair without chat template. */
export function plainPrompt(system: string, user: string): string {
  return `system: ${system}\nuser: ${user}`;
}

export function solverPrompt(question: string): string {
  return plainPrompt(SOLVER_SYSTEM, question);
}

export function challengerPrompt(): string {
  return plainPrompt(CHALLENGER_SYSTEM, CHALLENGER_USER);
}

export function boxed(answer: string): string {
  return `\\boxed{${answer}}`;
}

/** The canonical worked solution (no leading newline); throws when the question is unanswerable. */
export function solutionSteps(question: string): string {
  const parsed = parseQuestion(question);
  if (!parsed.answerable) {
    throw new RangeError(`no worked solution for ${JSON.stringify(question)}: ${parsed.reason}`);
  }
  const lines: string[] = [];
  const value = writeSteps(parsed.expr, lines);
  lines.push(boxed(value.toString()));
  return lines.join('\n');
}

/** What the Solver should generate after solverPrompt(question). */
export function solverCompletion(question: string): string {
  return COMPLETION_PREFIX + solutionSteps(question);
}

/** What the Challenger should generate after challengerPrompt(). */
export function challengerCompletion(question: string, answer: string): string {
  return `${COMPLETION_PREFIX}<question>${question}</question> ${boxed(answer)}`;
}

/** Evaluates `e` in reading order, appending one "a op b=c" line per binary operation. */
function writeSteps(e: Expr, lines: string[]): bigint {
  if (e.kind === 'num') return e.value;
  if (e.kind === 'neg') return -writeSteps(e.arg, lines);
  const a = writeSteps(e.left, lines);
  const b = writeSteps(e.right, lines);
  const v = applyOp(e.op, a, b);
  lines.push(stepLine(a, e.op, b, v));
  return v;
}

/** Upper bound on one step line for values bounded by `maxAbs` (see the file comment). */
export function maxStepLineChars(maxAbs: number): number {
  return 3 * String(maxAbs).length + 7;
}

/** Upper bound on solutionSteps' length for `steps` operations with values bounded by `maxAbs`. */
export function maxSolutionChars(steps: number, maxAbs: number): number {
  const k = String(maxAbs).length;
  return steps * (maxStepLineChars(maxAbs) + 1) + k + 9;
}

export function stepLine(a: bigint, op: ArithOp, b: bigint, v: bigint): string {
  const right = b < 0n ? `(${b})` : `${b}`;
  return `${a}${op}${right}=${v}`;
}
