import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { JobName, QueueName, evaluationJobId, runJobId, webhookJobId } from './jobs';

/** The one place that puts jobs on queues (services depend on this, not on Bull). */
@Injectable()
export class JobQueue {
  constructor(
    @InjectQueue(QueueName.Runs) private readonly runs: Queue,
    @InjectQueue(QueueName.Evaluations) private readonly evaluations: Queue,
    @InjectQueue(QueueName.Webhooks) private readonly webhooks: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Queues a run: new (`afterAttempt` 0), or again after attempt `afterAttempt` was stopped between
   * steps by a worker shutting down; whichever worker takes it resumes after the last completed
   * iteration.
   */
  async enqueueRun(runId: string, afterAttempt = 0): Promise<void> {
    await this.runs.add(
      JobName.RunCoevolution,
      { name: JobName.RunCoevolution, runId },
      { jobId: runJobId(runId, afterAttempt), removeOnComplete: 1000, removeOnFail: 1000 },
    );
  }

  /** Drops a run's job while it still waits (a canceled queued run; `attempt` as in the row). */
  async removeRun(runId: string, attempt: number): Promise<void> {
    await removeWaiting(this.runs, runJobId(runId, attempt));
  }

  /** `handedBackAt` (ms): queued again after a stopping worker handed it back. */
  async enqueueEvaluation(evaluationId: string, handedBackAt?: number): Promise<void> {
    await this.evaluations.add(
      JobName.RunEvaluation,
      { name: JobName.RunEvaluation, evaluationId },
      {
        jobId: evaluationJobId(evaluationId, handedBackAt),
        removeOnComplete: 1000,
        removeOnFail: 1000,
      },
    );
  }

  /** Drops an evaluation's first job while it still waits (a canceled queued evaluation). */
  async removeEvaluation(evaluationId: string): Promise<void> {
    await removeWaiting(this.evaluations, evaluationJobId(evaluationId));
  }

  async enqueueWebhook(runId: string, status: string): Promise<void> {
    await this.webhooks.add(
      JobName.DeliverWebhook,
      { name: JobName.DeliverWebhook, runId, status },
      {
        jobId: webhookJobId(runId, status),
        attempts: this.config.webhookAttempts,
        backoff: { type: 'exponential', delay: this.config.webhookBackoffMs },
        removeOnComplete: 1000,
        removeOnFail: 1000,
      },
    );
  }
}

/** Removes a job that no worker has taken yet; one a worker holds finds its row canceled. */
async function removeWaiting(queue: Queue, jobId: string): Promise<void> {
  const job = await queue.getJob(jobId);
  if (job && (await job.isWaiting())) await job.remove().catch(() => undefined);
}
