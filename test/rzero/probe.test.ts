import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadModelDir } from '../../src/engine';
import {
  calibrationTable,
  DEFAULT_PROBE,
  gateVerdict,
  OPEN_MATH_DOMAIN,
  pairedCounts,
  probeDomain,
  probeMarkdown,
  PromptRenderer,
  resolveConfig,
  shapeTable,
  signTestPValue,
} from '../../src/rzero';
import { ARITH_DOMAIN, arithBenchmarkSets } from '../../src/tasks/arith';
import { repoRoot, useBackend } from '../helpers/engine';

describe('domain probe (the gate before a replication)', () => {
  test('by shape: one row per value of each measure, sorted, band and all counted apart', () => {
    const q = (
      steps: number,
      inBand: boolean,
      majorityCorrect: boolean,
      greedyCorrect: boolean,
    ) => ({
      difficulty: { steps, depth: 0 },
      inBand,
      majorityCorrect,
      greedyCorrect,
    });
    const rows = shapeTable([
      q(4, true, true, false),
      q(4, true, false, false),
      q(4, false, true, true),
      q(2, false, true, true),
      { difficulty: null, inBand: true, majorityCorrect: true, greedyCorrect: true },
    ]);
    assert.deepEqual(rows, [
      {
        measure: 'depth',
        value: 0,
        questions: 4,
        inBand: 2,
        band: { majorityAccuracy: 0.5, greedyAccuracy: 0 },
        all: { majorityAccuracy: 0.75, greedyAccuracy: 0.5 },
      },
      {
        measure: 'steps',
        value: 2,
        questions: 1,
        inBand: 0,
        band: { majorityAccuracy: null, greedyAccuracy: null },
        all: { majorityAccuracy: 1, greedyAccuracy: 1 },
      },
      {
        measure: 'steps',
        value: 4,
        questions: 3,
        inBand: 2,
        band: { majorityAccuracy: 0.5, greedyAccuracy: 0 },
        all: { majorityAccuracy: 2 / 3, greedyAccuracy: 1 / 3 },
      },
    ]);
  });

  before(async () => {
    await useBackend();
  });

  test('calibration: one row per vote count, majority accuracy and any-correct share per row', () => {
    const rows = [
      { p: 0.5, majorityCorrect: true, anyCorrect: true },
      { p: 0.5, majorityCorrect: false, anyCorrect: true },
      { p: 0.5, majorityCorrect: false, anyCorrect: false },
      { p: 1, majorityCorrect: true, anyCorrect: true },
    ];
    const t = calibrationTable(rows, 10);
    assert.equal(t.length, 10);
    assert.deepEqual(t[4], {
      k: 5,
      p: 0.5,
      questions: 3,
      majorityAccuracy: 1 / 3,
      anyCorrectShare: 2 / 3,
    });
    assert.equal(t[9]!.majorityAccuracy, 1);
    assert.equal(t[0]!.majorityAccuracy, null);
  });

  test('majority against greedy, question by question, with the exact two-sided sign test', () => {
    // Exact binomial values (Python: 2 * sum(comb(n, i) for i <= min) / 2**n).
    const cases: [number, number, number][] = [
      [12, 14, 0.8450189828872681],
      [9, 7, 0.803619384765625],
      [10, 0, 0.001953125],
      [300, 250, 0.036578745549102704],
    ];
    for (const [a, b, p] of cases)
      assert.ok(Math.abs(signTestPValue(a, b) - p) < 1e-12, `${a}/${b}`);
    assert.equal(signTestPValue(3, 3), 1);
    assert.equal(signTestPValue(0, 0), 1);
    const row = (majorityCorrect: boolean, greedyCorrect: boolean) => ({
      majorityCorrect,
      greedyCorrect,
    });
    const c = pairedCounts([
      row(true, true),
      row(true, true),
      row(true, false),
      row(false, true),
      row(false, true),
      row(false, false),
    ]);
    assert.deepEqual(c, {
      bothRight: 2,
      majorityOnly: 1,
      greedyOnly: 2,
      neither: 1,
      pValue: 1,
    });
  });

  test('the gate: both band thresholds, and an empty band fails', () => {
    const o = { minBandMajorityAccuracy: 0.6, minBandAnyCorrect: 0.7 };
    assert.equal(
      gateVerdict({ questions: 10, majorityAccuracy: 0.6, anyCorrectShare: 0.7 }, o).passed,
      true,
    );
    const low = gateVerdict({ questions: 10, majorityAccuracy: 0.55, anyCorrectShare: 0.69 }, o);
    assert.equal(low.passed, false);
    assert.equal(low.reasons.length, 2);
    assert.equal(
      gateVerdict({ questions: 0, majorityAccuracy: null, anyCorrectShare: null }, o).passed,
      false,
    );
  });

  test('on the shipped arith-tiny: consistent counts, the table in Markdown; no oracle, no probe', async () => {
    const { model, tokenizer } = await loadModelDir(
      join(repoRoot, 'assets/base-models/arith-tiny'),
      {
        requireTokenizer: true,
      },
    );
    const c = resolveConfig('tiny');
    const options = {
      ...DEFAULT_PROBE,
      questions: 24,
      votes: 4,
      benchmarkItems: 6,
      generation: c.challenger.generation,
      voting: { ...c.solver.voting, temperature: 1.5 },
      filter: c.filter,
      maxNewTokens: 64,
    };
    const render = new PromptRenderer(tokenizer!, ARITH_DOMAIN.prompts);
    const input = {
      model,
      render,
      domain: ARITH_DOMAIN,
      benchmarks: arithBenchmarkSets(['arith-easy']),
      options,
    };
    const r = probeDomain(input);
    assert.equal(r.generated, 24);
    assert.ok(r.answerable > 0 && r.answerable <= r.valid);
    assert.equal(
      r.calibration.reduce((n, row) => n + row.questions, 0),
      r.all.questions,
    );
    assert.ok(r.band.questions <= r.all.questions);
    // Greedy answers to the same questions: a share of all, and of the band when it has any.
    assert.ok(r.greedy.all !== null && r.greedy.all >= 0 && r.greedy.all <= 1);
    assert.equal(r.greedy.band === null, r.band.questions === 0);
    // The paired counts split the same questions, and agree with both shares.
    for (const [c, n, g, m] of [
      [r.paired.all, r.all.questions, r.greedy.all, r.all.majorityAccuracy],
      [r.paired.band, r.band.questions, r.greedy.band, r.band.majorityAccuracy],
    ] as const) {
      assert.equal(c.bothRight + c.majorityOnly + c.greedyOnly + c.neither, n);
      if (n > 0) {
        assert.ok(Math.abs((c.bothRight + c.greedyOnly) / n - g!) < 1e-12);
        assert.ok(Math.abs((c.bothRight + c.majorityOnly) / n - m!) < 1e-12);
      }
    }
    assert.equal(r.gate.passed, gateVerdict(r.band, options).passed);
    const [easy] = r.benchmarks;
    assert.equal(easy!.items, 6);
    for (const x of [easy!.greedy, easy!.majority, easy!.meanAtM]) assert.ok(x >= 0 && x <= 1);
    assert.deepEqual(probeDomain(input), r, 'same model and seed, same report');
    assert.match(probeMarkdown(r, 4), /\| inside the filter band \|/);
    assert.match(probeMarkdown(r, 4), /Greedy answers to the same questions are right on/);
    assert.match(probeMarkdown(r, 4), /\| the majority alone \| greedy alone \|/);
    // By shape: every measure's rows partition the answerable questions, and agree with the
    // band's and all's figures.
    const measures = new Set(r.shapes!.map((s) => s.measure));
    assert.ok(measures.has('steps'), [...measures].join());
    for (const m of measures) {
      const rows = r.shapes!.filter((s) => s.measure === m);
      assert.equal(
        rows.reduce((n, s) => n + s.questions, 0),
        r.all.questions,
      );
      assert.equal(
        rows.reduce((n, s) => n + s.inBand, 0),
        r.band.questions,
      );
      const majority = rows.reduce((n, s) => n + s.questions * (s.all.majorityAccuracy ?? 0), 0);
      assert.ok(Math.abs(majority / r.all.questions - r.all.majorityAccuracy!) < 1e-9);
    }
    assert.match(probeMarkdown(r, 4), /\| steps \| \d+ \|/);
    assert.throws(() => probeDomain({ ...input, domain: OPEN_MATH_DOMAIN }), /no oracle/);
    model.dispose();
  });
});
