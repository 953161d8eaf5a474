import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { Principal } from '../auth/principal';
import { canSee, isAdmin } from '../auth/principal';
import { BenchmarksService } from '../benchmarks/benchmarks.service';
import { notFound } from '../common/domain-error';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { evaluateInThread } from '../engine-runtime/engine-thread';
import { ModelEntity } from '../models/model.entity';
import { ModelsService } from '../models/models.service';
import { JobQueue } from '../queue/job-queue.service';
import { ScoreEntity } from '../scores/score.entity';
import type { StartEvaluationDto } from './dto/start-evaluation.dto';
import { EvaluationEntity } from './evaluation.entity';
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

@Injectable()
export class EvaluationsService {
  private readonly log = new Logger(EvaluationsService.name);

  constructor(
    @InjectRepository(EvaluationEntity) private readonly evaluations: Repository<EvaluationEntity>,
    @InjectRepository(ScoreEntity) private readonly scores: Repository<ScoreEntity>,
    @InjectRepository(ModelEntity) private readonly modelRows: Repository<ModelEntity>,
    private readonly models: ModelsService,
    private readonly benchmarks: BenchmarksService,
    private readonly queue: JobQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async startEvaluation(principal: Principal, dto: StartEvaluationDto): Promise<EvaluationView> {
    await this.models.findVisible(principal, dto.modelId);
    await this.benchmarks.findAllVisible(principal, dto.benchmarkIds);
    const row = await this.evaluations.save(
      this.evaluations.create({
        owner: principal.owner,
        modelId: dto.modelId,
        benchmarkIds: dto.benchmarkIds,
        metric: dto.metric ?? 'greedy',
        status: 'queued',
        error: null,
        finishedAt: null,
      }),
    );
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
    const row = await this.evaluations.findOne({ where: { id } });
    if (!row || !canSee(principal, row.owner))
      throw notFound('EVALUATION_NOT_FOUND', 'evaluation', id);
    return this.view(row);
  }

  /** Worker side: evaluates the model and stores one score per benchmark in one transaction. */
  async executeEvaluation(id: string): Promise<void> {
    const row = await this.evaluations.findOne({ where: { id } });
    if (!row || row.status === 'succeeded') return;
    await this.evaluations.update(id, { status: 'running' });
    try {
      const model = await this.modelRows.findOneByOrFail({ id: row.modelId });
      const { sets, idByName } = await this.benchmarks.loadSets(row.benchmarkIds);
      // Prompts follow the benchmarks' domain (all arith -> the arith prompts).
      const domains = await this.benchmarks.domainsOf(row.benchmarkIds);
      const scores = await evaluateInThread({
        modelDir: this.models.modelDir(model),
        domain: domains.every((d) => d === 'arith') ? 'arith' : 'math',
        benchmarks: sets,
        metric: row.metric,
        backend: this.config.backend,
      });
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
        await tx.update(EvaluationEntity, id, {
          status: 'succeeded',
          finishedAt: new Date(),
          error: null,
        });
      });
    } catch (err) {
      this.log.error({ evaluationId: id, err }, 'evaluation failed');
      await this.evaluations.update(id, {
        status: 'failed',
        finishedAt: new Date(),
        error: (err instanceof Error ? err.message : String(err)).slice(0, 2000),
      });
    }
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
