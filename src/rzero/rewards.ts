/**
 * Challenger and Solver rewards (paper Sec. 3.2-3.3; RZERO.md steps 1 and 3).
 *
 * Challenger, paper form (default): r = max(0, r_unc - r_rep) for a valid completion, a
 * configurable reward for an invalid one (default 0), with r_unc = 1 - 2|p^ - 1/2| and
 * r_rep = lambda * |C_k| / B.
 * Challenger, official form (caller_penalty.py `compute_score`, verbatim expression
 * `(min(score, 1 - score) if question else -1) - penalty`): half-scale uncertainty, no clamp,
 * and the penalty is subtracted from the -1 of invalid items too.
 *
 * Solver: paper 1/0 accuracy of the boxed answer against the pseudo-label; official
 * examples/reward_function/math.py = 0.9 * accuracy + 0.1 * `<think>` format.
 */
import { answersEquivalent, gradeAnswer } from './answer-equivalence';
import { clusterShares, ClusterOptions } from './clustering';
import { majorityVote, MajorityVoteOptions, OFFICIAL_VOTE_OPTIONS } from './majority-vote';
import {
  extractBoxed,
  extractBoxedOfficial,
  parseChallengerOutput,
  ParseMode,
  thinkFormatValid,
} from './parsing';
import { PY_WHITESPACE_CLASS } from './py-compat';

/**
 * Uncertainty reward of an agreement p^: paper 1 - 2|p - 1/2| (1 at p = 1/2, 0 at p in {0, 1}),
 * or with form 'official' min(p, 1 - p) (the same ordering at half the scale).
 */
export function uncertaintyReward(p: number, form: 'paper' | 'official' = 'paper'): number {
  return form === 'official' ? uncertaintyRewardOfficial(p) : 1 - 2 * Math.abs(p - 0.5);
}

/** Official uncertainty term min(p, 1 - p) (half the paper's scale). */
export function uncertaintyRewardOfficial(p: number): number {
  return Math.min(p, 1 - p);
}

export interface RepetitionOptions extends ClusterOptions {
  /** Penalty weight lambda (official 1). */
  lambda?: number;
  /** BLEU-distance clustering threshold tau (official 0.5). */
  threshold?: number;
}

/** r_rep(x_i) = lambda * |C_k| / B over the whole batch (empty questions are singletons). */
export function repetitionPenalties(
  questions: readonly string[],
  opts: RepetitionOptions = {},
): number[] {
  const lambda = opts.lambda ?? 1;
  return clusterShares(questions, opts.threshold ?? 0.5, opts).map((s) => lambda * s);
}

export interface ChallengerRewardOptions {
  /** 'paper' (default): max(0, r_unc - r_rep) / invalidReward. 'official': compute_score's expression. */
  form?: 'paper' | 'official';
  /** Paper form: reward of an invalid completion (default 0; the official code gives -1 - penalty). */
  invalidReward?: number;
}

/** The Challenger reward of one completion from its validity, p^ and repetition penalty. */
export function challengerReward(
  item: { valid: boolean; p: number; penalty: number },
  opts: ChallengerRewardOptions = {},
): number {
  if (opts.form === 'official') {
    return (item.valid ? uncertaintyRewardOfficial(item.p) : -1) - item.penalty;
  }
  if (!item.valid) return opts.invalidReward ?? 0;
  return Math.max(0, uncertaintyReward(item.p) - item.penalty);
}

export interface ChallengerBatchOptions extends ChallengerRewardOptions, RepetitionOptions {
  /** How completions are parsed (default 'paper'). */
  parse?: ParseMode;
  /**
   * Which questions are clustered for r_rep: 'all' (default, official: invalid completions take
   * part as '' singletons and count in B) or 'valid' (B = number of valid completions).
   */
  penaltyScope?: 'all' | 'valid';
  /** A further check of a parsed question (e.g. the domain's grammar); false makes it invalid. */
  wellFormed?: ((question: string) => boolean) | null;
}

export interface ChallengerBatchItem {
  question: string;
  answer: string;
  valid: boolean;
  /** Solver agreement p^ (0 for invalid completions, which are not sent to the Solver). */
  p: number;
  penalty: number;
  reward: number;
}

/**
 * Rewards of a batch of Challenger completions. `agreement(question)` gives p^ from the frozen
 * Solver's majority vote (see `majorityVote`); it is only called for valid completions.
 */
