import { Module } from '@nestjs/common';
import { EvaluationsModule } from '../evaluations/evaluations.module';
import { RunsModule } from '../runs/runs.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { QueueProcessors } from './processors';

@Module({
  imports: [RunsModule, EvaluationsModule, WebhooksModule],
  providers: [QueueProcessors],
})
export class WorkerProcessorsModule {}
