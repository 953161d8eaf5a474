import { Controller, Get, HttpCode } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Public } from '../auth/principal';
import { DomainError } from '../common/domain-error';
import { RedisPubSub } from '../redis/redis.module';

@Controller('health')
@Public()
export class HealthController {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly redis: RedisPubSub,
  ) {}

  /** The process is up. */
  @Get('live')
  @HttpCode(200)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Postgres and Redis answer. */
  @Get('ready')
  async ready(): Promise<{ status: 'ok'; postgres: 'ok'; redis: 'ok' }> {
    try {
      await this.ds.query('SELECT 1');
      await this.redis.publisher.ping();
    } catch {
      throw new DomainError('INTERNAL', 'not ready: Postgres or Redis does not answer');
    }
    return { status: 'ok', postgres: 'ok', redis: 'ok' };
  }
}
