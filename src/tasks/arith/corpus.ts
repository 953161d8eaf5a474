/**
 * Pretraining corpus of the tiny arithmetic model: a seeded stream of documents drawn from the
 * pretraining distribution, mixing
 * - Solver examples:     solverPrompt(q) + "\n" + worked solution + <|eos|>
 * - Challenger examples: challengerPrompt() + "\n<question>q</question> \boxed{a}" + <|eos|>
 * Documents carry no <|bos|>: the service encodes prompts without special tokens, so the model
 * should learn to start right at "system: ". ARITH_CORPUS_RECIPE is the exact recipe to commit
 * beside the model; the stream is a pure function of it.
 */
import { allBenchmarkQuestions } from './benchmarks';
import { ARITH_PRETRAIN_KNOBS } from './distributions';
import { challengerCompletion, challengerPrompt, solverCompletion, solverPrompt } from './formats';
import { ArithKnobs, problemStream } from './generator';
import { ArithRng } from './prng';
import { ARITH_EOS } from './tokenizer';

export interface ArithCorpusRecipe {
  readonly version: 1;
  /** Seed of the problem stream; the role coin uses its own stream derived from it. */
  readonly seed: number;
  readonly documents: number;
  /** Share of Solver documents; the rest are Challenger documents. */
  readonly solverShare: number;
  readonly distribution: ArithKnobs;
  /** Keep every question of the built-in benchmarks out of the corpus. */
  readonly excludeBenchmarks: boolean;
}

/** 200k documents (about 19M characters), 80% Solver / 20% Challenger. */
export const ARITH_CORPUS_RECIPE: ArithCorpusRecipe = Object.freeze({
  version: 1,
  seed: 20_250_801,
  documents: 200_000,
  solverShare: 0.8,
  distribution: ARITH_PRETRAIN_KNOBS,
  excludeBenchmarks: true,
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

/** The recipe's documents in order (recipe.documents of them). */
export function* arithCorpus(
  recipe: ArithCorpusRecipe = ARITH_CORPUS_RECIPE,
): Generator<CorpusDocument> {
  checkRecipe(recipe);
  const exclude = recipe.excludeBenchmarks ? allBenchmarkQuestions() : new Set<string>();
  const problems = problemStream(recipe.seed, recipe.distribution, { exclude });
  const roles = new ArithRng((recipe.seed + ROLE_SEED_OFFSET) | 0);
  for (let index = 0; index < recipe.documents; index++) {
    const { question, answer } = problems.next().value!;
    const role: CorpusRole = roles.next() < recipe.solverShare ? 'solver' : 'challenger';
    yield makeDocument(index, role, question, answer);
  }
}

export function makeDocument(
  index: number,
  role: CorpusRole,
  question: string,
  answer: string,
): CorpusDocument {
  const prompt = role === 'solver' ? solverPrompt(question) : challengerPrompt();
  const completion =
    role === 'solver' ? solverCompletion(question) : challengerCompletion(question, answer);
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

function checkRecipe(r: ArithCorpusRecipe): void {
  if (r.version !== 1) throw new RangeError(`corpus recipe version ${String(r.version)}`);
  if (!Number.isInteger(r.documents) || r.documents < 0) {
    throw new RangeError(`corpus recipe documents ${r.documents}`);
  }
  if (!(r.solverShare >= 0 && r.solverShare <= 1)) {
    throw new RangeError(`corpus recipe solverShare ${r.solverShare}`);
  }
}
