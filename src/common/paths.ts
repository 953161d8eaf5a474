import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The project root (the folder with package.json), from source or from dist/. */
export function projectRoot(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'assets'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the project root above ${from}`);
    dir = up;
  }
}

/** The shipped base models, registered at boot; their default benchmarks: builtin-models.ts. */
export const BUILTIN_MODEL_DIRS: Record<string, string> = {
  'arith-tiny': 'assets/base-models/arith-tiny',
  'arith-small': 'assets/base-models/arith-small',
};
