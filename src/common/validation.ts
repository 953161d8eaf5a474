import { ParseIntPipe, ParseUUIDPipe, ValidationPipe } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { validationFailed } from './domain-error';
import type { FieldIssue } from './domain-error';

function flatten(errors: ValidationError[], prefix = ''): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const e of errors) {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    for (const reason of Object.values(e.constraints ?? {})) out.push({ field, reason });
    if (e.children?.length) out.push(...flatten(e.children, field));
  }
  return out;
}

/** Body and query validation: unknown fields rejected, every bad field listed with its reason. */
export const validationPipe = (): ValidationPipe =>
  new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => validationFailed(flatten(errors)),
  });

/** Path ids: a 400 VALIDATION_FAILED naming the field, like every other bad input. */
export const ParseId = new ParseUUIDPipe({
  exceptionFactory: () => validationFailed([{ field: 'id', reason: 'must be a UUID' }]),
});

/** An integer query parameter, reported by name when it is not one. */
export const parseIntQuery = (field: string): ParseIntPipe =>
  new ParseIntPipe({
    exceptionFactory: () => validationFailed([{ field, reason: 'must be an integer' }]),
  });
