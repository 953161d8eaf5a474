/**
 * Pretraining corpus of the tiny arithmetic model: a seeded stream of documents drawn from the
 * pretraining distribution, mixing
 * - Solver examples:     solverPrompt(q) + "\n" + worked solution + <|eos|>
 * - Challenger examples: challengerPrompt() + "\n<question>q</question> \boxed{a}" + <|eos|>
 * Documents carry no <|bos|>: the service encodes prompts without special tokens, so the model
 * should learn to start right at "system: ". ARITH_CORPUS_RECIPE is the exact recipe to commit
 * beside the model; the stream is a pure function of it.
 */
import { ALL_ARITH_BENCHMARK_NAMES, allBenchmarkQuestions } from './benchmarks';
import {
  ARITH_BENCHMARK_NAMES,
  ARITH_BEYOND_KNOBS,
  ARITH_FRONTIER_KNOBS,
  ARITH_PRETRAIN_KNOBS,
  ARITH_SMALL_PRETRAIN_KNOBS,
  ARITH_WIDE_KNOBS,
} from './distributions';
import {
  COMPLETION_PREFIX,
  challengerCompletion,
  challengerPrompt,
  solverCompletion,
  solverPrompt,
} from './formats';
import { ArithKnobs, problemStream } from './generator';
import { ArithRng } from './prng';
import { ENDS_RIGHT_SHARE, endsSteps, reorderSteps, rewriteSteps } from './rewrite';
import { ARITH_EOS } from './tokenizer';

export interface ChallengerMixPart {
  /** Share of the role's documents whose question comes from `knobs`. */
  readonly share: number;
  readonly knobs: ArithKnobs;
}

export interface ArithCorpusRecipe {
  /** 1: arith-tiny's corpus. 2: adds challengerMix and keeps every benchmark's items out. */
  readonly version: 1 | 2;
  /** Seed of the problem stream; the role coin uses its own stream derived from it. */
  readonly seed: number;
  readonly documents: number;
  /** Share of Solver documents; the rest are Challenger documents. */
  readonly solverShare: number;
  readonly distribution: ArithKnobs;
  /** Keep every question of the built-in benchmarks out of the corpus. */
  readonly excludeBenchmarks: boolean;
  /**
   * v2: the Challenger's support past the Solver's. A Challenger document takes its question
   * from one of these distributions with its share, else from `distribution`; Solver documents
   * always use `distribution`.
   */
  readonly challengerMix?: readonly ChallengerMixPart[];
  /**
   * v2: the same for Solver documents (worked solutions): a thin tail of shapes past
   * `distribution`, so the base Solver has seen them, rarely.
   */
  readonly solverMix?: readonly ChallengerMixPart[];
  /**
   * v2: the Solver documents' worked solution: 'steps' (one "a op b=c" line per operation, v1's),
   * 'rewrite' (the remaining expression after each operation, rewrite.ts) or 'ends' (the
   * same, each line marked l or r and combining the leftmost or the rightmost ready pair, drawn
   * from the recipe's own stream) or 'reorder' (a first line writing the signed terms in an order
   * drawn from that stream, then the leftmost pair combined line by line, marked l).
   */
  readonly solution?: SolutionFormat;
  /** v2, 'ends' only: the share of `r` lines (ENDS_RIGHT_SHARE when absent). */
  readonly rightShare?: number;
  /**
   * v2, 'ends' only: false = the l/r markers carry no loss (markerPositions finds them; the
   * pretraining weighs them 0). A stage that trains the `r` end more often than its share then
   * leaves the model's choice of end as the stage before taught it: the skill of each end trains,
   * the coin does not move. True when absent.
   */
  readonly markerLoss?: boolean;
}

export type SolutionFormat = 'steps' | 'rewrite' | 'ends' | 'reorder';

/** 200k documents (about 19M characters), 80% Solver / 20% Challenger. */
export const ARITH_CORPUS_RECIPE: ArithCorpusRecipe = Object.freeze({
  version: 1,
  seed: 20_250_801,
  documents: 200_000,
  solverShare: 0.8,
  distribution: ARITH_PRETRAIN_KNOBS,
  excludeBenchmarks: true,
});

