/**
 * PNG plots of the replication: Vega-Lite specs rendered to SVG by Vega (no browser, no canvas)
 * and rasterised by resvg.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CoevolveResult, RZeroEvent } from '../src/rzero';
import type { Table1Row, Table4Row } from './replicate';

// CommonJS builds of vega 5 / vega-lite 5; typed loosely to keep them out of the type graph.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const vega = require('vega');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const vl = require('vega-lite');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Resvg } = require('@resvg/resvg-js');

const FONT = 'DejaVu Sans';

async function writePng(file: string, spec: Record<string, unknown>): Promise<void> {
  const compiled = vl.compile({
    ...spec,
    config: {
      font: FONT,
      view: { stroke: null },
      axis: { labelFontSize: 11, titleFontSize: 12 },
      axisX: { labelAngle: 0 },
      legend: { labelLimit: 400 },
    },
  }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg: string = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: 2 },
    font: { defaultFontFamily: FONT },
  })
    .render()
    .asPng();
  writeFileSync(file, png);
}

/** Writes the plots into `dir`; returns their file names. */
export async function renderPlots(
  dir: string,
  t1: Table1Row[],
  t4: Table4Row[],
  rzeroRuns: CoevolveResult[],
): Promise<string[]> {
  const files: string[] = [];

  // 1. Benchmark accuracy per iteration: R-Zero per seed (points) and mean (line); Base Challenger.
  const rows: Record<string, unknown>[] = [];
  for (const r of t1) {
    const iteration =
      r.label === 'Base'
        ? 0
        : r.label === 'Base Challenger'
          ? 1
          : Number(r.label.split(' ').at(-1));
    const series =
      r.label === 'Base Challenger'
        ? 'Base Challenger'
        : r.label.startsWith('Oracle labels')
          ? 'Oracle labels'
          : 'R-Zero';
    for (const [benchmark, xs] of Object.entries(r.scores)) {
      for (const x of xs)
        if (Number.isFinite(x)) rows.push({ benchmark, iteration, accuracy: 100 * x, series });
      if (r.label === 'Base')
        rows.push({ benchmark, iteration, accuracy: 100 * xs[0]!, series: 'Base Challenger' });
    }
  }
  await writePng(join(dir, 'benchmarks.png'), {
    data: { values: rows },
    facet: {
      column: {
        field: 'benchmark',
        type: 'nominal',
        title: null,
        sort: Object.keys(t1[0]?.scores ?? {}),
      },
    },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 220,
      height: 180,
      layer: [
        {
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'iteration', type: 'ordinal' },
            y: {
              aggregate: 'mean',
              field: 'accuracy',
              type: 'quantitative',
              title: 'greedy accuracy (%)',
            },
            color: { field: 'series', type: 'nominal', title: null },
          },
        },
        {
          mark: { type: 'errorbar', extent: 'stdev' },
          encoding: {
            x: { field: 'iteration', type: 'ordinal' },
            y: { field: 'accuracy', type: 'quantitative', title: 'greedy accuracy (%)' },
            color: { field: 'series', type: 'nominal' },
          },
        },
      ],
    },
  });
  files.push('benchmarks.png');

  // 2. Dynamics per iteration (Table 4 analogue).
  const dyn: Record<string, unknown>[] = [];
  for (const r of t4) {
    const prev = r.iteration === 1 ? 'base' : `solver ${r.iteration - 1}`;
    dyn.push({
      iteration: r.iteration,
      seed: r.seed,
      measure: 'previous Solver accuracy (oracle)',
      value: 100 * (r.accuracy[prev] ?? NaN),
    });
    dyn.push({
      iteration: r.iteration,
      seed: r.seed,
      measure: 'same-iteration Solver accuracy (oracle)',
      value: 100 * (r.accuracy[`solver ${r.iteration}`] ?? NaN),
    });
    dyn.push({
      iteration: r.iteration,
      seed: r.seed,
      measure: 'base model accuracy (oracle)',
      value: 100 * (r.accuracy.base ?? NaN),
    });
    if (r.pseudoLabelAccuracy !== null)
      dyn.push({
        iteration: r.iteration,
        seed: r.seed,
        measure: 'pseudo-label accuracy (oracle)',
        value: 100 * r.pseudoLabelAccuracy,
      });
  }
  const dynValues = dyn.filter((d) => Number.isFinite(d.value as number));
  if (dynValues.length > 0) {
    await writePng(join(dir, 'dynamics.png'), {
      data: { values: dynValues },
      width: 420,
      height: 240,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'iteration', type: 'ordinal', title: 'questions of Challenger iteration' },
        y: {
          aggregate: 'mean',
          field: 'value',
          type: 'quantitative',
          title: '% (mean over seeds)',
        },
        color: {
          field: 'measure',
          type: 'nominal',
          title: null,
          legend: { orient: 'bottom', columns: 2 },
        },
      },
    });
    files.push('dynamics.png');
  }

  // 3. Training curves: Challenger and Solver reward per step, all iterations, per seed.
  const steps: Record<string, unknown>[] = [];
  rzeroRuns.forEach((run, i) => {
    const log = join(run.workDir, 'steps.jsonl');
    if (!existsSync(log)) return;
    const latest = new Map<string, RZeroEvent>();
    for (const line of readFileSync(log, 'utf8').trim().split('\n')) {
      const e = JSON.parse(line) as RZeroEvent;
      if (e.type === 'challenger.step' || e.type === 'solver.step')
        latest.set(`${e.type}/${e.iteration}/${e.step}`, e);
    }
    for (const e of latest.values()) {
      if (e.type !== 'challenger.step' && e.type !== 'solver.step') continue;
      steps.push({
        role: e.type === 'challenger.step' ? 'Challenger reward' : 'Solver reward',
        x: (e.iteration - 1) * e.steps + e.step,
        reward: e.metrics.reward,
        run: `seed ${i + 1}`,
      });
    }
  });
  if (steps.length > 0) {
    await writePng(join(dir, 'training.png'), {
      data: { values: steps },
      facet: { column: { field: 'role', type: 'nominal', title: null } },
      resolve: { scale: { x: 'independent' } },
      spec: {
        width: 300,
        height: 180,
        mark: { type: 'line', point: false },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: 'training step (iterations back to back)' },
          y: { field: 'reward', type: 'quantitative', title: 'mean reward' },
          color: { field: 'run', type: 'nominal', title: null },
        },
      },
    });
    files.push('training.png');
  }
  return files;
}
