/**
 * The R-Zero loop (RZERO.md; paper Sec. 3, Fig. 2): from one base model, T iterations of
 *   1. Challenger GRPO against the frozen Solver          (challenger-phase.ts)
 *   2. Solver dataset from the new Challenger, filtered    (dataset.ts)
 *   3. Solver GRPO on that dataset                         (solver-phase.ts)
 *   4. evaluation of the new Solver on held-out benchmarks (evaluation.ts)
 * with every step reported through `hooks.onEvent`.
 *
 * Work directory (the run's durable state; resumable per iteration):
 *   run.json                          config, base model and domain of the run
 *   base-scores.json                  iteration 0 (the base model) on the benchmarks
 *   iteration-<k>/challenger/         Q_k, Hugging Face layout
 *   iteration-<k>/solver/             S_k, Hugging Face layout
 *   iteration-<k>/curriculum.jsonl    every candidate question of iteration k
 *   iteration-<k>/summary.json        written last: iteration k is complete
 * A run started on a work directory that holds completed iterations resumes after the last one,
 * from its checkpoints; an interrupted iteration is redone from its start, drawing the same
 * random numbers (seeds derive from the position in the run).
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { backendInfo, loadModelDir, modelDirDigest, saveModelDir } from '../engine';
import type { CausalLM, Tokenizer } from '../engine';
import { trainChallenger } from './challenger-phase';
import type { RZeroConfig } from './config';
import { domainConfigIssues, validateConfig, RZeroConfigError } from './config';
import { buildSolverDataset } from './dataset';
import type { BenchmarkSet, Domain } from './domain';
import { OPEN_MATH_DOMAIN, questionCheckOf } from './domain';
import {
  curriculumCalibration,
  difficultyDiagnostics,
  greedyOracleAccuracy,
  labelsAgainstGreedy,
  phaseRewardAccuracy,
  probedTrainingQuestions,
} from './diagnostics';
import { evaluateModel } from './evaluation';
import type {
  BenchmarkScore,
  CoevolveHooks,
  IterationDiagnostics,
  IterationSummary,
  Phase,
  RZeroEvent,
  Role,
  SolverStepMetrics,
} from './events';
import { PromptRenderer } from './rollout';
import { checkAborted } from './seeds';
import { trainSolver } from './solver-phase';

export interface CoevolveBase {
  /** A Hugging Face model directory with tokenizer files. */
  dir: string;
}

export interface CoevolveOptions {
  workDir: string;
  domain?: Domain;
  benchmarks?: readonly BenchmarkSet[];
  hooks?: CoevolveHooks;
  /** Checked between steps; the run stops with RZeroAbortedError and keeps finished iterations. */
  signal?: AbortSignal;
}

export interface CoevolveResult {
  workDir: string;
  baseScores: BenchmarkScore[];
  /** All completed iterations, including those found on resume. */
  iterations: IterationSummary[];
  /** First iteration this call ran (iterations before it were resumed from the work directory). */
  startIteration: number;
}

/** Thrown when a work directory belongs to a run with another config, base or domain. */
export class RunStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunStateError';
  }
}

export const iterationDir = (workDir: string, k: number): string => join(workDir, `iteration-${k}`);

export async function coevolve(
  base: CoevolveBase,
  config: RZeroConfig,
  opts: CoevolveOptions,
): Promise<CoevolveResult> {
  const domain = opts.domain ?? OPEN_MATH_DOMAIN;
  const issues = [...validateConfig(config), ...domainConfigIssues(config, domain)];
  if (issues.length > 0) throw new RZeroConfigError(issues);
  const benchmarks = opts.benchmarks ?? [];
  const emit = async (e: RZeroEvent) => {
    await opts.hooks?.onEvent?.(e);
  };
  await fs.mkdir(opts.workDir, { recursive: true });
  await checkRunFile(
    opts.workDir,
    {
      config,
      base: `sha256:${await modelDirDigest(base.dir)}`,
      domain: domain.name,
    },
    base.dir,
  );
  const done = await completedIterations(opts.workDir, config.iterations);
  const startIteration = done.length + 1;
  const backend = backendInfo()?.backend ?? 'uninitialised';
  await emit({ type: 'run.started', iterations: config.iterations, startIteration, backend });

  // Q_{k-1} and S_{k-1}: the base model, or the last completed iteration's checkpoints.
  const prev = done.length === 0 ? null : iterationDir(opts.workDir, done.length);
  const challengerLoaded = await loadModelDir(prev ? join(prev, 'challenger') : base.dir, {
    requireTokenizer: true,
  });
  const tokenizer = challengerLoaded.tokenizer!;
  let challenger = challengerLoaded.model;
  let solver: CausalLM = prev
    ? (await loadModelDir(join(prev, 'solver'), { requireTokenizer: true })).model
    : challenger.clone(true);
  const render = new PromptRenderer(tokenizer, domain.prompts);
  const ctx: LoopContext = {
    config,
    domain,
    benchmarks,
    render,
    tokenizer,
    emit,
    signal: opts.signal,
    base,
  };
  try {
    const baseScores = await baseEvaluation(ctx, opts.workDir, solver);
    const iterations = done.slice();
    for (let k = startIteration; k <= config.iterations; k++) {
      const out = await runIteration(ctx, k, challenger, solver, opts.workDir);
      challenger = out.challenger;
      solver = out.solver;
      iterations.push(out.summary);
    }
    await emit({ type: 'run.completed', iterations: config.iterations });
    return { workDir: opts.workDir, baseScores, iterations, startIteration };
  } finally {
    challenger.dispose();
    solver.dispose();
  }
}

