import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { loadModelDir } from '../engine';
import { evaluateModel, OPEN_MATH_DOMAIN, PromptRenderer, resolveConfig } from '../rzero';
import type { Principal } from '../auth/principal';
import { isAdmin } from '../auth/principal';
import { BenchmarksService } from '../benchmarks/benchmarks.service';
import { notFound } from '../common/domain-error';
import { EngineRuntime } from '../engine-runtime/engine-runtime.service';
import { ModelEntity } from '../models/model.entity';
import { ModelsService } from '../models/models.service';
import { JobQueue } from '../queue/job-queue.service';
import { ScoreEntity } from '../scores/score.entity';
import { ARITH_DOMAIN } from '../tasks/arith';
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
    private readonly engine: EngineRuntime,
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
    if (!row || (row.owner !== principal.owner && !isAdmin(principal)))
      throw notFound('EVALUATION_NOT_FOUND', 'evaluation', id);
    return this.view(row);
  }

  /** Worker side: evaluates the model and stores one score per benchmark in one transaction. */
  async executeEvaluation(id: string): Promise<void> {
    const row = await this.evaluations.findOne({ where: { id } });
    if (!row || row.status === 'succeeded') return;
    await this.evaluations.update(id, { status: 'running' });
    try {
      await this.engine.ready();
      const model = await this.modelRows.findOneByOrFail({ id: row.modelId });
      const { sets, idByName } = await this.benchmarks.loadSets(row.benchmarkIds);
      // Prompts follow the benchmarks' domain (all arith -> the arith prompts).
      const domains = await this.benchmarks.domainsOf(row.benchmarkIds);
      const domain = domains.every((d) => d === 'arith') ? ARITH_DOMAIN : OPEN_MATH_DOMAIN;
      const k = row.metric.startsWith('mean@') ? Number(row.metric.slice(5)) : 0;
      const loaded = await loadModelDir(this.models.modelDir(model), {
        requireTokenizer: true,
        trainable: false,
      });
      try {
        const config = resolveConfig('paper', {
          evaluation: {
            maxNewTokens: Math.max(16, Math.min(1024, Math.floor(loaded.config.maxPositions / 2))),
            meanAtK: k,
            maxItems: 0,
          },
        });
        const scores = await evaluateModel({
          model: loaded.model,
          render: new PromptRenderer(loaded.tokenizer!, domain.prompts),
          benchmarks: sets,
          config,
          iteration: 0,
        });
        const wanted = scores.filter((s) => s.metric === row.metric);
        await this.evaluations.manager.transaction(async (tx) => {
          await tx.delete(ScoreEntity, { evaluationId: id });
          for (const s of wanted) {
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
      } finally {
        loaded.model.dispose();
      }
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
