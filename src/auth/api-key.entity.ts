import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type ApiKeyRole = 'admin' | 'user';

/** An API key. Only the SHA-256 of the key is stored; the key itself is shown once, at creation. */
@Entity('api_keys')
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  /** The tenant the key acts for: every model, run and benchmark it creates belongs to this owner. */
  @Index('IDX_api_keys_owner')
  @Column({ type: 'varchar', length: 100 })
  owner!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: ApiKeyRole;

  @Index('UQ_api_keys_key_hash', { unique: true })
  @Column({ name: 'key_hash', type: 'char', length: 64 })
  keyHash!: string;

  /** The first characters of the key, to tell keys apart in lists. */
  @Column({ name: 'key_prefix', type: 'varchar', length: 16 })
  keyPrefix!: string;

  /** Signs this key's webhooks (HMAC-SHA256). Needed in clear to sign, so it is stored, not hashed. */
  @Column({ name: 'webhook_secret', type: 'varchar', length: 128 })
  webhookSecret!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
