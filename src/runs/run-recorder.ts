/**
 * Turns the loop's events into rows and log entries for one run attempt. Each event is one
 * transaction: its log entry, the run's progress columns and the rows that belong to it
 * (curriculum at curriculum.stats, scores at evaluation, the iteration row and best iteration at
 * iteration.completed). Primary keys and ON CONFLICT make a redone step unable to duplicate rows.
 */
import { pgSafe } from '../common/pg-text';
import type { EntityManager } from 'typeorm';
import type { CurriculumItem, Phase, RZeroEvent } from '../rzero';
import { EventLogService } from '../events/event-log.service';
import type { RunPatch } from '../events/event-log.service';
import type { ServiceEvent } from '../events/run-event.types';
import { CurriculumItemEntity } from './curriculum-item.entity';
import type { RunStatus } from './run.entity';

/** Share of an iteration's wall time each phase roughly takes (for the progress bar). */
const PHASE_SPAN: Record<Phase, [number, number]> = {
  challenger: [0, 0.35],
  dataset: [0.35, 0.6],
  solver: [0.6, 0.9],
  evaluation: [0.9, 1],
};
const CHUNK = 500;

export class RunRecorder {
  private readonly items: CurriculumItem[] = [];
  private cancelRequested = false;
  /** Benchmark name -> id, to store scores reported by name. */
  benchmarkIds: Record<string, string> = {};

  constructor(
    private readonly log: EventLogService,
    private readonly run: { id: string; attempt: number; iterations: number; baseModelId: string },
    /** Called once when a cancel request is seen. */
    private readonly onCancel: () => void,
  ) {}

  async record(event: RZeroEvent): Promise<void> {
    // Generated text may hold NUL, which Postgres refuses: it is stored as U+FFFD.
    const e = pgSafe(event);
    if (e.type === 'curriculum.item') {
      this.items.push(e.item);
      return;
    }
    await this.append(e, this.patchFor(e), this.rowsFor(e));
  }

  async status(
    status: RunStatus,
    extra: Omit<Extract<ServiceEvent, { type: 'run.status' }>, 'type' | 'status'>,
    patch: RunPatch = {},
  ): Promise<void> {
    await this.append({ type: 'run.status', status, ...extra }, { status, ...patch });
  }

  private async append(
    e: ServiceEvent,
    patch: RunPatch,
    rows?: (tx: EntityManager) => Promise<void>,
  ): Promise<void> {
    const out = await this.log.append(this.run.id, this.run.attempt, e, patch, rows);
    if (out.cancelRequested && !this.cancelRequested) {
      this.cancelRequested = true;
      this.onCancel();
    }
  }

  private progress(k: number, phase: Phase, frac: number): number {
    if (k === 0) return 0;
    const [a, b] = PHASE_SPAN[phase];
    return Math.min(
      1,
      (k - 1 + a + (b - a) * Math.min(1, Math.max(0, frac))) / this.run.iterations,
    );
  }

  private patchFor(e: Exclude<RZeroEvent, { type: 'curriculum.item' }>): RunPatch {
    switch (e.type) {
      case 'run.started':
        return { backend: e.backend };
      case 'iteration.started':
        return { iteration: e.iteration, phase: null };
      case 'phase.started':
        return {
          iteration: e.iteration,
          phase: e.phase,
          progress: this.progress(e.iteration, e.phase, 0),
        };
      case 'phase.progress':
        return { progress: this.progress(e.iteration, e.phase, e.done / Math.max(1, e.total)) };
      case 'challenger.step':
        return {
          progress: this.progress(e.iteration, 'challenger', e.step / Math.max(1, e.steps)),
        };
      case 'solver.step':
        return { progress: this.progress(e.iteration, 'solver', e.step / Math.max(1, e.steps)) };
      case 'phase.finished':
        return { progress: this.progress(e.iteration, e.phase, 1) };
      case 'iteration.completed':
        return { completed_iterations: e.iteration, progress: e.iteration / this.run.iterations };
      default:
        return {};
    }
  }

  private rowsFor(
    e: Exclude<RZeroEvent, { type: 'curriculum.item' }>,
  ): ((tx: EntityManager) => Promise<void>) | undefined {
    const runId = this.run.id;
    if (e.type === 'curriculum.stats') {
      const items = this.items.splice(0);
      return async (tx) => {
        await tx.query('DELETE FROM curriculum_items WHERE run_id = $1 AND iteration = $2', [
          runId,
          e.iteration,
        ]);
        for (let i = 0; i < items.length; i += CHUNK) {
          await tx
            .createQueryBuilder()
            .insert()
            .into(CurriculumItemEntity)
            .values(
              items.slice(i, i + CHUNK).map((it) => ({
                runId,
                iteration: e.iteration,
                index: it.index,
                question: it.question,
                raw: it.raw,
                challengerAnswer: it.challengerAnswer,
                solverAnswers: it.solverAnswers,
                majority: it.majority,
                p: it.p,
                uncertainty: it.uncertainty,
                repetitionPenalty: it.repetitionPenalty,
                cluster: it.cluster,
                kept: it.kept,
                dropReason: it.dropReason,
                oracle: it.oracle,
              })),
            )
            .execute();
        }
      };
    }
    if (e.type === 'evaluation') {
      return async (tx) => {
        for (const s of e.scores) {
          await tx.query(
            `INSERT INTO scores (run_id, iteration, model_id, benchmark_id, metric, score, items)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (run_id, iteration, benchmark_id, metric) WHERE run_id IS NOT NULL DO NOTHING`,
            [
              runId,
              e.iteration,
              e.iteration === 0 ? this.run.baseModelId : null,
              this.benchmarkIds[s.benchmark] ?? s.benchmark,
              s.metric,
              s.score,
              s.items,
            ],
          );
        }
      };
    }
    if (e.type === 'iteration.completed') {
      const s = e.summary;
      return async (tx) => {
        await tx.query(
          `INSERT INTO iterations (run_id, iteration, seconds, phases, challenger_metrics, solver_metrics, curriculum_stats, diagnostics, completed_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())`,
          [
            runId,
            e.iteration,
            s.seconds,
            JSON.stringify(s.phases),
            json(s.challenger),
            json(s.solver),
            JSON.stringify(s.curriculum),
            json(s.diagnostics),
          ],
        );
        // Best = highest mean greedy score over the run's benchmarks (ties: the later iteration);
        // without benchmarks, the last iteration.
        await tx.query(
          `UPDATE runs SET best_iteration = COALESCE(
             (SELECT iteration FROM scores WHERE run_id = $1 AND iteration >= 1 AND metric = 'greedy'
              GROUP BY iteration ORDER BY avg(score) DESC, iteration DESC LIMIT 1), $2)
           WHERE id = $1`,
          [runId, e.iteration],
        );
      };
    }
    return undefined;
  }
}

const json = (v: unknown): string | null =>
  v === null || v === undefined ? null : JSON.stringify(v);
