import { ApiError } from '@rzero/client';

export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.body.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** An API error: its message and, when listed, every bad field with its reason. */
export function ErrorMessage({ error, testId }: { error: unknown; testId?: string }) {
  if (!error) return null;
  const issues = error instanceof ApiError ? (error.body.errors ?? []) : [];
  return (
    <div className="error" role="alert" data-testid={testId}>
      <p>{errorText(error)}</p>
      {issues.length > 0 && (
        <ul>
          {issues.map((issue, i) => (
            <li key={`${issue.field}-${i}`}>
              <strong>{issue.field}</strong>: {issue.reason}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
