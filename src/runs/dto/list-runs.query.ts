import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import type { RunStatus } from '../run.entity';

/** The largest value of a Postgres integer column (iterations, offsets). */
const INT4_MAX = 2_147_483_647;

export class ListRunsQuery {
  @IsOptional()
  @IsIn(['queued', 'running', 'succeeded', 'failed', 'canceled'])
  status?: RunStatus;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  /** Opaque cursor from the previous page's `nextCursor`. */
  @IsOptional()
  @IsString()
  cursor?: string;
}

export class ListCurriculumQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(INT4_MAX)
  iteration?: number;

  @IsOptional()
  @IsIn(['true', 'false'])
  kept?: 'true' | 'false';

  /** Case-insensitive substring of the question. */
  @IsOptional()
  @IsString()
  q?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(INT4_MAX)
  offset?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export class DownloadQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(INT4_MAX)
  iteration?: number;

  @IsOptional()
  @IsIn(['true', 'false'])
  best?: 'true' | 'false';
}
