import { formatPercent } from './format';

/** A labelled 0-1 progress bar. */
export function ProgressBar({
  value,
  label,
  testId,
}: {
  value: number;
  label: string;
  testId?: string;
}) {
  const share = Math.min(1, Math.max(0, value));
  return (
    <div className="progress" data-testid={testId}>
      <progress max={1} value={share} aria-label={label} />
      <span className="progress-text">{formatPercent(share)}</span>
    </div>
  );
}
