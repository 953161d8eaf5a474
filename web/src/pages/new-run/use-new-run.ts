import { useRef, useState } from 'react';
import { ApiError, type DryRunResult, type RunView, type StartRunDto } from '@rzero/client';
import { useRz } from '../../api/auth-context';

/** Where each reported problem goes: next to its input, or in the summary. */
export interface SubmitErrors {
  byField: Map<string, string>;
  /** The error itself, for the summary (message and the fields without an input). */
  error: unknown;
  unplaced: { field: string; reason: string }[];
}

/** Maps an API field name to the input that shows it (benchmarkIds.0 -> benchmarkIds). */
const inputOf = (field: string, inputs: Set<string>): string | null => {
  if (inputs.has(field)) return field;
  const root = field.split(/[.[]/)[0]!;
  return root === 'benchmarkIds' && inputs.has(root) ? root : null;
};

export function placeErrors(error: unknown, inputs: Set<string>): SubmitErrors {
  const byField = new Map<string, string>();
  const unplaced: { field: string; reason: string }[] = [];
  const issues = error instanceof ApiError ? (error.body.errors ?? []) : [];
  for (const issue of issues) {
    const input = inputOf(issue.field, inputs);
    if (!input) unplaced.push(issue);
    else
      byField.set(
        input,
        byField.has(input) ? `${byField.get(input)}; ${issue.reason}` : issue.reason,
      );
  }
  return { byField, error, unplaced };
}

/**
 * Dry runs and launches. A launch carries an Idempotency-Key kept while the body stays the same,
 * so a double click (or a retry after a lost answer) makes one run.
 */
export function useNewRun() {
  const rz = useRz();
  const idempotency = useRef<{ body: string; key: string } | null>(null);
  const [busy, setBusy] = useState<'estimate' | 'launch' | null>(null);

  const estimate = async (body: StartRunDto): Promise<DryRunResult> => {
    setBusy('estimate');
    try {
      const result = await rz.ok(
        rz.api.POST('/runs', { params: { query: { dryRun: true } }, body }),
      );
      if (!('dryRun' in result)) throw new Error('the API answered a dry run with a run');
      return result;
    } finally {
      setBusy(null);
    }
  };

  const launch = async (body: StartRunDto): Promise<RunView> => {
    const text = JSON.stringify(body);
    if (idempotency.current?.body !== text)
      idempotency.current = { body: text, key: crypto.randomUUID() };
    setBusy('launch');
    try {
      const result = await rz.ok(
        rz.api.POST('/runs', {
          params: { header: { 'Idempotency-Key': idempotency.current.key } },
          body,
        }),
      );
      if ('dryRun' in result) throw new Error('the API answered a launch with a dry run');
      return result;
    } finally {
      setBusy(null);
    }
  };

  return { estimate, launch, busy };
}
