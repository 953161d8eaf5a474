/** The API's reason for one field, under its input (`error-<name>`). */
export function FieldError({ name, reason }: { name: string; reason: string | undefined }) {
  if (!reason) return null;
  return (
    <p className="field-error" id={errorId(name)} data-testid={`error-${name}`}>
      {reason}
    </p>
  );
}

export const errorId = (name: string): string => `error-${name.replace(/\./g, '-')}`;

/** aria props tying an input to its error. */
export const describedBy = (name: string, reason: string | undefined) =>
  reason ? { 'aria-invalid': true, 'aria-describedby': errorId(name) } : {};
