import { IsArray, IsIn, IsObject, IsOptional, IsUUID, IsUrl, ArrayMaxSize } from 'class-validator';
import { PRESETS, resolveConfig, RZeroConfigError } from '../../rzero';
import type { PresetName, RZeroConfigOverrides } from '../../rzero';
import type { FieldIssue } from '../../common/domain-error';

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

  /**
   * When the request's shape is wrong, its R-Zero config is still checked (against the preset,
   * without the model-dependent limits RunsService adds), so every problem comes back at once.
   */
  static alsoCheck(raw: unknown): FieldIssue[] {
    const body = (raw ?? {}) as { preset?: unknown; config?: unknown };
    const preset = body.preset ?? 'paper';
    if (typeof preset !== 'string' || !(preset in PRESETS)) return [];
    if (typeof body.config !== 'object' || body.config === null || Array.isArray(body.config)) {
      return [];
    }
    try {
      resolveConfig(preset as PresetName, body.config as Record<string, unknown>);
      return [];
    } catch (err) {
      if (!(err instanceof RZeroConfigError)) throw err;
      return err.issues.map((i) => ({ field: `config.${i.field}`, reason: i.reason }));
    }
  }
}