export function challengerRewards(
  completions: readonly string[],
  agreement: (question: string) => number,
  opts: ChallengerBatchOptions = {},
): ChallengerBatchItem[] {
  const parsed = completions.map((c) =>
    checkedParse(parseChallengerOutput(c, opts.parse ?? 'paper'), opts.wellFormed),
  );
  const penalty = new Array<number>(parsed.length).fill(0);
  const scope =
    opts.penaltyScope === 'valid'
      ? parsed.flatMap((x, i) => (x.valid ? [i] : []))
      : parsed.map((_, i) => i);
  const shares = repetitionPenalties(
    scope.map((i) => (parsed[i].valid ? parsed[i].question : '')),
    opts,
  );
  scope.forEach((i, k) => (penalty[i] = shares[k]));
  return parsed.map((x, i) => {
    const p = x.valid ? agreement(x.question) : 0;
    return {
      ...x,
      p,
      penalty: penalty[i],
      reward: challengerReward({ valid: x.valid, p, penalty: penalty[i] }, opts),
    };
  });
}

/** `parse` made invalid (question and answer kept for the record) when `wellFormed` rejects it. */
export function checkedParse<T extends { question: string; valid: boolean }>(
  parse: T,
  wellFormed: ((question: string) => boolean) | null | undefined,
): T {
  if (!parse.valid || !wellFormed || wellFormed(parse.question)) return parse;
  return { ...parse, valid: false };
}

export interface ServerResult {
  question: string;
  /** Majority answer; '' when nothing was counted or the item was not sent. */
  answer: string;
  /** p^, or -1 for an item that was not sent to the solver. */
  score: number;
}

export interface OfficialScore {
  overall: number;
  format: 0 | 1;
  accuracy: number;
}

export interface ComputeScoreResult {
  items: { question: string; answer: string }[];
  server: ServerResult[];
  penalty: number[];
  scores: OfficialScore[];
}

/**
 * The whole official `compute_score` for a batch of Challenger completions. `solverOutputs`
 * returns the raw Solver samples for a question (the server samples m = 10). `cluster.singleItem`
 * defaults to 'share' (the official code raises on a batch of one).
 */
export function computeScoreOfficial(
  predicts: readonly string[],
  solverOutputs: (question: string) => readonly string[],
  opts: { vote?: MajorityVoteOptions; cluster?: ClusterOptions } = {},
): ComputeScoreResult {
  const items = predicts.map((p) => {
    const { question, answer } = parseChallengerOutput(p, 'official');
    return { question, answer };
  });
  const server = items.map(({ question, answer }) => {
    if (question === '' || answer === '') return { question, answer, score: -1 };
    const vote = majorityVote(
      solverOutputs(question).map(extractBoxedOfficial),
      opts.vote ?? OFFICIAL_VOTE_OPTIONS,
    );
    return { question, answer: vote.answer ?? '', score: vote.p };
  });
  const penalty = clusterShares(
    server.map((r) => r.question),
    0.5,
    opts.cluster,
  );
  const scores = server.map((r, i): OfficialScore => {
    const overall = challengerReward(
      { valid: r.question !== '', p: r.score, penalty: penalty[i] },
      { form: 'official' },
    );
    return { overall, format: r.question !== '' ? 1 : 0, accuracy: penalty[i] };
  });
  return { items, server, penalty, scores };
}

const TAG_SPACES = new RegExp(`[${PY_WHITESPACE_CLASS}]*(<|>|/)[${PY_WHITESPACE_CLASS}]*`, 'g');

/**
 * Solver reward for one completion against the pseudo-label y~.
 * - 'paper' (default): 1 if the last boxed answer is equivalent to y~, else 0.
 * - 'official': math.py `compute_score` with format_weight 0.1: whitespace around '<', '>', '/'
 *   is removed first (also inside the answer), then 0.9 * accuracy + 0.1 * `<think>` format.
 */
export function solverReward(
  completion: string,
  label: string,
  form: 'paper' | 'official' = 'paper',
): number {
  if (form === 'paper') {
    const answer = extractBoxed(completion);
    return answer !== null && answersEquivalent(answer, label) ? 1 : 0;
  }
  const predict = completion.replace(TAG_SPACES, '$1');
  // math.py `accuracy_reward` grades in one direction only: grade_answer(answer, ground_truth).
  const accuracy = gradeAnswer(extractBoxedOfficial(predict), label) ? 1 : 0;
  const format = thinkFormatValid(predict) ? 1 : 0;
  return (1 - 0.1) * accuracy + 0.1 * format;
}
