/**
 * Built-in synthetic arithmetic domain: questions whose truth is computable, so a run can measure
 * what the R-Zero paper could only estimate (true pseudo-label accuracy, answerable share,
 * difficulty), plus the formats, tokenizer and corpus of the tiny character-level base model.
 */
export { ArithRng } from './prng';
export {
  ARITH_OPS,
  DOMAIN_LIMITS,
  applyOp,
  evaluate,
  parseQuestion,
  questionDifficulty,
  solveQuestion,
} from './oracle';
export type {
  Answered,
  ArithOp,
  Difficulty,
  DomainLimits,
  Expr,
  OracleResult,
  ParseOutcome,
  Unanswerable,
  UnanswerableCode,
} from './oracle';
export {
  MAX_ABS_CAP,
  generateProblem,
  generateProblems,
  problemStream,
  validateKnobs,
} from './generator';
export type { ArithKnobs, ArithProblem, GenerateOptions } from './generator';
export {
  CHALLENGER_SYSTEM,
  CHALLENGER_USER,
  COMPLETION_PREFIX,
  SOLVER_SYSTEM,
  boxed,
  challengerCompletion,
  challengerPrompt,
  maxSolutionChars,
  maxStepLineChars,
  plainPrompt,
  solutionSteps,
  solverCompletion,
  solverPrompt,
  stepLine,
} from './formats';
export {
  ARITH_BENCHMARK_NAMES,
  ARITH_BENCHMARK_SPECS,
  ARITH_BEYOND_KNOBS,
  ARITH_FRONTIER_KNOBS,
  ARITH_PRETRAIN_KNOBS,
  ARITH_SMALL_BENCHMARK_NAMES,
  ARITH_SMALL_PRETRAIN_KNOBS,
  ARITH_WIDE_KNOBS,
} from './distributions';
export type {
  ArithBenchmarkName,
  ArithBenchmarkSpec,
  ArithSmallBenchmarkName,
  ArithTinyBenchmarkName,
} from './distributions';
export {
  ALL_ARITH_BENCHMARK_NAMES,
  allBenchmarkQuestions,
  arithBenchmark,
  buildBenchmark,
} from './benchmarks';
export type { BenchmarkItem } from './benchmarks';
export { greedyAccuracy, meanAtK, meanDifficulty, oracleStats } from './metrics';
export type { HasAnswer, MeanDifficulty, OracleStats } from './metrics';
export {
  ARITH_BOS,
  ARITH_CHARS,
  ARITH_EOS,
  ARITH_MODEL_MAX_LENGTH,
  ARITH_PAD,
  ARITH_SPECIAL_TOKENS,
  arithTokenizer,
  arithTokenizerFiles,
} from './tokenizer';
export type { ArithTokenizerFiles } from './tokenizer';
export {
  ARITH_CORPUS_RECIPE,
  ARITH_SMALL_ENDS_RECIPE,
  ARITH_SMALL_ENDS_R_RECIPE,
  ARITH_SMALL_REORDER_RECIPE,
  ARITH_SMALL_REORDER_C5_RECIPE,
  ARITH_SMALL_CHALLENGER_C5_RECIPE,
  ARITH_SMALL_CORPUS_RECIPE,
  arithCorpus,
  markerPositions,
  makeDocument,
} from './corpus';
export type {
  ArithCorpusRecipe,
  ChallengerMixPart,
  CorpusDocument,
  CorpusRole,
  SolutionFormat,
} from './corpus';
export { endsSteps, renderNode, reorderSteps, rewriteSteps } from './rewrite';
export { ARITH_DOMAIN, arithBenchmarkSets } from './domain';
