import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type BenchmarkSource = 'builtin' | 'upload';

/** A set of question/answer items. `owner` null = built-in (the arith benchmarks). */
@Entity('benchmarks')
@Index('IDX_benchmarks_owner_created', ['owner', 'createdAt'])
@Index('UQ_benchmarks_builtin_name', ['name'], { unique: true, where: 'owner IS NULL' })
export class BenchmarkEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  owner!: string | null;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  source!: BenchmarkSource;

  /** The domain whose oracle and prompts suit it ('arith' or 'math'). */
  @Column({ type: 'varchar', length: 32 })
  domain!: string;

  @Column({ name: 'item_count', type: 'int' })
  itemCount!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
