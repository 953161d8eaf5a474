/**
 * A CI-sized R-Zero run on the shipped arith-tiny base model, with the official filter band on:
 * event sequence, a non-empty curriculum inside the band, Solver checkpoints that reload, scores
 * recorded, and a run resumed at iteration 2 that ends exactly as the uninterrupted one.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadModelDir } from '../../../src/engine';
import { iterationDir } from '../../../src/rzero';
import type { CurriculumItem, RZeroConfig } from '../../../src/rzero';
import { arithBenchmarkSets } from '../../../src/tasks/arith';
import { repoRoot, useBackend } from '../../helpers/engine';
import { recordRun, shippedModelCiConfig, stableEvents, WorkDirs } from '../../rzero/fixtures';
import type { Recorded } from '../../rzero/fixtures';

const MODEL = join(repoRoot, 'assets/base-models/arith-tiny');
const BENCHMARKS = arithBenchmarkSets();

const ciConfig = (): RZeroConfig =>
  shippedModelCiConfig({ seed: 11, iterations: 2, questions: 32 });

describe('coevolve on the shipped arith-tiny model (CI-sized)', () => {
  const dirs = new WorkDirs();
  let full: Recorded;
  before(async () => {
    await useBackend();
    full = await recordRun(MODEL, ciConfig(), BENCHMARKS, dirs.make());
  });
  after(() => dirs.cleanup());

  test('events: run, then per iteration the four phases, curriculum, scores, diagnostics, checkpoints', () => {
    const seq = full.events
      .filter(
        (e) =>
          e.type !== 'phase.progress' && e.type !== 'curriculum.item' && !e.type.endsWith('.step'),
      )
      .map((e) => ('phase' in e ? `${e.type}:${e.phase}` : e.type));
    const iteration = [
      'iteration.started',
      'phase.started:challenger',
      'phase.finished:challenger',
      'phase.started:dataset',
      'phase.finished:dataset',
      'curriculum.stats',
      'phase.started:solver',
      'phase.finished:solver',
      'phase.started:evaluation',
      'phase.finished:evaluation',
      'evaluation',
      'diagnostics',
      'checkpoint',
      'checkpoint',
      'iteration.completed',
    ];
    assert.deepEqual(seq, [
      'run.started',
      'phase.started:evaluation',
      'phase.finished:evaluation',
      'evaluation',
      ...iteration,
      ...iteration,
      'run.completed',
    ]);
  });

  test('a non-empty curriculum inside the filter band; the Solver trained on it', () => {
    const cfg = ciConfig();
    for (const k of [1, 2]) {
      const items = full.events.flatMap((e): CurriculumItem[] =>
        e.type === 'curriculum.item' && e.iteration === k ? [e.item] : [],
      );
      assert.equal(items.length, 32);
      const kept = items.filter((it) => it.kept);
      assert.ok(
        kept.length > 0,
        `iteration ${k}: nothing kept; p^ = ${items.map((it) => it.p).join(', ')}`,
      );
      for (const it of kept) {
        assert.ok(it.p >= cfg.filter.minP && it.p <= cfg.filter.maxP, `kept p^ ${it.p}`);
        assert.ok(it.majority !== null && it.majority !== '');
        assert.equal(it.oracle?.answerable !== undefined, true);
      }
      for (const it of items.filter(
        (x) => x.dropReason === 'too-easy' || x.dropReason === 'too-hard',
      )) {
        assert.ok(it.p < cfg.filter.minP || it.p > cfg.filter.maxP);
      }
      assert.equal(
        full.events.filter((e) => e.type === 'solver.step' && e.iteration === k).length,
        2,
      );
    }
  });

  test('Solver checkpoints reload; scores are recorded for the base and every iteration', async () => {
    for (const k of [1, 2]) {
      const loaded = await loadModelDir(join(iterationDir(full.result.workDir, k), 'solver'), {
        requireTokenizer: true,
      });
      assert.equal(loaded.config.architecture, 'LlamaForCausalLM');
      loaded.model.dispose();
    }
    const names = BENCHMARKS.map((b) => b.name);
    assert.deepEqual(
      full.result.baseScores.map((s) => s.benchmark),
      names,
    );
    for (const it of full.result.iterations) {
      assert.deepEqual(
        it.scores.map((s) => s.benchmark),
        names,
      );
      for (const s of it.scores) assert.ok(s.score >= 0 && s.score <= 1 && s.items === 20);
    }
    // The shipped model is not a blank slate: it solves some of arith-easy.
    assert.ok(full.result.baseScores[0]!.score > 0.2, JSON.stringify(full.result.baseScores));
  });

  test('resume from iteration 2 gives the same result as the uninterrupted run', async () => {
    const dir = dirs.make();
    await assert.rejects(
      recordRun(
        MODEL,
        ciConfig(),
        BENCHMARKS,
        dir,
        (e) => e.type === 'phase.started' && e.iteration === 2 && e.phase === 'dataset',
      ),
      /aborted/,
    );
    const resumed = await recordRun(MODEL, ciConfig(), BENCHMARKS, dir);
    assert.equal(resumed.result.startIteration, 2);
    const of2 = (r: Recorded) =>
      stableEvents(r.events.filter((e) => 'iteration' in e && e.iteration === 2));
    assert.deepEqual(of2(resumed), of2(full));
    assert.deepEqual(
      stableEvents([resumed.result.iterations as never]),
      stableEvents([full.result.iterations as never]),
    );
  });
});
