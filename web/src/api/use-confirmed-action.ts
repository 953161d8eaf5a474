import { useState } from 'react';

/**
 * A destructive action on one item behind a confirm dialog: `ask(item)` opens it, `confirm()` runs
 * the action (the dialog stays open with the API's error if it fails), `cancel()` closes it.
 */
export interface ConfirmedAction<T> {
  target: T | null;
  ask: (item: T) => void;
  cancel: () => void;
  confirm: () => Promise<void>;
  busy: boolean;
  error: unknown;
}

export function useConfirmedAction<T>(
  action: (item: T) => Promise<void>,
  onDone: () => void,
): ConfirmedAction<T> {
  const [target, setTarget] = useState<T | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const cancel = () => {
    setTarget(null);
    setError(null);
  };
  const confirm = async () => {
    if (target === null) return;
    setBusy(true);
    try {
      await action(target);
      cancel();
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { target, ask: setTarget, cancel, confirm, busy, error };
}
