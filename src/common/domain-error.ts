/**
 * Errors the services throw: a stable code, an HTTP status, a message safe to show the caller, and
 * for validation failures the list of bad fields. One exception filter (http-error.filter.ts) turns
 * them into the one error body of the API.
 */
export interface FieldIssue {
  /** Dotted path of the field in the request, e.g. "config.filter.minP" or "line 12". */
  field: string;
  reason: string;
}

export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  MODEL_NOT_FOUND: 404,
  RUN_NOT_FOUND: 404,
  BENCHMARK_NOT_FOUND: 404,
  EVALUATION_NOT_FOUND: 404,
  API_KEY_NOT_FOUND: 404,
  ITERATION_NOT_FOUND: 404,
  NO_FINISHED_ITERATION: 404,
  IDEMPOTENCY_KEY_REUSED: 409,
  MODEL_IN_USE: 409,
  BENCHMARK_IN_USE: 409,
  RUN_NOT_CANCELLABLE: 409,
  EVALUATION_NOT_CANCELLABLE: 409,
  ARTIFACT_NOT_READY: 409,
  MODEL_INVALID: 422,
  BENCHMARK_INVALID: 422,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_MODELS: 409,
  TOO_MANY_ACTIVE_RUNS: 429,
  TOO_MANY_ACTIVE_EVALUATIONS: 429,
  RATE_LIMITED: 429,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly errors: FieldIssue[] = [],
    /** Response headers that go with the error (Retry-After on a 429). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export const notFound = (code: ErrorCode, what: string, id: string): DomainError =>
  new DomainError(code, `${what} ${id} not found`);

export const validationFailed = (errors: FieldIssue[], what = 'request'): DomainError =>
  new DomainError(
    'VALIDATION_FAILED',
    `invalid ${what}: ${errors.map((e) => `${e.field}: ${e.reason}`).join('; ')}`,
    errors,
  );
