/**
 * Parsing of Challenger and Solver outputs (RZERO.md "Parse"; paper Sec. 3.2).
 *
 * Three official parsers are reproduced, because they disagree on edge cases
 * (shared/golden/README.md, parsing.json):
 * - mathruler `extract_boxed_content`: the stripped content of the LAST `\boxed{` (brace depth
 *   matching), or the STRING 'None' when there is no complete box. Used by the reward server and
 *   evaluate.py for Solver answers, and by `compute_score` for the Challenger.
 * - question_generate.py `extract_boxed`: EVERY box in order; an unterminated box yields its text
 *   minus the last character; `\boxed{}` yields ''.
 * - caller_penalty.py `compute_score`: takes `answers[-1]` of the *string* returned by
 *   `extract_boxed_content`, i.e. its last character ('e' of 'None' when there is no box).
 *
 * Our own API (`extractBoxed`, `extractQuestion`, paper-mode `parseChallengerOutput`) returns null
 * for "nothing there" instead of the 'None' string.
 */
import { pyDropLastChar, pyLastChar, pyStrip } from './py-compat';

const BOX = '\\boxed{';
const QUESTION_RE = /<question>([\s\S]*?)<\/question>/g;

/** Content of the last `\boxed{...}` (balanced braces, stripped), null if there is none. */
export function extractBoxed(text: string): string | null {
  const start = text.lastIndexOf(BOX);
  if (start === -1) return null;
  let depth = 0;
  for (let i = start + BOX.length; i < text.length; i++) {
    const ch = text[i];
    if (ch === '{') depth++;
    else if (ch === '}') depth--;
    if (depth === -1) return pyStrip(text.slice(start + BOX.length, i));
  }
  return null;
}

/** mathruler `extract_boxed_content` exactly: like `extractBoxed` but 'None' instead of null. */
export function extractBoxedOfficial(text: string): string {
  return extractBoxed(text) ?? 'None';
}

/** question_generate.py `extract_boxed`: all boxes in order, unstripped, with its end quirks. */
export function extractAllBoxedOfficial(text: string): string[] {
  const results: string[] = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf(BOX, from);
    if (start === -1) return results;
    let j = start + BOX.length;
    let depth = 1;
    while (j < text.length && depth > 0) {
      if (text[j] === '{') depth++;
      else if (text[j] === '}') depth--;
      j++;
    }
    // Python text[start+plen : j-1]: drops the closing brace, or (unterminated) the last char.
    const body = text.slice(start + BOX.length, j);
    results.push(depth === 0 ? body.slice(0, -1) : pyDropLastChar(body));
    from = j;
  }
}

/** Every `<question>...</question>` body (Python `re.findall(..., re.DOTALL)`), unstripped. */
export function findQuestions(text: string): string[] {
  return Array.from(text.matchAll(QUESTION_RE), (m) => m[1]);
}

/** The last `<question>...</question>` body, stripped; null if there is no complete tag pair. */
export function extractQuestion(text: string): string | null {
  const all = findQuestions(text);
  return all.length === 0 ? null : pyStrip(all[all.length - 1]);
}

export interface ChallengerParse {
  question: string;
  answer: string;
  valid: boolean;
}

export type ParseMode = 'paper' | 'official';

/**
 * Parses one Challenger completion.
 * - 'paper' (default): question = last `<question>` (stripped), answer = last complete box;
 *   valid iff both are non-empty.
 * - 'official': caller_penalty.py `compute_score` verbatim, including its quirks: the answer is
 *   the last character of the boxed content ('e' when there is no box, so a missing box stays
 *   valid), `\boxed{}` invalidates, and both fields become '' when either part is missing. valid
 *   is the server's `q and a` test.
 */
export function parseChallengerOutput(text: string, mode: ParseMode = 'paper'): ChallengerParse {
  if (mode === 'official') return parseChallengerOfficial(text);
  const question = extractQuestion(text) ?? '';
  const answer = extractBoxed(text) ?? '';
  return { question, answer, valid: question !== '' && answer !== '' };
}

function parseChallengerOfficial(text: string): ChallengerParse {
  const questions = findQuestions(text);
  const boxed = extractBoxedOfficial(text);
  if (questions.length === 0 || boxed === '') return { question: '', answer: '', valid: false };
  const question = pyStrip(questions[questions.length - 1]);
  const answer = pyStrip(pyLastChar(boxed));
  return { question, answer, valid: question !== '' && answer !== '' };
}

export interface GeneratedQuestion {
  question: string;
  answer: string;
  /** 0 = kept for evaluation, -1 = unparseable (evaluate.py only grades score 0). */
  score: 0 | -1;
}

/** question_generate.py: the candidate question record written for Solver-data construction. */
export function parseGeneratedQuestion(response: string): GeneratedQuestion {
  const questions = findQuestions(response);
  const answers = extractAllBoxedOfficial(response);
  if (questions.length === 0 || answers.length === 0) {
    return { question: response, answer: '', score: -1 };
  }
  return {
    question: pyStrip(questions[questions.length - 1]),
    answer: pyStrip(answers[answers.length - 1]),
    score: 0,
  };
}

const THINK_FORMAT = /^<think>[\s\S]*<\/think>[\s\S]*\\boxed\{[\s\S]*\}[\s\S]*$/;

/** examples/reward_function/math.py `format_reward`: `<think>.*</think>.*\boxed{.*}.*` (DOTALL). */
export function thinkFormatValid(text: string): boolean {
  return THINK_FORMAT.test(text);
}
