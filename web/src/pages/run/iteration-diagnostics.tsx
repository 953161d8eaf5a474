import { useState } from 'react';
import { TableHead } from '../../components/table-head';
import { labelsAgainstGreedyText } from './run-timeline';
import type { IterationDiagnostics } from './run-timeline';

type CalibrationRow = NonNullable<IterationDiagnostics['calibration']>['all'][number];

const pct = (x: number | null | undefined) => (x == null ? '–' : `${(100 * x).toFixed(1)}%`);

/** One row per vote count, the kept questions beside all of them. */
function CalibrationTable({ all, kept }: { all: CalibrationRow[]; kept: CalibrationRow[] }) {
  const rows = all.filter((r, i) => r.questions > 0 || kept[i]!.questions > 0);
  if (rows.length === 0) return <p className="muted">No answerable question this iteration.</p>;
  return (
    <div className="table-wrap">
      <table data-testid="calibration-table">
        <caption>Majority right, by p^ (all valid questions · kept ones)</caption>
        <TableHead
          columns={['p^', 'questions', 'majority right', 'kept', 'kept: majority right']}
        />
        <tbody>
          {rows.map((r) => {
            const k = kept[r.k - 1]!;
            return (
              <tr key={r.k}>
                <td>{r.p.toFixed(1)}</td>
                <td>{r.questions}</td>
                <td>{pct(r.majorityAccuracy)}</td>
                <td>{k.questions}</td>
                <td>{pct(k.majorityAccuracy)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Difficulty of the kept questions next to each benchmark, one measure at a time. */
function DifficultyTable({ d }: { d: NonNullable<IterationDiagnostics['difficulty']> }) {
  const measures = [
    ...new Set([...Object.keys(d.kept), ...Object.values(d.benchmarks).flatMap(Object.keys)]),
  ];
  const [measure, setMeasure] = useState(measures[0] ?? '');
  if (measures.length === 0) return null;
  const sets: [string, Record<string, number>][] = [
    ['kept questions', d.kept[measure] ?? {}],
    ...Object.entries(d.benchmarks).map(([n, h]): [string, Record<string, number>] => [
      n,
      h[measure] ?? {},
    ]),
  ];
  const values = [...new Set(sets.flatMap(([, h]) => Object.keys(h)))].sort(
    (a, b) => Number(a) - Number(b),
  );
  const share = (h: Record<string, number>, v: string) => {
    const total = Object.values(h).reduce((a, b) => a + b, 0);
    return total === 0 ? '–' : pct((h[v] ?? 0) / total);
  };
  return (
    <div>
      <label>
        Difficulty measure{' '}
        <select value={measure} onChange={(e) => setMeasure(e.target.value)}>
          {measures.map((m) => (
            <option key={m}>{m}</option>
          ))}
        </select>
      </label>
      <div className="table-wrap">
        <table data-testid="difficulty-table">
          <caption>Share of questions by {measure}</caption>
          <TableHead columns={[measure, ...sets.map(([n]) => n)]} />
          <tbody>
            {values.map((v) => (
              <tr key={v}>
                <td>{v}</td>
                {sets.map(([n, h]) => (
                  <td key={n}>{share(h, v)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** Per-iteration diagnostics (oracle domains): calibration, reward accuracy, the Solver's movement. */
export function IterationDiagnosticsPanel({
  diagnostics,
}: {
  diagnostics: Map<number, IterationDiagnostics>;
}) {
  const iterations = [...diagnostics.keys()].sort((a, b) => a - b);
  const [chosen, setChosen] = useState<number | null>(null);
  if (iterations.length === 0) return null;
  const k =
    chosen !== null && diagnostics.has(chosen) ? chosen : iterations[iterations.length - 1]!;
  const d = diagnostics.get(k)!;
  const t = d.solverOnTrainingQuestions;
  return (
    <section className="panel" aria-label="Diagnostics" data-testid="diagnostics">
      <div className="page-head">
        <h2>Diagnostics</h2>
        <label>
          Iteration{' '}
          <select value={k} onChange={(e) => setChosen(Number(e.target.value))}>
            {iterations.map((i) => (
              <option key={i} value={i}>
                {i}
              </option>
            ))}
          </select>
        </label>
      </div>
      <dl className="facts">
        <dt>Reward accuracy</dt>
        <dd data-testid="reward-accuracy">
          {pct(d.rewardAccuracy)} of Solver rollouts got the reward the true answer would give
        </dd>
        <dt>Solver KL to its start</dt>
        <dd>{d.solverKl == null ? '–' : d.solverKl.toFixed(4)}</dd>
        <dt>Solver on its training questions</dt>
        <dd data-testid="training-questions">
          {t ? `${pct(t.before)} → ${pct(t.after)} greedy (${t.questions} questions)` : '–'}
        </dd>
        <dt>Their labels against greedy</dt>
        <dd data-testid="labels-against-greedy">
          {labelsAgainstGreedyText(d.labelsAgainstGreedy)}
        </dd>
      </dl>
      {d.calibration ? (
        <CalibrationTable all={d.calibration.all} kept={d.calibration.kept} />
      ) : (
        <p className="muted">This domain has no oracle: no calibration.</p>
      )}
      {d.difficulty && <DifficultyTable d={d.difficulty} />}
    </section>
  );
}
