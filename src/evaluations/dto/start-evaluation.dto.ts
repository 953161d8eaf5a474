import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
} from 'class-validator';

export class StartEvaluationDto {
  @IsUUID()
  modelId!: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(32)
  @IsUUID('all', { each: true })
  benchmarkIds!: string[];

  /** 'greedy' (default) or 'mean@k' with 2 <= k <= 64 (temperature 1 sampling). */
  @IsOptional()
  @IsString()
  @Matches(/^(greedy|mean@([2-9]|[1-5]\d|6[0-4]))$/, {
    message: 'metric must be greedy or mean@k with 2 <= k <= 64',
  })
  metric?: string;
}
