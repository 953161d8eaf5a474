import { ErrorMessage } from './error-message';
import { formatBytes } from './format';

export interface Progress {
  sent: number;
  total: number;
}

/** Bytes sent of an upload in flight. */
export function UploadProgress({ progress, testId }: { progress: Progress; testId: string }) {
  const share = progress.total > 0 ? progress.sent / progress.total : 0;
  return (
    <div className="progress" data-testid={testId}>
      <progress max={1} value={share} aria-label="Upload progress" />
      <span className="progress-text">
        {formatBytes(progress.sent)} of {formatBytes(progress.total)}
      </span>
    </div>
  );
}

/** The end of an upload form: progress while sending, the API's error, the submit button. */
export function UploadFooter(props: {
  progress: Progress | null;
  error: unknown;
  testPrefix: string;
}) {
  const { progress, error, testPrefix } = props;
  return (
    <>
      {progress && <UploadProgress progress={progress} testId={`${testPrefix}-progress`} />}
      <ErrorMessage error={error} testId={`${testPrefix}-error`} />
      <button
        type="submit"
        className="primary"
        disabled={progress !== null}
        data-testid={`${testPrefix}-submit`}
      >
        {progress ? 'Uploading…' : 'Upload'}
      </button>
    </>
  );
}
