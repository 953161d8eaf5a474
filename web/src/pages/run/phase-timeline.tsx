import { formatDuration } from '../../components/format';
import type { PhaseSpan } from './run-timeline';

/**
 * Every phase of every iteration with its duration as a bar scaled to the longest phase; the
 * phase still running shows its progress instead.
 */
export function PhaseTimeline({ spans }: { spans: PhaseSpan[] }) {
  const longest = Math.max(1e-9, ...spans.map((s) => s.seconds ?? 0));
  const iterations = [...new Set(spans.map((s) => s.iteration))];
  return (
    <section className="panel" data-testid="phase-timeline" aria-labelledby="phases-title">
      <h2 id="phases-title">Phases</h2>
      {spans.length === 0 && <p className="muted">No phase has started yet.</p>}
      {iterations.map((iteration) => (
        <div key={iteration} className="phase-iteration">
          <h3>{iteration === 0 ? 'Base model' : `Iteration ${iteration}`}</h3>
          <ul className="phase-list">
            {spans
              .filter((s) => s.iteration === iteration)
              .map((s) => (
                <li key={s.phase} className={s.seconds === null ? 'phase running' : 'phase'}>
                  <span className="phase-name">{s.phase}</span>
                  <span className="phase-bar" aria-hidden="true">
                    <span
                      style={{
                        width: `${s.seconds === null ? share(s.done, s.total) : (s.seconds / longest) * 100}%`,
                      }}
                    />
                  </span>
                  <span className="phase-time">
                    {s.seconds === null
                      ? `running${s.total > 0 ? ` · ${s.done}/${s.total}` : ''}`
                      : formatDuration(s.seconds)}
                  </span>
                </li>
              ))}
          </ul>
        </div>
      ))}
    </section>
  );
}

const share = (done: number, total: number) => (total > 0 ? (done / total) * 100 : 0);
