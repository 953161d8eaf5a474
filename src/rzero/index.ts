/**
 * R-Zero's algorithm as pure functions (arXiv 2508.05004; shared/RZERO.md): parsing, answer
 * equivalence, majority vote, rewards, BLEU clustering, Solver-data filtering and GRPO maths,
 * and the co-evolution loop `coevolve` with its phases, on the engine.
 * Framework-free: no NestJS/TypeORM/Bull/Redis/pg imports.
 */
export {
  extractBoxed,
  extractBoxedOfficial,
  extractAllBoxedOfficial,
  extractQuestion,
  findQuestions,
  parseChallengerOutput,
  parseGeneratedQuestion,
  thinkFormatValid,
} from './parsing';
export type { ChallengerParse, GeneratedQuestion, ParseMode } from './parsing';

export {
  answersEquivalent,
  normalizeAnswer,
  gradeAnswer,
  graderNormalize,
  mathdNormalize,
  numericEqual,
  latexToText,
} from './answer-equivalence';

export {
  majorityVote,
  majorityVoteEvaluate,
  groupAnswers,
  OFFICIAL_VOTE_OPTIONS,
} from './majority-vote';
export type { MajorityVoteOptions, MajorityVoteResult } from './majority-vote';

export { sentenceBleu, sentenceBleuDetails, bleuFromTokens, tokenize } from './bleu';
export type { BleuDetails } from './bleu';

export {
  bleuDistanceMatrix,
  averageLinkage,
  clusterDistances,
  clusterShares,
  canonicalLabels,
} from './clustering';
export type { ClusterOptions, ClusteringResult, LinkageStep } from './clustering';

export {
  uncertaintyReward,
  uncertaintyRewardOfficial,
  repetitionPenalties,
  challengerReward,
  challengerRewards,
  computeScoreOfficial,
  solverReward,
} from './rewards';
export type {
  ChallengerBatchItem,
  ChallengerBatchOptions,
  ChallengerRewardOptions,
  ComputeScoreResult,
  OfficialScore,
  RepetitionOptions,
  ServerResult,
} from './rewards';

export { keepForSolver, evaluateDropReason, evaluateQuestion } from './filtering';
export type { EvaluateDropReason, EvaluatedQuestion, SolverFilterOptions } from './filtering';

export {
  grpoAdvantages,
  grpoTokenAdvantages,
  maskedMean,
  maskedMeanRows,
  maskedVar,
  policyLossTerms,
  klTerm,
  lowVarKl,
  computeKl,
  actorLoss,
  GRPO_EPS,
  MASK_EPS,
} from './grpo';
export type { ActorLoss, ActorLossOptions, ClipOptions, KlMode, PolicyLossTerms } from './grpo';

export { pySplit, pyStrip, fsum } from './py-compat';

// The co-evolution loop and its parts.
export {
  PRESETS,
  applyOverrides,
  domainConfigIssues,
  resolveConfig,
  validateConfig,
  RZeroConfigError,
} from './config';
export type {
  ChallengerConfig,
  ConfigIssue,
  EvaluationConfig,
  FilterConfig,
  OptimConfig,
  PresetName,
  RewardConfig,
  RZeroConfig,
  RZeroConfigOverrides,
  SamplingConfig,
  SolverConfig,
} from './config';
export { OFFICIAL_PROMPTS, OPEN_MATH_DOMAIN, questionCheckOf } from './domain';
export type { BenchmarkSet, Domain, DomainOracle, RolePrompts } from './domain';
export type {
  BenchmarkScore,
  CalibrationRow,
  ChallengerStepMetrics,
  CoevolveHooks,
  CurriculumItem,
  CurriculumStats,
  DifficultyHistogram,
  DropReason,
  IterationDiagnostics,
  IterationSummary,
  OracleVerdict,
  PairedCounts,
  Phase,
  Role,
  RZeroEvent,
  RZeroEventType,
  SolverStepMetrics,
  UpdateMetrics,
} from './events';
export { PromptRenderer, solverVotes } from './rollout';
export type { Votes } from './rollout';
export { trainChallenger } from './challenger-phase';
export { buildSolverDataset, curriculumStats } from './dataset';
export type { SolverDataset, SolverExample } from './dataset';
export { trainSolver } from './solver-phase';
export { evaluateModel, isCorrect } from './evaluation';
export { coevolve, iterationDir, RunStateError } from './coevolve';
export type { CoevolveBase, CoevolveOptions, CoevolveResult } from './coevolve';
export { RZeroAbortedError, phaseSeed } from './seeds';
export { parseBenchmarkJsonl } from './benchmark-file';
export type { BenchmarkLineError, ParsedBenchmark } from './benchmark-file';
export {
  DEFAULT_PROBE,
  calibrationTable,
  gateVerdict,
  pairedCounts,
  PROBE_REPORT_VERSION,
  probeDomain,
  probeMarkdown,
  shapeTable,
  signTestPValue,
} from './probe';
export type {
  BenchmarkProbe,
  ProbeInput,
  ProbeOptions,
  ProbeReport,
  ShapeRow,
  ShapedQuestion,
  VotedQuestion,
} from './probe';
