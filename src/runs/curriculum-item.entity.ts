import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { DropReason, OracleVerdict } from '../rzero';
import { RunEntity } from './run.entity';

/** One candidate question of an iteration's Solver dataset, kept or dropped. */
@Entity('curriculum_items')
@Index('IDX_curriculum_items_kept', ['runId', 'iteration', 'kept', 'index'])
export class CurriculumItemEntity {
  @PrimaryColumn({ name: 'run_id', type: 'uuid' })
  runId!: string;

  @PrimaryColumn({ type: 'int' })
  iteration!: number;

  @PrimaryColumn({ type: 'int' })
  index!: number;

  @ManyToOne(() => RunEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id', foreignKeyConstraintName: 'FK_curriculum_items_run' })
  run?: RunEntity;

  @Column({ type: 'text' })
  question!: string;

  @Column({ type: 'text' })
  raw!: string;

  @Column({ name: 'challenger_answer', type: 'text' })
  challengerAnswer!: string;

  @Column({ name: 'solver_answers', type: 'jsonb' })
  solverAnswers!: (string | null)[];

  @Column({ type: 'text', nullable: true })
  majority!: string | null;

  @Column({ type: 'real' })
  p!: number;

  @Column({ type: 'real' })
  uncertainty!: number;

  @Column({ name: 'repetition_penalty', type: 'real' })
  repetitionPenalty!: number;

  @Column({ type: 'int' })
  cluster!: number;

  @Column({ type: 'boolean' })
  kept!: boolean;

  @Column({ name: 'drop_reason', type: 'varchar', length: 16, nullable: true })
  dropReason!: DropReason | null;

  @Column({ type: 'jsonb', nullable: true })
  oracle!: OracleVerdict | null;
}
