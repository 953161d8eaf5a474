interface DangerButtonProps {
  /** What the button does: "Delete", "Revoke". */
  verb: string;
  /** What it does it to, for screen readers ("Delete mine"). */
  target: string;
  onClick: () => void;
  testId: string;
}

/** A row's destructive action; the confirmation is the caller's (ConfirmActionDialog). */
export function DangerButton({ verb, target, onClick, testId }: DangerButtonProps) {
  return (
    <button
      type="button"
      className="danger small"
      onClick={onClick}
      aria-label={`${verb} ${target}`}
      data-testid={testId}
    >
      {verb}
    </button>
  );
}
