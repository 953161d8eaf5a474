import type { DryRunResult } from '@rzero/client';
import { formatBytes, formatCompact } from '../../components/format';

/** What a dry run says the run would cost (token counts are upper bounds). */
export function EstimatePanel({
  result,
  benchmarkNames,
}: {
  result: DryRunResult;
  benchmarkNames: string[];
}) {
  const e = result.estimate;
  return (
    <section className="panel" data-testid="dry-run-estimate" aria-labelledby="estimate-title">
      <h2 id="estimate-title">Estimate</h2>
      <dl className="facts">
        <dt>Parameters</dt>
        <dd>{formatCompact(e.parameters)}</dd>
        <dt>Peak memory</dt>
        <dd>{formatBytes(e.memoryBytes)}</dd>
        <dt>Iterations</dt>
        <dd>{result.config.iterations}</dd>
        <dt>Tokens per iteration</dt>
        <dd>
          {formatCompact(e.perIteration.generatedTokens)} generated ·{' '}
          {formatCompact(e.perIteration.trainedTokens)} trained
        </dd>
        <dt>Rollouts per iteration</dt>
        <dd>
          {formatCompact(e.perIteration.challengerRollouts)} Challenger ·{' '}
          {formatCompact(e.perIteration.solverVotes)} votes ·{' '}
          {formatCompact(e.perIteration.solverRollouts)} Solver
        </dd>
        <dt>Tokens in total</dt>
        <dd>
          {formatCompact(e.total.generatedTokens)} generated ·{' '}
          {formatCompact(e.total.trainedTokens)} trained
        </dd>
        <dt>Domain</dt>
        <dd>{result.domain}</dd>
        <dt>Benchmarks</dt>
        <dd>{benchmarkNames.join(', ') || 'none'}</dd>
      </dl>
      {e.notes.length > 0 && (
        <ul className="notes">
          {e.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
