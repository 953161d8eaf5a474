import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { ChallengerStepMetrics, SolverStepMetrics } from '@rzero/client';
import { ChartBox } from '../../components/chart-box';
import { AXIS_TICK, CHART_MARGIN, seriesColor, tick } from './chart-theme';
import type { StepPoint } from './run-timeline';

interface Series<M> {
  key: keyof M & string;
  label: string;
  /** Plotted against the right axis (KL is orders of magnitude below the rewards). */
  right?: boolean;
}

const CHALLENGER: Series<ChallengerStepMetrics>[] = [
  { key: 'reward', label: 'reward' },
  { key: 'uncertainty', label: 'uncertainty' },
  { key: 'repetitionPenalty', label: 'repetition penalty' },
  { key: 'validShare', label: 'valid share' },
  { key: 'kl', label: 'KL (right axis)', right: true },
];

const SOLVER: Series<SolverStepMetrics>[] = [
  { key: 'reward', label: 'reward' },
  { key: 'kl', label: 'KL (right axis)', right: true },
];

interface StepChartProps<M> {
  title: string;
  testId: string;
  points: StepPoint<M>[];
  series: Series<M>[];
}

function StepChart<M extends object>({ title, testId, points, series }: StepChartProps<M>) {
  return (
    <ChartBox title={title} testId={testId} points={points.length}>
      <LineChart data={points} margin={CHART_MARGIN}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis
          dataKey="x"
          type="number"
          domain={['dataMin', 'dataMax']}
          allowDecimals={false}
          tick={AXIS_TICK}
        />
        <YAxis yAxisId="left" tick={AXIS_TICK} tickFormatter={tick} width={48} />
        <YAxis
          yAxisId="right"
          orientation="right"
          tick={AXIS_TICK}
          tickFormatter={tick}
          width={48}
        />
        <Tooltip
          labelFormatter={(_, payload) => {
            const p = payload[0]?.payload as StepPoint<M> | undefined;
            return p ? `iteration ${p.iteration}, step ${p.step}` : '';
          }}
          formatter={(v) => (typeof v === 'number' ? tick(v) : String(v))}
        />
        <Legend wrapperStyle={{ fontSize: 12 }} itemSorter={null} />
        {series.map((s, i) => (
          <Line
            key={s.key}
            yAxisId={s.right ? 'right' : 'left'}
            name={s.label}
            dataKey={(p: StepPoint<M>) => p.metrics[s.key]}
            stroke={seriesColor(i)}
            strokeDasharray={s.right ? '4 3' : undefined}
            dot={points.length < 40}
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </ChartBox>
  );
}

export function StepCharts({
  challenger,
  solver,
}: {
  challenger: StepPoint<ChallengerStepMetrics>[];
  solver: StepPoint<SolverStepMetrics>[];
}) {
  return (
    <div className="chart-grid">
      <StepChart
        title="Challenger per step (x: global step)"
        testId="chart-challenger"
        points={challenger}
        series={CHALLENGER}
      />
      <StepChart
        title="Solver per step (x: global step)"
        testId="chart-solver"
        points={solver}
        series={SOLVER}
      />
    </div>
  );
}