interface LoopContext {
  config: RZeroConfig;
  domain: Domain;
  benchmarks: readonly BenchmarkSet[];
  render: PromptRenderer;
  tokenizer: Tokenizer;
  emit(e: RZeroEvent): Promise<void>;
  signal?: AbortSignal;
  base: CoevolveBase;
}

async function runIteration(
  ctx: LoopContext,
  k: number,
  challenger: CausalLM,
  solver: CausalLM,
  workDir: string,
): Promise<{ challenger: CausalLM; solver: CausalLM; summary: IterationSummary }> {
  const { config: c, emit, signal, render, domain } = ctx;
  const t0 = performance.now();
  const phases: Partial<Record<Phase, number>> = {};
  const timed = async <T>(phase: Phase, total: number, f: () => Promise<T>): Promise<T> => {
    checkAborted(signal);
    await emit({ type: 'phase.started', iteration: k, phase, total });
    const s = performance.now();
    const out = await f();
    phases[phase] = (performance.now() - s) / 1000;
    await emit({ type: 'phase.finished', iteration: k, phase, seconds: phases[phase]! });
    return out;
  };
  await emit({ type: 'iteration.started', iteration: k });

  // 1. Challenger GRPO against the frozen S_{k-1} (skipped for the Base Challenger baseline).
  const challengerMetrics = c.challenger.train
    ? await timed('challenger', c.challenger.steps, () =>
        trainChallenger({
          challenger,
          solver,
          render,
          config: c,
          wellFormed: questionCheckOf(c.reward.questionCheck, domain),
          iteration: k,
          signal,
          onStep: (step, metrics) =>
            emit({
              type: 'challenger.step',
              iteration: k,
              step,
              steps: c.challenger.steps,
              metrics,
            }),
        }),
      )
    : null;

  // 2. Solver dataset: Q_k writes N questions, S_{k-1} votes, the filter keeps the uncertain ones.
  const dataset = await timed('dataset', c.challenger.questionsPerIteration, () =>
    buildSolverDataset({
      challenger,
      solver,
      render,
      domain,
      config: c,
      iteration: k,
      signal,
      onItem: (item) => emit({ type: 'curriculum.item', iteration: k, item }),
      onProgress: (doneCount, total) =>
        emit({ type: 'phase.progress', iteration: k, phase: 'dataset', done: doneCount, total }),
    }),
  );
  await emit({ type: 'curriculum.stats', iteration: k, stats: dataset.stats });

  // 3. Solver GRPO on the fixed dataset (with its greedy accuracy on its own training questions
  // before and after, on an oracle domain).
  const solverSteps = dataset.kept.length > 0 ? c.solver.steps : 0;
  const probed = probedTrainingQuestions(dataset.kept, domain);
  const budget = c.solver.rollout.maxNewTokens;
  const before = await greedyOracleAccuracy(solver, render, probed, budget, c);
  const stepMetrics: SolverStepMetrics[] = [];
  const solverMetrics = await timed('solver', solverSteps, () =>
    trainSolver({
      solver,
      render,
      dataset: dataset.kept,
      domain,
      config: c,
      iteration: k,
      signal,
      onStep: (step, metrics) => {
        stepMetrics.push(metrics);
        return emit({ type: 'solver.step', iteration: k, step, steps: solverSteps, metrics });
      },
    }),
  );
  const after = await greedyOracleAccuracy(solver, render, probed, budget, c);

  // 4. Held-out evaluation of S_k.
  const scores = await timed('evaluation', benchmarkItems(ctx), () =>
    evaluateModel({
      model: solver,
      render,
      benchmarks: ctx.benchmarks,
      config: c,
      iteration: k,
      signal,
      onProgress: (doneCount, total) =>
        emit({ type: 'phase.progress', iteration: k, phase: 'evaluation', done: doneCount, total }),
    }),
  );
  if (scores.length > 0) await emit({ type: 'evaluation', iteration: k, scores });
  const diagnostics: IterationDiagnostics = {
    calibration: curriculumCalibration(dataset.items, domain, c.votes),
    rewardAccuracy: phaseRewardAccuracy(stepMetrics),
    solverKl: solverMetrics?.kl ?? null,
    solverOnTrainingQuestions:
      before === null || after === null
        ? null
        : { questions: probed.length, before: before.accuracy, after: after.accuracy },
    labelsAgainstGreedy: labelsAgainstGreedy(probed, before?.correct ?? null),
    difficulty: difficultyDiagnostics(
      dataset.kept.map((e) => e.question),
      ctx.benchmarks,
      domain,
    ),
  };
  await emit({ type: 'diagnostics', iteration: k, diagnostics });

  // Checkpoints and rows first, the completion marker last: a crash before it redoes iteration k.
  checkAborted(signal);
  const dir = iterationDir(workDir, k);
  await fs.mkdir(dir, { recursive: true });
  for (const [role, model] of [
    ['challenger', challenger],
    ['solver', solver],
  ] as [Role, CausalLM][]) {
    await saveModelDir(model, join(dir, role), { tokenizerFrom: ctx.base.dir });
    await emit({ type: 'checkpoint', iteration: k, role, dir: join(dir, role) });
  }
  await fs.writeFile(
    join(dir, 'curriculum.jsonl'),
    dataset.items.map((it) => JSON.stringify(it)).join('\n') + '\n',
  );
  const summary: IterationSummary = {
    iteration: k,
    seconds: (performance.now() - t0) / 1000,
    phases,
    challenger: challengerMetrics,
    curriculum: dataset.stats,
    solver: solverMetrics,
    scores,
    diagnostics,
  };
  await writeJsonAtomic(join(dir, 'summary.json'), summary);
  await emit({ type: 'iteration.completed', iteration: k, summary });
  return { challenger, solver, summary };
}

