import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { BenchmarkEntity } from './benchmark.entity';

@Entity('benchmark_items')
export class BenchmarkItemEntity {
  @PrimaryColumn({ name: 'benchmark_id', type: 'uuid' })
  benchmarkId!: string;

  /** 0-based position in the set (the upload's line order). */
  @PrimaryColumn({ type: 'int' })
  index!: number;

  @ManyToOne(() => BenchmarkEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'benchmark_id', foreignKeyConstraintName: 'FK_benchmark_items_benchmark' })
  benchmark?: BenchmarkEntity;

  @Column({ type: 'text' })
  question!: string;

  @Column({ type: 'text' })
  answer!: string;
}