/**
 * The corpus of arith-small: Solver documents from the v2 pretraining distribution (2-4 operands,
 * 1-2 digits, + and -), worked as rewrites of the remaining expression, with a thin tail (1% each)
 * of frontier (5 operands) and wide (3-digit) problems; a quarter of the Challenger documents pose
 * frontier or wide questions, so the base Challenger writes the shapes the Solver has seen only
 * rarely. Why the tail: without it (the recipe before, stopped at step 2,194) the Solver never
 * extrapolated to a fifth operand: greedy 5-8% on arith-frontier at steps 1,500-2,121, its first
 * line dropping an operand on most questions, an error majority voting cannot correct.
 */
export const ARITH_SMALL_CORPUS_RECIPE: ArithCorpusRecipe = Object.freeze({
  version: 2,
  seed: 20_261_129,
  documents: 2_000_000,
  solverShare: 0.8,
  distribution: ARITH_SMALL_PRETRAIN_KNOBS,
  excludeBenchmarks: true,
  solution: 'rewrite',
  challengerMix: Object.freeze([
    Object.freeze({ share: 0.125, knobs: ARITH_FRONTIER_KNOBS }),
    Object.freeze({ share: 0.125, knobs: ARITH_WIDE_KNOBS }),
  ]),
  solverMix: Object.freeze([
    Object.freeze({ share: 0.01, knobs: ARITH_FRONTIER_KNOBS }),
    Object.freeze({ share: 0.01, knobs: ARITH_WIDE_KNOBS }),
  ]),
});

/**
 * Stage 2 of arith-small (a continuation of the stage above, from its weights): the Solver
 * documents are worked from either end (rewrite.ts, endsSteps: each line combines the leftmost or
 * the rightmost ready pair, marked l or r), so that samples of one question take different paths
 * and their slips stop agreeing; the notch is the operand count only. The probe of stage 1 found
 * the 3-digit shape's wrong majorities (carry slips repeated in most votes: 12 of 34 band
 * questions right), so no document has 3-digit operands any more; a Challenger document poses a
 * 5-operand question (15%) or a 6-operand one (15%, arith-beyond's shape), and the Solver
 * documents keep a 2% tail of 5 operands. Six operands are in no Solver document.
 */
export const ARITH_SMALL_ENDS_RECIPE: ArithCorpusRecipe = Object.freeze({
  version: 2,
  seed: 20_261_130,
  documents: 2_000_000,
  solverShare: 0.8,
  distribution: ARITH_SMALL_PRETRAIN_KNOBS,
  excludeBenchmarks: true,
  solution: 'ends',
  challengerMix: Object.freeze([
    Object.freeze({ share: 0.15, knobs: ARITH_FRONTIER_KNOBS }),
    Object.freeze({ share: 0.15, knobs: ARITH_BEYOND_KNOBS }),
  ]),
  solverMix: Object.freeze([Object.freeze({ share: 0.02, knobs: ARITH_FRONTIER_KNOBS })]),
});

/**
 * Stage 3 of arith-small (from stage 2's weights): the `r` end trained up to the `l` end. After
 * stage 2 a sampled `r` line was the weak link (on 4-operand questions, 32% of the samples that
 * began with `r` were right against 75% of those that began with `l`; greedy 88%): its copy was
 * right and its sum wrong (65-30+99-3 -> r=65-30+86), a skill stage 2 showed on 40% of lines for
 * 900 steps. Here 70% of lines are `r`, and the markers carry no loss, so the model's choice of
 * end stays where stage 2 left it. The rest is stage 2's recipe. Measured after two runs of it
 * (stages 3 and 4, docs/rzero.md): no greedy answer of 150 began with `r`, a third of the samples
 * did, and votes beginning with `r` on 5-operand questions were right 37% of the time (was 3%).
 */
export const ARITH_SMALL_ENDS_R_RECIPE: ArithCorpusRecipe = Object.freeze({
  ...ARITH_SMALL_ENDS_RECIPE,
  seed: 20_261_202,
  rightShare: 0.7,
  markerLoss: false,
});

/**
 * Stage 7 of arith-small (from stage 6's weights): every question worked in an order of its own
 * (rewrite.ts, reorderSteps: a first line writes the signed terms in a random order, then the
 * leftmost pair is combined line by line), so that each sample does its own partial sums with the
 * `l` skill, the model's best; no `r` lines. The problems and mixes are stage 2's. Measured on
 * stage 6 before it (its gate's band, each question asked in 10 orders): the majority over
 * orders right on 87.6% against 73.3% greedy, where the majority of ordinary votes was not
 * clearly above greedy.
 */
