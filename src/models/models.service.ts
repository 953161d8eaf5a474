import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, Repository } from 'typeorm';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../auth/principal';
import { canSee, isAdmin } from '../auth/principal';
import { DomainError, notFound } from '../common/domain-error';
import { lockOwner, OwnerLock } from '../common/owner-lock';
import { BUILTIN_MODEL_DIRS, projectRoot } from '../common/paths';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { ACTIVE_EVALUATION_STATUSES, EvaluationEntity } from '../evaluations/evaluation.entity';
import { ACTIVE_RUN_STATUSES, RunEntity } from '../runs/run.entity';
import { ArtifactStore } from '../storage/artifact-store';
import { ModelEntity } from './model.entity';
import type { ModelSource } from './model.entity';
import { isAllowedModelFile } from './model-files';
import type { ValidatedModel } from './model-files';
import { UploadAbortedError, validateModelDir } from './model-validation';

export interface ModelView {
  id: string;
  name: string;
  owner: string | null;
  builtin: boolean;
  source: ModelSource;
  architecture: string;
  modelType: string;
  parameterCount: number;
  sha256: string;
  sizeBytes: number;
  config: Record<string, unknown>;
  sourceRunId: string | null;
  createdAt: string;
}

export interface UploadedFile {
  /** The file name as sent (must be one of the Hugging Face layout's names). */
  originalname: string;
  /** Where multer stored it. */
  path: string;
  size: number;
}

@Injectable()
export class ModelsService {
  private readonly log = new Logger(ModelsService.name);

