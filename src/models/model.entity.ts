import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type ModelSource = 'builtin' | 'upload' | 'run';

/**
 * A causal LM in the Hugging Face layout, stored in the artifact store under `storageKey`.
 * `owner` null = built-in, visible to every key. Deleting a model soft-deletes the row (runs keep
 * their reference) and removes its files.
 */
@Entity('models')
@Index('IDX_models_owner_created', ['owner', 'createdAt'])
@Index('UQ_models_builtin_name', ['name'], {
  unique: true,
  where: 'owner IS NULL AND deleted_at IS NULL',
})
export class ModelEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  owner!: string | null;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  source!: ModelSource;

  /** e.g. LlamaForCausalLM. */
  @Column({ type: 'varchar', length: 64 })
  architecture!: string;

  @Column({ name: 'model_type', type: 'varchar', length: 32 })
  modelType!: string;

  @Column({ name: 'parameter_count', type: 'bigint' })
  parameterCount!: string;

  /** SHA-256 of model.safetensors (or of the shard index when sharded). */
  @Column({ type: 'char', length: 64 })
  sha256!: string;

  @Column({ name: 'size_bytes', type: 'bigint' })
  sizeBytes!: string;

  @Column({ name: 'storage_key', type: 'varchar', length: 300 })
  storageKey!: string;

  /** config.json as uploaded (Hugging Face fields: hidden_size, num_hidden_layers, ...). */
  @Column({ type: 'jsonb' })
  config!: Record<string, unknown>;

  /** The run whose Solver this is (source 'run'). */
  @Column({ name: 'source_run_id', type: 'uuid', nullable: true })
  sourceRunId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;
}
