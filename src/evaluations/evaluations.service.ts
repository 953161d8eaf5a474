import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import type { Principal } from '../auth/principal';
import { canSee, isAdmin } from '../auth/principal';
import { BenchmarksService } from '../benchmarks/benchmarks.service';
import { DomainError, notFound } from '../common/domain-error';
import { lockOwner, OwnerLock } from '../common/owner-lock';
import { redactPaths } from '../common/redact';
import { ActiveJobs, WorkerStopping } from '../common/worker-stopping';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { evaluateInThread } from '../engine-runtime/engine-thread';
import { ModelEntity } from '../models/model.entity';
import { MetricsService } from '../metrics/metrics.service';
import type { JobOutcome } from '../metrics/metrics.service';
import { ModelsService } from '../models/models.service';
import { JobQueue } from '../queue/job-queue.service';
import { RZeroAbortedError } from '../rzero';
import { ScoreEntity } from '../scores/score.entity';
import type { StartEvaluationDto } from './dto/start-evaluation.dto';
import { ACTIVE_EVALUATION_STATUSES, EvaluationEntity } from './evaluation.entity';
import type { EvaluationStatus } from './evaluation.entity';

export interface EvaluationView {
  id: string;
  modelId: string;
  benchmarkIds: string[];
  metric: string;
  status: EvaluationStatus;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
  scores: { benchmarkId: string; metric: string; score: number; items: number }[];
}

/** How often a worker looks whether the evaluation it computes was canceled. */
const CANCEL_POLL_MS = 1000;

@Injectable()
export class EvaluationsService {
  private readonly log = new Logger(EvaluationsService.name);
  /** Evaluations in progress on this worker; one taken while it shuts down is handed back. */
  private readonly active = new ActiveJobs();