  constructor(
    @InjectRepository(ModelEntity) private readonly models: Repository<ModelEntity>,
    private readonly store: ArtifactStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Registers the shipped base models once (idempotent; safe when several processes boot). */
  async registerBuiltinModels(): Promise<void> {
    for (const [name, rel] of Object.entries(BUILTIN_MODEL_DIRS)) {
      const existing = await this.models.findOne({
        where: { name, owner: IsNull(), deletedAt: IsNull() },
      });
      // Nothing to do on a normal boot; files are copied only for a new or emptied store.
      if (existing && (await this.store.exists(existing.storageKey))) continue;
      const scratch = await this.store.scratchDir();
      const src = join(projectRoot(), rel);
      for (const f of await fs.readdir(src)) {
        if (isAllowedModelFile(f)) await fs.copyFile(join(src, f), join(scratch, f));
      }
      if (existing) {
        // The row outlives a wiped or new artifact volume: put the files back where it says.
        await this.store.putDir(existing.storageKey, scratch);
        this.log.warn({ model: name }, 'restored a built-in model missing from the artifact store');
        continue;
      }
      try {
        await this.storeValidated(null, name, 'builtin', scratch, null);
        this.log.log({ model: name }, 'registered built-in model');
      } catch (err) {
        await fs.rm(scratch, { recursive: true, force: true });
        if ((err as { code?: string }).code !== '23505') throw err; // another process won the race
      }
    }
  }

  /** POST /models with {"builtin": name}: the shared built-in model of that name. */
  async registerBuiltin(name: string): Promise<ModelView> {
    const row = await this.models.findOne({
      where: { name, owner: IsNull(), source: 'builtin', deletedAt: IsNull() },
    });
    if (!row) {
      throw new DomainError('VALIDATION_FAILED', `unknown built-in model ${JSON.stringify(name)}`, [
        {
          field: 'builtin',
          reason: `must be one of ${Object.keys(BUILTIN_MODEL_DIRS).join(', ')}`,
        },
      ]);
    }
    return view(row);
  }

  /**
   * Validates uploaded files, then stores them; nothing is kept when they are invalid or when
   * `signal` says the client went away before the model was committed.
   */
  async uploadModel(
    principal: Principal,
    name: string | undefined,
    files: UploadedFile[],
    signal?: AbortSignal,
  ): Promise<ModelView> {
    const scratch = await this.store.scratchDir();
    try {
      // Refused before any validation work; storeValidated checks again under the owner's lock.
      await this.checkModelQuota(this.models.manager, principal.owner);
      const seen = new Set<string>();
      for (const f of files) {
        if (!isAllowedModelFile(f.originalname)) {
          throw new DomainError(
            'VALIDATION_FAILED',
            `unexpected file ${JSON.stringify(f.originalname)}`,
            [
              {
                field: 'files',
                reason: `${f.originalname} is not a Hugging Face model file (config.json, model*.safetensors, tokenizer files)`,
              },
            ],
          );
        }
        if (seen.has(f.originalname)) {
          throw new DomainError('VALIDATION_FAILED', `file ${f.originalname} sent twice`, [
            { field: 'files', reason: `${f.originalname} sent twice` },
          ]);
        }
        seen.add(f.originalname);
        await fs.rename(f.path, join(scratch, f.originalname));
      }
      const modelName = name?.trim() || `model-${new Date().toISOString()}`;
      return view(
        await this.storeValidated(principal.owner, modelName, 'upload', scratch, null, signal),
      );
    } catch (err) {
      if (err instanceof UploadAbortedError)
        this.log.log(
          { owner: principal.owner },
          'model upload aborted by its client; nothing stored',
        );
      throw err;
    } finally {
      await fs.rm(scratch, { recursive: true, force: true });
      await Promise.all(files.map((f) => fs.rm(f.path, { force: true })));
    }
  }

  /** Registers a run's final Solver (already in the store at `storageKey`) as a model. */
  async registerSolver(
    owner: string,
    runId: string,
    name: string,
    storageKey: string,
  ): Promise<ModelEntity> {
    const existing = await this.models.findOne({
      where: { sourceRunId: runId, deletedAt: IsNull() },
    });
    if (existing) return existing; // a retried finish registers the Solver once
    const v = await validateModelDir(this.store.path(storageKey));
    return this.models.save(this.rowFor(v, owner, name, 'run', runId, storageKey));
  }

  private rowFor(
    v: ValidatedModel,
    owner: string | null,
    name: string,
    source: ModelSource,
    sourceRunId: string | null,
    storageKey: string,
  ): ModelEntity {
    return this.models.create({
      owner,
      name,
      source,
      architecture: v.config.architecture,
      modelType: v.config.modelType,
      parameterCount: String(v.parameters),
      sha256: v.sha256,
      sizeBytes: String(v.sizeBytes),
      storageKey,
      config: v.rawConfig,
      sourceRunId,
      deletedAt: null,
    });
  }

  private async storeValidated(
    owner: string | null,
    name: string,
    source: ModelSource,
    scratch: string,
    sourceRunId: string | null,
    signal?: AbortSignal,
  ): Promise<ModelEntity> {
    // Off the event loop; an upload's check within the configured budget (the service's own
    // models, built-in and trained, have none).
    const validated = await validateModelDir(scratch, {
      timeoutMs: source === 'upload' ? this.config.uploadValidationTimeoutMs : undefined,
      signal,
    });
    const row = this.rowFor(validated, owner, name, source, sourceRunId, '');
    // The row and the files appear together: the insert runs in a transaction that commits only
    // after the directory is in place, and the directory is removed if the insert fails or the
    // client has gone away by then (the last moment an upload can still be refused).
    return this.models.manager.transaction(async (tx) => {
      if (source === 'upload' && owner !== null) {
        await lockOwner(tx, OwnerLock.Models, owner);
        await this.checkModelQuota(tx, owner);
      }
      const saved = await tx.save(row);
      saved.storageKey = `models/${saved.id}`;
      await tx.update(ModelEntity, saved.id, { storageKey: saved.storageKey });
      try {
        await this.store.putDir(saved.storageKey, scratch);
        if (signal?.aborted) throw new UploadAbortedError();
      } catch (err) {
        await this.store.remove(saved.storageKey);
        throw err;
      }
      return saved;
    });
  }

  async listModels(principal: Principal): Promise<ModelView[]> {
    const where = isAdmin(principal)
      ? { deletedAt: IsNull() }
      : [
          { owner: principal.owner, deletedAt: IsNull() },
          { owner: IsNull(), deletedAt: IsNull() },
        ];
    const rows = await this.models.find({ where, order: { createdAt: 'DESC' } });
    return rows.map(view);
  }

  async getModel(principal: Principal, id: string): Promise<ModelView> {
    return view(await this.findVisible(principal, id));
  }

  /** The row of a model the principal may use (built-in or own); 404 otherwise. */
  async findVisible(principal: Principal, id: string): Promise<ModelEntity> {
    const row = await this.models.findOne({ where: { id, deletedAt: IsNull() } });
    if (!row || !canSee(principal, row.owner)) {
      throw notFound('MODEL_NOT_FOUND', 'model', id);
    }
    return row;
  }

  /**
   * The name of the built-in model that `row` is, or that it descends from through runs (a run's
   * Solver descends from the run's base model); null for an upload and what was trained from one.
   * Deleted models still count: a Solver's lineage outlives its base model's row.
   */
  async builtinAncestor(row: ModelEntity): Promise<string | null> {
    const seen = new Set<string>();
    for (let m: ModelEntity | null = row; m !== null && !seen.has(m.id);) {
      seen.add(m.id);
      if (m.source === 'builtin') return m.name;
      if (m.source !== 'run' || m.sourceRunId === null) return null;
      const run: RunEntity | null = await this.models.manager.findOne(RunEntity, {
        where: { id: m.sourceRunId },
        select: { id: true, baseModelId: true },
      });
      m = run ? await this.models.findOne({ where: { id: run.baseModelId } }) : null;
    }
    return null;
  }

  /**
   * Soft-deletes a model that no queued or running run or evaluation uses. The model's row is
   * locked FOR UPDATE for the in-use counts and the delete, and run and evaluation creation lock it
   * FOR SHARE (lockForUse) until they commit: whichever comes second sees the other, so a delete
   * and a POST /runs or /evaluations never both succeed.
   */
  async deleteModel(principal: Principal, id: string): Promise<ModelView> {
    const row = await this.findVisible(principal, id);
    if (row.owner === null && !isAdmin(principal)) {
      throw new DomainError('FORBIDDEN', `model ${id} is built in; only an admin may delete it`);
    }
    row.deletedAt = await this.models.manager.transaction(async (tx) => {
      const locked = (await tx.query(
        'SELECT id FROM models WHERE id = $1 AND deleted_at IS NULL FOR UPDATE',
        [id],
      )) as { id: string }[];
      if (locked.length === 0) throw notFound('MODEL_NOT_FOUND', 'model', id);
      const runs = await tx.count(RunEntity, {
        where: { baseModelId: id, status: In(ACTIVE_RUN_STATUSES as string[]) as never },
      });
      const evaluations = await tx.count(EvaluationEntity, {
        where: { modelId: id, status: In(ACTIVE_EVALUATION_STATUSES as string[]) as never },
      });
      if (runs + evaluations > 0) {
        throw new DomainError(
          'MODEL_IN_USE',
          `model ${id} is used by ${runs} active run(s) and ${evaluations} active evaluation(s); cancel them first`,
        );
      }
      const at = new Date();
      await tx.update(ModelEntity, id, { deletedAt: at });
      return at;
    });
    // A run's Solver stays in the run's directory (downloads of the run still work).
    if (row.source !== 'run') await this.store.remove(row.storageKey);
    return view(row);
  }

  /**
   * In a transaction that creates a run or an evaluation of model `id`: locks the model's row
   * FOR SHARE until the commit, so deleteModel waits for it (and then counts the new row) or, if
   * the delete came first, this sees the model gone. False when the model is deleted or absent.
   */
  async lockForUse(tx: EntityManager, id: string): Promise<boolean> {
    const rows = (await tx.query(
      'SELECT id FROM models WHERE id = $1 AND deleted_at IS NULL FOR SHARE',
      [id],
    )) as { id: string }[];
    return rows.length === 1;
  }

  /** 409 TOO_MANY_MODELS when the owner keeps RZERO_MAX_MODELS_PER_OWNER models already. */
  private async checkModelQuota(m: EntityManager, owner: string): Promise<void> {
    const kept = await m.count(ModelEntity, { where: { owner, deletedAt: IsNull() } });
    if (kept >= this.config.maxModelsPerOwner) {
      throw new DomainError(
        'TOO_MANY_MODELS',
        `owner keeps ${kept} models (limit ${this.config.maxModelsPerOwner}); delete one first`,
      );
    }
  }

  async downloadModel(
    principal: Principal,
    id: string,
  ): Promise<{ filename: string; stream: Readable }> {
    const row = await this.findVisible(principal, id);
    return {
      filename: `${safeName(row.name)}.tar.gz`,
      stream: await this.store.tarGz(row.storageKey),
    };
  }

  /** The local directory of a model (for the worker). */
  modelDir(row: ModelEntity): string {
    return this.store.path(row.storageKey);
  }
}

export const safeName = (s: string): string =>
  s.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 100) || 'model';

export function view(row: ModelEntity): ModelView {
  return {
    id: row.id,
    name: row.name,
    owner: row.owner,
    builtin: row.owner === null,
    source: row.source,
    architecture: row.architecture,
    modelType: row.modelType,
    parameterCount: Number(row.parameterCount),
    sha256: row.sha256,
    sizeBytes: Number(row.sizeBytes),
    config: row.config,
    sourceRunId: row.sourceRunId,
    createdAt: row.createdAt.toISOString(),
  };
}
