import { useState } from 'react';
import { useApiQuery } from '../../api/use-api-query';
import { ErrorMessage } from '../../components/error-message';
import { TableHead } from '../../components/table-head';
import { useDebounced } from '../../components/use-debounced';
import { Link } from '../../router/router';
import { CurriculumRow } from './curriculum-row';

const PAGE = 25;
type KeptFilter = '' | 'true' | 'false';

/** Every candidate question a run generated: filter, search, page through, expand the votes. */
export function CurriculumPage({ runId }: { runId: string }) {
  const [iteration, setIteration] = useState('');
  const [kept, setKept] = useState<KeptFilter>('');
  const [search, setSearch] = useState('');
  const [expanded, setExpanded] = useState<string | null>(null);
  const q = useDebounced(search.trim(), 300);

  const run = useApiQuery(`run:${runId}`, (rz) =>
    rz.ok(rz.api.GET('/runs/{id}', { params: { path: { id: runId } } })),
  );
  const filters = {
    iteration: iteration ? Number(iteration) : undefined,
    kept: kept || undefined,
    q: q || undefined,
  };
  // The page offset belongs to one set of filters: changing any starts again at the first page.
  const filtersKey = JSON.stringify(filters);
  const [at, setAt] = useState({ filtersKey, offset: 0 });
  const offset = at.filtersKey === filtersKey ? at.offset : 0;
  const setOffset = (next: number) => setAt({ filtersKey, offset: next });

  const page = useApiQuery(`curriculum:${runId}:${filtersKey}:${offset}`, (rz) =>
    rz.ok(
      rz.api.GET('/runs/{id}/curriculum', {
        params: { path: { id: runId }, query: { ...filters, offset, limit: PAGE } },
      }),
    ),
  );

  const iterations = run.data ? Math.max(run.data.iteration, run.data.completedIterations) : 0;
  const total = page.data?.total ?? 0;
  const items = page.data?.items ?? [];

  return (
    <section data-testid="curriculum-page">
      <div className="page-head">
        <h1>
          Curriculum of run <span className="mono">{runId.slice(0, 8)}</span>
        </h1>
        <Link to={`/runs/${runId}`} className="button">
          Back to the run
        </Link>
      </div>
      <div className="toolbar">
        <label htmlFor="curriculum-iteration">Iteration</label>
        <select
          id="curriculum-iteration"
          value={iteration}
          onChange={(e) => setIteration(e.target.value)}
          data-testid="curriculum-iteration"
        >
          <option value="">All</option>
          {Array.from({ length: iterations }, (_, i) => i + 1).map((it) => (
            <option key={it} value={it}>
              {it}
            </option>
          ))}
        </select>
        <label htmlFor="curriculum-kept">Show</label>
        <select
          id="curriculum-kept"
          value={kept}
          onChange={(e) => setKept(e.target.value as KeptFilter)}
          data-testid="curriculum-kept"
        >
          <option value="">all</option>
          <option value="true">kept</option>
          <option value="false">dropped</option>
        </select>
        <label htmlFor="curriculum-search">Search</label>
        <input
          id="curriculum-search"
          type="search"
          value={search}
          placeholder="question contains…"
          onChange={(e) => setSearch(e.target.value)}
          data-testid="curriculum-search"
        />
      </div>
      <ErrorMessage error={page.error ?? run.error} />
      <div className="table-wrap">
        <table data-testid="curriculum-table" aria-busy={page.loading}>
          <TableHead
            columns={[
              '#',
              'Question',
              'Majority',
              'p̂',
              'Kept / drop reason',
              'Cluster',
              'Reward: uncertainty / repetition',
              'Oracle',
            ]}
          />
          <tbody>
            {items.map((item) => {
              const id = `${item.iteration}:${item.index}`;
              return (
                <CurriculumRow
                  key={id}
                  item={item}
                  expanded={expanded === id}
                  onToggle={() => setExpanded(expanded === id ? null : id)}
                />
              );
            })}
          </tbody>
        </table>
      </div>
      {page.data && items.length === 0 && <p className="empty">No question matches.</p>}
      <div className="pager">
        <span data-testid="curriculum-total" data-total={total}>
          {total === 0
            ? '0 questions'
            : `${offset + 1}–${offset + items.length} of ${total} questions`}
        </span>
        <button
          type="button"
          disabled={offset === 0}
          onClick={() => setOffset(Math.max(0, offset - PAGE))}
        >
          Previous
        </button>
        <button
          type="button"
          disabled={offset + PAGE >= total}
          onClick={() => setOffset(offset + PAGE)}
        >
          Next
        </button>
      </div>
    </section>
  );
}
