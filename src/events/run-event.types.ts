import type { RZeroEvent } from '../rzero';
import type { RunStatus } from '../runs/run.entity';

/** The service's own run lifecycle event; a terminal status ends every SSE stream of the run. */
export interface RunStatusEvent {
  type: 'run.status';
  status: RunStatus;
  /** Which worker attempt this is (> 1 after a resume). */
  attempt?: number;
  /** The iteration the run resumes after (completed iterations found). */
  resumedAfter?: number;
  error?: string;
  /**
   * Why a running run went back to `queued`: its worker was shutting down and stopped it between
   * two steps. The next worker resumes it after its last completed iteration.
   */
  reason?: string;
}

/** What the event log stores and SSE sends: the loop's events (not each curriculum item) + status. */
export type ServiceEvent = Exclude<RZeroEvent, { type: 'curriculum.item' }> | RunStatusEvent;

/** One SSE message's data: the event with its per-run id and time. */
export type StoredEvent = ServiceEvent & { id: number; runId: string; createdAt: string };

export const isTerminalEvent = (e: { type: string; status?: string }): boolean =>
  e.type === 'run.status' &&
  (e.status === 'succeeded' || e.status === 'failed' || e.status === 'canceled');
