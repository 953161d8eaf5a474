import type { BenchmarkView } from '@rzero/client';
import { useRz } from '../api/auth-context';
import { useBenchmarks } from '../api/use-benchmarks';
import { useConfirmedAction } from '../api/use-confirmed-action';
import { ConfirmActionDialog } from '../components/confirm-dialog';
import { ErrorMessage } from '../components/error-message';
import { formatTime } from '../components/format';
import { BenchmarkUploadForm } from './benchmark-upload-form';

export function BenchmarksPage() {
  const rz = useRz();
  const benchmarks = useBenchmarks();
  const remove = useConfirmedAction(
    (b: BenchmarkView) =>
      rz
        .ok(rz.api.DELETE('/benchmarks/{id}', { params: { path: { id: b.id } } }))
        .then(() => undefined),
    benchmarks.reload,
  );
  return (
    <section>
      <div className="page-head">
        <h1>Benchmarks</h1>
      </div>
      <ErrorMessage error={benchmarks.error} />
      <div className="table-wrap">
        <table data-testid="benchmarks-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Domain</th>
              <th scope="col">Items</th>
              <th scope="col">Owner</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(benchmarks.data ?? []).map((b) => (
              <tr key={b.id} data-testid="benchmark-row" data-benchmark-id={b.id}>
                <td>
                  {b.name}
                  {b.builtin && <span className="badge badge-builtin">built-in</span>}
                </td>
                <td>{b.domain}</td>
                <td className="num">{b.itemCount}</td>
                <td>{b.owner ?? '—'}</td>
                <td>{formatTime(b.createdAt)}</td>
                <td>
                  {!b.builtin && (
                    <button
                      type="button"
                      className="danger small"
                      onClick={() => remove.ask(b)}
                      aria-label={`Delete ${b.name}`}
                      data-testid="delete-benchmark"
                    >
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <BenchmarkUploadForm onUploaded={benchmarks.reload} />
      <ConfirmActionDialog action={remove} verb="Delete" confirmTestId="confirm-delete-benchmark">
        <p>Its items and every score recorded on it (in runs and evaluations) are removed.</p>
      </ConfirmActionDialog>
    </section>
  );
}
