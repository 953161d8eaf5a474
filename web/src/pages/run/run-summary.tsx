import type { RunView } from '@rzero/client';
import { formatDuration, formatTime } from '../../components/format';
import { ProgressBar } from '../../components/progress-bar';
import { StatusBadge } from '../../components/status-badge';
import { CancelRun } from './cancel-run';
import type { PhaseSpan } from './run-timeline';

interface RunSummaryProps {
  run: RunView;
  baseModel: string;
  /** The phase running now according to the event stream (fresher than the polled run). */
  livePhase: PhaseSpan | null;
  onChanged: () => void;
}

function phaseText(run: RunView, live: PhaseSpan | null): string {
  if (run.status === 'queued') return 'waiting for a worker';
  if (run.status !== 'running')
    return `ended after ${run.completedIterations} of ${run.iterations} iterations`;
  if (live) {
    const where =
      live.iteration === 0 ? 'base model' : `iteration ${live.iteration}/${run.iterations}`;
    const progress = live.total > 0 ? ` (${live.done}/${live.total})` : '';
    return `${where} · ${live.phase}${progress}`;
  }
  return run.phase ? `iteration ${run.iteration}/${run.iterations} · ${run.phase}` : 'starting';
}

/** Status, progress, where the run is, and its facts. */
export function RunSummary({ run, baseModel, livePhase, onChanged }: RunSummaryProps) {
  const active = run.status === 'queued' || run.status === 'running';
  const running = run.timings.runningSeconds;
  return (
    <section className="panel run-summary" aria-label="Run status">
      <div className="summary-head">
        <StatusBadge status={run.status} testId="run-status" />
        <ProgressBar value={run.progress} label="Run progress" testId="run-progress" />
        <span data-testid="run-phase" className="run-phase">
          {phaseText(run, livePhase)}
        </span>
        {active &&
          (run.cancelRequested ? (
            <span className="muted">Cancel requested…</span>
          ) : (
            <CancelRun runId={run.id} onCanceled={onChanged} />
          ))}
      </div>
      {run.error && (
        <p className="error" role="alert">
          {run.error}
        </p>
      )}
      <dl className="facts">
        <dt>Base model</dt>
        <dd>{baseModel}</dd>
        <dt>Preset · domain</dt>
        <dd>
          {run.preset} · {run.domain}
        </dd>
        <dt>Iterations</dt>
        <dd>
          {run.completedIterations} of {run.iterations} done
          {run.bestIteration !== null && ` · best ${run.bestIteration}`}
        </dd>
        <dt>Attempt</dt>
        <dd>{run.attempt}</dd>
        <dt>Backend</dt>
        <dd>{run.backend ?? '—'}</dd>
        <dt>Created</dt>
        <dd>{formatTime(run.createdAt)}</dd>
        <dt>Running time</dt>
        <dd>{running === null ? '—' : formatDuration(running)}</dd>
      </dl>
    </section>
  );
}
