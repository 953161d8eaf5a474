import type { EvaluationView } from '@rzero/client';
import { useRz } from '../api/auth-context';
import { useApiQuery } from '../api/use-api-query';
import { useBenchmarks } from '../api/use-benchmarks';
import { useConfirmedAction } from '../api/use-confirmed-action';
import { useModels } from '../api/use-models';
import { ConfirmDialog } from '../components/confirm-dialog';
import { DangerButton } from '../components/danger-button';
import { ErrorMessage } from '../components/error-message';
import { formatAge } from '../components/format';
import { StatusBadge } from '../components/status-badge';
import { TableHead } from '../components/table-head';
import { EvaluationForm } from './evaluation-form';

const REFRESH_MS = 3000;

export function EvaluationsPage() {
  const rz = useRz();
  const models = useModels();
  const benchmarks = useBenchmarks();
  const evaluations = useApiQuery('evaluations', (rz) => rz.ok(rz.api.GET('/evaluations')), {
    refreshMs: REFRESH_MS,
  });
  const cancel = useConfirmedAction(
    (ev: EvaluationView) =>
      rz
        .ok(rz.api.POST('/evaluations/{id}/cancel', { params: { path: { id: ev.id } } }))
        .then(() => undefined),
    evaluations.reload,
  );
  const benchmarkName = new Map((benchmarks.data ?? []).map((b) => [b.id, b.name]));

  return (
    <section>
      <div className="page-head">
        <h1>Evaluations</h1>
      </div>
      <ErrorMessage error={evaluations.error ?? models.error ?? benchmarks.error} />
      <div className="table-wrap">
        <table data-testid="evaluations-table">
          <TableHead columns={['Status', 'Model', 'Metric', 'Scores', 'Created']} actions />
          <tbody>
            {(evaluations.data ?? []).map((ev) => (
              <tr
                key={ev.id}
                data-testid="evaluation-row"
                data-evaluation-id={ev.id}
                data-status={ev.status}
              >
                <td>
                  <StatusBadge status={ev.status} />
                </td>
                <td>{models.nameOf(ev.modelId)}</td>
                <td>{ev.metric}</td>
                <td>
                  {ev.error && <span className="bad">{ev.error}</span>}
                  {ev.scores.length > 0 && (
                    <ul className="plain">
                      {ev.scores.map((s) => (
                        <li key={`${s.benchmarkId}-${s.metric}`}>
                          {benchmarkName.get(s.benchmarkId) ?? s.benchmarkId.slice(0, 8)}:{' '}
                          <strong>{(s.score * 100).toFixed(1)}%</strong>{' '}
                          <span className="muted">({s.items} items)</span>
                        </li>
                      ))}
                    </ul>
                  )}
                  {!ev.error && ev.scores.length === 0 && <span className="muted">—</span>}
                </td>
                <td title={ev.createdAt}>{formatAge(ev.createdAt)}</td>
                <td>
                  {(ev.status === 'queued' || ev.status === 'running') && (
                    <DangerButton
                      verb="Cancel"
                      target={`the evaluation of ${models.nameOf(ev.modelId)}`}
                      onClick={() => cancel.ask(ev)}
                      testId="cancel-evaluation"
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {evaluations.data?.length === 0 && <p className="empty">No evaluations yet.</p>}
      <EvaluationForm
        models={models.data ?? []}
        benchmarks={benchmarks.data ?? []}
        onStarted={evaluations.reload}
      />
      {cancel.target && (
        <ConfirmDialog
          title={`Cancel the evaluation of ${models.nameOf(cancel.target.modelId)}?`}
          confirmLabel="Cancel evaluation"
          onConfirm={cancel.confirm}
          onClose={cancel.cancel}
          busy={cancel.busy}
          error={cancel.error}
          confirmTestId="confirm-cancel-evaluation"
        >
          <p>It stops within a second and records no score.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
