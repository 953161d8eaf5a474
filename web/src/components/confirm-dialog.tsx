import { useEffect, useRef, type ReactNode } from 'react';
import type { ConfirmedAction } from '../api/use-confirmed-action';
import { ErrorMessage } from './error-message';

interface ConfirmDialogProps {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  /** Called on confirm; the dialog stays open (showing `error`) until the caller closes it. */
  onConfirm: () => void;
  onClose: () => void;
  busy?: boolean;
  error?: unknown;
  confirmTestId?: string;
}

/** A modal confirmation (native <dialog>: focus trap, Escape closes). Mount it to open it. */
export function ConfirmDialog(props: ConfirmDialogProps) {
  const { title, children, confirmLabel, onConfirm, onClose, busy, error, confirmTestId } = props;
  const ref = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (!dialog.open) dialog.showModal();
    return () => dialog.close();
  }, []);

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby="dialog-title"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <h2 id="dialog-title">{title}</h2>
      <div className="dialog-body">{children}</div>
      <ErrorMessage error={error} />
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          className="danger"
          onClick={onConfirm}
          disabled={busy}
          data-testid={confirmTestId}
        >
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

/** The confirm dialog of a `useConfirmedAction`, open while it has a target. */
export function ConfirmActionDialog<T extends { name: string }>(props: {
  action: ConfirmedAction<T>;
  /** "Delete", "Revoke": the title is "<verb> <name>?" and the button says the verb. */
  verb: string;
  confirmTestId: string;
  children: ReactNode;
}) {
  const { action, verb, confirmTestId, children } = props;
  if (!action.target) return null;
  return (
    <ConfirmDialog
      title={`${verb} ${action.target.name}?`}
      confirmLabel={verb}
      onConfirm={action.confirm}
      onClose={action.cancel}
      busy={action.busy}
      error={action.error}
      confirmTestId={confirmTestId}
    >
      {children}
    </ConfirmDialog>
  );
}
