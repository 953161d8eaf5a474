/**
 * Reports of co-evolution runs for the CLI scripts: the markdown tables of one run (base row, then
 * one row per iteration) and a progress display driven by the loop's events.
 */
import type { BenchmarkScore, CoevolveResult, IterationSummary, RZeroEvent } from '../src/rzero';
import { ProgressBar } from './progress';

const pct = (x: number | null | undefined): string =>
  x === null || x === undefined || Number.isNaN(x) ? '-' : `${(100 * x).toFixed(1)}%`;
const num = (x: number | null | undefined, digits = 3): string =>
  x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits);

function scoreCells(scores: readonly BenchmarkScore[], columns: string[]): string[] {
  return columns.map((col) => {
    const s = scores.find((x) => `${x.benchmark} ${x.metric}` === col);
    return s ? pct(s.score) : '-';
  });
}

function oracleAccuracy(stats: Record<string, unknown> | null): number | null {
  const a = stats?.accuracy;
  return typeof a === 'number' ? a : null;
}

/** Markdown of one run: benchmark scores per iteration, then the dynamics of each iteration. */
export function runMarkdown(title: string, result: CoevolveResult, notes: string[] = []): string {
  const all = [...result.baseScores, ...result.iterations.flatMap((i) => i.scores)];
  const columns = [...new Set(all.map((s) => `${s.benchmark} ${s.metric}`))];
  const lines = [`# ${title}`, '', ...notes, ...(notes.length ? [''] : [])];
  lines.push('## Benchmarks (Solver after each iteration)', '');
  lines.push(`| model | ${columns.join(' | ')} |`, `|---|${columns.map(() => '---').join('|')}|`);
  if (result.baseScores.length > 0)
    lines.push(`| base | ${scoreCells(result.baseScores, columns).join(' | ')} |`);
  for (const it of result.iterations)
    lines.push(`| iteration ${it.iteration} | ${scoreCells(it.scores, columns).join(' | ')} |`);
  lines.push('', '## Dynamics', '');
  lines.push(
    '| iteration | Challenger reward | uncertainty | rep. penalty | valid | questions kept | mean p^ | pseudo-label accuracy (oracle, kept) | Solver reward | Solver KL | time |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const it of result.iterations) lines.push(dynamicsRow(it));
  lines.push('');
  return lines.join('\n');
}

function dynamicsRow(it: IterationSummary): string {
  const c = it.challenger;
  const d = it.curriculum;
  return `| ${it.iteration} | ${num(c?.reward)} | ${num(c?.uncertainty)} | ${num(c?.repetitionPenalty)} | ${pct(
    d.generated ? d.valid / d.generated : null,
  )} | ${d.kept}/${d.generated} | ${num(d.meanP)} | ${pct(oracleAccuracy(d.oracleKept))} | ${num(it.solver?.reward)} | ${num(
    it.solver?.kl,
    5,
  )} | ${Math.round(it.seconds)} s |`;
}

/** Progress bars per phase on stderr, driven by the loop's events. */
export function progressPrinter(label = ''): (e: RZeroEvent) => void {
  let bar: ProgressBar | null = null;
  const prefix = label ? `${label} ` : '';
  return (e) => {
    switch (e.type) {
      case 'phase.started':
        bar = new ProgressBar(
          `${prefix}it${e.iteration} ${e.phase}`.padEnd(label ? 30 : 18),
          Math.max(1, e.total),
        );
        bar.update(0);
        break;
      case 'phase.progress':
        bar?.update(e.done);
        break;
      case 'challenger.step':
        bar?.update(
          e.step,
          `reward ${e.metrics.reward.toFixed(3)} valid ${pct(e.metrics.validShare)} p ${e.metrics.meanP.toFixed(2)}`,
        );
        break;
      case 'solver.step':
        bar?.update(
          e.step,
          `reward ${e.metrics.reward.toFixed(3)} kl ${e.metrics.kl.toExponential(1)}`,
        );
        break;
      case 'phase.finished':
        bar?.done();
        bar = null;
        break;
      case 'evaluation':
        process.stderr.write(
          `${prefix}iteration ${e.iteration}: ${e.scores.map((s) => `${s.benchmark} ${s.metric} ${pct(s.score)}`).join(', ')}\n`,
        );
        break;
      default:
        break;
    }
  };
}
