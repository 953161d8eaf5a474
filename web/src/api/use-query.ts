import { useCallback, useEffect, useRef, useState } from 'react';

export interface Query<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Loads again now (keeps the current data while it loads). */
  reload: () => void;
}

/**
 * Loads `load()` when `key` changes, and again every `refreshMs` while set. Answers of an earlier
 * key (or of a load overtaken by a newer one) are dropped.
 */
export function useQuery<T>(
  key: string,
  load: () => Promise<T>,
  { refreshMs }: { refreshMs?: number } = {},
): Query<T> {
  const [state, setState] = useState<{ key: string; data?: T; error: unknown; loading: boolean }>({
    key,
    error: null,
    loading: true,
  });
  const loadRef = useRef(load);
  loadRef.current = load;
  const seq = useRef(0);

  const run = useCallback(() => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    loadRef.current().then(
      (data) => {
        if (mine === seq.current) setState({ key, data, error: null, loading: false });
      },
      (error: unknown) => {
        if (mine === seq.current) setState((s) => ({ ...s, key, error, loading: false }));
      },
    );
  }, [key]);

  useEffect(() => {
    run();
    if (!refreshMs) return () => void seq.current++;
    const timer = window.setInterval(run, refreshMs);
    return () => {
      window.clearInterval(timer);
      seq.current++;
    };
  }, [run, refreshMs]);

  const current = state.key === key;
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : null,
    loading: !current || state.loading,
    reload: run,
  };
}
