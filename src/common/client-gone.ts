import type { Response } from 'express';

/**
 * A signal that fires when the client of `res` goes away (the connection closes) before the
 * response is sent: work done for an abandoned request can then be undone instead of committed.
 */
export function clientGone(res: Response): AbortSignal {
  const ac = new AbortController();
  const check = (): void => {
    if (!res.writableFinished) ac.abort();
  };
  if (res.destroyed || res.socket?.destroyed === true) check();
  else res.once('close', check);
  return ac.signal;
}
