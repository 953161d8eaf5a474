/**
 * Majority vote over the Solver's m sampled answers: the pseudo-label y~ and its agreement p^
 * (paper Sec. 3.2 "Uncertainty Reward"; RZERO.md). Two official variants:
 * - `majorityVote`: the reward server (vllm_service_init/start_vllm_server.py `process_single`).
 *   Empty answers ('') are skipped but stay in the denominator: p^ = votes / answers.length.
 * - `majorityVoteEvaluate`: question_evaluate/evaluate.py (Solver dataset construction), which
 *   removes the empty answers first: p^ = votes / (number of non-empty answers).
 *
 * Shared grouping rules (golden README "Majority vote"): answers are taken in order; each joins
 * the FIRST existing group, in insertion order, whose key is equal to it, or (opt-in
 * `noSpaceQuirk`) shares the substring 'no ' with it case-insensitively (the official cheap check,
 * which merges "88 piano keys" with "no answer"), or is `answersEquivalent` to it; otherwise it
 * starts a new group. Ties go to the group inserted first (Python `max` over an insertion-ordered
 * dict). Nothing counted -> answer null, votes 0, p 0 (the server writes '' and 0.0).
 *
 * Inputs: the STRING 'None' (what mathruler returns for a missing box) is an ordinary answer, as
 * on the server: it can win and it counts. A null entry (our `extractBoxed` for a missing box) is
 * mapped by `missing`: 'none-string' (default, the official behaviour) turns it into 'None';
 * 'empty' treats it like '' (skipped, still in the server denominator).
 */
import { answersEquivalent } from './answer-equivalence';

export interface MajorityVoteOptions {
  /** Official `'no ' in a.lower() and 'no ' in b.lower()` merge (default false). */
  noSpaceQuirk?: boolean;
  /** Answer equivalence (default `answersEquivalent`); `(a, b) => a === b` gives exact match only. */
  equivalent?: (a: string, b: string) => boolean;
  /** How null entries map: 'none-string' (default, official) or 'empty'. */
  missing?: 'none-string' | 'empty';
}

/** The reward server's settings: the 'no ' quirk on, grader equivalence, null -> 'None'. */
export const OFFICIAL_VOTE_OPTIONS: Readonly<MajorityVoteOptions> = Object.freeze({
  noSpaceQuirk: true,
  missing: 'none-string',
});

export interface MajorityVoteResult {
  /** The majority answer (the first-seen member of the winning group), null if none counted. */
  answer: string | null;
  /** Size of the winning group. */
  votes: number;
  /** Agreement p^ = votes / denominator (see the variant). */
  p: number;
  /** Answers that were counted (non-empty). */
  counted: number;
}

interface Group {
  key: string;
  count: number;
}

function mapMissing(answers: readonly (string | null)[], opts: MajorityVoteOptions): string[] {
  const fill = opts.missing === 'empty' ? '' : 'None';
  return answers.map((a) => a ?? fill);
}

function matches(res: string, key: string, opts: MajorityVoteOptions): boolean {
  if (res === key) return true;
  if (opts.noSpaceQuirk && res.toLowerCase().includes('no ') && key.toLowerCase().includes('no ')) {
    return true;
  }
  return (opts.equivalent ?? answersEquivalent)(res, key);
}

/** Groups the non-empty answers; returns the groups in insertion order. */
export function groupAnswers(answers: readonly string[], opts: MajorityVoteOptions = {}): Group[] {
  const groups: Group[] = [];
  for (const res of answers) {
    if (res === '') continue;
    const g = groups.find((x) => matches(res, x.key, opts));
    if (g) g.count++;
    else groups.push({ key: res, count: 1 });
  }
  return groups;
}

function winner(groups: Group[]): Group | null {
  let best: Group | null = null;
  for (const g of groups) if (best === null || g.count > best.count) best = g;
  return best;
}

/** Reward-server majority vote: empties skipped but counted in the denominator. */
export function majorityVote(
  answers: readonly (string | null)[],
  opts: MajorityVoteOptions = {},
): MajorityVoteResult {
  const list = mapMissing(answers, opts);
  const best = winner(groupAnswers(list, opts));
  const counted = list.filter((a) => a !== '').length;
  if (best === null) return { answer: null, votes: 0, p: 0, counted };
  return { answer: best.key, votes: best.count, p: best.count / list.length, counted };
}

/** evaluate.py majority vote: empties removed before voting, so they leave the denominator. */
export function majorityVoteEvaluate(
  answers: readonly (string | null)[],
  opts: MajorityVoteOptions = {},
): MajorityVoteResult {
  const list = mapMissing(answers, opts).filter((a) => a !== '');
  const best = winner(groupAnswers(list, opts));
  if (best === null) return { answer: null, votes: 0, p: 0, counted: 0 };
  return { answer: best.key, votes: best.count, p: best.count / list.length, counted: list.length };
}