const benchmarkItems = (ctx: LoopContext): number =>
  ctx.benchmarks.reduce(
    (n, b) =>
      n +
      (ctx.config.evaluation.maxItems > 0
        ? Math.min(b.items.length, ctx.config.evaluation.maxItems)
        : b.items.length),
    0,
  );

/** Iteration 0: the base model on the benchmarks, once per work directory. */
async function baseEvaluation(
  ctx: LoopContext,
  workDir: string,
  base: CausalLM,
): Promise<BenchmarkScore[]> {
  if (!ctx.config.evaluation.evaluateBase || ctx.benchmarks.length === 0) return [];
  const file = join(workDir, 'base-scores.json');
  const saved = await readJson<BenchmarkScore[]>(file);
  if (saved) return saved;
  await ctx.emit({
    type: 'phase.started',
    iteration: 0,
    phase: 'evaluation',
    total: benchmarkItems(ctx),
  });
  const t0 = performance.now();
  const scores = await evaluateModel({
    model: base,
    render: ctx.render,
    benchmarks: ctx.benchmarks,
    config: ctx.config,
    iteration: 0,
    signal: ctx.signal,
    onProgress: (done, total) =>
      ctx.emit({ type: 'phase.progress', iteration: 0, phase: 'evaluation', done, total }),
  });
  await ctx.emit({
    type: 'phase.finished',
    iteration: 0,
    phase: 'evaluation',
    seconds: (performance.now() - t0) / 1000,
  });
  await ctx.emit({ type: 'evaluation', iteration: 0, scores });
  await writeJsonAtomic(file, scores);
  return scores;
}

/** The contiguous completed iterations 1..j found in the work directory. */
async function completedIterations(workDir: string, max: number): Promise<IterationSummary[]> {
  const out: IterationSummary[] = [];
  for (let k = 1; k <= max; k++) {
    const s = await readJson<IterationSummary>(join(iterationDir(workDir, k), 'summary.json'));
    if (!s) break;
    out.push(s);
  }
  return out;
}

/**
 * Writes run.json on a fresh directory; on resume, refuses a different config, base or domain.
 * The base is recorded by content (`sha256:` and modelDirDigest), so the same model files at
 * another path resume the run; a work directory written before that recorded the base's path,
 * and is still compared by path (`baseDir`).
 */
async function checkRunFile(
  workDir: string,
  run: { config: RZeroConfig; base: string; domain: string },
  baseDir: string,
): Promise<void> {
  const file = join(workDir, 'run.json');
  const saved = await readJson<typeof run>(file);
  if (!saved) {
    await writeJsonAtomic(file, run);
    return;
  }
  const byContent = typeof saved.base === 'string' && saved.base.startsWith('sha256:');
  const current = { ...run, base: byContent ? run.base : baseDir };
  for (const key of ['config', 'base', 'domain'] as const) {
    if (JSON.stringify(saved[key]) !== JSON.stringify(current[key])) {
      throw new RunStateError(
        `${file}: the work directory belongs to a run with another ${key}; use a new directory`,
      );
    }
  }
}

async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.writeFile(tmp, JSON.stringify(value, null, 2) + '\n');
  await fs.rename(tmp, file);
}
