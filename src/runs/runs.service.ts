import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { parseModelConfig } from '../engine';
import { domainConfigIssues } from '../rzero';
import type { RZeroConfig } from '../rzero';
import type { Principal } from '../auth/principal';
import { canSee, isAdmin } from '../auth/principal';
import { BenchmarksService } from '../benchmarks/benchmarks.service';
import { defaultBenchmarkNames, runDomain } from '../common/builtin-models';
import { DomainError, notFound, validationFailed } from '../common/domain-error';
import { lockOwner, OwnerLock } from '../common/owner-lock';
import type { FieldIssue } from '../common/domain-error';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { EventLogService } from '../events/event-log.service';
import type { ModelEntity } from '../models/model.entity';
import { ModelsService, safeName } from '../models/models.service';
import { JobQueue } from '../queue/job-queue.service';
import { ScoreEntity } from '../scores/score.entity';
import { ArtifactStore } from '../storage/artifact-store';
import { CurriculumItemEntity } from './curriculum-item.entity';
import type { DownloadQuery, ListCurriculumQuery, ListRunsQuery } from './dto/list-runs.query';
import { resolveRunConfig } from './dto/start-run.dto';
import type { StartRunDto } from './dto/start-run.dto';
import { IterationEntity } from './iteration.entity';
import { estimateRun } from './run-estimate';
import { checkWebhookTarget, WebhookTargetError } from '../webhooks/outbound-guard';
import type { RunEstimate } from './run-estimate';
import { ACTIVE_RUN_STATUSES, RunEntity, TERMINAL_RUN_STATUSES } from './run.entity';
import { roleDirKey } from './run-paths';
import { runView } from './run.view';
import type { CurriculumItemView, IterationView, RunView, ScoreView } from './run.view';

export interface StartRunResult {
  /** 202 for a new run, 200 for an idempotent replay, 200 for a dry run. */
  statusCode: 200 | 202;
  body:
    | RunView
    | {
        dryRun: true;
        config: RZeroConfig;
        domain: string;
        benchmarkIds: string[];
        estimate: RunEstimate;
      };
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

@Injectable()
export class RunsService {
  private readonly log = new Logger(RunsService.name);

  constructor(
    @InjectRepository(RunEntity) private readonly runs: Repository<RunEntity>,
    @InjectRepository(IterationEntity) private readonly iterations: Repository<IterationEntity>,
    @InjectRepository(CurriculumItemEntity)
    private readonly curriculum: Repository<CurriculumItemEntity>,
    @InjectRepository(ScoreEntity) private readonly scores: Repository<ScoreEntity>,
    private readonly models: ModelsService,
    private readonly benchmarks: BenchmarksService,
    private readonly queue: JobQueue,
    private readonly events: EventLogService,
    private readonly store: ArtifactStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async startRun(
    principal: Principal,
    dto: StartRunDto,
    idempotencyKey: string | undefined,
    dryRun: boolean,
  ): Promise<StartRunResult> {
    if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,200}$/.test(idempotencyKey)) {
      throw validationFailed([
        { field: 'Idempotency-Key', reason: 'must be 1-200 visible ASCII characters' },
      ]);
    }
    const requestHash = createHash('sha256').update(canonicalJson(dto)).digest('hex');
    if (idempotencyKey && !dryRun) {
      const existing = await this.runs.findOne({
        where: { owner: principal.owner, idempotencyKey },
      });
      if (existing) return this.replay(existing, requestHash);
    }
    const plan = await this.plan(principal, dto);
    if (dryRun) {
      return {
        statusCode: 200,
        body: {
          dryRun: true,
          config: plan.config,
          domain: plan.domain,
          benchmarkIds: plan.benchmarkIds,
          estimate: plan.estimate,
        },
      };
    }
    const created = await this.runs.manager.transaction(async (tx) => {
      // One creation at a time per owner: the idempotency lookup, the active count and the insert
      // see the same rows, so neither the limit nor the key can be overtaken by a concurrent request.
      await lockOwner(tx, OwnerLock.Runs, principal.owner);
      if (idempotencyKey) {
        const existing = await tx.findOne(RunEntity, {
          where: { owner: principal.owner, idempotencyKey },
        });
        if (existing) return existing;
      }
      if (!(await this.models.lockForUse(tx, dto.baseModelId))) {
        // Deleted since plan() saw it.
        throw validationFailed(
          [{ field: 'baseModelId', reason: `model ${dto.baseModelId} not found` }],
          'run',
        );
      }
      const active = await tx.count(RunEntity, {
        where: { owner: principal.owner, status: In(ACTIVE_RUN_STATUSES as string[]) as never },
      });
      if (active >= this.config.maxActiveRunsPerOwner) {
        throw new DomainError(
          'TOO_MANY_ACTIVE_RUNS',
          `owner has ${active} queued or running runs (limit ${this.config.maxActiveRunsPerOwner}); wait for one to end or cancel one`,
        );
      }
      const inserted = await tx
        .createQueryBuilder()
        .insert()
        .into(RunEntity)
        .values({
          owner: principal.owner,
          apiKeyId: principal.keyId,
          baseModelId: dto.baseModelId,
          status: 'queued',
          preset: dto.preset ?? 'paper',
          config: plan.config,
          domain: plan.domain,
          benchmarkIds: plan.benchmarkIds,
          idempotencyKey: idempotencyKey ?? null,
          requestHash,
          webhookUrl: dto.webhookUrl ?? null,
        })
        .returning('id')
        .execute();
      return (inserted.raw as { id: string }[])[0]!.id;
    });
    // An earlier (or concurrent) request with the same key made the run.
    if (typeof created !== 'string') return this.replay(created, requestHash);
    const id = created;
    await this.queue.enqueueRun(id);
    this.log.log({ runId: id, owner: principal.owner }, 'run queued');
    return { statusCode: 202, body: runView(await this.runs.findOneByOrFail({ id })) };
  }

