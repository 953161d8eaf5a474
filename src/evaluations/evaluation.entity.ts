import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { ModelEntity } from '../models/model.entity';

export type EvaluationStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';
export const ACTIVE_EVALUATION_STATUSES: readonly EvaluationStatus[] = ['queued', 'running'];

/** A requested evaluation of one model on some benchmarks; its results are rows of `scores`. */
@Entity('evaluations')
@Index('IDX_evaluations_owner_created', ['owner', 'createdAt'])
export class EvaluationEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 100 })
  owner!: string;

  @Column({ name: 'model_id', type: 'uuid' })
  modelId!: string;

  @ManyToOne(() => ModelEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'model_id', foreignKeyConstraintName: 'FK_evaluations_model' })
  model?: ModelEntity;

  @Column({ name: 'benchmark_ids', type: 'jsonb' })
  benchmarkIds!: string[];

  /** 'greedy' or 'mean@k'. */
  @Column({ type: 'varchar', length: 32 })
  metric!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: EvaluationStatus;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
