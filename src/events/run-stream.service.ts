import { Inject, Injectable } from '@nestjs/common';
import type { OnModuleDestroy } from '@nestjs/common';
import type { Request, Response } from 'express';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { RedisPubSub } from '../redis/redis.module';
import { EventLogService, runChannel } from './event-log.service';
import { isTerminalEvent } from './run-event.types';
import type { StoredEvent } from './run-event.types';

/**
 * Server-Sent Events for one run: replay from Postgres after the client's Last-Event-ID, then
 * follow Redis pub/sub. A live message is only a hint: when it is not the next id the stream
 * catches up from Postgres, so every event is sent exactly once and in order on any replica,
 * even if a pub/sub message was lost. A heartbeat comment keeps proxies from closing the stream,
 * and the stream ends after the run's terminal event.
 *
 * When the process shuts down, every open stream is ended (and one opened meanwhile ends at once):
 * a stream lasts until its run ends, hours perhaps, and the HTTP server's close would wait for
 * it. Clients reconnect with Last-Event-ID, to another replica or to this one restarted, and
 * miss nothing: the log is in Postgres.
 */
@Injectable()
export class RunStreamService implements OnModuleDestroy {
  /** Ends each open stream of this process. */
  private readonly open = new Set<() => void>();
  private stopping = false;

  constructor(
    private readonly log: EventLogService,
    private readonly pubsub: RedisPubSub,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async streamRunEvents(runId: string, after: number, req: Request, res: Response): Promise<void> {
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.write('retry: 2000\n\n');

    let last = after;
    let closed = false;
    let pumping = false;
    let again = false;
    const send = (e: StoredEvent) => {
      if (closed || e.id !== last + 1) return false;
      res.write(`id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
      last = e.id;
      if (isTerminalEvent(e)) close();
      return true;
    };
    const pump = async (): Promise<void> => {
      if (pumping) {
        again = true;
        return;
      }
      pumping = true;
      try {
        do {
          again = false;
          for (;;) {
            if (closed) return;
            const batch = await this.log.after(runId, last);
            for (const e of batch) if (!send(e)) break;
            if (batch.length < 500) break;
          }
        } while (again && !closed);
      } catch {
        close();
      } finally {
        pumping = false;
      }
    };
    const heartbeat = setInterval(() => {
      if (closed) return;
      res.write(': heartbeat\n\n');
      void pump();
    }, this.config.sseHeartbeatMs);
    let unsubscribe: (() => Promise<void>) | null = null;
    const close = () => {
      if (closed) return;
      closed = true;
      this.open.delete(close);
      clearInterval(heartbeat);
      void unsubscribe?.();
      res.end();
    };
    req.on('close', close);
    if (this.stopping) return close();
    this.open.add(close);

    // Subscribe before replaying, so nothing published in between is missed.
    unsubscribe = await this.pubsub.subscribe(runChannel(runId), (message) => {
      if (pumping) {
        again = true;
        return;
      }
      let e: StoredEvent;
      try {
        e = JSON.parse(message) as StoredEvent;
      } catch {
        return;
      }
      if (e.id <= last) return;
      if (!send(e)) void pump();
    });
    if (closed) {
      await unsubscribe();
      return;
    }
    await pump();
  }

  /** Shutdown (before the HTTP server closes): end every stream, refuse to hold new ones. */
  onModuleDestroy(): void {
    this.stopping = true;
    for (const close of [...this.open]) close();
  }
}
