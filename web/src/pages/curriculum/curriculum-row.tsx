import type { CurriculumItemView } from '@rzero/client';
import { formatNumber } from '../../components/format';

const COLUMNS = 8;

function OracleCell({ item }: { item: CurriculumItemView }) {
  const oracle = item.oracle;
  if (!oracle) return <span className="muted">—</span>;
  if (!oracle.answerable) return <span className="muted">unanswerable</span>;
  const verdict =
    oracle.labelCorrect === null
      ? 'no label'
      : oracle.labelCorrect
        ? 'label correct'
        : 'label wrong';
  return (
    <span className={oracle.labelCorrect ? 'ok' : oracle.labelCorrect === false ? 'bad' : 'muted'}>
      {oracle.answer ?? '—'} · {verdict}
    </span>
  );
}

interface CurriculumRowProps {
  item: CurriculumItemView;
  expanded: boolean;
  onToggle: () => void;
}

/** One candidate question; Enter, Space or a click shows every Solver answer. */
export function CurriculumRow({ item, expanded, onToggle }: CurriculumRowProps) {
  const detailId = `curriculum-detail-${item.iteration}-${item.index}`;
  return (
    <>
      <tr
        className="clickable"
        tabIndex={0}
        aria-expanded={expanded}
        aria-controls={expanded ? detailId : undefined}
        onClick={onToggle}
        onKeyDown={(e) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            onToggle();
          }
        }}
        data-testid="curriculum-row"
        data-kept={item.kept}
      >
        <td className="mono">
          {item.iteration}.{item.index}
        </td>
        <td className="question">{item.question || <span className="muted">(empty)</span>}</td>
        <td className="mono">{item.majority ?? <span className="muted">none</span>}</td>
        <td className="num">{item.p.toFixed(2)}</td>
        <td>
          {item.kept ? (
            <span className="badge badge-succeeded">kept</span>
          ) : (
            <span className="badge badge-dropped">{item.dropReason ?? 'dropped'}</span>
          )}
        </td>
        <td className="num">{item.cluster}</td>
        <td className="num">
          {formatNumber(item.reward.uncertainty)} / {formatNumber(item.reward.repetitionPenalty)}
        </td>
        <td>
          <OracleCell item={item} />
        </td>
      </tr>
      {expanded && (
        <tr className="detail-row">
          <td colSpan={COLUMNS} id={detailId} data-testid="curriculum-detail">
            <p>
              <strong>Challenger's answer:</strong>{' '}
              <span className="mono">{item.challengerAnswer || '—'}</span>
            </p>
            <p>
              <strong>Solver answers ({item.solverAnswers.length}):</strong>
            </p>
            <ol className="answers">
              {item.solverAnswers.map((answer, i) => (
                <li
                  key={i}
                  className={
                    answer === null ? 'muted' : answer === item.majority ? 'majority' : undefined
                  }
                >
                  {answer === null ? 'no answer' : <span className="mono">{answer}</span>}
                </li>
              ))}
            </ol>
          </td>
        </tr>
      )}
    </>
  );
}
