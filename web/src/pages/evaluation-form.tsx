import { useState, type FormEvent } from 'react';
import type { BenchmarkView, ModelView } from '@rzero/client';
import { useRz } from '../api/auth-context';
import { ErrorMessage } from '../components/error-message';

interface EvaluationFormProps {
  models: ModelView[];
  benchmarks: BenchmarkView[];
  onStarted: () => void;
}

/** Queues an evaluation of a model on some benchmarks (greedy accuracy or mean@k). */
export function EvaluationForm({ models, benchmarks, onStarted }: EvaluationFormProps) {
  const rz = useRz();
  const [modelId, setModelId] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [metric, setMetric] = useState<'greedy' | 'mean@k'>('greedy');
  const [k, setK] = useState('8');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const model = modelId || models[0]?.id || '';

  const toggle = (id: string, on: boolean) =>
    setChosen((ids) => (on ? [...ids, id] : ids.filter((x) => x !== id)));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await rz.ok(
        rz.api.POST('/evaluations', {
          body: {
            modelId: model,
            benchmarkIds: chosen,
            metric: metric === 'greedy' ? 'greedy' : `mean@${k}`,
          },
        }),
      );
      setChosen([]);
      onStarted();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="panel form"
      onSubmit={submit}
      data-testid="evaluation-form"
      aria-labelledby="evaluate-title"
    >
      <h2 id="evaluate-title">Evaluate a model</h2>
      <div className="field">
        <label htmlFor="evaluation-model">Model</label>
        <select
          id="evaluation-model"
          value={model}
          onChange={(e) => setModelId(e.target.value)}
          data-testid="evaluation-model"
        >
          {models.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
            </option>
          ))}
        </select>
      </div>
      <fieldset className="field">
        <legend>Benchmarks</legend>
        {benchmarks.map((b) => (
          <label key={b.id} className="check">
            <input
              type="checkbox"
              value={b.id}
              checked={chosen.includes(b.id)}
              data-testid="evaluation-benchmark"
              onChange={(e) => toggle(b.id, e.target.checked)}
            />
            {b.name}{' '}
            <span className="muted">
              ({b.domain}, {b.itemCount} items)
            </span>
          </label>
        ))}
      </fieldset>
      <div className="field-row">
        <div className="field">
          <label htmlFor="evaluation-metric">Metric</label>
          <select
            id="evaluation-metric"
            value={metric}
            onChange={(e) => setMetric(e.target.value as 'greedy' | 'mean@k')}
            data-testid="evaluation-metric"
          >
            <option value="greedy">greedy accuracy</option>
            <option value="mean@k">mean@k (sampled)</option>
          </select>
        </div>
        {metric === 'mean@k' && (
          <div className="field">
            <label htmlFor="evaluation-k">k (2–64)</label>
            <input
              id="evaluation-k"
              data-testid="evaluation-k"
              type="number"
              min={2}
              max={64}
              value={k}
              onChange={(e) => setK(e.target.value)}
            />
          </div>
        )}
      </div>
      <ErrorMessage error={error} />
      <button
        type="submit"
        className="primary"
        disabled={busy || !model || chosen.length === 0}
        data-testid="evaluation-submit"
      >
        {busy ? 'Starting…' : 'Start evaluation'}
      </button>
    </form>
  );
}
