/**
 * Decorators that describe a route in the OpenAPI document. Schemas are referenced by name: they
 * are generated from the TypeScript types in api-types.ts (see document.ts), so a controller says
 * *which* type it returns and the type itself stays the one source of its shape.
 */
import { ApiExtension, ApiOperation, ApiResponse } from '@nestjs/swagger';
import { ERROR_STATUS } from '../common/domain-error';
import type { ErrorCode } from '../common/domain-error';

export const ref = (schema: string) => ({ $ref: `#/components/schemas/${schema}` });

/** Extensions document.ts reads and removes while it completes each operation. */
export const X_QUERY = 'x-rzero-query';
export const X_BODY = 'x-rzero-body';
export const X_ERRORS = 'x-rzero-errors';

/** Summary (one line) and optional description of a route. */
export const Doc = (summary: string, description?: string) =>
  ApiOperation({ summary, ...(description ? { description } : {}) });

/** A JSON response of the named schema; `array` for a list of them. */
export const Returns = (
  status: number,
  schema: string | object,
  description: string,
  opts: { array?: boolean; headers?: Record<string, { description: string; schema: object }> } = {},
) =>
  ApiResponse({
    status,
    description,
    content: {
      'application/json': {
        schema: opts.array
          ? { type: 'array', items: typeof schema === 'string' ? ref(schema) : schema }
          : typeof schema === 'string'
            ? ref(schema)
            : schema,
      },
    },
    ...(opts.headers ? { headers: opts.headers } : {}),
  });

/** A tar.gz download (Hugging Face directory layout inside). */
export const ReturnsTarGz = (description: string) =>
  ApiResponse({
    status: 200,
    description,
    content: { 'application/gzip': { schema: { type: 'string', format: 'binary' } } },
    headers: {
      'Content-Disposition': {
        description: 'attachment; filename="<name>.tar.gz"',
        schema: { type: 'string' },
      },
    },
  });

/** A plain-text answer (the Prometheus exposition format). */
export const ReturnsText = (description: string, contentType: string) =>
  ApiResponse({
    status: 200,
    description,
    content: { [contentType]: { schema: { type: 'string' } } },
  });

/**
 * The error responses of a route, by code: grouped by HTTP status, each with the ErrorBody schema
 * and the codes it can carry. 401 UNAUTHENTICATED is added to every route that needs a key.
 */
export const Fails = (...codes: ErrorCode[]) => ApiExtension(X_ERRORS, codes);

/** Query parameters: the properties of the named schema (a query DTO class in api-types.ts). */
export const QueryFrom = (schema: string) => ApiExtension(X_QUERY, schema);

/**
 * The request body: JSON of the named schema, and optionally a multipart form (uploads) with the
 * given properties.
 */
export const Body = (
  json: string | null,
  multipart?: { properties: Record<string, object>; required?: string[]; description: string },
) => ApiExtension(X_BODY, { json, multipart: multipart ?? null });

/** The codes of each status, for the response descriptions. */
export function errorResponses(codes: ErrorCode[]): Record<string, object> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const c of codes) {
    const s = ERROR_STATUS[c];
    byStatus.set(s, [...(byStatus.get(s) ?? []), c]);
  }
  const out: Record<string, object> = {};
  for (const [status, cs] of byStatus) {
    out[String(status)] = {
      description: `Error: ${[...new Set(cs)].join(', ')}`,
      content: { 'application/json': { schema: ref('ErrorBody') } },
      ...(cs.includes('RATE_LIMITED')
        ? {
            headers: {
              'Retry-After': {
                description: 'RATE_LIMITED: seconds until the rate-limit window ends',
                schema: { type: 'integer', minimum: 1 },
              },
            },
          }
        : {}),
    };
  }
  return out;
}
