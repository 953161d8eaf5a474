/**
 * The abort reason a worker gives the jobs in progress when its process shuts down (SIGTERM,
 * SIGINT): each is handed back to the queue, not canceled or failed.
 */
export class WorkerStopping {
  constructor(readonly why: string) {}
}

/** The jobs a worker is executing, each with its abort controller, so shutdown can stop them. */
export class ActiveJobs {
  private readonly active = new Map<
    string,
    { controller: AbortController; done: Promise<unknown> }
  >();
  private stopping: WorkerStopping | null = null;

  /** Runs `work` with a fresh controller; aborted from the start once the worker is stopping. */
  async run<T>(id: string, work: (controller: AbortController) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    if (this.stopping) controller.abort(this.stopping);
    const done = work(controller);
    this.active.set(id, { controller, done });
    try {
      return await done;
    } finally {
      this.active.delete(id);
    }
  }

  /** Aborts every job with a WorkerStopping reason; resolves when all have returned. */
  async interruptAll(why: string): Promise<void> {
    this.stopping = new WorkerStopping(why);
    const jobs = [...this.active.values()];
    for (const j of jobs) j.controller.abort(this.stopping);
    await Promise.allSettled(jobs.map((j) => j.done));
  }
}
