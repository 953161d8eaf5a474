import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { RedisPubSub } from '../redis/redis.module';
import { TERMINAL_RUN_STATUSES as TERMINAL } from '../runs/run.entity';
import type { RunStatus } from '../runs/run.entity';
import type { ServiceEvent, StoredEvent } from './run-event.types';

/** Columns of `runs` an event may update in the same statement that allocates its id. */
export interface RunPatch {
  progress?: number;
  iteration?: number;
  phase?: string | null;
  backend?: string;
  status?: string;
  error?: string | null;
  completed_iterations?: number;
  best_iteration?: number | null;
  solver_model_id?: string;
  finished_at?: Date;
}

/**
 * Thrown when a write is refused: the run was taken over by a newer attempt (this worker's writes
 * are refused), or the write would end a run that has already ended.
 */
export class StaleAttemptError extends Error {
  override readonly name = 'StaleAttemptError';
  constructor(runId: string, attempt: number) {
    super(`run ${runId}: attempt ${attempt} was superseded by another worker, or the run ended`);
  }
}

export interface AppendResult {
  event: StoredEvent;
  /** Set when someone asked to cancel the run: the worker stops at the next step. */
  cancelRequested: boolean;
}

export const runChannel = (runId: string): string => `run:${runId}`;

/**
 * The run event log. One statement both allocates the next event id (runs.last_event_id + 1) and
 * checks the caller's attempt, so ids are gap-free and increasing per run and a superseded worker
 * cannot write. Rows that belong to the event (iteration, scores, curriculum) go in the same
 * transaction; after commit the event is published on Redis for live SSE streams.
 */
@Injectable()
export class EventLogService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly pubsub: RedisPubSub,
  ) {}

  async append(
    runId: string,
    attempt: number,
    event: ServiceEvent,
    patch: RunPatch = {},
    withRows?: (tx: EntityManager) => Promise<void>,
  ): Promise<AppendResult> {
    const result = await this.ds.transaction((tx) =>
      this.appendIn(tx, runId, attempt, event, patch, withRows),
    );
    await this.publish(result.event);
    return result;
  }

  /**
   * append() inside the caller's transaction, for a write whose decision and event must commit
   * together (a cancel); the caller publishes the event after the commit. A terminal status is
   * written at most once per run: the statement that allocates the id also requires the run not
   * to have ended, so of two racing terminal writes the second is refused (StaleAttemptError).
   */
  async appendIn(
    tx: EntityManager,
    runId: string,
    attempt: number,
    event: ServiceEvent,
    patch: RunPatch = {},
    withRows?: (tx: EntityManager) => Promise<void>,
  ): Promise<AppendResult> {
    const sets = ['last_event_id = last_event_id + 1', 'updated_at = now()'];
    const params: unknown[] = [runId, attempt];
    for (const [col, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      params.push(value);
      sets.push(`"${col}" = $${params.length}`);
    }
    const ending = patch.status !== undefined && TERMINAL.includes(patch.status as RunStatus);
    const rows = (await tx.query(
      `UPDATE runs SET ${sets.join(', ')} WHERE id = $1 AND attempt = $2
       ${ending ? `AND status NOT IN (${TERMINAL.map((t) => `'${t}'`).join(', ')})` : ''}
       RETURNING last_event_id, cancel_requested_at`,
      params,
    )) as [{ last_event_id: string; cancel_requested_at: Date | null }[], number];
    const row = rows[0][0];
    if (!row) throw new StaleAttemptError(runId, attempt);
    const id = Number(row.last_event_id);
    const iteration = 'iteration' in event ? (event.iteration as number) : null;
    const inserted = (await tx.query(
      `INSERT INTO run_events (run_id, id, type, iteration, data) VALUES ($1, $2, $3, $4, $5)
       RETURNING created_at`,
      [runId, id, event.type, iteration, JSON.stringify(event)],
    )) as { created_at: Date }[];
    if (withRows) await withRows(tx);
    const stored = {
      ...event,
      id,
      runId,
      createdAt: inserted[0]!.created_at.toISOString(),
    } as StoredEvent;
    return { event: stored, cancelRequested: row.cancel_requested_at !== null };
  }

  /** Live fan-out of a committed event; a lost message is recovered by the stream's catch-up query. */
  async publish(event: StoredEvent): Promise<void> {
    await this.pubsub
      .publish(runChannel(event.runId), JSON.stringify(event))
      .catch(() => undefined);
  }

  /** Events of a run after `after`, in id order. */
  async after(runId: string, after: number, limit = 500): Promise<StoredEvent[]> {
    const rows = (await this.ds.query(
      `SELECT id, data, created_at FROM run_events WHERE run_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
      [runId, after, limit],
    )) as { id: string; data: ServiceEvent; created_at: Date }[];
    return rows.map(
      (r) =>
        ({
          ...r.data,
          id: Number(r.id),
          runId,
          createdAt: r.created_at.toISOString(),
        }) as StoredEvent,
    );
  }
}
