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
