import { Controller, Get, HttpCode } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ApiTags } from '@nestjs/swagger';
import { Doc, Fails, Returns } from '../openapi/decorators';
import { Public } from '../auth/principal';
import { DomainError } from '../common/domain-error';
import { RedisPubSub } from '../redis/redis.module';

@ApiTags('health')
@Controller('health')
@Public()
export class HealthController {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly redis: RedisPubSub,
  ) {}

  /** The process is up. */
  @Doc('Liveness', 'The process is up (no key needed).')
  @Returns(200, 'HealthLive', 'Up.')
  @Get('live')
  @HttpCode(200)
  checkLive(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Postgres and Redis answer. */
  @Doc('Readiness', 'Postgres and Redis answer (no key needed).')
  @Returns(200, 'HealthReady', 'Ready.')
  @Fails('INTERNAL')
  @Get('ready')
  async checkReady(): Promise<{ status: 'ok'; postgres: 'ok'; redis: 'ok' }> {
    try {
      await this.ds.query('SELECT 1');
      await this.redis.publisher.ping();
    } catch {
      throw new DomainError('INTERNAL', 'not ready: Postgres or Redis does not answer');
    }
    return { status: 'ok', postgres: 'ok', redis: 'ok' };
  }
}
