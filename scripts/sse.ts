/**
 * A minimal Server-Sent Events reader over fetch (Node has no EventSource): parses `id:`,
 * `event:` and `data:` fields, counts comment heartbeats, and stops when the server ends the
 * stream, when `onEvent` returns false, or when `signal` aborts.
 */
export interface SseMessage {
  id: number;
  event: string;
  data: Record<string, unknown>;
}

export interface SseResult {
  heartbeats: number;
  /** True when the server closed the stream (after the run's terminal event). */
  ended: boolean;
}

export async function readSse(
  url: string,
  headers: Record<string, string>,
  onEvent: (m: SseMessage) => boolean | void,
): Promise<SseResult> {
  const ctrl = new AbortController();
  const res = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: ctrl.signal,
  });
  if (res.status !== 200) throw new Error(`SSE ${url}: ${res.status} ${await res.text()}`);
  let heartbeats = 0;
  let buf = '';
  const decoder = new TextDecoder();
  const reader = res.body!.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return { heartbeats, ended: true };
      buf += decoder.decode(value, { stream: true });
      let sep: number;
      while ((sep = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, sep);
        buf = buf.slice(sep + 2);
        if (block.startsWith(':')) {
          heartbeats++;
          continue;
        }
        const fields: Record<string, string> = {};
        for (const line of block.split('\n')) {
          const colon = line.indexOf(':');
          if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, '');
        }
        if (fields.id === undefined || fields.data === undefined) continue;
        const keepGoing = onEvent({
          id: Number(fields.id),
          event: fields.event ?? 'message',
          data: JSON.parse(fields.data) as Record<string, unknown>,
        });
        if (keepGoing === false) {
          ctrl.abort();
          return { heartbeats, ended: false };
        }
      }
    }
  } catch (err) {
    if ((err as Error).name === 'AbortError') return { heartbeats, ended: false };
    throw err;
  }
}
