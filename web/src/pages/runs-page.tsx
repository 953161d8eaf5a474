import { useRef, useState } from 'react';
import type { RunPage, RunStatus, RunView } from '@rzero/client';
import { useApiQuery } from '../api/use-api-query';
import { useModels } from '../api/use-models';
import { ErrorMessage } from '../components/error-message';
import { formatAge } from '../components/format';
import { ProgressBar } from '../components/progress-bar';
import { StatusBadge } from '../components/status-badge';
import { TableHead } from '../components/table-head';
import { Link } from '../router/router';

const STATUSES: RunStatus[] = ['queued', 'running', 'succeeded', 'failed', 'canceled'];
const PAGE = 20;
const REFRESH_MS = 3000;
/** The API's largest page. */
const MAX_LIMIT = 200;

/** Where a run is: "iteration 2/3 · solver", or its end. */
function runPosition(run: RunView): string {
  if (run.status === 'queued') return 'waiting';
  const it = `iteration ${run.iteration}/${run.iterations}`;
  return run.phase && run.status === 'running' ? `${it} · ${run.phase}` : it;
}

export function RunsPage() {
  const models = useModels();
  const [status, setStatus] = useState<RunStatus | ''>('');
  // Rows loaded beyond the first page with "load more"; they refresh with it.
  const extra = useRef(0);

  const runs = useApiQuery(
    `runs:${status}`,
    async (rz): Promise<RunPage> => {
      const query = { status: status || undefined };
      const first = await rz.ok(
        rz.api.GET('/runs', { params: { query: { ...query, limit: PAGE } } }),
      );
      if (extra.current === 0 || !first.nextCursor) return first;
      const rest = await rz.ok(
        rz.api.GET('/runs', {
          params: {
            query: {
              ...query,
              limit: Math.min(extra.current, MAX_LIMIT),
              cursor: first.nextCursor,
            },
          },
        }),
      );
      return { items: [...first.items, ...rest.items], nextCursor: rest.nextCursor };
    },
    { refreshMs: REFRESH_MS },
  );

  const changeStatus = (next: RunStatus | '') => {
    extra.current = 0;
    setStatus(next);
  };
  const loadMore = () => {
    extra.current = Math.min(extra.current + PAGE, MAX_LIMIT);
    runs.reload();
  };
  const items = runs.data?.items ?? [];
  const canLoadMore = Boolean(runs.data?.nextCursor) && extra.current < MAX_LIMIT;

  return (
    <section>
      <div className="page-head">
        <h1>Runs</h1>
        <Link to="/new-run" className="button primary">
          New run
        </Link>
      </div>
      <div className="toolbar">
        <label htmlFor="runs-status">Status</label>
        <select
          id="runs-status"
          value={status}
          onChange={(e) => changeStatus(e.target.value as RunStatus | '')}
          data-testid="runs-status-filter"
        >
          <option value="">All</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <ErrorMessage error={runs.error} />
      <div className="table-wrap">
        <table data-testid="runs-table">
          <TableHead
            columns={['Run', 'Status', 'Progress', 'Where', 'Base model', 'Preset', 'Created']}
          />
          <tbody>
            {items.map((run) => (
              <tr key={run.id} data-testid="run-row" data-run-id={run.id} data-status={run.status}>
                <td>
                  <Link to={`/runs/${run.id}`} className="mono">
                    {run.id.slice(0, 8)}
                  </Link>
                </td>
                <td>
                  <StatusBadge status={run.status} />
                </td>
                <td>
                  <ProgressBar value={run.progress} label={`Run ${run.id.slice(0, 8)} progress`} />
                </td>
                <td>{runPosition(run)}</td>
                <td>{models.nameOf(run.baseModelId)}</td>
                <td>{run.preset}</td>
                <td title={run.createdAt}>{formatAge(run.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {runs.data && items.length === 0 && (
        <p className="empty">
          No runs{status ? ` with status ${status}` : ''} yet. <Link to="/new-run">Start one</Link>.
        </p>
      )}
      {canLoadMore && (
        <button type="button" onClick={loadMore} className="load-more">
          Load more
        </button>
      )}
    </section>
  );
}
