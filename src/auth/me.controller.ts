import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Doc, Returns } from '../openapi/decorators';
import { CurrentPrincipal } from './principal';
import type { Principal } from './principal';

/** Who the caller's key acts for (clients such as the admin panel adapt to the role). */
export interface PrincipalView {
  owner: string;
  role: 'admin' | 'user';
  /** null for the bootstrap key of RZERO_ADMIN_KEY. */
  keyId: string | null;
}

@ApiTags('api-keys')
@Controller('me')
export class MeController {
  @Doc('Who am I', 'The owner and role of the calling API key.')
  @Returns(200, 'PrincipalView', 'The caller.')
  @Get()
  whoAmI(@CurrentPrincipal() p: Principal): PrincipalView {
    return { owner: p.owner, role: p.role, keyId: p.keyId };
  }
}
