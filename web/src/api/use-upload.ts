import { useState } from 'react';
import type { Progress } from '../components/upload-progress';

/**
 * One upload at a time with its progress and error: `run(totalBytes, send)` calls `send` with a
 * progress callback and reports whether it succeeded (the error is kept for display otherwise).
 */
export function useUpload() {
  const [progress, setProgress] = useState<Progress | null>(null);
  const [error, setError] = useState<unknown>(null);

  const run = async (
    total: number,
    send: (onProgress: (sent: number, total: number) => void) => Promise<unknown>,
  ): Promise<boolean> => {
    setError(null);
    setProgress({ sent: 0, total });
    try {
      await send((sent, all) => setProgress({ sent, total: all }));
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setProgress(null);
    }
  };
  return { progress, error, setError, run };
}
