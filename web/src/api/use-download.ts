import { useState } from 'react';
import type { DownloadPath } from '@rzero/client';
import { useRz } from './auth-context';

type Query = { iteration?: number; best?: 'true' | 'false' };

/** Saves a tar.gz from the API (the key goes in a header, so a plain link cannot do it). */
export function useDownload() {
  const rz = useRz();
  const [active, setActive] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  const start = async (id: string, path: DownloadPath, runId: string, query?: Query) => {
    setActive(id);
    setError(null);
    try {
      const file = await rz.download(path, { path: { id: runId }, query });
      saveBytes(file.bytes, file.filename);
    } catch (err) {
      setError(err);
    } finally {
      setActive(null);
    }
  };
  return { start, active, error };
}

function saveBytes(bytes: Uint8Array, filename: string): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/gzip' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  // The click has handed the URL to the download; release it on the next turn.
  window.setTimeout(() => URL.revokeObjectURL(url), 0);
}
