/**
 * A Server-Sent Events parser over fetch's byte stream. Browsers' EventSource cannot send an
 * Authorization header (and an API key must never go in a URL), Node has no EventSource at all, so
 * the client reads `text/event-stream` itself: `id:`, `event:`, `data:` (several data lines join
 * with "\n"), comment lines (the server's heartbeats), CRLF or LF line ends.
 */
export interface SseMessage {
  id: string | null;
  event: string;
  data: string;
}

export interface SseParser {
  /** Feeds decoded text; calls back for each complete message and each comment line. */
  push(text: string): void;
}

export function createSseParser(
  onMessage: (m: SseMessage) => void,
  onComment: (text: string) => void = () => undefined,
): SseParser {
  let buf = '';
  let id: string | null = null;
  let event = '';
  let data: string[] = [];
  let hasData = false;
  const dispatch = () => {
    if (hasData) onMessage({ id, event: event || 'message', data: data.join('\n') });
    id = null;
    event = '';
    data = [];
    hasData = false;
  };
  const line = (l: string) => {
    if (l === '') return dispatch();
    if (l.startsWith(':')) return onComment(l.slice(1).trim());
    const colon = l.indexOf(':');
    const field = colon < 0 ? l : l.slice(0, colon);
    const value = colon < 0 ? '' : l.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'event') event = value;
    else if (field === 'data') {
      data.push(value);
      hasData = true;
    }
  };
  return {
    push(text: string) {
      buf += text;
      let nl: number;
      while ((nl = buf.search(/\r\n|\n|\r/)) >= 0) {
        const sepLen = buf[nl] === '\r' && buf[nl + 1] === '\n' ? 2 : 1;
        // A lone \r at the end may be the first half of \r\n: wait for more text.
        if (buf[nl] === '\r' && nl + 1 === buf.length) break;
        line(buf.slice(0, nl));
        buf = buf.slice(nl + sepLen);
      }
    },
  };
}
