/**
 * The job catalogue: queue names, job names and their data as one discriminated union. Job ids
 * derive from entity ids, so a run or an evaluation is never queued twice (a run that a stopping
 * worker handed back is queued again under its attempt number).
 */
export enum QueueName {
  Runs = 'runs',
  Evaluations = 'evaluations',
  Webhooks = 'webhooks',
}

export enum JobName {
  RunCoevolution = 'run-coevolution',
  RunEvaluation = 'run-evaluation',
  DeliverWebhook = 'deliver-webhook',
}

export interface RunCoevolutionJob {
  name: JobName.RunCoevolution;
  runId: string;
}

export interface RunEvaluationJob {
  name: JobName.RunEvaluation;
  evaluationId: string;
}

export interface DeliverWebhookJob {
  name: JobName.DeliverWebhook;
  runId: string;
  status: string;
}

export type JobData = RunCoevolutionJob | RunEvaluationJob | DeliverWebhookJob;

/** The run's job: its first, or the one queued after attempt `attempt` was interrupted. */
export const runJobId = (runId: string, attempt = 0): string =>
  attempt === 0 ? `run:${runId}` : `run:${runId}:after-attempt-${attempt}`;
/** The evaluation's job: its first, or one queued again after a stopping worker handed it back. */
export const evaluationJobId = (id: string, handedBackAt?: number): string =>
  handedBackAt === undefined ? `evaluation:${id}` : `evaluation:${id}:after-${handedBackAt}`;
export const webhookJobId = (runId: string, status: string): string => `webhook:${runId}:${status}`;
