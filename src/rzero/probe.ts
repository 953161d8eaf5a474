/**
 * The gate before a replication (issue: "a domain whose frontier the base model can reach"): does
 * majority voting give labels worth training on, for the questions R-Zero would keep?
 *
 * The base model plays both roles, as in iteration 1: as Challenger it writes questions (the
 * dataset phase's sampling), as Solver it answers each m times (the voting sampling). With the
 * domain's oracle every question's majority is checked. Reported:
 * - a calibration table: majority accuracy by p^ (one row per vote count k of m);
 * - inside the filter band: majority accuracy (gate: >= 60%) and the share of questions with at
 *   least one correct vote (gate: >= 70%);
 * - per benchmark: greedy accuracy and majority-of-m accuracy (a frontier benchmark should sit at
 *   20-50% greedy with the majority clearly above).
 * Nothing here trains; the same model and seed give the same report.
 */
import type { CausalLM } from '../engine';
import { answersEquivalent } from './answer-equivalence';
import type { FilterConfig, SamplingConfig } from './config';
import type { BenchmarkSet, Domain } from './domain';
import type { CalibrationRow, PairedCounts } from './events';
import { keepForSolver } from './filtering';
import { isCorrect } from './evaluation';
import { majorityVoteEvaluate } from './majority-vote';
import { extractBoxed, parseChallengerOutput } from './parsing';
import { PromptRenderer, sample, solverVotes } from './rollout';

export interface ProbeOptions {
  /** Challenger completions to sample. */
  questions: number;
  /** m: Solver answers per question. */
  votes: number;
  seed: number;
  generation: SamplingConfig;
  voting: SamplingConfig;
  filter: FilterConfig;
  /** Greedy decoding budget on the benchmarks. */
  maxNewTokens: number;
  /** Benchmark items used per set (0 = all). */
  benchmarkItems: number;
  /** Gate thresholds inside the band. */
  minBandMajorityAccuracy: number;
  minBandAnyCorrect: number;
}

export const DEFAULT_PROBE: Omit<ProbeOptions, 'generation' | 'voting' | 'filter'> = {
  questions: 512,
  votes: 10,
  seed: 1,
  maxNewTokens: 128,
  benchmarkItems: 200,
  minBandMajorityAccuracy: 0.6,
  minBandAnyCorrect: 0.7,
};

/** One question's vote as the calibration sees it. */
export interface VotedQuestion {
  /** p^ (evaluate.py semantics: the majority's share of non-empty answers). */
  p: number;
  majorityCorrect: boolean;
  anyCorrect: boolean;
}

/** Majority accuracy by p^, one row per k = round(p^ * m), k = 1..m. */
export function calibrationTable(rows: readonly VotedQuestion[], m: number): CalibrationRow[] {
  const out: CalibrationRow[] = [];
  for (let k = 1; k <= m; k++) {
    const inRow = rows.filter((r) => Math.round(r.p * m) === k);
    const share = (f: (r: VotedQuestion) => boolean) =>
      inRow.length === 0 ? null : inRow.filter(f).length / inRow.length;
    out.push({
      k,
      p: k / m,
      questions: inRow.length,
      majorityAccuracy: share((r) => r.majorityCorrect),
      anyCorrectShare: share((r) => r.anyCorrect),
    });
  }
  return out;
}

export interface BenchmarkProbe {
  name: string;
  items: number;
  greedy: number;
  /** Accuracy of the majority of m sampled answers. */
  majority: number;
  /** Mean accuracy of the m samples. */
  meanAtM: number;
}

export interface ProbeReport {
  generated: number;
  /** Completions with a parseable question and answer. */
  valid: number;
  /** Distinct valid questions the oracle can answer (the rest cannot be checked). */
  answerable: number;
  calibration: CalibrationRow[];
  band: { questions: number; majorityAccuracy: number | null; anyCorrectShare: number | null };
  all: { questions: number; majorityAccuracy: number | null; anyCorrectShare: number | null };
  /**
   * Greedy accuracy (oracle) on the same questions, inside the band and in all: what the majority
   * labels must beat to teach a greedily decoded Solver anything.
   */
  greedy: { band: number | null; all: number | null };
  /**
   * The majority against greedy question by question: a label teaches a greedily decoded Solver
   * only where the majority alone is right, and teaches it wrong where greedy alone is.
   */
  paired: { band: PairedCounts; all: PairedCounts };
  gate: { passed: boolean; reasons: string[] };
  benchmarks: BenchmarkProbe[];
  /**
   * The same figures by the questions' shape (one row per value of each of the oracle's
   * difficulty measures, e.g. arith's steps): which shapes the base Challenger writes, and where
   * inside the band its majority labels are right. Null when the oracle measures no difficulty.
   */
  shapes: ShapeRow[] | null;
}

