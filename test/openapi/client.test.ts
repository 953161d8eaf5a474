/**
 * The client's own logic that the service tests cannot reach: SSE parsing edge cases, and
 * reconnection with Last-Event-ID after a dropped connection (against a real HTTP server that
 * drops the first connection mid-stream).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { ApiError, createRzeroClient, createSseParser } from '../../openapi/src';
import type { RunEvent, SseMessage } from '../../openapi/src';

describe('SSE parser', () => {
  test('LF and CRLF, multi-line data, comments, messages split across chunks', () => {
    const got: SseMessage[] = [];
    const comments: string[] = [];
    const p = createSseParser(
      (m) => got.push(m),
      (c) => comments.push(c),
    );
    const text =
      'id: 1\nevent: a\ndata: {"x":1}\n\n: heartbeat\r\n\r\nid: 2\r\nevent: b\r\ndata: l1\r\ndata: l2\r\n\r\ndata: no id\n\n';
    for (let i = 0; i < text.length; i += 3) p.push(text.slice(i, i + 3));
    assert.deepEqual(got, [
      { id: '1', event: 'a', data: '{"x":1}' },
      { id: '2', event: 'b', data: 'l1\nl2' },
      { id: null, event: 'message', data: 'no id' },
    ]);
    assert.deepEqual(comments, ['heartbeat']);
  });
});

describe('subscribeRunEvents', () => {
  let server: Server;
  let baseUrl = '';
  const requests: IncomingHttpHeaders[] = [];
  const ev = (id: number, extra: object) =>
    `id: ${id}\nevent: x\ndata: ${JSON.stringify({ id, runId: 'r1', createdAt: '', ...extra })}\n\n`;

  before(async () => {
    server = createServer((req, res) => {
      requests.push(req.headers);
      if (req.url !== '/runs/r1/events') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ statusCode: 404, code: 'RUN_NOT_FOUND', message: 'run r2 not found' }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (requests.length === 1) {
        // First connection: three events, a heartbeat, then the connection drops.
        res.write(ev(1, { type: 'iteration.started', iteration: 1 }));
        res.write(ev(2, { type: 'iteration.started', iteration: 2 }));
        res.write(': heartbeat\n\n');
        res.write(ev(3, { type: 'iteration.started', iteration: 3 }));
        setTimeout(() => req.socket.destroy(), 50);
        return;
      }
      // The resumed connection replays from Last-Event-ID (and one duplicate, which is skipped).
      const after = Number(req.headers['last-event-id']);
      res.write(ev(after, { type: 'iteration.started', iteration: after }));
      res.write(ev(after + 1, { type: 'run.completed', iterations: 3 }));
      res.end(ev(after + 2, { type: 'run.status', status: 'succeeded' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => server.close());

  test('reconnects with Last-Event-ID after a drop and delivers each id once, in order', async () => {
    const rz = createRzeroClient({ baseUrl, apiKey: 'k1' });
    const events: RunEvent[] = [];
    const retries: number[] = [];
    const sub = rz.subscribeRunEvents('r1', {
      onEvent: (e) => void events.push(e),
      onRetry: ({ attempt }) => retries.push(attempt),
      retry: { initialDelayMs: 10 },
    });
    const r = await sub.done;
    assert.deepEqual(
      events.map((e) => e.id),
      [1, 2, 3, 4, 5],
    );
    assert.equal(events.at(-1)!.type, 'run.status');
    assert.deepEqual(r, { ended: true, lastEventId: 5, heartbeats: 1, connections: 2 });
    assert.deepEqual(retries, [1]);
    assert.equal(requests[0]!['last-event-id'], '0');
    assert.equal(requests[1]!['last-event-id'], '3');
    assert.equal(requests[1]!.authorization, 'Bearer k1');
  });

  test('a 4xx is not retried: it rejects with the API error', async () => {
    const rz = createRzeroClient({ baseUrl, apiKey: 'k1' });
    const sub = rz.subscribeRunEvents('r2', { onEvent: () => undefined });
    await assert.rejects(
      sub.done,
      (err: unknown) =>
        err instanceof ApiError && err.status === 404 && err.code === 'RUN_NOT_FOUND',
    );
  });
});