export const ARITH_SMALL_REORDER_RECIPE: ArithCorpusRecipe = Object.freeze({
  ...ARITH_SMALL_ENDS_RECIPE,
  seed: 20_261_206,
  solution: 'reorder',
});

/**
 * Stage 9 of arith-small (from stage 8's weights): stage 7's Solver documents, and Challenger
 * documents that stop at the frontier: 30% pose a 5-operand question, none a 6-operand one. Why:
 * in the replication on stage 8 (docs/rzero.md, "Seventh") the Challenger drifted to 6-operand
 * questions (mean operands of kept questions 3.90 -> 4.21 -> 4.44), a shape in no Solver document,
 * whose kept majority labels were right on 0-13% of them (5 operands: 66-84%). The Challenger's
 * support now ends one notch past the Solver's bulk, where its labels are good; arith-beyond's
 * shape is in no document of either role.
 */
export const ARITH_SMALL_REORDER_C5_RECIPE: ArithCorpusRecipe = Object.freeze({
  ...ARITH_SMALL_REORDER_RECIPE,
  seed: 20_261_208,
  challengerMix: Object.freeze([Object.freeze({ share: 0.3, knobs: ARITH_FRONTIER_KNOBS })]),
});

/**
 * A stage 9 measured and not shipped (from stage 8's weights): the Challenger documents of the
 * recipe above alone, meant to move the Challenger's questions and leave the Solver where stage 8
 * left it. It did not leave it: 300 steps at lr 1e-4 took greedy arith-frontier from 51.0% to
 * 25.8% on all 500 items (arith-in 91.6% -> 90.2%), and the majority of 10 was no longer above
 * greedy there; its gate's band majority was 76.4% (the recipe above, shipped: 92.2%).
 */
export const ARITH_SMALL_CHALLENGER_C5_RECIPE: ArithCorpusRecipe = Object.freeze({
  ...ARITH_SMALL_REORDER_C5_RECIPE,
  seed: 20_261_209,
  solverShare: 0,
});

export type CorpusRole = 'solver' | 'challenger';

export interface CorpusDocument {
  index: number;
  role: CorpusRole;
  question: string;
  answer: string;
  prompt: string;
  /** What the model should generate after the prompt, without <|eos|>. */
  completion: string;
  /** prompt + completion + <|eos|>: the training text. */
  text: string;
}

/** Golden-ratio offset so the role coin is independent of the problem stream. */
const ROLE_SEED_OFFSET = 0x9e3779b9;
/** Offsets of the Challenger mix's coin and streams (v2). */
const MIX_SEED_OFFSET = 0x7f4a7c15;
/** Offsets of the Solver mix's coin and streams (v2). */
const SOLVER_MIX_SEED_OFFSET = 0x3c6ef372;
/** Offset of the stream that draws the ends solutions' sides and the reordered ones' orders. */
const ORDER_SEED_OFFSET = 0x1b873593;

