import { useState, type FormEvent } from 'react';
import type { DryRunResult, StartRunDto } from '@rzero/client';
import { useApiQuery } from '../../api/use-api-query';
import { useBenchmarks } from '../../api/use-benchmarks';
import { useModels } from '../../api/use-models';
import { errorText } from '../../components/error-message';
import { navigate } from '../../router/router';
import { ConfigFieldInput } from './config-field-input';
import {
  CONFIG_FIELDS,
  CONFIG_GROUPS,
  deepMerge,
  fieldOverrides,
  parseOverrides,
  valueAt,
} from './config-fields';
import { EstimatePanel } from './estimate-panel';
import { describedBy, errorId, FieldError } from './field-error';
import { placeErrors, useNewRun, type SubmitErrors } from './use-new-run';

type Preset = 'paper' | 'tiny';
type Domain = '' | 'arith' | 'math';

/** The model the tiny preset is sized for, and the form's default base model. */
const DEFAULT_MODEL = 'arith-tiny';

const INPUTS = new Set([
  'baseModelId',
  'preset',
  'domain',
  'webhookUrl',
  'benchmarkIds',
  'config',
  ...CONFIG_FIELDS.map((f) => f.name),
]);

/** Launch a run: model, preset, domain, benchmarks, webhook, common config fields, JSON overrides. */
export function NewRunPage() {
  const models = useModels();
  const benchmarks = useBenchmarks();
  const { estimate, launch, busy } = useNewRun();

  const [modelChoice, setModelChoice] = useState('');
  const [preset, setPreset] = useState<Preset>('tiny');
  const [domain, setDomain] = useState<Domain>('');
  const [benchmarkIds, setBenchmarkIds] = useState<string[]>([]);
  const [webhookUrl, setWebhookUrl] = useState('');
  const [numbers, setNumbers] = useState<Record<string, string>>({});
  const [switches, setSwitches] = useState<Record<string, boolean>>({});
  const [json, setJson] = useState('');
  const [errors, setErrors] = useState<SubmitErrors | null>(null);
  const [dryRun, setDryRun] = useState<DryRunResult | null>(null);

  // Default to arith-tiny, else another built-in model (the list, newest first, also holds
  // arith-small and the Solvers of finished runs).
  const builtins = (models.data ?? []).filter((m) => m.builtin);
  const baseModelId =
    modelChoice ||
    (builtins.find((m) => m.name === DEFAULT_MODEL) ?? builtins[0] ?? models.data?.[0])?.id ||
    '';
  // The preset's values are every input's placeholder (GET /presets; no model needed).
  const presets = useApiQuery('presets', (rz) => rz.ok(rz.api.GET('/presets')));
  const presetConfig = presets.data?.find((p) => p.name === preset)?.config;

  /** The request body, or null (with the reason shown) when the JSON overrides do not parse. */
  const buildBody = (): StartRunDto | null => {
    const parsed = parseOverrides(json);
    if ('error' in parsed) {
      setErrors({ byField: new Map([['config', parsed.error]]), error: null, unplaced: [] });
      return null;
    }
    const config = deepMerge(parsed.value, fieldOverrides(numbers, switches, presetConfig));
    return {
      baseModelId,
      preset,
      ...(domain && { domain }),
      ...(benchmarkIds.length > 0 && { benchmarkIds }),
      ...(webhookUrl.trim() && { webhookUrl: webhookUrl.trim() }),
      ...(Object.keys(config).length > 0 && { config: config as StartRunDto['config'] }),
    };
  };

  const onEstimate = async () => {
    const body = buildBody();
    if (!body) return;
    setErrors(null);
    try {
      setDryRun(await estimate(body));
    } catch (err) {
      setDryRun(null);
      setErrors(placeErrors(err, INPUTS));
    }
  };

  const onLaunch = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const body = buildBody();
    if (!body) return;
    setErrors(null);
    try {
      const run = await launch(body);
      navigate(`/runs/${run.id}`);
    } catch (err) {
      setErrors(placeErrors(err, INPUTS));
    }
  };

  const fieldError = (name: string) => errors?.byField.get(name);
  const edited = () => setDryRun(null);
  const benchmarkName = new Map((benchmarks.data ?? []).map((b) => [b.id, b.name]));

  return (
    <section>
      <div className="page-head">
        <h1>New run</h1>
      </div>
      <form
        className="new-run"
        onSubmit={onLaunch}
        onChange={edited}
        noValidate
        data-testid="new-run-form"
      >
        <fieldset className="panel">
          <legend>What to train</legend>
          <div className="field-grid">
            <div className="field">
              <label htmlFor="input-baseModelId">Base model</label>
              <select
                id="input-baseModelId"
                value={baseModelId}
                onChange={(e) => setModelChoice(e.target.value)}
                data-testid="field-baseModelId"
                {...describedBy('baseModelId', fieldError('baseModelId'))}
              >
                {(models.data ?? []).length === 0 && (
                  <option value="">No models: register one first</option>
                )}
                {(models.data ?? []).map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.name}
                  </option>
                ))}
              </select>
              <FieldError name="baseModelId" reason={fieldError('baseModelId')} />
            </div>
            <div className="field">
              <label htmlFor="input-preset">Preset</label>
              <select
                id="input-preset"
                value={preset}
                onChange={(e) => setPreset(e.target.value as Preset)}
                data-testid="field-preset"
                {...describedBy('preset', fieldError('preset'))}
              >
                <option value="paper">paper (the official settings)</option>
                <option value="tiny">tiny (minutes on a CPU)</option>
              </select>
              <FieldError name="preset" reason={fieldError('preset')} />
            </div>
            <div className="field">
              <label htmlFor="input-domain">Domain</label>
              <select
                id="input-domain"
                value={domain}
                onChange={(e) => setDomain(e.target.value as Domain)}
                data-testid="field-domain"
                {...describedBy('domain', fieldError('domain'))}
              >
                <option value="">
                  default (arith for the built-in models, the run's for a Solver, else math)
                </option>
                <option value="arith">arith</option>
                <option value="math">math</option>
              </select>
              <FieldError name="domain" reason={fieldError('domain')} />
            </div>
            <div className="field">
              <label htmlFor="input-webhookUrl">Webhook URL (optional)</label>
              <input
                id="input-webhookUrl"
                type="url"
                value={webhookUrl}
                placeholder="https://example.com/hooks/rzero"
                onChange={(e) => setWebhookUrl(e.target.value)}
                data-testid="field-webhookUrl"
                {...describedBy('webhookUrl', fieldError('webhookUrl'))}
              />
              <FieldError name="webhookUrl" reason={fieldError('webhookUrl')} />
            </div>
          </div>
          <fieldset className="field" {...describedBy('benchmarkIds', fieldError('benchmarkIds'))}>
            <legend>
              Benchmarks (none checked: the built-in base model's own, else the domain's)
            </legend>
            <div className="checks">
              {(benchmarks.data ?? []).map((b) => (
                <label key={b.id} className="check">
                  <input
                    type="checkbox"
                    value={b.id}
                    checked={benchmarkIds.includes(b.id)}
                    onChange={(e) =>
                      setBenchmarkIds((ids) =>
                        e.target.checked ? [...ids, b.id] : ids.filter((id) => id !== b.id),
                      )
                    }
                    data-testid="field-benchmark"
                  />
                  {b.name} <span className="muted">({b.domain})</span>
                </label>
              ))}
            </div>
            <FieldError name="benchmarkIds" reason={fieldError('benchmarkIds')} />
          </fieldset>
        </fieldset>

        <div className="config-groups">
          {CONFIG_GROUPS.map((group) => (
            <fieldset key={group.title} className="panel">
              <legend>{group.title}</legend>
              {group.fields.map((field) => (
                <ConfigFieldInput
                  key={field.name}
                  field={field}
                  presetValue={valueAt(presetConfig, field.name)}
                  number={numbers[field.name] ?? ''}
                  checked={switches[field.name]}
                  onNumber={(value) => setNumbers((n) => ({ ...n, [field.name]: value }))}
                  onChecked={(value) => setSwitches((s) => ({ ...s, [field.name]: value }))}
                  error={fieldError(field.name)}
                />
              ))}
            </fieldset>
          ))}
        </div>

        <div className="panel advanced">
          <label htmlFor="input-config-json">Advanced: config overrides (JSON)</label>
          <p className="hint" id="config-json-hint">
            Any subset of the R-Zero config (docs/rzero.md); the fields above win where both set a
            value.
          </p>
          <textarea
            id="input-config-json"
            rows={6}
            spellCheck={false}
            value={json}
            placeholder='{"optim": {"klCoef": 0.02}, "solver": {"batch": 8}}'
            onChange={(e) => setJson(e.target.value)}
            data-testid="field-config-json"
            aria-describedby="config-json-hint"
            {...describedBy('config', fieldError('config'))}
          />
          {fieldError('config') && (
            <p className="field-error" id={errorId('config')} data-testid="error-config-json">
              {fieldError('config')}
            </p>
          )}
        </div>

        {errors && (errors.error !== null || errors.unplaced.length > 0) && (
          <div className="error" role="alert" data-testid="form-errors">
            <p>
              {errors.byField.size > 0 || errors.unplaced.length > 0
                ? 'The API refused the request: see the marked fields.'
                : errorText(errors.error)}
            </p>
            {errors.unplaced.length > 0 && (
              <ul>
                {errors.unplaced.map((issue, i) => (
                  <li key={`${issue.field}-${i}`}>
                    <strong>{issue.field}</strong>: {issue.reason}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}

        <div className="button-row">
          <button
            type="button"
            onClick={onEstimate}
            disabled={busy !== null || !baseModelId}
            data-testid="estimate"
          >
            {busy === 'estimate' ? 'Estimating…' : 'Estimate'}
          </button>
          <button
            type="submit"
            className="primary"
            disabled={busy !== null || !baseModelId}
            data-testid="launch"
          >
            {busy === 'launch' ? 'Launching…' : 'Launch'}
          </button>
        </div>
      </form>
      {dryRun && (
        <EstimatePanel
          result={dryRun}
          benchmarkNames={dryRun.benchmarkIds.map((id) => benchmarkName.get(id) ?? id)}
        />
      )}
    </section>
  );
}
