/**
 * An api process receives SIGTERM while SSE clients follow a run: it ends their streams and exits
 * within a few seconds (a stream otherwise lasts until its run ends), and the clients, reconnecting
 * with Last-Event-ID to the api started again on the same port, receive every event exactly once,
 * including those written while no api was up.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import type { DataSource } from 'typeorm';
import type { RunEvent } from '../../openapi/src';
import { loadConfig } from '../../src/config/app-config';
import { createDataSource } from '../../src/database/data-source';
import { EventLogService } from '../../src/events/event-log.service';
import { RedisPubSub } from '../../src/redis/redis.module';
import {
  ADMIN_KEY,
  Api,
  ciRunBody,
  createTestEnv,
  freePort,
  spawnService,
  waitLive,
} from './harness';
import type { TestEnv } from './harness';

describe('api SIGTERM with open SSE streams', () => {
  let env: TestEnv;
  let ds: DataSource;
  let pubsub: RedisPubSub;
  const children: ChildProcess[] = [];

  before(async () => {
    env = await createTestEnv({ RZERO_EMBEDDED_WORKER: '0' });
    ds = createDataSource(env.config.databaseUrl);
    await ds.initialize();
    pubsub = new RedisPubSub(loadConfig(env.env));
  });
  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    await pubsub?.onApplicationShutdown();
    await ds?.destroy();
    await env?.cleanup();
  });

  test('the api ends its streams and exits within 5 s; clients resume on the restarted api and lose nothing', async (t) => {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const apiEnv = { ...env.env, PORT: String(port) };
    /** Starts dist/src/main.js and resolves once it answers /health/live. */
    const startApiProcess = async () => {
      const api = spawnService('dist/src/main.js', apiEnv);
      children.push(api.proc);
      await waitLive(baseUrl, api.proc);
      return api;
    };
    const first = await startApiProcess();
    const alice = await new Api(baseUrl, ADMIN_KEY).newKey('alice');
    const baseId = (await alice.call<{ id: string }>('POST', '/models', { builtin: 'arith-tiny' }))
      .body.id;
    const run = await alice.call<{ id: string }>('POST', '/runs', ciRunBody(baseId));
    assert.equal(run.status, 202);
    const runId = run.body.id;
    // Events as a worker writes them (no worker runs here: the run stays queued, attempt 0).
    const log = new EventLogService(ds, pubsub);
    const write = (iteration: number) =>
      log.append(runId, 0, { type: 'iteration.started', iteration });

    const clients = Array.from({ length: 8 }, () => {
      const events: RunEvent[] = [];
      const opens: { reconnect: boolean; after: number }[] = [];
      const sub = alice.rz.subscribeRunEvents(runId, {
        retry: { initialDelayMs: 200, maxDelayMs: 500, maxAttempts: 400 },
        onOpen: (o) => opens.push(o),
        onEvent: (e) => {
          events.push(e);
        },
      });
      return { events, opens, sub };
    });
    t.after(() => clients.forEach((c) => c.sub.close()));
    for (let i = 1; i <= 3; i++) await write(i);
    for (const t0 = Date.now(); clients.some((c) => c.events.length < 3);) {
      assert.ok(Date.now() - t0 < 20_000, 'clients received the first events');
      await new Promise((r) => setTimeout(r, 50));
    }

    const t0 = Date.now();
    first.proc.kill('SIGTERM');
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000));
    const exit = await Promise.race([first.exited, timeout]);
    const exitMs = Date.now() - t0;
    t.diagnostic(`the api exited ${exitMs} ms after SIGTERM with ${clients.length} open streams`);
    assert.notEqual(exit, 'timeout', 'the api did not exit within 15 s of SIGTERM');
    assert.ok(exitMs < 5_000, `exit took ${exitMs} ms`);
    assert.ok(
      exit !== 'timeout' && (exit.code === 0 || exit.signal === 'SIGTERM'),
      JSON.stringify(exit),
    );

    // Written while no api is up; then the api comes back on the same port.
    for (let i = 4; i <= 5; i++) await write(i);
    const second = await startApiProcess();
    // The terminal event, written by the new api, ends every stream.
    assert.equal((await alice.call('POST', `/runs/${runId}/cancel`)).status, 202);
    const results = await Promise.all(clients.map((c) => c.sub.done));
    for (const [i, c] of clients.entries()) {
      assert.ok(results[i]!.ended, `client ${i} saw the end`);
      assert.deepEqual(
        c.events.map((e) => e.id),
        [1, 2, 3, 4, 5, 6],
        `client ${i}`,
      );
      assert.equal(c.events.at(-1)!.type, 'run.status');
      // It reconnected after the shutdown, resuming after the last id it had.
      assert.ok(
        c.opens.some((o) => o.reconnect && o.after >= 3),
        JSON.stringify(c.opens.slice(0, 3)),
      );
    }
    second.proc.kill('SIGTERM');
    await second.exited;
  });
});
