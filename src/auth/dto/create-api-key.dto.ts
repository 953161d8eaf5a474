import { IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import type { ApiKeyRole } from '../api-key.entity';

export class CreateApiKeyDto {
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  /** The tenant the key acts for; keys with the same owner see the same resources. */
  @IsString()
  @Matches(/^[A-Za-z0-9_.@-]{1,100}$/, {
    message: 'owner must be 1-100 characters of [A-Za-z0-9_.@-]',
  })
  owner!: string;

  @IsOptional()
  @IsIn(['admin', 'user'])
  role?: ApiKeyRole;
}
