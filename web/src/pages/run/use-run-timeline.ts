import { useEffect, useRef, useState } from 'react';
import type { RunEvent } from '@rzero/client';
import { useRz } from '../../api/auth-context';
import { applyEvents, emptyTimeline, type RunTimeline } from './run-timeline';

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'ended' | 'failed';

/** Events arriving within this window are applied (and the charts redrawn) together. */
const FLUSH_MS = 150;

/**
 * The run's whole event history (from id 1), then its live events, folded into a timeline. The
 * subscription reconnects with Last-Event-ID on its own and is closed on unmount.
 */
export function useRunTimeline(runId: string, onEvent?: (e: RunEvent) => void) {
  const rz = useRz();
  const [timeline, setTimeline] = useState<RunTimeline>(emptyTimeline);
  const [stream, setStream] = useState<StreamState>('connecting');
  const [error, setError] = useState<unknown>(null);
  // A notification only: a new callback must not restart the stream.
  const notify = useRef(onEvent);
  notify.current = onEvent;

  useEffect(() => {
    let pending: RunEvent[] = [];
    let timer: number | undefined;
    const flush = () => {
      timer = undefined;
      const batch = pending;
      pending = [];
      setTimeline((t) => applyEvents(t, batch));
    };
    const sub = rz.subscribeRunEvents(runId, {
      after: 0,
      onEvent: (e) => {
        pending.push(e);
        notify.current?.(e);
        timer ??= window.setTimeout(flush, FLUSH_MS);
      },
      onOpen: () => setStream('live'),
      onRetry: () => setStream('reconnecting'),
    });
    sub.done.then(
      (result) => {
        // 'ended' promises every event is on the charts: apply what is still pending first.
        if (timer !== undefined) {
          window.clearTimeout(timer);
          flush();
        }
        if (result.ended) setStream('ended');
      },
      (err: unknown) => {
        setError(err);
        setStream('failed');
      },
    );
    return () => {
      sub.close();
      if (timer !== undefined) window.clearTimeout(timer);
    };
  }, [rz, runId]);

  return { timeline, stream, error };
}
