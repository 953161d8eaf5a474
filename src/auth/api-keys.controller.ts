import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiKeysService } from './api-keys.service';
import type { ApiKeyView, CreatedApiKey } from './api-keys.service';
import { CreateApiKeyDto } from './dto/create-api-key.dto';
import { AdminOnly } from './principal';

@Controller('api-keys')
@AdminOnly()
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  createApiKey(@Body() dto: CreateApiKeyDto): Promise<CreatedApiKey> {
    return this.apiKeys.createApiKey({
      name: dto.name,
      owner: dto.owner,
      role: dto.role ?? 'user',
    });
  }

  @Get()
  listApiKeys(): Promise<ApiKeyView[]> {
    return this.apiKeys.listApiKeys();
  }

  @Delete(':id')
  revokeApiKey(@Param('id', ParseUUIDPipe) id: string): Promise<ApiKeyView> {
    return this.apiKeys.revokeApiKey(id);
  }
}