  private replay(existing: RunEntity, requestHash: string): StartRunResult {
    if (existing.requestHash !== requestHash) {
      throw new DomainError(
        'IDEMPOTENCY_KEY_REUSED',
        'this Idempotency-Key was used with a different request body',
      );
    }
    return { statusCode: 200, body: runView(existing) };
  }

  /** Everything POST /runs checks, with every problem reported at once. */
  private async plan(principal: Principal, dto: StartRunDto) {
    const resolved = resolveRunConfig(dto.preset ?? 'paper', dto.config ?? {});
    const config = resolved.config;
    const issues: FieldIssue[] = [...resolved.issues];
    const model = await this.models.findVisible(principal, dto.baseModelId).catch(() => null);
    if (!model) issues.push({ field: 'baseModelId', reason: `model ${dto.baseModelId} not found` });
    const domain = dto.domain ?? (await this.defaultDomain(model));
    let benchmarkIds = dto.benchmarkIds ?? [];
    let sizes: number[] = [];
    try {
      if (dto.benchmarkIds === undefined) {
        benchmarkIds = await this.defaultBenchmarkIds(model, domain);
        // A domain without built-in benchmarks would never be scored: ask for one.
        if (benchmarkIds.length === 0)
          issues.push({
            field: 'benchmarkIds',
            reason: `the ${domain} domain has no built-in benchmarks: name at least one (POST /benchmarks uploads one), or pass [] to run unscored`,
          });
      }
      sizes = (await this.benchmarks.findAllVisible(principal, benchmarkIds)).map(
        (b) => b.itemCount,
      );
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      issues.push(...err.errors);
    }
    if (dto.webhookUrl) {
      try {
        await checkWebhookTarget(dto.webhookUrl, new Set(this.config.webhookAllowedHosts));
      } catch (err) {
        if (!(err instanceof WebhookTargetError)) throw err;
        issues.push({ field: 'webhookUrl', reason: err.message });
      }
    }
    // What the config asks of the domain the engine thread will run it on (an oracle, a grammar).
    if (config) {
      const domainIssues = domainConfigIssues(config, runDomain(domain));
      issues.push(...domainIssues.map((i) => ({ field: `config.${i.field}`, reason: i.reason })));
    }
    const modelConfig = model ? parseModelConfig(model.config) : null;
    if (config && modelConfig) {
      const limits: [string, number][] = [
        ['config.challenger.rollout.maxNewTokens', config.challenger.rollout.maxNewTokens],
        ['config.challenger.generation.maxNewTokens', config.challenger.generation.maxNewTokens],
        ['config.solver.rollout.maxNewTokens', config.solver.rollout.maxNewTokens],
        ['config.solver.voting.maxNewTokens', config.solver.voting.maxNewTokens],
        ['config.evaluation.maxNewTokens', config.evaluation.maxNewTokens],
      ];
      for (const [field, n] of limits) {
        if (n >= modelConfig.maxPositions) {
          issues.push({
            field,
            reason: `must be below the base model's context length ${modelConfig.maxPositions}, got ${n}`,
          });
        }
      }
    }
    if (issues.length > 0 || !config || !model || !modelConfig)
      throw validationFailed(issues, 'run');
    return {
      config,
      domain,
      benchmarkIds,
      estimate: withUnscoredNote(
        estimateRun(config, modelConfig, Number(model.parameterCount), sizes),
        benchmarkIds,
      ),
    };
  }

