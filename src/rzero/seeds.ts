/**
 * Seeds and cancellation shared by the phases. Every random draw of a run derives from
 * (config.seed, iteration, phase, step), so the same config gives the same run on one backend,
 * and a run resumed at iteration k draws exactly what the uninterrupted run drew there.
 */

const PHASE_CODES = { challenger: 1, dataset: 2, solver: 3, evaluation: 4 } as const;

/** A 31-bit seed mixed from the run seed and the position in the run (murmur3 finaliser). */
export function phaseSeed(
  seed: number,
  iteration: number,
  phase: keyof typeof PHASE_CODES,
  step: number,
): number {
  let h = (seed >>> 0) ^ Math.imul(iteration + 1, 0x9e3779b1);
  h = Math.imul(h ^ PHASE_CODES[phase], 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ Math.imul(step + 1, 0xc2b2ae35), 0x27d4eb2f);
  h ^= h >>> 16;
  return h & 0x7fffffff;
}

/** Thrown between steps when the run's AbortSignal has fired. */
export class RZeroAbortedError extends Error {
  constructor(reason?: unknown) {
    super(
      `run aborted${reason instanceof Error ? `: ${reason.message}` : reason ? `: ${String(reason)}` : ''}`,
    );
    this.name = 'RZeroAbortedError';
  }
}

export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new RZeroAbortedError(signal.reason);
}

/** Fisher-Yates with a seeded 32-bit generator (mulberry32). */
export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  const out = items.slice();
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
