import { useState } from 'react';
import { useRz } from '../../api/auth-context';
import { ConfirmDialog } from '../../components/confirm-dialog';

/** "Cancel run" with a confirmation; a running run stops at its next step. */
export function CancelRun({ runId, onCanceled }: { runId: string; onCanceled: () => void }) {
  const rz = useRz();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const close = () => {
    setOpen(false);
    setError(null);
  };
  const confirm = async () => {
    setBusy(true);
    try {
      await rz.ok(rz.api.POST('/runs/{id}/cancel', { params: { path: { id: runId } } }));
      close();
      onCanceled();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <button
        type="button"
        className="danger"
        onClick={() => setOpen(true)}
        data-testid="cancel-run"
      >
        Cancel run
      </button>
      {open && (
        <ConfirmDialog
          title="Cancel this run?"
          confirmLabel="Cancel run"
          onConfirm={confirm}
          onClose={close}
          busy={busy}
          error={error}
          confirmTestId="confirm-cancel"
        >
          <p>
            A queued run is canceled at once; a running run stops at its next step and keeps its
            finished iterations.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