/**
 * The version of ProbeReport's fields. A cached report (the replication's `gate.json`) of another
 * version is sampled again instead of reused, so a report written before a field existed (the
 * shape table, version 2) never reaches a new report without it. Bump it with every field added or
 * changed.
 */
export const PROBE_REPORT_VERSION = 2;

/** The questions of one value of one difficulty measure. */
export interface ShapeRow {
  measure: string;
  value: number;
  questions: number;
  /** Of those, inside the filter band. */
  inBand: number;
  band: { majorityAccuracy: number | null; greedyAccuracy: number | null };
  all: { majorityAccuracy: number | null; greedyAccuracy: number | null };
}

/** The rows of shapeTable: questions with their difficulty and the probe's verdicts. */
export interface ShapedQuestion {
  difficulty: Record<string, number> | null;
  inBand: boolean;
  majorityCorrect: boolean;
  greedyCorrect: boolean;
}

/** Majority and greedy accuracy by each measure's value, in all and inside the band. */
export function shapeTable(rows: readonly ShapedQuestion[]): ShapeRow[] {
  const groups = new Map<string, { measure: string; value: number; rows: ShapedQuestion[] }>();
  for (const r of rows) {
    for (const [measure, value] of Object.entries(r.difficulty ?? {})) {
      const key = `${measure}\u0000${value}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { measure, value, rows: [] }));
      g.rows.push(r);
    }
  }
  const share = (rs: readonly ShapedQuestion[], f: (r: ShapedQuestion) => boolean) =>
    rs.length === 0 ? null : rs.filter(f).length / rs.length;
  const figures = (rs: readonly ShapedQuestion[]) => ({
    majorityAccuracy: share(rs, (r) => r.majorityCorrect),
    greedyAccuracy: share(rs, (r) => r.greedyCorrect),
  });
  return [...groups.values()]
    .sort((a, b) => (a.measure === b.measure ? a.value - b.value : a.measure < b.measure ? -1 : 1))
    .map(({ measure, value, rows: rs }) => {
      const band = rs.filter((r) => r.inBand);
      return {
        measure,
        value,
        questions: rs.length,
        inBand: band.length,
        band: figures(band),
        all: figures(rs),
      };
    });
}

/** Two-sided exact binomial (p = 1/2) test of a split of a + b discordant pairs. */
export function signTestPValue(a: number, b: number): number {
  const n = a + b;
  if (n === 0) return 1;
  const k = Math.min(a, b);
  // P(X <= k) for X ~ Bin(n, 1/2), summed in log space so large n cannot overflow.
  let logC = 0; // log C(n, 0)
  let tail = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log(n - i + 1) - Math.log(i);
    tail += Math.exp(logC - n * Math.LN2);
  }
  return Math.min(1, 2 * tail);
}

export function pairedCounts(
  rows: readonly { majorityCorrect: boolean; greedyCorrect: boolean }[],
): PairedCounts {
  const count = (f: (r: (typeof rows)[number]) => boolean) => rows.filter(f).length;
  const majorityOnly = count((r) => r.majorityCorrect && !r.greedyCorrect);
  const greedyOnly = count((r) => !r.majorityCorrect && r.greedyCorrect);
  return {
    bothRight: count((r) => r.majorityCorrect && r.greedyCorrect),
    majorityOnly,
    greedyOnly,
    neither: count((r) => !r.majorityCorrect && !r.greedyCorrect),
    pValue: signTestPValue(majorityOnly, greedyOnly),
  };
}

function summary(rows: readonly VotedQuestion[]) {
  const share = (f: (r: VotedQuestion) => boolean) =>
    rows.length === 0 ? null : rows.filter(f).length / rows.length;
  return {
    questions: rows.length,
    majorityAccuracy: share((r) => r.majorityCorrect),
    anyCorrectShare: share((r) => r.anyCorrect),
  };
}

/** The gate's verdict on a band summary. */
export function gateVerdict(
  band: ProbeReport['band'],
  o: Pick<ProbeOptions, 'minBandMajorityAccuracy' | 'minBandAnyCorrect'>,
): ProbeReport['gate'] {
  const reasons: string[] = [];
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  if (band.questions === 0) reasons.push('no generated question fell inside the filter band');
  else {
    if ((band.majorityAccuracy ?? 0) < o.minBandMajorityAccuracy)
      reasons.push(
        `majority right on ${pct(band.majorityAccuracy ?? 0)} of band questions (< ${pct(o.minBandMajorityAccuracy)})`,
      );
    if ((band.anyCorrectShare ?? 0) < o.minBandAnyCorrect)
      reasons.push(
        `${pct(band.anyCorrectShare ?? 0)} of band questions got a correct vote (< ${pct(o.minBandAnyCorrect)})`,
      );
  }
  return { passed: reasons.length === 0, reasons };
}

export interface ProbeInput {
  model: CausalLM;
  render: PromptRenderer;
  domain: Domain;
  benchmarks: readonly BenchmarkSet[];
  options: ProbeOptions;
  onProgress?(stage: string, done: number, total: number): void;
}

/**
 * Questions a Challenger writes (n completions with `generation` sampling), as a set the oracle
 * answers: distinct valid questions the oracle can answer, each with its true answer. `valid`
 * counts the parseable completions.
 */
export function challengerQuestionSet(
  model: CausalLM,
  render: PromptRenderer,
  domain: Domain,
  n: number,
  generation: SamplingConfig,
  seed: number,
): { set: BenchmarkSet; valid: number } {
  const oracle = domain.oracle;
  if (!oracle) throw new Error(`domain ${domain.name} has no oracle`);
  const prompts = Array.from({ length: n }, () => render.challenger());
  const raws = sample(model, render.tokenizer, prompts, generation, seed);
  const valid = raws.map((r) => parseChallengerOutput(r.text)).filter((p) => p.valid);
  const items: { question: string; answer: string }[] = [];
  for (const q of new Set(valid.map((p) => p.question))) {
    const v = oracle.verdict(q, null);
    if (v.answerable && v.answer !== null) items.push({ question: q, answer: v.answer });
  }
  return { set: { name: 'challenger-questions', items }, valid: valid.length };
}

export function probeDomain(input: ProbeInput): ProbeReport {
  const { model, render, domain, options: o } = input;
  const oracle = domain.oracle;
  if (!oracle) throw new Error(`domain ${domain.name} has no oracle: the gate needs one`);
  // 1. The base Challenger writes questions.
  const written = challengerQuestionSet(model, render, domain, o.questions, o.generation, o.seed);
  const questions = written.set.items.map((it) => it.question);
  input.onProgress?.('questions', o.questions, o.questions);
  // 2. The base Solver votes m times on each; the oracle checks the majority and every vote.
  const votes = solverVotes(model, render, questions, o.votes, o.voting, o.seed ^ 0x5eed);
  input.onProgress?.('votes', questions.length, questions.length);
  // ... and answers each greedily, with the votes' budget: what the majority must beat.
  const greedy = sample(
    model,
    render.tokenizer,
    questions.map((q) => render.solver(q)),
    { temperature: 0, topP: 1, topK: 0, maxNewTokens: o.voting.maxNewTokens },
    0,
  );
  input.onProgress?.('greedy', questions.length, questions.length);
  const measure = oracle.difficulty?.bind(oracle);
  const rows = questions.map((q, i) => {
    const v = votes[i]!;
    const right = (a: string | null) => a !== null && oracle.verdict(q, a).labelCorrect === true;
    return {
      difficulty: measure ? measure(q) : null,
      p: v.evaluate.p,
      majorityCorrect: right(v.evaluate.answer),
      anyCorrect: v.answers.some(right),
      greedyCorrect: right(extractBoxed(greedy[i]!.text)),
      inBand:
        o.filter.enabled &&
        keepForSolver(v.evaluate.p, v.evaluate.answer, {
          mode: o.filter.mode,
          minP: o.filter.minP,
          maxP: o.filter.maxP,
          delta: o.filter.delta,
        }),
    };
  });
  const inBand = rows.filter((r) => r.inBand);
  const greedyShare = (rs: readonly { greedyCorrect: boolean }[]) =>
    rs.length === 0 ? null : rs.filter((r) => r.greedyCorrect).length / rs.length;
  const band = summary(inBand);
  // 3. Benchmarks: greedy, and the majority of m samples.
  const benchmarks = input.benchmarks.map((b, bi) => {
    const items = o.benchmarkItems > 0 ? b.items.slice(0, o.benchmarkItems) : b.items;
    const ps = items.map((it) => render.solver(it.question));
    const greedy = sample(
      model,
      render.tokenizer,
      ps,
      { temperature: 0, topP: 1, topK: 0, maxNewTokens: o.maxNewTokens },
      0,
    );
    const repeated = ps.flatMap((p) => Array.from({ length: o.votes }, () => p));
    const sampled = sample(model, render.tokenizer, repeated, o.voting, o.seed + 101 * (bi + 1));
    let majority = 0;
    let hits = 0;
    items.forEach((it, i) => {
      const answers = sampled
        .slice(i * o.votes, (i + 1) * o.votes)
        .map((s) => extractBoxed(s.text));
      hits += answers.filter((a) => a !== null && answersEquivalent(a, it.answer)).length;
      const maj = majorityVoteEvaluate(answers).answer;
      if (maj !== null && answersEquivalent(maj, it.answer)) majority++;
    });
    input.onProgress?.(`benchmark ${b.name}`, bi + 1, input.benchmarks.length);
    return {
      name: b.name,
      items: items.length,
      greedy: greedy.filter((s, i) => isCorrect(s.text, items[i]!.answer)).length / items.length,
      majority: majority / items.length,
      meanAtM: hits / (items.length * o.votes),
    };
  });
  return {
    generated: o.questions,
    valid: written.valid,
    answerable: questions.length,
    calibration: calibrationTable(rows, o.votes),
    band,
    all: summary(rows),
    greedy: { band: greedyShare(inBand), all: greedyShare(rows) },
    paired: { band: pairedCounts(inBand), all: pairedCounts(rows) },
    gate: gateVerdict(band, o),
    benchmarks,
    shapes: measure ? shapeTable(rows) : null,
  };
}

/** The report as Markdown tables (for the CLI and docs/results.md). */
export function probeMarkdown(r: ProbeReport, m: number): string {
  const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);
  return [
    `Generated ${r.generated} Challenger completions: ${r.valid} valid, ${r.answerable} distinct answerable questions.`,
    '',
    `| votes for the majority (of ${m}) | p^ | questions | majority right | >= 1 correct vote |`,
    '|---|---|---|---|---|',
    ...r.calibration
      .filter((c) => c.questions > 0)
      .map(
        (c) =>
          `| ${c.k} | ${c.p.toFixed(1)} | ${c.questions} | ${pct(c.majorityAccuracy)} | ${pct(c.anyCorrectShare)} |`,
      ),
    `| inside the filter band | | ${r.band.questions} | ${pct(r.band.majorityAccuracy)} | ${pct(r.band.anyCorrectShare)} |`,
    `| all | | ${r.all.questions} | ${pct(r.all.majorityAccuracy)} | ${pct(r.all.anyCorrectShare)} |`,
    '',
    `Greedy answers to the same questions are right on ${pct(r.greedy.band)} of those inside the band ` +
      `(the majority: ${pct(r.band.majorityAccuracy)}) and ${pct(r.greedy.all)} of all (the majority: ` +
      `${pct(r.all.majorityAccuracy)}): majority labels can teach a greedily decoded Solver only where they beat it.`,
    '',
    '| questions | both right | the majority alone | greedy alone | neither | sign test p (two-sided) |',
    '|---|---|---|---|---|---|',
    ...(
      [
        ['inside the filter band', r.paired.band],
        ['all', r.paired.all],
      ] as const
    ).map(
      ([label, c]) =>
        `| ${label} | ${c.bothRight} | ${c.majorityOnly} | ${c.greedyOnly} | ${c.neither} | ${c.pValue < 0.001 ? '< 0.001' : c.pValue.toFixed(3)} |`,
    ),
    '',
    `Gate: ${r.gate.passed ? 'passed' : `failed (${r.gate.reasons.join('; ')})`}.`,
    '',
    `| benchmark | items | greedy | majority of ${m} | mean@${m} |`,
    '|---|---|---|---|---|',
    ...r.benchmarks.map(
      (b) =>
        `| ${b.name} | ${b.items} | ${pct(b.greedy)} | ${pct(b.majority)} | ${pct(b.meanAtM)} |`,
    ),
    '',
    ...shapeMarkdown(r.shapes ?? null, pct),
  ].join('\n');
}

/** The by-shape table of probeMarkdown (nothing when the oracle measures no difficulty). */
function shapeMarkdown(rows: readonly ShapeRow[] | null, pct: (x: number | null) => string) {
  if (!rows || rows.length === 0) return [];
  return [
    "The questions by shape (each of the oracle's difficulty measures): what the base Challenger writes, and where its majority labels are right.",
    '',
    '| measure | value | questions | inside the band | band: majority right | band: greedy right | all: majority right | all: greedy right |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (s) =>
        `| ${s.measure} | ${s.value} | ${s.questions} | ${s.inBand} | ${pct(s.band.majorityAccuracy)} | ${pct(s.band.greedyAccuracy)} | ${pct(s.all.majorityAccuracy)} | ${pct(s.all.greedyAccuracy)} |`,
    ),
    '',
  ];
}
