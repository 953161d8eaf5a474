import { ParseIntPipe, ParseUUIDPipe, ValidationPipe } from '@nestjs/common';
import type { ArgumentMetadata } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { DomainError, validationFailed } from './domain-error';
import type { FieldIssue } from './domain-error';
import { inspectInput } from './input-guard';

function flatten(errors: ValidationError[], prefix = ''): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const e of errors) {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    for (const reason of Object.values(e.constraints ?? {})) out.push({ field, reason });
    if (e.children?.length) out.push(...flatten(e.children, field));
  }
  return out;
}

/**
 * A DTO class may check more of a request than its decorators can (e.g. StartRunDto checks the
 * R-Zero config): `alsoCheck` runs on the raw value when the decorators fail, so the caller gets
 * every problem in one 400 instead of the shape errors first and the rest after fixing them.
 */
export interface AlsoChecked {
  alsoCheck(raw: unknown): FieldIssue[];
}

class AppValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Before any decorator runs: too deep a body would overflow the validator's recursion, and a
    // NUL character or a prototype key must never reach Postgres or an object lookup.
    if (metadata.type === 'body' || metadata.type === 'query' || metadata.type === 'param') {
      const issue = inspectInput(value, metadata.data ?? '', metadata.data ?? metadata.type);
      if (issue) throw validationFailed([issue]);
    }
    try {
      return await super.transform(value, metadata);
    } catch (err) {
      const dto = metadata.metatype as Partial<AlsoChecked> | undefined;
      if (!(err instanceof DomainError) || typeof dto?.alsoCheck !== 'function') throw err;
      const seen = new Set(err.errors.map((e) => e.field));
      const more = dto.alsoCheck(value).filter((e) => !seen.has(e.field));
      throw more.length > 0 ? validationFailed([...err.errors, ...more]) : err;
    }
  }
}

/** Body and query validation: unknown fields rejected, every bad field listed with its reason. */
export const validationPipe = (): ValidationPipe =>
  new AppValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => validationFailed(flatten(errors)),
  });

/** Path ids: a 400 VALIDATION_FAILED naming the field, like every other bad input. */
export const ParseId = new ParseUUIDPipe({
  exceptionFactory: () => validationFailed([{ field: 'id', reason: 'must be a UUID' }]),
});

/**
 * An integer query parameter in [0, 2^31 - 1] (what a Postgres integer, OFFSET or LIMIT takes),
 * reported by name when it is not one.
 */
class BoundedIntPipe extends ParseIntPipe {
  constructor(private readonly field: string) {
    super({ exceptionFactory: () => BoundedIntPipe.bad(field) });
  }
  private static bad(field: string): DomainError {
    return validationFailed([{ field, reason: 'must be an integer in [0, 2147483647]' }]);
  }
  override async transform(value: string, metadata: ArgumentMetadata): Promise<number> {
    const n = await super.transform(value, metadata);
    if (!Number.isSafeInteger(n) || n < 0 || n > 2_147_483_647)
      throw BoundedIntPipe.bad(this.field);
    return n;
  }
}
export const parseIntQuery = (field: string): ParseIntPipe => new BoundedIntPipe(field);
