import { BullModule } from '@nestjs/bull';
import { Global, Module } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { redisOptions } from '../redis/redis.module';
import { JobQueue } from './job-queue.service';
import { QueueName } from './jobs';

@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (c: AppConfig) => ({
        redis: redisOptions(c.redisUrl),
        prefix: `${c.redisPrefix}:bull`,
        settings: {
          // Training yields between steps; a lock must outlive the longest step.
          lockDuration: c.queueLockMs,
          lockRenewTime: Math.floor(c.queueLockMs / 4),
          stalledInterval: c.queueStalledCheckMs,
          // A run resumes from its last completed iteration, so a stalled run may be retried often.
          maxStalledCount: 10,
        },
      }),
    }),
    BullModule.registerQueue(
      { name: QueueName.Runs },
      { name: QueueName.Evaluations },
      { name: QueueName.Webhooks },
    ),
  ],
  providers: [JobQueue],
  exports: [JobQueue, BullModule],
})
export class QueueModule {}
