import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { ApiKeyRole } from './api-key.entity';

/** Who is calling: resolved from the API key by AuthGuard. */
export interface Principal {
  keyId: string | null;
  owner: string;
  role: ApiKeyRole;
}

export const isAdmin = (p: Principal): boolean => p.role === 'admin';

/** Whether `p` may see a resource of `owner` (null = built in, visible to all; admins see all). */
export const canSee = (p: Principal, owner: string | null): boolean =>
  owner === null || owner === p.owner || isAdmin(p);

export const PUBLIC_ROUTE = 'rzero:public';
export const ADMIN_ROUTE = 'rzero:admin';
/** No API key needed (health, docs). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);
/** Admin keys only. */
export const AdminOnly = () => SetMetadata(ADMIN_ROUTE, true);

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Principal =>
    ctx.switchToHttp().getRequest<{ principal: Principal }>().principal,
);
