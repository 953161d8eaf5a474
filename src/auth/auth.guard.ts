import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError } from '../common/domain-error';
import { ApiKeysService } from './api-keys.service';
import { RateLimiter } from './rate-limiter.service';
import { ADMIN_ROUTE, PUBLIC_ROUTE } from './principal';
import type { Principal } from './principal';

/**
 * Global guard: `Authorization: Bearer <api key>` on every route not marked @Public(), with the
 * per-key request limit and the per-IP limit on unknown keys (RateLimiter).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
    private readonly limiter: RateLimiter,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const req = ctx.switchToHttp().getRequest<{
      headers: Record<string, string | undefined>;
      ip?: string;
      principal?: Principal;
    }>();
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new DomainError('UNAUTHENTICATED', 'missing Authorization: Bearer <api key>');
    // An address that guessed too many keys is refused before its key is even looked up.
    const ip = req.ip ?? 'unknown';
    await this.limiter.checkAuthFailures(ip);
    const principal = await this.apiKeys.authenticate(m[1]!);
    if (!principal) {
      await this.limiter.recordAuthFailure(ip);
      throw new DomainError('UNAUTHENTICATED', 'unknown or revoked API key');
    }
    await this.limiter.takeRequest(principal.keyId ?? 'admin');
    if (
      this.reflector.getAllAndOverride<boolean>(ADMIN_ROUTE, targets) &&
      principal.role !== 'admin'
    ) {
      throw new DomainError('FORBIDDEN', 'this operation needs an admin API key');
    }
    req.principal = principal;
    return true;
  }
}