/** The recipe's documents in order (recipe.documents of them). */
export function* arithCorpus(
  recipe: ArithCorpusRecipe = ARITH_CORPUS_RECIPE,
): Generator<CorpusDocument> {
  checkRecipe(recipe);
  const exclude = recipe.excludeBenchmarks
    ? allBenchmarkQuestions(
        recipe.version === 1 ? ARITH_BENCHMARK_NAMES : ALL_ARITH_BENCHMARK_NAMES,
      )
    : new Set<string>();
  const problems = problemStream(recipe.seed, recipe.distribution, { exclude });
  const roles = new ArithRng((recipe.seed + ROLE_SEED_OFFSET) | 0);
  const mixOf = (parts: readonly ChallengerMixPart[] | undefined, offset: number) => ({
    coin: new ArithRng((recipe.seed + offset) | 0),
    parts: (parts ?? []).map((part, i) => ({
      share: part.share,
      stream: problemStream((recipe.seed + offset * (i + 1)) | 0, part.knobs, { exclude }),
    })),
  });
  const mixes = {
    challenger: mixOf(recipe.challengerMix, MIX_SEED_OFFSET),
    solver: mixOf(recipe.solverMix, SOLVER_MIX_SEED_OFFSET),
  };
  const order = new ArithRng((recipe.seed + ORDER_SEED_OFFSET) | 0);
  for (let index = 0; index < recipe.documents; index++) {
    if (recipe.version === 1) {
      // v1 draws the problem before the role: arith-tiny's corpus stays what it was.
      const { question, answer } = problems.next().value!;
      const role: CorpusRole = roles.next() < recipe.solverShare ? 'solver' : 'challenger';
      yield makeDocument(index, role, question, answer);
      continue;
    }
    const role: CorpusRole = roles.next() < recipe.solverShare ? 'solver' : 'challenger';
    let source = problems;
    const mix = mixes[role];
    if (mix.parts.length > 0) {
      let u = mix.coin.next();
      for (const part of mix.parts) {
        if (u < part.share) {
          source = part.stream;
          break;
        }
        u -= part.share;
      }
    }
    const { question, answer } = source.next().value!;
    yield makeDocument(
      index,
      role,
      question,
      answer,
      recipe.solution ?? 'steps',
      order,
      recipe.rightShare ?? ENDS_RIGHT_SHARE,
    );
  }
}

export function makeDocument(
  index: number,
  role: CorpusRole,
  question: string,
  answer: string,
  solution: SolutionFormat = 'steps',
  /** Draws the ends solution's sides or the reordered one's order (Solver documents only). */
  order: ArithRng = new ArithRng(index),
  rightShare = ENDS_RIGHT_SHARE,
): CorpusDocument {
  const prompt = role === 'solver' ? solverPrompt(question) : challengerPrompt();
  const worked = () =>
    solution === 'rewrite'
      ? COMPLETION_PREFIX + rewriteSteps(question)
      : solution === 'ends'
        ? COMPLETION_PREFIX + endsSteps(question, order, rightShare)
        : solution === 'reorder'
          ? COMPLETION_PREFIX + reorderSteps(question, order)
          : solverCompletion(question);
  const completion = role === 'solver' ? worked() : challengerCompletion(question, answer);
  return {
    index,
    role,
    question,
    answer,
    prompt,
    completion,
    text: prompt + completion + ARITH_EOS,
  };
}

/**
 * Character offsets of the end markers in a worked solution: the `l` or `r` that starts a line
 * and is followed by "=" (the ends format; none in the others).
 */
export function markerPositions(completion: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < completion.length - 1; i++) {
    const c = completion[i];
    if (
      (c === 'l' || c === 'r') &&
      completion[i + 1] === '=' &&
      (i === 0 || completion[i - 1] === '\n')
    )
      out.push(i);
  }
  return out;
}

function checkRecipe(r: ArithCorpusRecipe): void {
  if (r.version !== 1 && r.version !== 2) {
    throw new RangeError(`corpus recipe version ${String(r.version)}`);
  }
  const mixes = { challengerMix: r.challengerMix ?? [], solverMix: r.solverMix ?? [] };
  if (
    r.version === 1 &&
    (mixes.challengerMix.length > 0 ||
      mixes.solverMix.length > 0 ||
      (r.solution ?? 'steps') !== 'steps')
  ) {
    throw new RangeError('corpus recipe: mixes and the rewrite solutions need version 2');
  }
  for (const [name, parts] of Object.entries(mixes)) {
    const mixShare = parts.reduce((n, p) => n + p.share, 0);
    if (!(mixShare >= 0 && mixShare <= 1)) {
      throw new RangeError(`corpus recipe ${name} shares sum to ${mixShare}`);
    }
  }
  if (!Number.isInteger(r.documents) || r.documents < 0) {
    throw new RangeError(`corpus recipe documents ${r.documents}`);
  }
  if (!(r.solverShare >= 0 && r.solverShare <= 1)) {
    throw new RangeError(`corpus recipe solverShare ${r.solverShare}`);
  }
  if ((r.rightShare !== undefined || r.markerLoss !== undefined) && r.solution !== 'ends') {
    throw new RangeError('corpus recipe: rightShare and markerLoss belong to the ends solutions');
  }
  if (r.rightShare !== undefined && !(r.rightShare >= 0 && r.rightShare <= 1)) {
    throw new RangeError(`corpus recipe rightShare ${r.rightShare}`);
  }
}
