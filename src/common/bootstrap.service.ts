import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BenchmarksService } from '../benchmarks/benchmarks.service';
import { ModelsService } from '../models/models.service';
import { JobQueue } from '../queue/job-queue.service';

/**
 * Start-up chores of every process: refuse to run on a schema that is behind the code, register
 * the built-in model and benchmarks, and re-queue queued runs whose job was lost (a crash
 * between the insert and the enqueue; job ids make this a no-op otherwise).
 */
@Injectable()
export class BootstrapService implements OnApplicationBootstrap {
  private readonly log = new Logger(BootstrapService.name);

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly models: ModelsService,
    private readonly benchmarks: BenchmarksService,
    private readonly queue: JobQueue,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (await this.ds.showMigrations()) {
      throw new Error('the database schema is behind this version: run `npm run migrate` first');
    }
    await this.models.registerBuiltinModels();
    await this.benchmarks.registerBuiltinBenchmarks();
    const queued = (await this.ds.query(`SELECT id FROM runs WHERE status = 'queued'`)) as {
      id: string;
    }[];
    for (const r of queued) await this.queue.enqueueRun(r.id);
    if (queued.length) this.log.log({ runs: queued.length }, 're-queued queued runs');
  }
}
