/**
 * Where model directories and run work directories live. The filesystem implementation keeps them
 * under RZERO_ARTIFACT_DIR (a shared volume when workers run on several machines). Keys are
 * relative, slash-separated paths such as `models/<id>` or `runs/<id>/work`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { create as tarCreate } from 'tar';

export abstract class ArtifactStore {
  /** A local directory for `key` (created on demand by writers). */
  abstract path(key: string): string;
  /** A fresh scratch directory for validating an upload before it is stored. */
  abstract scratchDir(): Promise<string>;
  /** Moves a finished directory into place at `key` (atomic rename on one filesystem). */
  abstract putDir(key: string, dir: string): Promise<void>;
  abstract exists(key: string): Promise<boolean>;
  abstract remove(key: string): Promise<void>;
  /** A gzip'd tar of the directory at `key`, its files at the archive's top level. */
  abstract tarGz(key: string): Promise<Readable>;
}

export class FilesystemArtifactStore extends ArtifactStore {
  constructor(private readonly root: string) {
    super();
  }

  path(key: string): string {
    const p = resolve(this.root, key);
    if (p !== this.root && !p.startsWith(this.root + sep))
      throw new Error(`artifact key escapes the store: ${key}`);
    return p;
  }

  async scratchDir(): Promise<string> {
    const dir = this.path(`tmp/${randomUUID()}`);
    await fs.mkdir(dir, { recursive: true });
    return dir;
  }

  async putDir(key: string, dir: string): Promise<void> {
    const target = this.path(key);
    await fs.mkdir(join(target, '..'), { recursive: true });
    await fs.rm(target, { recursive: true, force: true });
    await fs.rename(dir, target);
  }

  async exists(key: string): Promise<boolean> {
    return fs
      .stat(this.path(key))
      .then(() => true)
      .catch(() => false);
  }

  async remove(key: string): Promise<void> {
    await fs.rm(this.path(key), { recursive: true, force: true });
  }

  async tarGz(key: string): Promise<Readable> {
    const dir = this.path(key);
    const files = (await fs.readdir(dir, { withFileTypes: true }))
      .filter((d) => d.isFile())
      .map((d) => d.name)
      .sort();
    return tarCreate({ gzip: true, cwd: dir, portable: true }, files) as unknown as Readable;
  }

  /** For tests and diagnostics: the store-relative key of an absolute path inside it. */
  keyOf(absPath: string): string {
    return relative(this.root, absPath).split(sep).join('/');
  }
}

/** SHA-256 of a file, streamed. */
export function sha256File(path: string): Promise<string> {
  return new Promise((res, rej) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (c) => h.update(c))
      .on('error', rej)
      .on('end', () => res(h.digest('hex')));
  });
}
