import type { DownloadPath } from '@rzero/client';
import { ErrorMessage } from '../../components/error-message';
import { useDownload } from '../../api/use-download';

interface Item {
  id: string;
  label: string;
  path: DownloadPath;
  query?: { iteration?: number; best?: 'true' };
}

/** The trained models as tar.gz: final and best Solver, each finished iteration, the Challenger. */
export function RunDownloads({ runId, finished }: { runId: string; finished: number[] }) {
  const download = useDownload();
  const ready = finished.length > 0;
  const items: Item[] = [
    { id: 'solver-final', label: 'Solver (final)', path: '/runs/{id}/solver' },
    {
      id: 'solver-best',
      label: 'Solver (best)',
      path: '/runs/{id}/solver',
      query: { best: 'true' },
    },
    ...finished.map<Item>((k) => ({
      id: `solver-iteration-${k}`,
      label: `Solver (iteration ${k})`,
      path: '/runs/{id}/solver',
      query: { iteration: k },
    })),
    { id: 'challenger-final', label: 'Challenger (final)', path: '/runs/{id}/challenger' },
  ];
  return (
    <section className="panel" aria-labelledby="downloads-title">
      <h2 id="downloads-title">Downloads</h2>
      {!ready && <p className="muted">Models can be downloaded once an iteration has finished.</p>}
      <div className="button-row">
        {items.map((item) => (
          <button
            key={item.id}
            type="button"
            disabled={!ready || download.active !== null}
            onClick={() => download.start(item.id, item.path, runId, item.query)}
            data-testid={`download-${item.id}`}
          >
            {download.active === item.id ? 'Downloading…' : item.label}
          </button>
        ))}
      </div>
      <ErrorMessage error={download.error} />
    </section>
  );
}