  constructor(
    @InjectRepository(EvaluationEntity) private readonly evaluations: Repository<EvaluationEntity>,
    @InjectRepository(ScoreEntity) private readonly scores: Repository<ScoreEntity>,
    @InjectRepository(ModelEntity) private readonly modelRows: Repository<ModelEntity>,
    private readonly models: ModelsService,
    private readonly benchmarks: BenchmarksService,
    private readonly queue: JobQueue,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async startEvaluation(principal: Principal, dto: StartEvaluationDto): Promise<EvaluationView> {
    await this.models.findVisible(principal, dto.modelId);
    await this.benchmarks.findAllVisible(principal, dto.benchmarkIds);
    const row = await this.evaluations.manager.transaction(async (tx) => {
      // The active count and the insert under the owner's lock; the model locked against deletion.
      await lockOwner(tx, OwnerLock.Evaluations, principal.owner);
      if (!(await this.models.lockForUse(tx, dto.modelId)))
        throw notFound('MODEL_NOT_FOUND', 'model', dto.modelId);
      const active = await tx.count(EvaluationEntity, {
        where: {
          owner: principal.owner,
          status: In(ACTIVE_EVALUATION_STATUSES as string[]) as never,
        },
      });
      const limit = this.config.maxActiveEvaluationsPerOwner;
      if (active >= limit) {
        throw new DomainError(
          'TOO_MANY_ACTIVE_EVALUATIONS',
          `owner has ${active} queued or running evaluations (limit ${limit}); wait for one to end or cancel one`,
        );
      }
      return tx.save(
        tx.create(EvaluationEntity, {
          owner: principal.owner,
          modelId: dto.modelId,
          benchmarkIds: dto.benchmarkIds,
          metric: dto.metric ?? 'greedy',
          status: 'queued',
          error: null,
          finishedAt: null,
        }),
      );
    });
    await this.queue.enqueueEvaluation(row.id);
    return this.view(row);
  }

  async listEvaluations(principal: Principal): Promise<EvaluationView[]> {
    const rows = await this.evaluations.find({
      where: isAdmin(principal) ? {} : { owner: principal.owner },
      order: { createdAt: 'DESC' },
      take: 200,
    });
    return Promise.all(rows.map((r) => this.view(r)));
  }

  async getEvaluation(principal: Principal, id: string): Promise<EvaluationView> {
    return this.view(await this.findVisible(principal, id));
  }

  /**
   * A queued or running evaluation becomes `canceled` at once; the worker computing it sees that
   * within a second, stops its thread and writes nothing. A canceled one is answered as it is;
   * a finished one is 409.
   */
  async cancelEvaluation(principal: Principal, id: string): Promise<EvaluationView> {
    const row = await this.findVisible(principal, id);
    const res = (await this.evaluations.query(
      `UPDATE evaluations SET status = 'canceled', finished_at = now()
       WHERE id = $1 AND status IN ('queued', 'running') RETURNING id`,
      [row.id],
    )) as [{ id: string }[], number];
    if (res[0].length === 0) {
      // Canceling a canceled evaluation answers it as it is (a retried cancel is not an error).
      const now = await this.evaluations.findOneByOrFail({ id: row.id });
      if (now.status === 'canceled') return this.view(now);
      throw new DomainError(
        'EVALUATION_NOT_CANCELLABLE',
        `evaluation ${id} is ${now.status}; only queued or running evaluations can be canceled`,
      );
    }
    await this.queue.removeEvaluation(row.id);
    this.log.log({ evaluationId: row.id }, 'evaluation canceled');
    return this.view(await this.evaluations.findOneByOrFail({ id: row.id }));
  }

  /**
   * Shutdown: stops every evaluation of this worker and hands it back (status `queued`, queued
   * again); resolves when all are handed back.
   */
  interruptAll(why: string): Promise<void> {
    return this.active.interruptAll(why);
  }

  /** Worker side: claims the evaluation, computes it, and records it unless it was canceled. */
  async executeEvaluation(id: string): Promise<void> {
    const claimed = (await this.evaluations.query(
      `UPDATE evaluations SET status = 'running' WHERE id = $1 AND status IN ('queued', 'running')
       RETURNING id`,
      [id],
    )) as [{ id: string }[], number];
    if (claimed[0].length === 0) return; // finished, canceled or gone
    const row = await this.evaluations.findOneByOrFail({ id });
    await this.metrics.trackJob('evaluation', () =>
      this.active.run(id, (controller) => this.execute(row, controller)),
    );
  }

  private async execute(row: EvaluationEntity, controller: AbortController): Promise<JobOutcome> {
    const id = row.id;
    const poll = setInterval(() => {
      this.evaluations
        .findOne({ select: { id: true, status: true }, where: { id } })
        .then((r) => {
          if (r?.status !== 'running') controller.abort('canceled');
        })
        .catch(() => undefined);
    }, CANCEL_POLL_MS);
    try {
      const model = await this.modelRows.findOneByOrFail({ id: row.modelId });
      const { sets, idByName } = await this.benchmarks.loadSets(row.benchmarkIds);
      // Prompts follow the benchmarks' domain (all arith -> the arith prompts).
      const domains = await this.benchmarks.domainsOf(row.benchmarkIds);
      const scores = await evaluateInThread(
        {
          modelDir: this.models.modelDir(model),
          domain: domains.every((d) => d === 'arith') ? 'arith' : 'math',
          benchmarks: sets,
          metric: row.metric,
          backend: this.config.backend,
        },
        controller.signal,
      );
      await this.evaluations.manager.transaction(async (tx) => {
        await tx.delete(ScoreEntity, { evaluationId: id });
        for (const s of scores) {
          await tx.insert(ScoreEntity, {
            evaluationId: id,
            modelId: row.modelId,
            benchmarkId: idByName[s.benchmark]!,
            metric: s.metric,
            score: s.score,
            items: s.items,
            runId: null,
            iteration: null,
          });
        }
        const res = await tx.update(
          EvaluationEntity,
          { id, status: 'running' },
          { status: 'succeeded', finishedAt: new Date(), error: null },
        );
        // Canceled while the last benchmark finished: keep nothing.
        if (res.affected !== 1) throw new RZeroAbortedError();
      });
      this.log.log({ evaluationId: id }, 'evaluation succeeded');
      return 'succeeded';
    } catch (err) {
      const reason: unknown = controller.signal.reason;
      if (err instanceof RZeroAbortedError && reason instanceof WorkerStopping) {
        await this.handBack(id, reason.why);
        return 'handed_back';
      }
      if (err instanceof RZeroAbortedError) return 'canceled';
      this.log.error({ evaluationId: id, err }, 'evaluation failed');
      await this.evaluations.update(
        { id, status: 'running' },
        {
          status: 'failed',
          finishedAt: new Date(),
          // Shown to the evaluation's owner: no server paths in it.
          error: redactPaths(
            err instanceof Error ? err.message : String(err),
            this.config.artifactDir,
          ).slice(0, 2000),
        },
      );
      return 'failed';
    } finally {
      clearInterval(poll);
    }
  }

  /** Back to `queued` (unless it was canceled meanwhile) with a new job for the next worker. */
  private async handBack(id: string, why: string): Promise<void> {
    const res = await this.evaluations.update({ id, status: 'running' }, { status: 'queued' });
    if (res.affected === 1) await this.queue.enqueueEvaluation(id, Date.now());
    this.log.warn({ evaluationId: id }, `evaluation handed back to the queue: ${why}`);
  }

  private async findVisible(principal: Principal, id: string): Promise<EvaluationEntity> {
    const row = await this.evaluations.findOne({ where: { id } });
    if (!row || !canSee(principal, row.owner))
      throw notFound('EVALUATION_NOT_FOUND', 'evaluation', id);
    return row;
  }

  private async view(row: EvaluationEntity): Promise<EvaluationView> {
    const scores = await this.scores.find({ where: { evaluationId: row.id } });
    return {
      id: row.id,
      modelId: row.modelId,
      benchmarkIds: row.benchmarkIds,
      metric: row.metric,
      status: row.status,
      error: row.error,
      createdAt: row.createdAt.toISOString(),
      finishedAt: row.finishedAt?.toISOString() ?? null,
      scores: scores.map((s) => ({
        benchmarkId: s.benchmarkId,
        metric: s.metric,
        score: s.score,
        items: s.items,
      })),
    };
  }
}
