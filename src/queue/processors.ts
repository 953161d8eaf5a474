/**
 * The worker's job handlers: each is a few lines that call a service. Registered with the
 * configured concurrency when the process runs a worker (worker.ts, or the api with
 * RZERO_EMBEDDED_WORKER=1).
 */
import { InjectQueue } from '@nestjs/bull';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { EvaluationsService } from '../evaluations/evaluations.service';
import { RunExecutionService } from '../runs/run-execution.service';
import { WebhooksService } from '../webhooks/webhooks.service';
import { JobName, QueueName } from './jobs';
import type { DeliverWebhookJob, RunCoevolutionJob, RunEvaluationJob } from './jobs';

@Injectable()
export class QueueProcessors implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger(QueueProcessors.name);

  constructor(
    @InjectQueue(QueueName.Runs) private readonly runsQueue: Queue,
    @InjectQueue(QueueName.Evaluations) private readonly evaluationsQueue: Queue,
    @InjectQueue(QueueName.Webhooks) private readonly webhooksQueue: Queue,
    private readonly runs: RunExecutionService,
    private readonly evaluations: EvaluationsService,
    private readonly webhooks: WebhooksService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const n = this.config.workerConcurrency;
    void this.runsQueue.process(JobName.RunCoevolution, n, (job: Job<RunCoevolutionJob>) =>
      this.runs.executeRun(job.data.runId),
    );
    void this.evaluationsQueue.process(JobName.RunEvaluation, n, (job: Job<RunEvaluationJob>) =>
      this.evaluations.executeEvaluation(job.data.evaluationId),
    );
    void this.webhooksQueue.process(JobName.DeliverWebhook, 4, (job: Job<DeliverWebhookJob>) =>
      this.webhooks.deliverWebhook(job.data.runId, job.data.status, job.attemptsMade + 1),
    );
    this.log.log({ concurrency: n }, 'worker consuming queues runs, evaluations, webhooks');
  }

  /**
   * Shutdown (SIGTERM, SIGINT): take no new job, then hand the runs in progress back to the queue
   * at their next step, and the evaluations at once. Bull's own close, which comes after this
   * hook, then waits only for the webhook deliveries in progress.
   */
  async beforeApplicationShutdown(signal?: string): Promise<void> {
    const queues = [this.runsQueue, this.evaluationsQueue, this.webhooksQueue];
    await Promise.all(queues.map((q) => q.pause(true, true)));
    const why = `worker shutting down (${signal ?? 'close'})`;
    await Promise.all([this.runs.interruptAll(why), this.evaluations.interruptAll(why)]);
  }
}
