import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { RunEntity } from '../runs/run.entity';

/** The run's event log: what SSE clients replay after Last-Event-ID. Ids are 1, 2, 3, ... per run. */
@Entity('run_events')
export class RunEventEntity {
  @PrimaryColumn({ name: 'run_id', type: 'uuid' })
  runId!: string;

  @PrimaryColumn({ type: 'bigint' })
  id!: string;

  @ManyToOne(() => RunEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id', foreignKeyConstraintName: 'FK_run_events_run' })
  run?: RunEntity;

  @Column({ type: 'varchar', length: 48 })
  type!: string;

  @Column({ type: 'int', nullable: true })
  iteration!: number | null;

  @Column({ type: 'jsonb' })
  data!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
