/**
 * The pure parts of the CLI scripts that a long run depends on: a mistake here shows only after
 * an hour of training (the replication on arith-small once named benchmarks coevolve refused).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../src/common/paths';
import { OPEN_MATH_DOMAIN } from '../../src/rzero';
import { ALL_ARITH_BENCHMARK_NAMES, ARITH_DOMAIN } from '../../src/tasks/arith';
import { benchmarksOf } from '../../scripts/coevolve';
import { publicCommand, publicPath } from '../../scripts/pretrain-arith';
import {
  gateConfig,
  InvocationLog,
  gateKey,
  variantSeeds,
  keptLabelsByDifficulty,
  keptLabelsByStepsLines,
  labelsAgainstGreedyLines,
  shapeChecks,
} from '../../scripts/replicate';
import type { DiagnosticsRow, Table1Row, Table4Row } from '../../scripts/replicate';
import type { CurriculumItem } from '../../src/rzero';
import { parseGridArgs, points } from '../../scripts/size-solver';
import { sizingMarkdown } from '../../scripts/size-challenger';
import { sampledOracleAccuracy } from '../../src/rzero/diagnostics';
import { jobEnv } from '../../scripts/coevolve-jobs';

describe('scripts', () => {
  test("coevolve jobs: each gets its share of the cores as threads and of the torch cache's memory, unless the caller chose", () => {
    const GiB = 2 ** 30;
    const two = jobEnv({ PATH: '/bin' }, 2, 2, 24 * GiB);
    assert.equal(two.RZERO_THREADS, '1');
    assert.equal(two.OPENBLAS_NUM_THREADS, '1');
    assert.equal(two.RZERO_TORCH_CACHE_MB, '3072');
    assert.equal(two.PATH, '/bin');
    assert.equal(jobEnv({}, 2, 16, GiB).RZERO_THREADS, '8');
    assert.equal(jobEnv({}, 3, 2, GiB).RZERO_THREADS, '1');
    assert.equal(jobEnv({}, 1, 2, GiB).RZERO_THREADS, '2');
    assert.equal(jobEnv({}, 1, 2, 24 * GiB).RZERO_TORCH_CACHE_MB, '6144');
    assert.equal(jobEnv({}, 64, 2, GiB).RZERO_TORCH_CACHE_MB, '64');
    const chosen = jobEnv(
      { RZERO_THREADS: '2', OPENBLAS_NUM_THREADS: '4', RZERO_TORCH_CACHE_MB: '100' },
      2,
      2,
      GiB,
    );
    assert.equal(chosen.RZERO_THREADS, '2');
    assert.equal(chosen.OPENBLAS_NUM_THREADS, '4');
    assert.equal(chosen.RZERO_TORCH_CACHE_MB, '100');
  });

  test('replicate: the gate votes as the runs do (the preset with every --set)', () => {
    const plain = gateConfig({ preset: 'tiny', set: [] });
    assert.equal(plain.solver.voting.temperature, 1);
    const set = gateConfig({
      preset: 'tiny',
      set: ['solver.steps=12', 'solver.voting.temperature=0.7', 'filter.delta=0.2'],
    });
    assert.equal(set.solver.voting.temperature, 0.7);
    assert.equal(set.solver.voting.topK, plain.solver.voting.topK);
    assert.equal(set.filter.delta, 0.2);
    assert.deepEqual(set.challenger.generation, plain.challenger.generation);
  });

  test('coevolve --benchmarks: every built-in arith benchmark, none, and the domain default', () => {
    const sets = benchmarksOf(ALL_ARITH_BENCHMARK_NAMES.join(','), ARITH_DOMAIN);
    assert.deepEqual(
      sets.map((b) => b.name),
      [...ALL_ARITH_BENCHMARK_NAMES],
    );
    for (const b of sets) assert.equal(b.items.length, 500);
    assert.deepEqual(benchmarksOf('none', ARITH_DOMAIN), []);
    assert.deepEqual(
      benchmarksOf(undefined, ARITH_DOMAIN).map((b) => b.name),
      ['arith-easy', 'arith-medium', 'arith-hard'],
    );
    assert.deepEqual(benchmarksOf(undefined, OPEN_MATH_DOMAIN), []);
    assert.throws(() => benchmarksOf('arith-nope', ARITH_DOMAIN), /ENOENT/);
  });

  test('pretrain:arith: a recipe records no server path and no checkpoint place', () => {
    const inside = join(projectRoot(), 'assets', 'base-models', 'arith-small');
    assert.equal(publicPath(inside), join('assets', 'base-models', 'arith-small'));
    assert.equal(publicPath('/srv/secret/models/x'), '<dir>');
    assert.equal(publicPath(join(projectRoot(), '..', 'elsewhere')), '<dir>');
    assert.equal(
      publicCommand([
        '--init',
        inside,
        '--checkpoint',
        '/srv/secret/ckpt',
        '--recipe',
        'arith-small-ends',
        '--out',
        '/tmp/out',
        '--maxMinutes',
        '30',
        '--steps',
        '900',
      ]),
      `npm run pretrain:arith -- --init ${join('assets', 'base-models', 'arith-small')} --recipe arith-small-ends --out <dir> --steps 900`,
    );
    assert.equal(publicCommand([]), 'npm run pretrain:arith --');
  });

  test('size:solver: the grid is the product of its lists, in order', () => {
    assert.deepEqual(
      points([
        ['solver.lr', ['1e-5', '1e-4']],
        ['solver.steps', ['6', '12']],
      ]),
      [
        ['solver.lr=1e-5', 'solver.steps=6'],
        ['solver.lr=1e-5', 'solver.steps=12'],
        ['solver.lr=1e-4', 'solver.steps=6'],
        ['solver.lr=1e-4', 'solver.steps=12'],
      ],
    );
    assert.deepEqual(points([]), [[]]);
  });

  test('sizing scripts: shared options, their own extras, the default grid only when none is given', () => {
    const defaults = {
      work: 'runs/x',
      grid: [['challenger.lr', ['2e-5']]] as [string, string[]][],
    };
    const a = parseGridArgs(
      [
        '--base',
        'arith-small',
        '--grid',
        'challenger.steps=4,16',
        '--set',
        'seed=2',
        '--labels',
        'oracle',
      ],
      defaults,
      ['labels'],
    );
    assert.deepEqual(a.grid, [['challenger.steps', ['4', '16']]]);
    assert.deepEqual(
      [a.base, a.work, a.jobs, a.set, a.extra],
      ['arith-small', 'runs/x', 2, ['seed=2'], { labels: 'oracle' }],
    );
    assert.deepEqual(parseGridArgs(['--base', 'b'], defaults).grid, defaults.grid);
    assert.throws(
      () => parseGridArgs(['--base', 'b', '--labels', 'oracle'], defaults),
      /unknown option --labels/,
    );
    assert.throws(() => parseGridArgs(['--grid', 'lr'], defaults), /--grid field=v1,v2/);
    assert.throws(() => parseGridArgs([], defaults), /--base <model dir> is required/);
  });

  test("size:challenger: the Solver's sampled accuracy is the mean share of its votes the oracle calls right", () => {
    const item = (answers: (string | null)[], answer: string | null, kept = true): CurriculumItem =>
      ({
        solverAnswers: answers,
        kept,
        oracle:
          answer === null
            ? { answerable: false, answer: null, labelCorrect: null }
            : { answerable: true, answer, labelCorrect: true },
      }) as CurriculumItem;
    const items = [
      item(['7', '7', '8', null], '7'), // 2 of 4
      item(['3', '3.0', '3', '3'], '3'), // 4 of 4 (equivalent answers count)
      item(['1', '1', '1', '1'], null), // unanswerable: not counted
    ];
    assert.equal(sampledOracleAccuracy(items), 0.75);
    assert.ok(Number.isNaN(sampledOracleAccuracy([items[2]!])));

    const md = sizingMarkdown(
      [
        {
          point: ['challenger.lr=4e-4', 'challenger.steps=4'],
          iteration: 2,
          challengerSteps: [
            { reward: 0.39, meanP: 0.73, kl: 0 },
            { reward: 0.53, meanP: 0.48, kl: 0.01 },
          ],
          challengerSeconds: 67,
          seconds: 120,
          candidates: 256,
          valid: 255,
          meanP: 0.53,
          kept: 193,
          parseable: 0.969,
          sampledAll: 0.513,
          sampledKept: 0.524,
          labelsAll: 0.814,
          labelsKept: 0.899,
          operandsAll: 4.78,
          operandsKept: 4.8,
        },
      ],
      'header',
    );
    assert.match(
      md,
      /\| challenger\.lr=4e-4, challenger\.steps=4 \| 2 \| 0\.39 -> 0\.53 \| 0\.73 -> 0\.48 \| 67 \| 255 \/ 256 \| 96\.9% \| 0\.53 \| 193 \| 51\.3% \| 52\.4% \| 81\.4% \| 89\.9% \| 4\.78 \| 4\.80 \|/,
    );
  });

  test('replicate: the gate is reused only for the same report version, model, settings, benchmarks and backend', () => {
    // The model by content (modelDirDigest, tested with the checkpoints).
    const parts = {
      reportVersion: 2,
      modelDigest: 'a'.repeat(64),
      options: { questions: 512, voting: { temperature: 1 } },
      benches: ['arith-in', 'arith-frontier'],
      backend: 'CPU, libtorch 1.13.0 (OpenBLAS)',
      threads: 2,
    };
    const key = gateKey(parts);
    assert.equal(gateKey({ ...parts }), key, 'same inputs, same key');
    const changed = [
      { ...parts, reportVersion: 3 },
      { ...parts, modelDigest: 'b'.repeat(64) },
      { ...parts, options: { questions: 512, voting: { temperature: 0.7 } } },
      { ...parts, benches: ['arith-in'] },
      { ...parts, backend: 'wasm' },
      { ...parts, threads: 1 },
      { ...parts, threads: null },
    ];
    for (const c of changed) assert.notEqual(gateKey(c), key);
  });

  test('replicate: an invocation is in invocations.json from its start, so a stopped one still counts', () => {
    const work = mkdtempSync(join(tmpdir(), 'rzero-invocations-'));
    try {
      const file = join(work, 'invocations.json');
      writeFileSync(file, JSON.stringify([{ date: '2026-12-07T14:00:00.000Z', minutes: 110 }]));
      let t = Date.parse('2026-12-07T16:00:00.000Z');
      const log = new InvocationLog(work, () => t);
      const started = JSON.parse(readFileSync(file, 'utf8')) as { minutes: number }[];
      assert.deepEqual(
        started.map((e) => e.minutes),
        [110, 0],
        'written at the start: a kill now still leaves the entry',
      );
      t += 30 * 60000;
      assert.deepEqual(log.finish(), { invocations: [110, 30], total: 140 });
      const done = JSON.parse(readFileSync(file, 'utf8')) as { minutes: number }[];
      assert.deepEqual(
        done.map((e) => e.minutes),
        [110, 30],
      );
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  test('replicate: the ablations run on --ablationSeeds, the other variants on every seed', () => {
    const args = { seeds: [1, 2, 3], ablationSeeds: [1] };
    assert.deepEqual(variantSeeds({ ablation: true }, args), [1]);
    assert.deepEqual(variantSeeds({}, args), [1, 2, 3]);
    assert.deepEqual(variantSeeds({ ablation: true }, { ...args, ablationSeeds: null }), [1, 2, 3]);
  });

  test('replicate: the labels are compared with the greedy answers they must beat, seed by seed', () => {
    const row = (iteration: number, kept: number[], before: number[]): DiagnosticsRow => ({
      iteration,
      keptMajorityAccuracy: kept,
      rewardAccuracy: [],
      solverKl: [],
      trainingBefore: before,
      trainingAfter: [],
    });
    const lines = labelsAgainstGreedyLines([
      row(1, [0.8, 0.7, 0.9], [0.7, 0.6, 0.8]),
      row(2, [0.5, 0.6, 0.4], [0.6, 0.6, 0.5]),
      // Above on average, but within the seeds' spread: not clearly.
      row(3, [0.5, 0.6, 0.4], [0.4, 0.6, 0.4]),
    ]).join('\n');
    assert.match(
      lines,
      /iteration 1: labels right 80\.0 ± 10\.0%, greedy 70\.0 ± 10\.0%, labels minus greedy 10\.0 ± 0\.0 points; labels clearly above greedy: yes/,
    );
    assert.match(
      lines,
      /iteration 2: .*labels minus greedy -6\.7 ± 5\.8 points; labels clearly above greedy: \*\*no\*\*/,
    );
    assert.match(
      lines,
      /iteration 3: .*labels minus greedy 3\.3 ± 5\.8 points; labels clearly above greedy: \*\*no\*\*/,
    );
  });

  test("replicate: the paper's shape is called only when every gap clears 2 standard deviations", () => {
    const t1 = (r3: number[]): Table1Row[] => [
      { label: 'Base', scores: { f: [0.3] } },
      { label: 'Base Challenger', scores: { f: [0.34, 0.35, 0.36] } },
      { label: 'R-Zero iteration 1', scores: { f: [0.36, 0.37, 0.38] } },
      { label: 'R-Zero iteration 2', scores: { f: [0.38, 0.39, 0.4] } },
      { label: 'R-Zero iteration 3', scores: { f: r3 } },
    ];
    const t4: Table4Row[] = [1, 2, 3].map((iteration) => ({
      seed: 1,
      iteration,
      questions: 200,
      accuracy: { base: 0.5, 'solver 1': 0.6, 'solver 2': 0.55, 'solver 3': 0.7 },
      sampledAccuracy: iteration === 3 ? 0.3 : 0.5,
      pseudoLabelAccuracy: 0.6,
      pseudoLabelAccuracyKept: iteration === 1 ? 0.65 : 0.5,
      difficulty: null,
      keptLabelsBySteps: null,
      keptShare: 0.4,
      meanP: 0.6,
    }));
    const clear = shapeChecks(t1([0.42, 0.43, 0.44]), t4, ['f']).join('\n');
    assert.match(clear, /f: R-Zero iteration 3 > Base Challenger > Base, each gap clear: yes/);
    assert.match(clear, /rising over iterations 1 -> 2 -> 3: yes/);
    assert.match(clear, /at iteration 1 right \(oracle\): 65\.0%; at least 60%: yes/);
    assert.match(clear, /Challenger 3: .* between 35% and 65%: yes \/ \*\*no\*\*/);
    // The sampled accuracy (the votes of the Solver trained against) is checked on its own.
    assert.match(clear, /Challenger 2: .*\(its votes\) 50\.0%, between 35% and 65%: yes/);
    assert.match(clear, /Challenger 3: .*\(its votes\) 30\.0%, between 35% and 65%: \*\*no\*\*/);
    // Same mean, seeds spread wide: the gap to Base Challenger is no longer clear.
    const noisy = shapeChecks(t1([0.33, 0.43, 0.53]), t4, ['f']).join('\n');
    assert.match(noisy, /each gap clear: \*\*no\*\*/);
  });

  test("replicate: kept labels are counted right or wrong by the question's steps", () => {
    const item = (question: string, kept: boolean, labelCorrect: boolean | null): CurriculumItem =>
      ({
        question,
        kept,
        oracle: { answerable: labelCorrect !== null, answer: '0', labelCorrect },
      }) as CurriculumItem;
    const measure = ARITH_DOMAIN.oracle!.difficulty!.bind(ARITH_DOMAIN.oracle);
    const items = [
      item('1+2+3', true, true),
      item('1+2+3', true, false),
      item('1+2+3+4+5', true, false),
      item('1+2+3+4+5', false, true), // not kept: not counted
      item('(1+2)-3+4+5', true, true),
      item('1+2', true, null), // not answerable: not counted
    ];
    const counts = keptLabelsByDifficulty(items, measure, 'steps');
    assert.deepEqual(counts, { '2': { kept: 2, right: 1 }, '4': { kept: 2, right: 1 } });
    assert.equal(keptLabelsByDifficulty(items, measure, 'no such measure'), null);

    const row = (seed: number, iteration: number, by: Table4Row['keptLabelsBySteps']) =>
      ({ seed, iteration, keptLabelsBySteps: by }) as Table4Row;
    const lines = keptLabelsByStepsLines([
      row(1, 1, { '5': { kept: 2, right: 1 }, '3': { kept: 4, right: 4 } }),
      row(2, 1, { '5': { kept: 2, right: 0 } }),
      row(1, 2, null), // an older run's row: nothing to add
      row(2, 2, { '10': { kept: 1, right: 1 }, '6': { kept: 3, right: 0 } }),
    ]);
    assert.deepEqual(lines.slice(2), [
      '- iteration 1: 3 steps 100.0% (4 of 4), 5 steps 25.0% (1 of 4)',
      '- iteration 2: 6 steps 0.0% (0 of 3), 10 steps 100.0% (1 of 1)',
    ]);
    assert.deepEqual(keptLabelsByStepsLines([row(1, 1, null)]), []);
  });
});
