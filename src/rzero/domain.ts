/**
 * What a co-evolution run needs to know about its task domain: the prompts of the two roles, an
 * optional exact oracle (a domain whose truth is computable, such as the built-in arithmetic one,
 * so a run can measure what the paper could only estimate), and the held-out benchmarks.
 */
import type { OracleVerdict } from './events';

/** System and user texts, rendered through the model's chat template (or the plain R-Zero format). */
export interface RolePrompts {
  challengerSystem: string;
  challengerUser: string;
  solverSystem: string;
}

/**
 * The prompts of the official code, in substance (RZERO.md "Prompts"): the Challenger is a
 * competition-math problem setter that answers with one `<question>` and one `\boxed{}`; the
 * Solver gets the standard step-by-step instruction and the question as the user turn.
 */
export const OFFICIAL_PROMPTS: Readonly<RolePrompts> = Object.freeze({
  challengerSystem:
    'You are an expert setter of competition mathematics problems. Think about the problem ' +
    'privately first, then write exactly one new problem inside <question></question>, ' +
    'followed by its final answer as \\boxed{final_answer}, and nothing else.',
  challengerUser: 'Generate one new, challenging reasoning question now.',
  solverSystem: 'Please reason step by step, and put your final answer within \\boxed{}.',
});

export interface DomainOracle {
  /** The truth about one question and its pseudo-label. */
  verdict(question: string, label: string | null): OracleVerdict;
  /** Aggregate statistics of questions and their pseudo-labels (JSON-serialisable). */
  stats(questions: readonly string[], labels: readonly (string | null)[]): Record<string, unknown>;
  /** Difficulty measures of one question (e.g. steps, digits), or null when it has none. */
  difficulty?(question: string): Record<string, number> | null;
}

export interface Domain {
  name: string;
  prompts: RolePrompts;
  oracle: DomainOracle | null;
  /**
   * The domain's grammar check of a question (config `reward.questionCheck: 'domain'`): true when
   * the text is a question of the domain's language. It judges form only, never the answer, so a
   * Challenger output that has both tags but no parseable question is invalid, as the official
   * format check treats a missing tag. Null when the domain has no grammar (open math).
   */
  wellFormed: ((question: string) => boolean) | null;
}

export interface BenchmarkSet {
  name: string;
  items: readonly { question: string; answer: string }[];
}

/** A domain without an oracle: the official prompts, for any math-capable base model. */
export const OPEN_MATH_DOMAIN: Readonly<Domain> = Object.freeze({
  name: 'math',
  prompts: OFFICIAL_PROMPTS,
  oracle: null,
  wellFormed: null,
});

/**
 * The question check a run applies on top of the tag parse: the domain's grammar under
 * `reward.questionCheck: 'domain'`, else none (validated by domainConfigIssues).
 */
export function questionCheckOf(
  check: 'tags' | 'domain',
  domain: Pick<Domain, 'wellFormed'>,
): ((question: string) => boolean) | null {
  return check === 'domain' ? domain.wellFormed : null;
}
