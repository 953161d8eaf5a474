import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bull';
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import type { RZeroEvent } from '../rzero';
import { QueueName } from '../queue/jobs';
import { METRICS_ROLE } from './metrics.tokens';
import type { MetricsRole } from './metrics.tokens';

export type JobKind = 'run' | 'evaluation';
/** handed_back: on shutdown; superseded: another worker took the run over. */
export type JobOutcome = 'succeeded' | 'failed' | 'canceled' | 'handed_back' | 'superseded';

/**
 * The process's Prometheus registry. Every process has the Node.js process metrics and its own
 * counters (HTTP in the api; training steps, iterations and jobs in a worker). The api also
 * reports the cluster's state read at scrape time: runs by status (Postgres) and jobs by queue and
 * state (Redis), so it does not matter which replica is scraped. Labels never carry ids or owners.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  private readonly httpRequests = new Counter({
    name: 'rzero_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  private readonly httpSeconds = new Histogram({
    name: 'rzero_http_request_duration_seconds',
    help: 'Time to answer an HTTP request (until the response ends; an SSE stream counts whole).',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly trainingSteps = new Counter({
    name: 'rzero_training_steps_total',
    help: 'GRPO steps this worker trained, by role.',
    labelNames: ['role'],
    registers: [this.registry],
  });
  private readonly stepSeconds = new Histogram({
    name: 'rzero_training_step_seconds',
    help: 'Wall time of one GRPO step (rollouts, rewards and the update), by role.',
    labelNames: ['role'],
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers: [this.registry],
  });
  private readonly iterations = new Counter({
    name: 'rzero_iterations_completed_total',
    help: 'R-Zero iterations this worker completed.',
    registers: [this.registry],
  });
  private readonly jobsFinished = new Counter({
    name: 'rzero_jobs_finished_total',
    help: 'Runs and evaluations this worker let go of, by outcome (handed_back: at shutdown; superseded: taken over).',
    labelNames: ['kind', 'outcome'],
    registers: [this.registry],
  });
  private readonly activeJobs = new Gauge({
    name: 'rzero_worker_active_jobs',
    help: 'Runs and evaluations this worker is executing now.',
    labelNames: ['kind'],
    registers: [this.registry],
  });

  constructor(
    @Inject(METRICS_ROLE) role: MetricsRole,
    @InjectDataSource() ds: DataSource,
    @InjectQueue(QueueName.Runs) runs: Queue,
    @InjectQueue(QueueName.Evaluations) evaluations: Queue,
    @InjectQueue(QueueName.Webhooks) webhooks: Queue,
  ) {
    this.registry.setDefaultLabels({ process: role });
    collectDefaultMetrics({ register: this.registry, prefix: 'rzero_' });
    for (const kind of ['run', 'evaluation'] as const) this.activeJobs.set({ kind }, 0);
    if (role === 'worker') return;
    new Gauge({
      name: 'rzero_runs',
      help: 'Runs by status, read from Postgres at scrape time.',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        const rows = (await ds.query(
          'SELECT status, count(*)::int AS n FROM runs GROUP BY status',
        )) as { status: string; n: number }[];
        this.reset();
        for (const status of ['queued', 'running', 'succeeded', 'failed', 'canceled'])
          this.set({ status }, rows.find((r) => r.status === status)?.n ?? 0);
      },
    });
    const queues = { runs, evaluations, webhooks };
    new Gauge({
      name: 'rzero_queue_jobs',
      help: 'Jobs by queue and state, read from Redis at scrape time.',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        for (const [name, q] of Object.entries(queues)) {
          const counts = await q.getJobCounts();
          for (const [state, n] of Object.entries(counts)) this.set({ queue: name, state }, n);
        }
      },
    });
  }

  /** The text exposition format (Prometheus 0.0.4). */
  async expose(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** Express middleware: counts and times every request by its route pattern (not its path). */
  httpMiddleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      const end = this.httpSeconds.startTimer();
      res.once('close', () => {
        const pattern = (req.route as { path?: string } | undefined)?.path;
        const route = pattern ? `${req.baseUrl}${pattern}` : 'unmatched';
        end({ method: req.method, route });
        this.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      });
      next();
    };
  }

  /** A worker's view of a run's events: training steps and completed iterations. */
  observeRunEvent(e: RZeroEvent): void {
    if (e.type === 'challenger.step' || e.type === 'solver.step') {
      const role = e.type === 'challenger.step' ? 'challenger' : 'solver';
      this.trainingSteps.inc({ role });
      this.stepSeconds.observe({ role }, e.metrics.seconds);
    } else if (e.type === 'iteration.completed') {
      this.iterations.inc();
    }
  }

  /** Counts a run or evaluation as active while `work` runs, then by how it ended. */
  async trackJob(kind: JobKind, work: () => Promise<JobOutcome>): Promise<void> {
    this.activeJobs.inc({ kind });
    try {
      this.jobsFinished.inc({ kind, outcome: await work() });
    } finally {
      this.activeJobs.dec({ kind });
    }
  }
}
