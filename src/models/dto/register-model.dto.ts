import { IsOptional, IsString, MaxLength } from 'class-validator';

/** The non-file fields of POST /models (JSON, or the text fields of the multipart form). */
export class RegisterModelDto {
  /** Use a built-in model ("arith-tiny" or "arith-small") instead of uploading files. */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  builtin?: string;

  /** Display name of an uploaded model. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;
}
