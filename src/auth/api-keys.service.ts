import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { DomainError, notFound, validationFailed } from '../common/domain-error';
import { ApiKeyEntity } from './api-key.entity';
import type { ApiKeyRole } from './api-key.entity';
import type { Principal } from './principal';

/**
 * The owner of the bootstrap admin key (RZERO_ADMIN_KEY). Reserved: a user key with this owner
 * would see and delete what the bootstrap key made, so only admin keys may have it (in any case).
 */
export const ADMIN_OWNER = 'admin';
export const isReservedOwner = (owner: string): boolean => owner.toLowerCase() === ADMIN_OWNER;

export interface ApiKeyView {
  id: string;
  name: string;
  owner: string;
  role: ApiKeyRole;
  keyPrefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface CreatedApiKey extends ApiKeyView {
  /** The key itself: shown once, never stored. */
  key: string;
  /** Signs this key's webhooks (HMAC-SHA256): shown once. */
  webhookSecret: string;
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

@Injectable()
export class ApiKeysService {
  private readonly adminKeyHash: Buffer | null;

  constructor(
    @InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.adminKeyHash = config.adminKey ? Buffer.from(sha256(config.adminKey), 'hex') : null;
  }

  /** The principal of a presented key, or null when it is unknown or revoked. */
  async authenticate(key: string): Promise<Principal | null> {
    const hash = sha256(key);
    if (this.adminKeyHash && timingSafeEqual(Buffer.from(hash, 'hex'), this.adminKeyHash)) {
      return { keyId: null, owner: ADMIN_OWNER, role: 'admin' };
    }
    const row = await this.keys.findOne({ where: { keyHash: hash, revokedAt: IsNull() } });
    if (!row) return null;
    // A user key under the reserved owner (made before it was reserved; the migration revokes
    // them) never acts as that owner.
    if (row.role !== 'admin' && isReservedOwner(row.owner)) return null;
    // Best effort, not awaited by the request.
    void this.keys.update(row.id, { lastUsedAt: new Date() }).catch(() => undefined);
    return { keyId: row.id, owner: row.owner, role: row.role };
  }

  async createApiKey(input: {
    name: string;
    owner: string;
    role: ApiKeyRole;
  }): Promise<CreatedApiKey> {
    if (input.role !== 'admin' && isReservedOwner(input.owner)) {
      throw validationFailed([
        {
          field: 'owner',
          reason: `"${ADMIN_OWNER}" is reserved for the bootstrap admin key and admin keys`,
        },
      ]);
    }
    const key = `rz_${randomBytes(24).toString('base64url')}`;
    const webhookSecret = `whsec_${randomBytes(24).toString('base64url')}`;
    const row = await this.keys.save(
      this.keys.create({
        name: input.name,
        owner: input.owner,
        role: input.role,
        keyHash: sha256(key),
        keyPrefix: key.slice(0, 10),
        webhookSecret,
        lastUsedAt: null,
        revokedAt: null,
      }),
    );
    return { ...view(row), key, webhookSecret };
  }

  async listApiKeys(): Promise<ApiKeyView[]> {
    const rows = await this.keys.find({ order: { createdAt: 'DESC' } });
    return rows.map(view);
  }

  async revokeApiKey(id: string): Promise<ApiKeyView> {
    const row = await this.keys.findOne({ where: { id } });
    if (!row) throw notFound('API_KEY_NOT_FOUND', 'API key', id);
    if (row.revokedAt)
      throw new DomainError('VALIDATION_FAILED', `API key ${id} is already revoked`);
    row.revokedAt = new Date();
    await this.keys.save(row);
    return view(row);
  }

  /** The webhook signing secret of a key (null when the key is gone). */
  async webhookSecret(keyId: string): Promise<string | null> {
    const row = await this.keys.findOne({ where: { id: keyId } });
    return row?.webhookSecret ?? null;
  }
}

function view(row: ApiKeyEntity): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    owner: row.owner,
    role: row.role,
    keyPrefix: row.keyPrefix,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}
