import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { RZeroConfig } from '../rzero';
import { ApiKeyEntity } from '../auth/api-key.entity';
import { ModelEntity } from '../models/model.entity';

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';
export const ACTIVE_RUN_STATUSES: readonly RunStatus[] = ['queued', 'running'];
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'canceled'];

@Entity('runs')
@Index('IDX_runs_owner_created', ['owner', 'createdAt', 'id'])
@Index('IDX_runs_status', ['status'])
@Index('IDX_runs_base_model', ['baseModelId'])
@Index('UQ_runs_owner_idempotency_key', ['owner', 'idempotencyKey'], {
  unique: true,
  where: 'idempotency_key IS NOT NULL',
})
export class RunEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 100 })
  owner!: string;

  /** The key that created the run: its secret signs the run's webhooks. */
  @Column({ name: 'api_key_id', type: 'uuid', nullable: true })
  apiKeyId!: string | null;

  @ManyToOne(() => ApiKeyEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'api_key_id', foreignKeyConstraintName: 'FK_runs_api_key' })
  apiKey?: ApiKeyEntity;

  @Column({ name: 'base_model_id', type: 'uuid' })
  baseModelId!: string;

  @ManyToOne(() => ModelEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'base_model_id', foreignKeyConstraintName: 'FK_runs_base_model' })
  baseModel?: ModelEntity;

  @Column({ type: 'varchar', length: 16 })
  status!: RunStatus;

  @Column({ type: 'varchar', length: 16 })
  preset!: string;

  /** The resolved configuration (preset + overrides), as the worker runs it. */
  @Column({ type: 'jsonb' })
  config!: RZeroConfig;

  @Column({ type: 'varchar', length: 32 })
  domain!: string;

  @Column({ name: 'benchmark_ids', type: 'jsonb' })
  benchmarkIds!: string[];

  @Column({ name: 'idempotency_key', type: 'varchar', length: 200, nullable: true })
  idempotencyKey!: string | null;

  /** SHA-256 of the canonical request body, to tell a replay from a conflicting reuse of a key. */
  @Column({ name: 'request_hash', type: 'char', length: 64 })
  requestHash!: string;

  @Column({ name: 'webhook_url', type: 'text', nullable: true })
  webhookUrl!: string | null;

  @Column({ type: 'real', default: 0 })
  progress!: number;

  /** The iteration in progress (0 while evaluating the base model). */
  @Column({ type: 'int', default: 0 })
  iteration!: number;

  @Column({ type: 'varchar', length: 16, nullable: true })
  phase!: string | null;

  @Column({ name: 'completed_iterations', type: 'int', default: 0 })
  completedIterations!: number;

  /** The completed iteration with the best mean benchmark score. */
  @Column({ name: 'best_iteration', type: 'int', nullable: true })
  bestIteration!: number | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  backend!: string | null;

  /** Incremented each time a worker takes the run; writes of an older attempt are refused. */
  @Column({ type: 'int', default: 0 })
  attempt!: number;

  /** The id of the run's last event (ids increase by one per run). */
  @Column({ name: 'last_event_id', type: 'bigint', default: 0 })
  lastEventId!: string;

  @Column({ name: 'solver_model_id', type: 'uuid', nullable: true })
  solverModelId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  @Column({ name: 'cancel_requested_at', type: 'timestamptz', nullable: true })
  cancelRequestedAt!: Date | null;
}
