import type { ReactElement, ReactNode } from 'react';
import { ResponsiveContainer } from 'recharts';

interface ChartBoxProps {
  title: string;
  testId: string;
  /** How many data points the chart plots (tests watch it grow while a run is live). */
  points: number;
  /** Shown instead of the chart when there is nothing to plot. */
  empty?: ReactNode;
  children: ReactElement;
}

/**
 * A titled chart panel. The plot area has a fixed height and a minimum width, so recharts'
 * ResponsiveContainer never measures 0.
 */
export function ChartBox({ title, testId, points, empty, children }: ChartBoxProps) {
  return (
    <figure className="chart" data-testid={testId} data-points={points}>
      <figcaption>{title}</figcaption>
      {points === 0 ? (
        <div className="chart-empty">{empty ?? 'No data yet'}</div>
      ) : (
        <div className="chart-plot">
          <ResponsiveContainer width="100%" height="100%" minWidth={200} minHeight={180}>
            {children}
          </ResponsiveContainer>
        </div>
      )}
    </figure>
  );
}
