import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { BenchmarkEntity } from '../benchmarks/benchmark.entity';
import { EvaluationEntity } from '../evaluations/evaluation.entity';
import { ModelEntity } from '../models/model.entity';
import { RunEntity } from '../runs/run.entity';

/**
 * One benchmark score: of a run's iteration (0 = the base model) or of an evaluation. The unique
 * index makes a resumed run unable to record an iteration's score twice.
 */
@Entity('scores')
@Index('UQ_scores_run_iteration', ['runId', 'iteration', 'benchmarkId', 'metric'], {
  unique: true,
  where: 'run_id IS NOT NULL',
})
@Index('IDX_scores_evaluation', ['evaluationId'])
@Index('IDX_scores_model', ['modelId'])
export class ScoreEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'run_id', type: 'uuid', nullable: true })
  runId!: string | null;

  @ManyToOne(() => RunEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id', foreignKeyConstraintName: 'FK_scores_run' })
  run?: RunEntity;

  @Column({ type: 'int', nullable: true })
  iteration!: number | null;

  @Column({ name: 'evaluation_id', type: 'uuid', nullable: true })
  evaluationId!: string | null;

  @ManyToOne(() => EvaluationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'evaluation_id', foreignKeyConstraintName: 'FK_scores_evaluation' })
  evaluation?: EvaluationEntity;

  /** The scored model, when it is a registered model (a run's intermediate Solvers are not). */
  @Column({ name: 'model_id', type: 'uuid', nullable: true })
  modelId!: string | null;

  @ManyToOne(() => ModelEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'model_id', foreignKeyConstraintName: 'FK_scores_model' })
  model?: ModelEntity;

  @Column({ name: 'benchmark_id', type: 'uuid' })
  benchmarkId!: string;

  @ManyToOne(() => BenchmarkEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'benchmark_id', foreignKeyConstraintName: 'FK_scores_benchmark' })
  benchmark?: BenchmarkEntity;

  @Column({ type: 'varchar', length: 32 })
  metric!: string;

  /** Accuracy in [0, 1]. */
  @Column({ type: 'double precision' })
  score!: number;

  @Column({ type: 'int' })
  items!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
