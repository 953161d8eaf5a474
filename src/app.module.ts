import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AuthModule } from './auth/auth.module';
import { BenchmarksModule } from './benchmarks/benchmarks.module';
import { BootstrapService } from './common/bootstrap.service';
import { HttpErrorFilter } from './common/http-error.filter';
import { errSerializer, reqSerializer } from './common/redact';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { EvaluationsModule } from './evaluations/evaluations.module';
import { EventsModule } from './events/events.module';
import { HealthController } from './health/health.controller';
import { MetricsModule } from './metrics/metrics.module';
import { ModelsModule } from './models/models.module';
import { QueueModule } from './queue/queue.module';
import { WorkerProcessorsModule } from './queue/worker-processors.module';
import { RedisModule } from './redis/redis.module';
import { RunsModule } from './runs/runs.module';
import { StorageModule } from './storage/storage.module';

export interface AppModuleOptions {
  /** Consume the queues in this process (worker.ts, or the api with RZERO_EMBEDDED_WORKER=1). */
  worker: boolean;
  /** Serve HTTP (the api); false for the worker process. Default true. */
  http?: boolean;
}

/** One module tree for both processes; the worker adds the queue processors. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, opts: AppModuleOptions): DynamicModule {
    const http = opts.http ?? true;
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            // Keys and cookies never reach the logs.
            redact: {
              paths: [
                'req.headers.authorization',
                'req.headers.cookie',
                'req.headers["x-api-key"]',
              ],
              censor: '[redacted]',
            },
            // Logged errors lose SQL parameters and server paths; URLs lose keys in their query.
            serializers: {
              err: errSerializer(config.artifactDir),
              req: reqSerializer(config.adminKey ? [config.adminKey] : []),
            },
            autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health') },
            customProps: () => ({ process: opts.worker ? 'api+worker' : 'api' }),
          },
        }),
        DatabaseModule,
        RedisModule,
        QueueModule,
        MetricsModule.forRoot(http ? (opts.worker ? 'api+worker' : 'api') : 'worker'),
        StorageModule,
        AuthModule,
        ModelsModule,
        BenchmarksModule,
        EventsModule,
        RunsModule,
        EvaluationsModule,
        ...(opts.worker ? [WorkerProcessorsModule] : []),
      ],
      controllers: [HealthController],
      providers: [BootstrapService, { provide: APP_FILTER, useClass: HttpErrorFilter }],
    };
  }
}
