import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError } from '../common/domain-error';
import { ApiKeysService } from './api-keys.service';
import { ADMIN_ROUTE, PUBLIC_ROUTE } from './principal';
import type { Principal } from './principal';

/** Global guard: `Authorization: Bearer <api key>` on every route not marked @Public(). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const req = ctx
      .switchToHttp()
      .getRequest<{ headers: Record<string, string | undefined>; principal?: Principal }>();
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new DomainError('UNAUTHENTICATED', 'missing Authorization: Bearer <api key>');
    const principal = await this.apiKeys.authenticate(m[1]!);
    if (!principal) throw new DomainError('UNAUTHENTICATED', 'unknown or revoked API key');
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
