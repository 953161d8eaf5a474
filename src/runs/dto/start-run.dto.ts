import { IsArray, IsIn, IsObject, IsOptional, IsUUID, IsUrl, ArrayMaxSize } from 'class-validator';
import type { PresetName, RZeroConfigOverrides } from '../../rzero';

/**
 * POST /runs. `config` overrides the preset field by field (any subset of RZeroConfig: seed,
 * iterations, votes, challenger.*, solver.*, reward.*, filter.*, optim.*, evaluation.*); the
 * merged config is range- and cross-checked and every bad field is reported.
 */
export class StartRunDto {
  @IsUUID()
  baseModelId!: string;

  /** 'paper' (the official defaults) or 'tiny' (minutes on a CPU with arith-tiny). Default paper. */
  @IsOptional()
  @IsIn(['paper', 'tiny'])
  preset?: PresetName;

  @IsOptional()
  @IsObject()
  config?: RZeroConfigOverrides;

  /** Defaults to the built-in benchmarks of the domain. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @IsUUID('all', { each: true })
  benchmarkIds?: string[];

  /** 'arith' (prompts + exact oracle of the built-in domain) or 'math' (official prompts). */
  @IsOptional()
  @IsIn(['arith', 'math'])
  domain?: 'arith' | 'math';

  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  webhookUrl?: string;
}
