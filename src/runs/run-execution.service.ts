import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { iterationDir, RZeroAbortedError } from '../rzero';
import { BenchmarksService } from '../benchmarks/benchmarks.service';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { EventLogService, StaleAttemptError } from '../events/event-log.service';
import { MetricsService } from '../metrics/metrics.service';
import type { JobOutcome } from '../metrics/metrics.service';
import { ModelsService } from '../models/models.service';
import { ModelEntity } from '../models/model.entity';
import { JobQueue } from '../queue/job-queue.service';
import { ActiveJobs, WorkerStopping } from '../common/worker-stopping';
import { redactPaths } from '../common/redact';
import { ArtifactStore } from '../storage/artifact-store';
import { coevolveInThread } from '../engine-runtime/engine-thread';
import { RunRecorder } from './run-recorder';
import { roleDirKey, runWorkKey } from './run-paths';
import { RunEntity } from './run.entity';
import type { RunStatus } from './run.entity';

/**
 * Runs one R-Zero run on this worker: claims it (a new attempt fences off any older worker),
 * resumes from the last iteration recorded in Postgres, calls `coevolve` with a recorder as its
 * hook, and finishes it as succeeded, canceled or failed, or hands it back to the queue when the
 * worker shuts down.
 */
@Injectable()
export class RunExecutionService {
  private readonly log = new Logger(RunExecutionService.name);
  /** Runs in progress on this worker; one claimed while it shuts down is handed back at once. */
  private readonly active = new ActiveJobs();

  constructor(
    @InjectRepository(RunEntity) private readonly runs: Repository<RunEntity>,
    @InjectRepository(ModelEntity) private readonly modelRows: Repository<ModelEntity>,
    private readonly models: ModelsService,
    private readonly benchmarks: BenchmarksService,
    private readonly events: EventLogService,
    private readonly queue: JobQueue,
    private readonly store: ArtifactStore,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async executeRun(runId: string): Promise<void> {
    const run = await this.claim(runId);
    if (!run) {
      this.log.log({ runId }, 'run is finished or gone; nothing to do');
      return;
    }
    await this.metrics.trackJob('run', () =>
      this.active.run(run.id, (controller) => this.execute(run, controller)),
    );
  }

  /**
   * Stops every run of this worker at its next step and puts it back on the queue, status
   * `queued`, for the next worker to resume after its last completed iteration; resolves when
   * all of them are handed back. Called while the process shuts down (SIGTERM), so a deploy or
   * a scale-down never waits for a run to finish, nor loses more than the current iteration.
   */
  interruptAll(why: string): Promise<void> {
    return this.active.interruptAll(why);
  }

  private async execute(run: RunEntity, controller: AbortController): Promise<JobOutcome> {
    const runId = run.id;
    const recorder = new RunRecorder(
      this.events,
      {
        id: run.id,
        attempt: run.attempt,
        iterations: run.config.iterations,
        baseModelId: run.baseModelId,
      },
      () => controller.abort('canceled'),
    );
    const log = { runId, attempt: run.attempt };
    try {
      if (run.cancelRequestedAt || controller.signal.aborted) throw new RZeroAbortedError();
      const workDir = this.store.path(runWorkKey(run.id));
      await this.alignWorkDir(workDir, run.completedIterations, run.config.iterations);
      await recorder.status('running', {
        attempt: run.attempt,
        ...(run.attempt > 1 ? { resumedAfter: run.completedIterations } : {}),
      });
      this.log.log(
        log,
        run.attempt > 1 ? `resuming after iteration ${run.completedIterations}` : 'run started',
      );
      const base = await this.modelRows.findOneByOrFail({ id: run.baseModelId });
      const { sets, idByName } = await this.benchmarks.loadSets(run.benchmarkIds);
      recorder.benchmarkIds = idByName;
      await coevolveInThread(
        {
          baseDir: this.models.modelDir(base),
          config: run.config,
          workDir,
          domain: run.domain,
          benchmarks: sets,
          backend: this.config.backend,
        },
        (e) => {
          this.metrics.observeRunEvent(e);
          return recorder.record(e);
        },
        controller.signal,
      );
      const solver = await this.models.registerSolver(
        run.owner,
        run.id,
        `${base.name}-rzero-${run.id.slice(0, 8)}`,
        roleDirKey(run.id, run.config.iterations, 'solver'),
      );
      await this.finish(recorder, run, 'succeeded', null, {
        solver_model_id: solver.id,
        progress: 1,
      });
      this.log.log(log, 'run succeeded');
      return 'succeeded';
    } catch (err) {
      if (err instanceof StaleAttemptError) {
        this.log.warn(log, 'another worker took this run over; stopping');
        return 'superseded';
      }
      const stopping: unknown = controller.signal.reason;
      if (
        err instanceof RZeroAbortedError &&
        stopping instanceof WorkerStopping &&
        !run.cancelRequestedAt
      ) {
        await this.handBack(recorder, run, stopping.why).catch((e2: unknown) => {
          if (!(e2 instanceof StaleAttemptError)) throw e2;
        });
        this.log.warn(log, `handed back to the queue: ${stopping.why}`);
        return 'handed_back';
      }
      if (err instanceof RZeroAbortedError) {
        await this.finish(recorder, run, 'canceled', null);
        this.log.log(log, 'run canceled');
        return 'canceled';
      }
      // The run's error is shown to its owner: no server paths in it.
      const message = redactPaths(
        err instanceof Error ? `${err.name}: ${err.message}` : String(err),
        this.config.artifactDir,
      ).slice(0, 2000);
      this.log.error({ ...log, err }, 'run failed');
      await this.finish(recorder, run, 'failed', message).catch((e2) => {
        if (!(e2 instanceof StaleAttemptError)) throw e2;
      });
      return 'failed';
    }
  }

  /** Takes the run for this worker: attempt + 1, status running. Null if it is already finished. */
  private async claim(runId: string): Promise<RunEntity | null> {
    const res = (await this.runs.query(
      `UPDATE runs SET attempt = attempt + 1, status = 'running', started_at = COALESCE(started_at, now()),
         updated_at = now()
       WHERE id = $1 AND status IN ('queued', 'running') RETURNING id`,
      [runId],
    )) as [{ id: string }[], number];
    if (res[0].length === 0) return null;
    return this.runs.findOneByOrFail({ id: runId });
  }

  /**
   * Postgres decides which iterations are complete: an iteration whose checkpoints reached the
   * store but whose rows did not commit (a worker died in between) is redone, so its rows and
   * events are written exactly once.
   */
  private async alignWorkDir(workDir: string, completed: number, total: number): Promise<void> {
    for (let k = completed + 1; k <= total; k++) {
      await fs.rm(join(iterationDir(workDir, k), 'summary.json'), { force: true });
    }
  }

  /**
   * Status `queued` (one event, fenced by this attempt) and a new job. Should the process die in
   * between, the current job's lock expires and Bull delivers it again, which resumes the same way.
   */
  private async handBack(recorder: RunRecorder, run: RunEntity, why: string): Promise<void> {
    await recorder.status('queued', { reason: why }, { phase: null });
    await this.queue.enqueueRun(run.id, run.attempt);
  }

  private async finish(
    recorder: RunRecorder,
    run: RunEntity,
    status: RunStatus,
    error: string | null,
    patch: { solver_model_id?: string; progress?: number } = {},
  ): Promise<void> {
    await recorder.status(status, error ? { error } : {}, {
      error,
      finished_at: new Date(),
      phase: null,
      ...patch,
    });
    if (run.webhookUrl) await this.queue.enqueueWebhook(run.id, status);
  }
}
