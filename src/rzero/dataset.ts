/**
 * Phase 2 of an iteration: the Solver dataset (RZERO.md "Solver dataset construction"; paper
 * Sec. 3.3). The trained Challenger writes N candidate questions; the frozen previous Solver
 * answers each m times; the majority answer is the pseudo-label and p^ its agreement, computed as
 * question_evaluate/evaluate.py does (empty answers removed first); evaluate.py's content rules
 * apply; the filter band keeps questions of p^ near 1/2.
 *
 * Questions are generated in chunks of the Challenger's training batch (B x G), and every item
 * records the reward split the Challenger would get inside its chunk (uncertainty, repetition
 * penalty, cluster), so a curriculum can be read the way the Challenger was trained on it.
 */
import type { CausalLM } from '../engine';
import { clusterDistances, bleuDistanceMatrix } from './clustering';
import type { RZeroConfig } from './config';
import { questionCheckOf, type Domain } from './domain';
import type { CurriculumItem, CurriculumStats, DropReason } from './events';
import { evaluateDropReason, keepForSolver } from './filtering';
import { parseChallengerOutput } from './parsing';
import { checkedParse, uncertaintyReward } from './rewards';
import { PromptRenderer, mean, sample, solverVotes } from './rollout';
import { checkAborted, phaseSeed } from './seeds';

export interface DatasetInput {
  challenger: CausalLM;
  solver: CausalLM;
  render: PromptRenderer;
  domain: Domain;
  config: RZeroConfig;
  iteration: number;
  signal?: AbortSignal;
  onItem(item: CurriculumItem): Promise<void>;
  onProgress(done: number, total: number): Promise<void>;
}

export interface SolverExample {
  question: string;
  /** The majority-vote pseudo-label. */
  label: string;
}

export interface SolverDataset {
  items: CurriculumItem[];
  kept: SolverExample[];
  stats: CurriculumStats;
}

export async function buildSolverDataset(input: DatasetInput): Promise<SolverDataset> {
  const { config: c, iteration, render } = input;
  const total = c.challenger.questionsPerIteration;
  const chunk = c.challenger.batch * c.challenger.groupSize;
  const items: CurriculumItem[] = [];
  for (let start = 0, k = 0; start < total; start += chunk, k++) {
    checkAborted(input.signal);
    const n = Math.min(chunk, total - start);
    const seed = phaseSeed(c.seed, iteration, 'dataset', k);
    const prompts = Array.from({ length: n }, () => render.challenger());
    const raws = sample(
      input.challenger,
      render.tokenizer,
      prompts,
      c.challenger.generation,
      seed,
    ).map((s) => s.text);
    for (const item of judgeChunk(raws, start, input, seed)) {
      items.push(item);
      await input.onItem(item);
    }
    await input.onProgress(Math.min(total, start + n), total);
  }
  // R-Zero trains on the majority; the oracle control on the true answers of the same questions.
  const oracleLabels = c.solver.labels === 'oracle';
  const kept = items
    .filter((it) => it.kept)
    .map((it) => ({
      question: it.question,
      label: oracleLabels ? it.oracle!.answer! : it.majority!,
    }));
  return { items, kept, stats: curriculumStats(items, input.domain) };
}

/** Parses, votes on, scores and filters one chunk of Challenger outputs. */
function judgeChunk(
  raws: string[],
  offset: number,
  input: DatasetInput,
  seed: number,
): CurriculumItem[] {
  const { config: c, domain } = input;
  const wellFormed = questionCheckOf(c.reward.questionCheck, domain);
  const parsed = raws.map((r) => checkedParse(parseChallengerOutput(r), wellFormed));
  const questions = [...new Set(parsed.filter((p) => p.valid).map((p) => p.question))];
  const votes = new Map(
    solverVotes(input.solver, input.render, questions, c.votes, c.solver.voting, seed ^ 0x5eed).map(
      (v, i) => [questions[i]!, v],
    ),
  );
  // Repetition inside the chunk, as the Challenger's reward sees it (invalid outputs are '' singletons).
  const clustering = clusterDistances(
    bleuDistanceMatrix(parsed.map((p) => (p.valid ? p.question : ''))),
    c.reward.clusterThreshold,
  );
  const lambda = c.reward.repetitionPenalty ? c.reward.penaltyWeight : 0;
  return parsed.map((p, i): CurriculumItem => {
    const v = p.valid ? votes.get(p.question)! : null;
    const majority = v?.evaluate.answer ?? null;
    const pHat = v?.evaluate.p ?? 0;
    const oracle = p.valid && domain.oracle ? domain.oracle.verdict(p.question, majority) : null;
    let dropReason = p.valid ? dropReasonOf(p.question, majority, pHat, c) : 'invalid';
    if (dropReason === null && c.solver.labels === 'oracle' && !oracle?.answerable)
      dropReason = 'unanswerable';
    return {
      index: offset + i,
      raw: raws[i]!,
      question: p.question,
      challengerAnswer: p.answer,
      solverAnswers: v?.answers ?? [],
      majority,
      p: pHat,
      uncertainty: p.valid ? uncertaintyReward(pHat, c.reward.uncertainty) : 0,
      repetitionPenalty: p.valid ? lambda * clustering.shares[i]! : 0,
      cluster: p.valid ? clustering.labels[i]! : -1,
      kept: dropReason === null,
      dropReason,
      oracle,
    };
  });
}

function dropReasonOf(
  question: string,
  majority: string | null,
  p: number,
  c: RZeroConfig,
): DropReason | null {
  if (majority === null || majority === '' || majority === 'None') return 'no-answer';
  const content = evaluateDropReason(question, majority);
  if (content) return content;
  if (!c.filter.enabled) return null;
  const f = {
    mode: c.filter.mode,
    minP: c.filter.minP,
    maxP: c.filter.maxP,
    delta: c.filter.delta,
  };
  if (keepForSolver(p, majority, f)) return null;
  return p > 0.5 ? 'too-easy' : 'too-hard';
}

export function curriculumStats(items: readonly CurriculumItem[], domain: Domain): CurriculumStats {
  const valid = items.filter((it) => it.dropReason !== 'invalid');
  const kept = items.filter((it) => it.kept);
  const pHistogram = new Array<number>(10).fill(0);
  for (const it of valid) pHistogram[Math.min(9, Math.floor(it.p * 10 + 1e-9))]!++;
  const dropReasons: Partial<Record<DropReason, number>> = {};
  for (const it of items)
    if (it.dropReason) dropReasons[it.dropReason] = (dropReasons[it.dropReason] ?? 0) + 1;
  const oracle = domain.oracle;
  return {
    generated: items.length,
    valid: valid.length,
    kept: kept.length,
    keptShare: items.length === 0 ? 0 : kept.length / items.length,
    pHistogram,
    meanP: mean(valid.map((it) => it.p)),
    dropReasons,
    oracleKept: oracle
      ? oracle.stats(
          kept.map((it) => it.question),
          kept.map((it) => it.majority),
        )
      : null,
    oracleAll: oracle
      ? oracle.stats(
          valid.map((it) => it.question),
          valid.map((it) => it.majority),
        )
      : null,
  };
}