  /**
   * The domain of a run that names none: `arith` on the built-in arith models, the domain of the
   * run that trained it on a run's Solver (a continued run keeps its domain), else `math`.
   */
  private async defaultDomain(model: ModelEntity | null): Promise<string> {
    if (model?.source === 'builtin') return model.name.startsWith('arith') ? 'arith' : 'math';
    if (model?.source === 'run' && model.sourceRunId !== null) {
      const run = await this.runs.findOne({
        where: { id: model.sourceRunId },
        select: { id: true, domain: true },
      });
      if (run) return run.domain;
    }
    return 'math';
  }

  /**
   * The benchmarks of a run that names none: those of the built-in model its base model is or
   * descends from (a Solver of an arith-small run keeps being scored on arith-small's), else the
   * domain's; only built-in benchmarks of the run's domain.
   */
  private async defaultBenchmarkIds(model: ModelEntity | null, domain: string): Promise<string[]> {
    const builtin = model ? await this.models.builtinAncestor(model) : null;
    return this.benchmarks.builtinIds(domain, defaultBenchmarkNames(builtin));
  }

  async listRuns(principal: Principal, q: ListRunsQuery): Promise<Page<RunView>> {
    const limit = q.limit ?? 50;
    const qb = this.runs
      .createQueryBuilder('r')
      .orderBy('r.created_at', 'DESC')
      .addOrderBy('r.id', 'DESC')
      .take(limit + 1);
    if (!isAdmin(principal)) qb.andWhere('r.owner = :owner', { owner: principal.owner });
    if (q.status) qb.andWhere('r.status = :status', { status: q.status });
    if (q.cursor) {
      // Keyset pagination on (created_at, id), compared in the database at full precision.
      qb.andWhere(
        '(r.created_at, r.id) < (SELECT c.created_at, c.id FROM runs c WHERE c.id = :cursorId)',
        {
          cursorId: decodeCursor(q.cursor),
        },
      );
    }
    const rows = await qb.getMany();
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(runView),
      nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
    };
  }

  async getRun(principal: Principal, id: string): Promise<RunView> {
    return runView(await this.findVisible(principal, id));
  }

  async findVisible(principal: Principal, id: string): Promise<RunEntity> {
    const run = await this.runs.findOne({ where: { id } });
    if (!run || !canSee(principal, run.owner)) throw notFound('RUN_NOT_FOUND', 'run', id);
    return run;
  }

  /**
   * Asks a run to stop. A queued run is canceled at once; a running one stops at its worker's next
   * step (the worker sees cancel_requested_at when it writes its next event) and keeps its
   * finished iterations. Idempotent: canceling a canceled run, or a running run again, answers
   * the run as it is; only a run that succeeded or failed is 409.
   */
  async cancelRun(principal: Principal, id: string): Promise<RunView> {
    const run = await this.findVisible(principal, id);
    // One transaction: the UPDATE's row lock queues concurrent cancels behind this one, and each
    // re-reads the status after it, so only the cancel that finds the run queued writes the
    // terminal event (with the status, in the same commit).
    const canceled = await this.runs.manager.transaction(async (tx) => {
      const updated = (await tx.query(
        `UPDATE runs SET cancel_requested_at = COALESCE(cancel_requested_at, now()), updated_at = now()
         WHERE id = $1 AND status IN ('queued', 'running') RETURNING status, attempt`,
        [run.id],
      )) as [{ status: string; attempt: number }[], number];
      const row = updated[0][0];
      if (!row) return 'ended' as const;
      if (row.status !== 'queued') return null;
      const { event } = await this.events.appendIn(
        tx,
        run.id,
        row.attempt,
        { type: 'run.status', status: 'canceled' },
        { status: 'canceled', finished_at: new Date(), phase: null },
      );
      return { event, attempt: row.attempt };
    });
    if (canceled === 'ended') {
      const now = await this.runs.findOneByOrFail({ id: run.id });
      if (now.status === 'canceled') return runView(now);
      throw new DomainError(
        'RUN_NOT_CANCELLABLE',
        `run ${id} is ${now.status}; only queued or running runs can be canceled`,
      );
    }
    if (canceled) {
      await this.events.publish(canceled.event);
      await this.queue.removeRun(run.id, canceled.attempt);
      if (run.webhookUrl) await this.queue.enqueueWebhook(run.id, 'canceled');
    }
    this.log.log({ runId: run.id }, 'cancel requested');
    return runView(await this.runs.findOneByOrFail({ id: run.id }));
  }

  async listIterations(principal: Principal, id: string): Promise<IterationView[]> {
    const run = await this.findVisible(principal, id);
    const rows = await this.iterations.find({
      where: { runId: run.id },
      order: { iteration: 'ASC' },
    });
    return rows.map((r) => ({
      iteration: r.iteration,
      seconds: r.seconds,
      phases: r.phases,
      challenger: r.challengerMetrics,
      solver: r.solverMetrics,
      curriculum: r.curriculumStats,
      diagnostics: r.diagnostics,
      completedAt: r.completedAt.toISOString(),
    }));
  }

  async listCurriculum(
    principal: Principal,
    id: string,
    q: ListCurriculumQuery,
  ): Promise<{ items: CurriculumItemView[]; total: number }> {
    const run = await this.findVisible(principal, id);
    const qb = this.curriculum
      .createQueryBuilder('c')
      .where('c.run_id = :id', { id: run.id })
      .orderBy('c.iteration', 'ASC')
      .addOrderBy('c.index', 'ASC')
      .skip(q.offset ?? 0)
      .take(q.limit ?? 50);
    if (q.iteration !== undefined) qb.andWhere('c.iteration = :it', { it: q.iteration });
    if (q.kept !== undefined) qb.andWhere('c.kept = :kept', { kept: q.kept === 'true' });
    if (q.q)
      qb.andWhere('c.question ILIKE :q', { q: `%${q.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%` });
    const [rows, total] = await qb.getManyAndCount();
    return {
      total,
      items: rows.map((r) => ({
        iteration: r.iteration,
        index: r.index,
        question: r.question,
        challengerAnswer: r.challengerAnswer,
        solverAnswers: r.solverAnswers,
        majority: r.majority,
        p: r.p,
        reward: { uncertainty: r.uncertainty, repetitionPenalty: r.repetitionPenalty },
        cluster: r.cluster,
        kept: r.kept,
        dropReason: r.dropReason,
        oracle: r.oracle,
      })),
    };
  }

  async listScores(principal: Principal, id: string): Promise<ScoreView[]> {
    const run = await this.findVisible(principal, id);
    const rows = await this.scores
      .createQueryBuilder('s')
      .innerJoinAndSelect('s.benchmark', 'b')
      .where('s.run_id = :id', { id: run.id })
      .orderBy('s.iteration', 'ASC')
      .addOrderBy('b.name', 'ASC')
      .getMany();
    return rows.map((s) => ({
      iteration: s.iteration!,
      benchmarkId: s.benchmarkId,
      benchmark: s.benchmark!.name,
      metric: s.metric,
      score: s.score,
      items: s.items,
    }));
  }

  /** A tar.gz of the run's Solver or Challenger of one finished iteration (default: the last one). */
  async downloadRole(
    principal: Principal,
    id: string,
    role: 'solver' | 'challenger',
    q: DownloadQuery,
  ): Promise<{ filename: string; stream: Readable }> {
    const run = await this.findVisible(principal, id);
    const ended = TERMINAL_RUN_STATUSES.includes(run.status);
    let k: number | null;
    if (q.best === 'true') k = run.bestIteration;
    else k = q.iteration ?? (run.completedIterations > 0 ? run.completedIterations : null);
    if (k === null || k < 1) {
      // A run that ended without finishing an iteration never will: not "not ready yet".
      if (ended)
        throw new DomainError(
          'NO_FINISHED_ITERATION',
          `run ${id} ended (${run.status}) without finishing an iteration`,
        );
      throw new DomainError('ARTIFACT_NOT_READY', `run ${id} has no finished iteration yet`);
    }
    if (k > run.config.iterations)
      throw new DomainError(
        'ITERATION_NOT_FOUND',
        `run ${id} has ${run.config.iterations} iteration${run.config.iterations === 1 ? '' : 's'}; there is no iteration ${k}`,
      );
    const done = await this.iterations.findOne({ where: { runId: run.id, iteration: k } });
    if (!done) {
      if (ended)
        throw new DomainError(
          'ITERATION_NOT_FOUND',
          `run ${id} ended (${run.status}) before iteration ${k} finished`,
        );
      throw new DomainError('ARTIFACT_NOT_READY', `iteration ${k} of run ${id} has not finished`);
    }
    const key = roleDirKey(run.id, k, role);
    if (!(await this.store.exists(key)))
      throw new DomainError(
        'ARTIFACT_NOT_READY',
        `the ${role} of iteration ${k} is not in the store`,
      );
    return {
      filename: `${safeName(`rzero-${run.id.slice(0, 8)}-${role}-iter${k}`)}.tar.gz`,
      stream: await this.store.tarGz(key),
    };
  }
}

/** An explicitly empty benchmark list is allowed, and the estimate says what it means. */
function withUnscoredNote(e: RunEstimate, benchmarkIds: string[]): RunEstimate {
  if (benchmarkIds.length > 0) return e;
  return { ...e, notes: [...e.notes, 'benchmarkIds is empty: no iteration will be scored'] };
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

const encodeCursor = (r: RunEntity): string => Buffer.from(r.id).toString('base64url');

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) {
    throw validationFailed([{ field: 'cursor', reason: 'not a cursor returned by this API' }]);
  }
  return id;
}
