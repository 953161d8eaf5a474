import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Body as BodyOf, Doc, Fails, Returns } from '../openapi/decorators';
import { ApiKeysService } from './api-keys.service';
import type { ApiKeyView, CreatedApiKey } from './api-keys.service';
import { CreateApiKeyDto } from './dto/create-api-key.dto';
import { AdminOnly } from './principal';
import { ParseId } from '../common/validation';

@ApiTags('api-keys')
@Controller('api-keys')
@AdminOnly()
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Doc(
    'Create an API key (admin)',
    'The key and its webhook signing secret are in this response only; they are stored as hashes.',
  )
  @BodyOf('CreateApiKeyDto')
  @Returns(201, 'CreatedApiKey', 'The new key, shown once.')
  @Fails('VALIDATION_FAILED', 'FORBIDDEN')
  @Post()
  createApiKey(@Body() dto: CreateApiKeyDto): Promise<CreatedApiKey> {
    return this.apiKeys.createApiKey({
      name: dto.name,
      owner: dto.owner,
      role: dto.role ?? 'user',
    });
  }

  @Doc('List API keys (admin)')
  @Returns(200, 'ApiKeyView', 'Every key, without secrets.', { array: true })
  @Fails('FORBIDDEN')
  @Get()
  listApiKeys(): Promise<ApiKeyView[]> {
    return this.apiKeys.listApiKeys();
  }

  @Doc('Revoke an API key (admin)')
  @Returns(200, 'ApiKeyView', 'The revoked key.')
  @Fails('VALIDATION_FAILED', 'FORBIDDEN', 'API_KEY_NOT_FOUND')
  @Delete(':id')
  revokeApiKey(@Param('id', ParseId) id: string): Promise<ApiKeyView> {
    return this.apiKeys.revokeApiKey(id);
  }
}
