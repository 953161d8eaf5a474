import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { CurriculumStats } from '@rzero/client';
import { ChartBox } from '../../components/chart-box';
import { formatPercent } from '../../components/format';
import { AXIS_TICK, CHART_MARGIN, seriesColor, tick } from './chart-theme';
import type { BenchmarkScore } from './run-timeline';

const BINS = Array.from(
  { length: 10 },
  (_, i) => `${(i / 10).toFixed(1)}–${((i + 1) / 10).toFixed(1)}`,
);
const percentTick = (v: number) => `${Math.round(v * 100)}%`;

interface IterationChartsProps {
  curriculum: Map<number, CurriculumStats>;
  scores: Map<number, BenchmarkScore[]>;
}

/** Per-iteration charts: p^ histogram, kept share, oracle label accuracy, benchmark scores. */
export function IterationCharts({ curriculum, scores }: IterationChartsProps) {
  const iterations = [...curriculum.keys()].sort((a, b) => a - b);
  return (
    <div className="chart-grid">
      <PHistogram curriculum={curriculum} iterations={iterations} />
      <KeptShare curriculum={curriculum} iterations={iterations} />
      <OracleAccuracy curriculum={curriculum} iterations={iterations} />
      <Scores scores={scores} />
    </div>
  );
}

type StatsProps = { curriculum: Map<number, CurriculumStats>; iterations: number[] };

function PHistogram({ curriculum, iterations }: StatsProps) {
  const rows = BINS.map((bin, b) => ({
    bin,
    counts: iterations.map((it) => curriculum.get(it)?.pHistogram[b] ?? 0),
  }));
  return (
    <ChartBox
      title="p̂ histogram of valid questions"
      testId="chart-p-histogram"
      points={iterations.length}
    >
      <BarChart data={rows} margin={CHART_MARGIN}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="bin" tick={AXIS_TICK} interval={1} />
        <YAxis tick={AXIS_TICK} allowDecimals={false} width={40} />
        <Tooltip />
        <Legend wrapperStyle={{ fontSize: 12 }} itemSorter={null} />
        {iterations.map((it, i) => (
          <Bar
            key={it}
            name={`iteration ${it}`}
            dataKey={(r: (typeof rows)[number]) => r.counts[i]}
            fill={seriesColor(i)}
            isAnimationActive={false}
          />
        ))}
      </BarChart>
    </ChartBox>
  );
}

interface ShareChartProps {
  title: string;
  testId: string;
  /** One point per iteration that has a value. */
  rows: { iteration: number; share: number }[];
  series: string;
  color: number;
  empty?: string;
}

/** A 0-100% quantity per iteration. */
function ShareChart({ title, testId, rows, series, color, empty }: ShareChartProps) {
  return (
    <ChartBox title={title} testId={testId} points={rows.length} empty={empty}>
      <LineChart data={rows} margin={CHART_MARGIN}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="iteration" tick={AXIS_TICK} allowDecimals={false} />
        <YAxis tick={AXIS_TICK} tickFormatter={percentTick} domain={[0, 1]} width={44} />
        <Tooltip
          labelFormatter={(it) => `iteration ${it}`}
          formatter={(v) => formatPercent(Number(v))}
        />
        <Line name={series} dataKey="share" stroke={seriesColor(color)} isAnimationActive={false} />
      </LineChart>
    </ChartBox>
  );
}

function KeptShare({ curriculum, iterations }: StatsProps) {
  return (
    <ShareChart
      title="Kept share of generated questions"
      testId="chart-kept-share"
      rows={iterations.map((iteration) => ({
        iteration,
        share: curriculum.get(iteration)!.keptShare,
      }))}
      series="kept share"
      color={0}
    />
  );
}

/** The oracle's accuracy of the majority-vote labels of kept questions (arith has an oracle). */
function oracleAccuracy(stats: CurriculumStats): number | null {
  const accuracy = stats.oracleKept?.['accuracy'];
  return typeof accuracy === 'number' ? accuracy : null;
}

function OracleAccuracy({ curriculum, iterations }: StatsProps) {
  const rows = iterations.flatMap((iteration) => {
    const share = oracleAccuracy(curriculum.get(iteration)!);
    return share === null ? [] : [{ iteration, share }];
  });
  return (
    <ShareChart
      title="Pseudo-label accuracy of kept questions (oracle)"
      testId="chart-oracle-accuracy"
      rows={rows}
      series="label accuracy"
      color={2}
      empty={
        iterations.length === 0
          ? undefined
          : iterations.every((it) => !curriculum.get(it)!.oracleKept)
            ? 'No oracle for this domain'
            : 'No kept question has a pseudo-label yet'
      }
    />
  );
}

/** A benchmark's series name; the metric is added when it is not plain greedy accuracy. */
const seriesName = (s: BenchmarkScore) =>
  s.metric === 'greedy' ? s.benchmark : `${s.benchmark} (${s.metric})`;

function Scores({ scores }: { scores: Map<number, BenchmarkScore[]> }) {
  const iterations = [...scores.keys()].sort((a, b) => a - b);
  const names = [...new Set(iterations.flatMap((it) => scores.get(it)!.map(seriesName)))];
  const rows = iterations.map((iteration) => ({
    iteration,
    score: new Map(scores.get(iteration)!.map((s) => [seriesName(s), s.score])),
  }));
  const points = rows.reduce((n, r) => n + r.score.size, 0);
  return (
    <ChartBox
      title="Benchmark scores (iteration 0 = base model)"
      testId="chart-scores"
      points={points}
    >
      <LineChart data={rows} margin={CHART_MARGIN}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="iteration" tick={AXIS_TICK} allowDecimals={false} />
        <YAxis tick={AXIS_TICK} tickFormatter={tick} domain={[0, 1]} width={44} />
        <Tooltip labelFormatter={(it) => `iteration ${it}`} formatter={(v) => tick(Number(v))} />
        <Legend wrapperStyle={{ fontSize: 12 }} itemSorter={null} />
        {names.map((name, i) => (
          <Line
            key={name}
            name={name}
            dataKey={(r: (typeof rows)[number]) => r.score.get(name)}
            stroke={seriesColor(i)}
            connectNulls
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </ChartBox>
  );
}
