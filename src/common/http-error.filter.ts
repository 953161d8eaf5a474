import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  Inject,
  Logger,
  Optional,
} from '@nestjs/common';
import type { Response } from 'express';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { DomainError } from './domain-error';
import type { FieldIssue } from './domain-error';
import { redactPaths } from './redact';

/** The API's one error body. */
export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  errors?: FieldIssue[];
}

/**
 * Maps DomainError codes, Nest's HttpExceptions and anything unexpected to ErrorBody; no body
 * names a server path (an engine message may quote the file it read).
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('HttpErrorFilter');

  constructor(@Optional() @Inject(APP_CONFIG) private readonly config?: AppConfig) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const body = withoutPaths(toErrorBody(exception), this.config?.artifactDir);
    if (body.statusCode >= 500) {
      this.log.error({ err: exception }, 'unhandled error');
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    if (exception instanceof DomainError) res.set(exception.headers);
    res.status(body.statusCode).json(body);
  }
}

function withoutPaths(body: ErrorBody, artifactDir?: string): ErrorBody {
  const out: ErrorBody = { ...body, message: redactPaths(body.message, artifactDir) };
  if (body.errors) {
    out.errors = body.errors.map((e) => ({ ...e, reason: redactPaths(e.reason, artifactDir) }));
  }
  return out;
}

export function toErrorBody(exception: unknown): ErrorBody {
  if (exception instanceof DomainError) {
    return {
      statusCode: exception.status,
      code: exception.code,
      message: exception.message,
      ...(exception.errors.length > 0 ? { errors: exception.errors } : {}),
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const r = exception.getResponse();
    const message =
      typeof r === 'string' ? r : String((r as { message?: unknown }).message ?? exception.message);
    const code =
      status === 404
        ? 'NOT_FOUND'
        : status === 413
          ? 'PAYLOAD_TOO_LARGE'
          : status === 401
            ? 'UNAUTHENTICATED'
            : status === 403
              ? 'FORBIDDEN'
              : status < 500
                ? 'BAD_REQUEST'
                : 'INTERNAL';
    return { statusCode: status, code, message };
  }
  // Body-parser errors (malformed JSON, too large) carry a status but are not HttpExceptions.
  const e = exception as { status?: number; type?: string; message?: string };
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return {
      statusCode: e.status,
      code: e.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST',
      message:
        e.type === 'entity.parse.failed'
          ? 'request body is not valid JSON'
          : (e.message ?? 'bad request'),
    };
  }
  return { statusCode: 500, code: 'INTERNAL', message: 'internal error' };
}
