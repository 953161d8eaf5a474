import { useMemo } from 'react';
import type { RunEvent } from '@rzero/client';
import { useApiQuery } from '../../api/use-api-query';
import { useModels } from '../../api/use-models';
import { ErrorMessage } from '../../components/error-message';
import { Link } from '../../router/router';
import { IterationCharts } from './iteration-charts';
import { IterationDiagnosticsPanel } from './iteration-diagnostics';
import { PhaseTimeline } from './phase-timeline';
import { RunDownloads } from './run-downloads';
import { RunSummary } from './run-summary';
import { currentPhase, sortedPhases, sortedSteps } from './run-timeline';
import { StepCharts } from './step-charts';
import { useRunTimeline, type StreamState } from './use-run-timeline';

const POLL_MS = 2000;
/** Events after which the run's status, progress or iteration count changed. */
const REFRESHING: RunEvent['type'][] = [
  'run.status',
  'phase.started',
  'iteration.completed',
  'run.completed',
];

const STREAM_TEXT: Record<StreamState, string> = {
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
  ended: 'complete',
  failed: 'failed',
};

/** One run, live: its status (polled) and its event stream (charts, phases, downloads). */
export function RunPage({ runId }: { runId: string }) {
  const models = useModels();
  const { timeline, stream, error } = useRunTimeline(runId, (e) => {
    if (REFRESHING.includes(e.type)) runQuery.reload();
  });
  // Polled for progress and timings until the event stream has seen the run end.
  const runQuery = useApiQuery(
    `run:${runId}`,
    (rz) => rz.ok(rz.api.GET('/runs/{id}', { params: { path: { id: runId } } })),
    { refreshMs: stream === 'ended' ? undefined : POLL_MS },
  );

  const challenger = useMemo(() => sortedSteps(timeline.challenger), [timeline.challenger]);
  const solver = useMemo(() => sortedSteps(timeline.solver), [timeline.solver]);
  const phases = useMemo(() => sortedPhases(timeline), [timeline]);

  const run = runQuery.data;
  if (!run) {
    return runQuery.error ? (
      <ErrorMessage error={runQuery.error} />
    ) : (
      <p className="muted">Loading the run…</p>
    );
  }
  const finished = [
    ...new Set([
      ...timeline.completed,
      ...Array.from({ length: run.completedIterations }, (_, i) => i + 1),
    ]),
  ].sort((a, b) => a - b);

  return (
    <article data-testid="run-page" data-run-id={run.id}>
      <div className="page-head">
        <h1>
          Run <span className="mono">{run.id.slice(0, 8)}</span>
        </h1>
        <span className="stream" aria-live="polite" data-testid="event-stream" data-state={stream}>
          events: {STREAM_TEXT[stream]}
          {timeline.lastEventId > 0 && ` · #${timeline.lastEventId}`}
        </span>
        <Link to={`/runs/${run.id}/curriculum`} className="button" data-testid="open-curriculum">
          Curriculum explorer
        </Link>
      </div>
      <ErrorMessage error={error} />
      <RunSummary
        run={run}
        baseModel={models.nameOf(run.baseModelId)}
        livePhase={run.status === 'running' ? currentPhase(timeline) : null}
        onChanged={runQuery.reload}
      />
      <StepCharts challenger={challenger} solver={solver} />
      <IterationCharts curriculum={timeline.curriculum} scores={timeline.scores} />
      <IterationDiagnosticsPanel diagnostics={timeline.diagnostics} />
      <div className="two-col">
        <PhaseTimeline spans={phases} />
        <RunDownloads runId={run.id} finished={finished} />
      </div>
    </article>
  );
}
