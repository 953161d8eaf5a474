/**
 * R-Zero's algorithm as pure functions (arXiv 2508.05004; shared/RZERO.md): parsing, answer
 * equivalence, majority vote, rewards, BLEU clustering, Solver-data filtering and GRPO maths.
 * Framework-free: no NestJS/TypeORM/Bull/Redis/pg and no tfjs here.
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
