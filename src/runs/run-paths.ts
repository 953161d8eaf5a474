/** Artifact-store keys of a run: its coevolve work directory and the checkpoints inside it. */
export const runWorkKey = (runId: string): string => `runs/${runId}/work`;
export const roleDirKey = (
  runId: string,
  iteration: number,
  role: 'solver' | 'challenger',
): string => `${runWorkKey(runId)}/iteration-${iteration}/${role}`;
