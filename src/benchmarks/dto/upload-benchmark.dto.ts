import { IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { DOMAINS } from '../benchmarks.service';
import type { DomainName } from '../benchmarks.service';

/** POST /benchmarks: multipart `file` (JSONL) + these fields, or JSON with `jsonl` holding the text. */
export class UploadBenchmarkDto {
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;

  @IsOptional()
  @IsIn(DOMAINS as unknown as string[])
  domain?: DomainName;

  @IsOptional()
  @IsString()
  jsonl?: string;
}
