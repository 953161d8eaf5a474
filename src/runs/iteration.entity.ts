import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type {
  ChallengerStepMetrics,
  CurriculumStats,
  IterationDiagnostics,
  Phase,
  SolverStepMetrics,
} from '../rzero';
import { RunEntity } from './run.entity';

/** One completed iteration of a run; the primary key makes "each iteration exactly once" a constraint. */
@Entity('iterations')
export class IterationEntity {
  @PrimaryColumn({ name: 'run_id', type: 'uuid' })
  runId!: string;

  @PrimaryColumn({ type: 'int' })
  iteration!: number;

  @ManyToOne(() => RunEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id', foreignKeyConstraintName: 'FK_iterations_run' })
  run?: RunEntity;

  @Column({ type: 'real' })
  seconds!: number;

  @Column({ type: 'jsonb' })
  phases!: Partial<Record<Phase, number>>;

  /** The last Challenger step's metrics (null for the Base Challenger ablation). */
  @Column({ name: 'challenger_metrics', type: 'jsonb', nullable: true })
  challengerMetrics!: ChallengerStepMetrics | null;

  @Column({ name: 'solver_metrics', type: 'jsonb', nullable: true })
  solverMetrics!: SolverStepMetrics | null;

  @Column({ name: 'curriculum_stats', type: 'jsonb' })
  curriculumStats!: CurriculumStats;

  /** Calibration, reward accuracy, the Solver's movement, difficulty (null on older rows). */
  @Column({ type: 'jsonb', nullable: true })
  diagnostics!: IterationDiagnostics | null;

  @Column({ name: 'completed_at', type: 'timestamptz' })
  completedAt!: Date;
}
