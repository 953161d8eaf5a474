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

  /**
   * Defaults to the base model's built-in benchmarks: arith-tiny's or arith-small's for those
   * models and the Solvers trained from them, else the domain's (arith: arith-tiny's; math: none).
   * Only benchmarks of the run's domain.
   */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @IsUUID('all', { each: true })
  benchmarkIds?: string[];

  /**
   * 'arith' (prompts + exact oracle of the built-in domain) or 'math' (official prompts). Defaults
   * to `arith` on the built-in models, to the domain of the run that trained it on a run's Solver,
   * else `math`.
   */
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
    if (typeof preset !== 'string' || !isPreset(preset)) return [];
    if (typeof config !== 'object' || config === null || Array.isArray(config)) return [];
    return resolveRunConfig(preset as PresetName, config as Record<string, unknown>).issues;
  }
}

/** A preset's own name (not `constructor`, `toString`, ... that `in` would find on the prototype). */
export const isPreset = (name: string): name is PresetName => Object.hasOwn(PRESETS, name);

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `overrides` without the fields `base` does not have as its own (each reported as unknown), so
 * that no override names a prototype member (`toString`, `hasOwnProperty`, ...) of the config.
 */
function ownFieldsOnly(
  base: Record<string, unknown>,
  overrides: Record<string, unknown>,
  path: string,
  issues: FieldIssue[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(overrides)) {
    const field = `${path}.${key}`;
    if (!Object.hasOwn(base, key)) {
      issues.push({ field, reason: 'unknown field' });
      continue;
    }
    const sub = base[key];
    out[key] =
      isPlainObject(sub) && isPlainObject(value) ? ownFieldsOnly(sub, value, field, issues) : value;
  }
  return out;
}

/** The preset with the request's overrides, or every problem as request fields (`config.*`). */
export function resolveRunConfig(
  preset: PresetName,
  overrides: RZeroConfigOverrides | Record<string, unknown>,
): { config: RZeroConfig | null; issues: FieldIssue[] } {
  if (typeof preset !== 'string' || !isPreset(preset)) {
    return {
      config: null,
      issues: [
        {
          field: 'preset',
          reason: `unknown preset ${JSON.stringify(String(preset).slice(0, 100))} (${Object.keys(PRESETS).join(' | ')})`,
        },
      ],
    };
  }
  const issues: FieldIssue[] = [];
  const own = isPlainObject(overrides)
    ? ownFieldsOnly(
        PRESETS[preset] as unknown as Record<string, unknown>,
        overrides,
        'config',
        issues,
      )
    : overrides;
  try {
    const config = resolveConfig(preset, own);
    return issues.length > 0 ? { config: null, issues } : { config, issues };
  } catch (err) {
    if (!(err instanceof RZeroConfigError)) throw err;
    return {
      config: null,
      issues: [
        ...issues,
        ...err.issues.map((i) => ({
          field: i.field === 'preset' ? 'preset' : `config.${i.field}`,
          reason: i.reason,
        })),
      ],
    };
  }
}
