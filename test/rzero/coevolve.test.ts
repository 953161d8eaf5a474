import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  coevolve,
  iterationDir,
  OPEN_MATH_DOMAIN,
  resolveConfig,
  RunStateError,
  RZeroAbortedError,
  RZeroConfigError,
} from '../../src/rzero';
import type { Domain, RZeroConfig, RZeroEvent } from '../../src/rzero';
import { loadModelDir } from '../../src/engine';
import { ARITH_DOMAIN, arithBenchmarkSets } from '../../src/tasks/arith';
import { useBackend } from '../helpers/engine';
import {
  fixtureModelDir,
  recordRun,
  stableEvents as stable,
  testConfig,
  WorkDirs,
} from './fixtures';
import type { Recorded } from './fixtures';

const BENCHMARKS = arithBenchmarkSets(['arith-easy']);
const dirs = new WorkDirs();
const run = (config: RZeroConfig, workDir = dirs.make(), abortWhen?: (e: RZeroEvent) => boolean) =>
  recordRun(fixtureModelDir(), config, BENCHMARKS, workDir, abortWhen);

describe('coevolve on the arithmetic fixture model', () => {
  let first: Recorded;
  before(async () => {
    await useBackend();
    first = await run(testConfig());
  });
  after(() => dirs.cleanup());

  test('reports every phase of every iteration in order', () => {
    const types = first.events.map((e) => e.type);
    assert.equal(types[0], 'run.started');
    assert.equal(types.at(-1), 'run.completed');
    for (const k of [1, 2]) {
      const phases = first.events
        .filter(
          (e): e is Extract<RZeroEvent, { type: 'phase.started' }> =>
            e.type === 'phase.started' && e.iteration === k,
        )
        .map((e) => e.phase);
      assert.deepEqual(phases, ['challenger', 'dataset', 'solver', 'evaluation']);
      const steps = first.events.filter((e) => e.type === 'challenger.step' && e.iteration === k);
      assert.equal(steps.length, 2);
      const items = first.events.filter((e) => e.type === 'curriculum.item' && e.iteration === k);
      assert.equal(items.length, 6);
      assert.equal(
        first.events.filter((e) => e.type === 'checkpoint' && e.iteration === k).length,
        2,
      );
    }
    // Iteration 0 is the base model's evaluation.
    const evals = first.events.filter((e) => e.type === 'evaluation');
    assert.deepEqual(
      evals.map((e) => e.iteration),
      [0, 1, 2],
    );
  });

  test('the fixture Challenger writes parseable questions and the Solver trains on them', () => {
    const stats = first.result.iterations.map((it) => it.curriculum);
    assert.ok(
      stats.some((s) => s.valid > 0),
      JSON.stringify(stats),
    );
    const solverSteps = first.events.filter((e) => e.type === 'solver.step');
    assert.ok(solverSteps.length > 0, 'no Solver step ran');
    // Both roles really moved: some update had a non-zero gradient.
    for (const role of ['challenger.step', 'solver.step']) {
      const norms = first.events.flatMap((e) =>
        (e.type === 'challenger.step' || e.type === 'solver.step') && e.type === role
          ? [e.metrics.gradNorm]
          : [],
      );
      assert.ok(
        norms.some((n) => n > 1e-3),
        `${role} gradient norms ${norms.join(', ')}`,
      );
    }
    for (const e of first.events) {
      if (e.type === 'challenger.step' || e.type === 'solver.step') {
        for (const [k, v] of Object.entries(e.metrics)) {
          if (v !== null) assert.ok(Number.isFinite(v), `${e.type} ${k} = ${v}`);
        }
      }
    }
  });

  test('curriculum items carry votes, p^, reward split and the oracle verdict', () => {
    const items = first.events.flatMap((e) => (e.type === 'curriculum.item' ? [e.item] : []));
    for (const it of items) {
      if (it.dropReason === 'invalid') {
        assert.equal(it.cluster, -1);
        assert.equal(it.oracle, null);
        continue;
      }
      assert.equal(it.solverAnswers.length, 3);
      assert.ok(it.p >= 0 && it.p <= 1);
      assert.ok(it.uncertainty >= 0 && it.uncertainty <= 1);
      assert.ok(it.repetitionPenalty > 0 && it.repetitionPenalty <= 1);
      assert.notEqual(it.oracle, null);
      assert.equal(it.kept, it.dropReason === null);
    }
  });

  test('checkpoints load back; summaries and curricula are on disk', async () => {
    const dir = iterationDir(first.result.workDir, 2);
    for (const role of ['challenger', 'solver']) {
      const loaded = await loadModelDir(join(dir, role), { requireTokenizer: true });
      loaded.model.dispose();
    }
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    assert.equal(summary.iteration, 2);
    const lines = readFileSync(join(dir, 'curriculum.jsonl'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 6);
  });

  test('same config and seed give the same run', async () => {
    const again = await run(testConfig());
    assert.deepEqual(stable(again.events), stable(first.events));
  });

  test('leaves no tensors behind', async () => {
    const before = tf.memory().numTensors;
    await run(testConfig({ iterations: 1 }));
    assert.equal(tf.memory().numTensors, before);
  });

  test('an abort between steps stops the run and keeps finished iterations; a rerun resumes', async () => {
    const dir = dirs.make();
    await assert.rejects(
      run(
        testConfig(),
        dir,
        (e) => e.type === 'challenger.step' && e.iteration === 2 && e.step === 1,
      ),
      RZeroAbortedError,
    );
    assert.ok(existsSync(join(iterationDir(dir, 1), 'summary.json')));
    assert.ok(!existsSync(join(iterationDir(dir, 2), 'summary.json')));
    const resumed = await run(testConfig(), dir);
    assert.equal(resumed.result.startIteration, 2);
    assert.equal(resumed.events.filter((e) => e.type === 'iteration.started').length, 1);
    assert.equal(
      resumed.events.filter((e) => e.type === 'evaluation' && e.iteration === 0).length,
      0,
    );
    // Iteration 2 resumed from iteration 1's checkpoints draws what the uninterrupted run drew.
    const of2 = (r: Recorded) =>
      stable(r.events.filter((e) => 'iteration' in e && e.iteration === 2));
    assert.deepEqual(of2(resumed), of2(first));
    assert.deepEqual(
      JSON.parse(JSON.stringify(resumed.result.iterations.map((i) => i.scores))),
      first.result.iterations.map((i) => i.scores),
    );
  });

  test('a work directory of another run is refused', async () => {
    await assert.rejects(run(testConfig({ seed: 99 }), first.result.workDir), RunStateError);
  });

  test('the base is recorded by content: the same files at another path resume the run', async () => {
    const base = await fixtureModelDir();
    const runFile = join(first.result.workDir, 'run.json');
    assert.match(JSON.parse(readFileSync(runFile, 'utf8')).base, /^sha256:[0-9a-f]{64}$/);
    const copy = join(dirs.make(), 'model');
    cpSync(base, copy, { recursive: true });
    const resume = (model: string, workDir: string) =>
      recordRun(model, testConfig(), BENCHMARKS, workDir);
    // Every iteration is done: the resumed run starts none.
    const again = await resume(copy, first.result.workDir);
    assert.equal(again.result.startIteration, 3);
    assert.equal(again.events.filter((e) => e.type === 'iteration.started').length, 0);
    // Other files (one more file in the directory) are another base.
    writeFileSync(join(copy, 'README.md'), 'another card');
    await assert.rejects(resume(copy, first.result.workDir), /another base/);
    // A work directory from before recorded the base's path, and is still compared by path.
    const old = dirs.make();
    cpSync(first.result.workDir, old, { recursive: true });
    const saved = JSON.parse(readFileSync(join(old, 'run.json'), 'utf8'));
    writeFileSync(join(old, 'run.json'), JSON.stringify({ ...saved, base }));
    assert.equal((await resume(base, old)).result.startIteration, 3);
    await assert.rejects(resume(copy, old), /another base/);
  });

  test('a step makes batch / miniBatch updates; its last update is clipped or not, never on a one-update step', () => {
    for (const type of ['challenger.step', 'solver.step'] as const) {
      const steps = first.events.filter(
        (e): e is Extract<RZeroEvent, { type: typeof type }> => e.type === type,
      );
      assert.ok(steps.length > 0, type);
      for (const e of steps) assert.equal(e.metrics.updates, 2, type);
    }
  });

  test('diagnostics every iteration: calibration from the curriculum, reward accuracy, the Solver before and after, difficulty', () => {
    for (const k of [1, 2]) {
      const d = first.events.find(
        (e): e is Extract<RZeroEvent, { type: 'diagnostics' }> =>
          e.type === 'diagnostics' && e.iteration === k,
      )!.diagnostics;
      const items = first.events
        .filter(
          (e): e is Extract<RZeroEvent, { type: 'curriculum.item' }> =>
            e.type === 'curriculum.item' && e.iteration === k,
        )
        .map((e) => e.item);
      const answerable = items.filter((it) => it.dropReason !== 'invalid' && it.oracle?.answerable);
      const count = (rows: { questions: number }[]) => rows.reduce((n, r) => n + r.questions, 0);
      assert.equal(count(d.calibration!.all), answerable.length);
      assert.equal(count(d.calibration!.kept), answerable.filter((it) => it.kept).length);
      // Majority right in the table = the oracle's verdict on the majority, row by row.
      const right = answerable.filter((it) => it.oracle!.labelCorrect === true).length;
      const fromTable = d.calibration!.all.reduce(
        (n, r) => n + (r.majorityAccuracy ?? 0) * r.questions,
        0,
      );
      assert.ok(Math.abs(fromTable - right) < 1e-9);
      const steps = first.events.filter(
        (e): e is Extract<RZeroEvent, { type: 'solver.step' }> =>
          e.type === 'solver.step' && e.iteration === k,
      );
      if (steps.length > 0) {
        assert.ok(d.rewardAccuracy! >= 0 && d.rewardAccuracy! <= 1);
        assert.equal(d.solverKl, steps.at(-1)!.metrics.kl);
        const t = d.solverOnTrainingQuestions!;
        assert.ok(t.questions > 0 && t.before >= 0 && t.after <= 1);
        // The same questions paired: greedy right = the before accuracy, label right = the
        // oracle's verdict on the kept questions' majority (distinct questions, in order).
        const c = d.labelsAgainstGreedy!;
        assert.equal(c.bothRight + c.majorityOnly + c.greedyOnly + c.neither, t.questions);
        assert.ok(Math.abs((c.bothRight + c.greedyOnly) / t.questions - t.before) < 1e-12);
        const seen = new Set<string>();
        const keptRight = answerable
          .filter((it) => it.kept && !seen.has(it.question) && seen.add(it.question))
          .map((it) => it.oracle!.labelCorrect)
          .slice(0, t.questions);
        assert.equal(c.bothRight + c.majorityOnly, keptRight.filter((x) => x === true).length);
      }
      assert.deepEqual(Object.keys(d.difficulty!.benchmarks), ['arith-easy']);
      assert.equal(
        Object.values(d.difficulty!.benchmarks['arith-easy']!.steps!).reduce((a, b) => a + b, 0),
        BENCHMARKS[0]!.items.length,
      );
      const summary = first.events.find(
        (e): e is Extract<RZeroEvent, { type: 'iteration.completed' }> =>
          e.type === 'iteration.completed' && e.iteration === k,
      )!.summary;
      assert.deepEqual(summary.diagnostics, d);
    }
  });

  test('oracle labels (the control): the Solver trains on the true answers of the kept questions', async () => {
    const r = await run(testConfig({ iterations: 1, solver: { labels: 'oracle' } }));
    const items = r.events.filter(
      (e): e is Extract<RZeroEvent, { type: 'curriculum.item' }> => e.type === 'curriculum.item',
    );
    assert.ok(items.some((e) => e.item.kept));
    for (const { item } of items.filter((e) => e.item.kept)) {
      assert.equal(item.oracle?.answerable, true);
    }
    // Same questions kept as the majority run of the same seed, only the labels differ.
    const majority = first.events.filter(
      (e): e is Extract<RZeroEvent, { type: 'curriculum.item' }> =>
        e.type === 'curriculum.item' && e.iteration === 1,
    );
    assert.deepEqual(
      items.filter((e) => e.item.kept).map((e) => e.item.question),
      majority.filter((e) => e.item.kept && e.item.oracle?.answerable).map((e) => e.item.question),
    );
    await assert.rejects(
      coevolve({ dir: await fixtureModelDir() }, testConfig({ solver: { labels: 'oracle' } }), {
        workDir: dirs.make(),
        domain: OPEN_MATH_DOMAIN,
      }),
      (err: unknown) =>
        err instanceof RZeroConfigError && err.issues.some((i) => i.field === 'solver.labels'),
    );
  });

  test('questionCheck domain: the domain grammar decides validity in both phases', async () => {
    // A grammar that accepts nothing: the fixture's tagged questions (valid in the first run) all fail.
    const none: Domain = { ...ARITH_DOMAIN, wellFormed: () => false };
    const config = testConfig({ iterations: 1, reward: { questionCheck: 'domain' } });
    const r = await recordRun(fixtureModelDir(), config, BENCHMARKS, dirs.make(), undefined, none);
    const items = r.events.flatMap((e) => (e.type === 'curriculum.item' ? [e.item] : []));
    assert.ok(items.some((it) => it.question !== ''));
    for (const it of items) {
      assert.deepEqual([it.dropReason, it.solverAnswers, it.kept], ['invalid', [], false]);
    }
    const shares = r.events.flatMap((e) =>
      e.type === 'challenger.step' ? [e.metrics.validShare] : [],
    );
    assert.ok(shares.length > 0 && shares.every((v) => v === 0), JSON.stringify(shares));
    assert.ok(!r.events.some((e) => e.type === 'solver.step'));
  });

  test('Base Challenger ablation skips Challenger training', async () => {
    const r = await run(testConfig({ iterations: 1, challenger: { train: false } }));
    assert.equal(r.events.filter((e) => e.type === 'challenger.step').length, 0);
    assert.ok(!r.events.some((e) => e.type === 'phase.started' && e.phase === 'challenger'));
  });
});

describe('R-Zero config', () => {
  test('presets validate; paper is the official defaults', () => {
    const paper = resolveConfig('paper');
    assert.equal(paper.challenger.groupSize, 4);
    assert.equal(paper.votes, 10);
    assert.equal(paper.challenger.questionsPerIteration, 8000);
    assert.deepEqual([paper.filter.minP, paper.filter.maxP], [0.3, 0.8]);
    assert.deepEqual(
      [paper.optim.clipLow, paper.optim.clipHigh, paper.optim.dualClip],
      [0.2, 0.3, 3],
    );
    assert.equal(paper.optim.klCoef, 0.01);
    // The official step: rollout batches of 512, 32 Challenger and 4 Solver updates a step.
    assert.deepEqual(
      [
        paper.challenger.batch / paper.challenger.miniBatch,
        paper.solver.batch / paper.solver.miniBatch,
      ],
      [32, 4],
    );
    assert.equal(
      paper.challenger.steps * (paper.challenger.batch / paper.challenger.miniBatch),
      160,
    );
    assert.equal(paper.solver.steps * (paper.solver.batch / paper.solver.miniBatch), 60);
    assert.equal(paper.solver.labels, 'majority');
    resolveConfig('tiny');
  });

  test('prototype names are unknown presets and fields, and never reach Object.prototype', () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      assert.throws(
        () => resolveConfig(name as 'tiny'),
        (err: unknown) => err instanceof RZeroConfigError && err.issues[0]!.field === 'preset',
      );
    }
    const toString = Object.prototype.toString;
    const hostile = JSON.parse('{"__proto__": {"toString": 1}, "solver": {"constructor": 1}}');
    assert.throws(
      () => resolveConfig('tiny', hostile),
      (err: unknown) =>
        err instanceof RZeroConfigError &&
        JSON.stringify(err.issues.map((i) => i.field).sort()) ===
          JSON.stringify(['__proto__', 'solver.constructor']),
    );
    assert.equal(Object.prototype.toString, toString);
  });

  test('every bad field is listed with its reason', () => {
    try {
      resolveConfig('tiny', {
        iterations: 0,
        votes: 1.5,
        filter: { minP: 0.9, maxP: 0.2 },
        challenger: { rollout: { temperature: 0 }, miniBatch: 3 },
        solver: { groupSize: 1, labels: 'true' },
        optim: { lossAgg: 'mean' },
        reward: { questionCheck: 'grammar' },
        bogus: 1,
      } as Record<string, unknown>);
      assert.fail('expected an error');
    } catch (err) {
      assert.ok(err instanceof RZeroConfigError);
      const fields = err.issues.map((i) => i.field).sort();
      assert.deepEqual(fields, [
        'bogus',
        'challenger.miniBatch',
        'challenger.rollout.temperature',
        'filter.minP',
        'iterations',
        'optim.lossAgg',
        'reward.questionCheck',
        'solver.groupSize',
        'solver.labels',
        'votes',
      ]);
      assert.match(
        err.message,
        /challenger\.miniBatch: must divide challenger\.batch \(16\), got 3/,
      );
      assert.match(err.message, /filter\.minP: must be < filter\.maxP/);
    }
  });
});
