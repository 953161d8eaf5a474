import { DynamicModule, Global, Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { METRICS_ROLE } from './metrics.tokens';
import { WorkerMetricsServer } from './worker-metrics-server';
import type { MetricsRole } from './metrics.tokens';

/** The process's Prometheus registry: the api serves it at GET /metrics, a worker on its own port. */
@Global()
@Module({})
export class MetricsModule {
  static forRoot(role: MetricsRole): DynamicModule {
    return {
      module: MetricsModule,
      controllers: role === 'worker' ? [] : [MetricsController],
      providers: [
        { provide: METRICS_ROLE, useValue: role },
        MetricsService,
        ...(role === 'worker' ? [WorkerMetricsServer] : []),
      ],
      exports: [MetricsService],
    };
  }
}
