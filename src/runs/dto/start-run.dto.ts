import { IsArray, IsIn, IsObject, IsOptional, IsUUID, IsUrl, ArrayMaxSize } from 'class-validator';
import { PRESETS, resolveConfig, RZeroConfigError } from '../../rzero';
import type { PresetName, RZeroConfig, RZeroConfigOverrides } from '../../rzero';
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
    const config = body.config ?? {};
    if (typeof preset !== 'string' || !(preset in PRESETS)) return [];
    if (typeof config !== 'object' || config === null || Array.isArray(config)) return [];
    return resolveRunConfig(preset as PresetName, config as Record<string, unknown>).issues;
  }
}

/** The preset with the request's overrides, or every problem as request fields (`config.*`). */
export function resolveRunConfig(
  preset: PresetName,
  overrides: RZeroConfigOverrides | Record<string, unknown>,
): { config: RZeroConfig | null; issues: FieldIssue[] } {
  try {
    return { config: resolveConfig(preset, overrides), issues: [] };
  } catch (err) {
    if (!(err instanceof RZeroConfigError)) throw err;
    return {
      config: null,
      issues: err.issues.map((i) => ({
        field: i.field === 'preset' ? 'preset' : `config.${i.field}`,
        reason: i.reason,
      })),
    };
  }
}
