/** Locates the shared test data folder (../shared beside the checkout); tests only, never the product. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from './engine';

export function sharedDir(): string | null {
  for (let dir = repoRoot; ; dir = dirname(dir)) {
    const candidate = join(dir, 'shared');
    if (existsSync(join(candidate, 'golden'))) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

export function readShared<T = unknown>(...parts: string[]): T {
  const dir = sharedDir();
  if (!dir) throw new Error('shared/ test data not found beside the checkout');
  return JSON.parse(readFileSync(join(dir, ...parts), 'utf8')) as T;
}
