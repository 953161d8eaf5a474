/**
 * Locates the shared test data folder (`shared/` beside the checkout, or beside any folder above
 * it); tests only, never the product. A clone made elsewhere (`git clone . "$(mktemp -d)"`) finds
 * it beside the repository it was cloned from, when that origin is a local path.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { repoRoot } from './engine';

function sharedAbove(start: string): string | null {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'shared');
    if (existsSync(join(candidate, 'golden'))) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

/** The clone's origin when it is a folder on this machine (null for a URL or no origin). */
function localOrigin(): string | null {
  try {
    const url = execFileSync('git', ['config', '--get', 'remote.origin.url'], {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    const path = url.startsWith('file://') ? url.slice('file://'.length) : url;
    return isAbsolute(path) && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

let cached: string | null | undefined;

export function sharedDir(): string | null {
  if (cached === undefined) {
    const origin = localOrigin();
    cached = sharedAbove(repoRoot) ?? (origin ? sharedAbove(origin) : null);
  }
  return cached;
}

export function readShared<T = unknown>(...parts: string[]): T {
  const dir = sharedDir();
  if (!dir) throw new Error('shared/ test data not found beside the checkout or its local origin');
  return JSON.parse(readFileSync(join(dir, ...parts), 'utf8')) as T;
}
