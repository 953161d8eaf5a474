import type { BenchmarkView } from '@rzero/client';
import { useRz } from '../api/auth-context';
import { useBenchmarks } from '../api/use-benchmarks';
import { useConfirmedAction } from '../api/use-confirmed-action';
import { ConfirmActionDialog } from '../components/confirm-dialog';
import { DangerButton } from '../components/danger-button';
import { ErrorMessage } from '../components/error-message';
import { formatTime } from '../components/format';
import { TableHead } from '../components/table-head';
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
          <TableHead columns={['Name', 'Domain', 'Items', 'Owner', 'Created']} actions />
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
                    <DangerButton
                      verb="Delete"
                      target={b.name}
                      onClick={() => remove.ask(b)}
                      testId="delete-benchmark"
                    />
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
