/**
 * `npm run openapi`: boots the api headless, writes openapi/openapi.json (OpenAPI 3.1, sorted keys)
 * and the client's types openapi/schema.d.ts (openapi-typescript). `--check` writes nothing and
 * exits 1 when either committed file differs from what the code generates (CI runs the same
 * comparison in test/project/openapi.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../src/common/paths';
import { buildOpenApiDocument, serializeDocument } from './openapi-document';

/** Runs the openapi-typescript CLI on a spec file and returns the generated declarations. */
export function generateClientTypes(specPath: string, root = projectRoot()): string {
  const dir = mkdtempSync(join(tmpdir(), 'rzero-openapi-'));
  try {
    const out = join(dir, 'schema.d.ts');
    const r = spawnSync(
      process.execPath,
      [join(root, 'node_modules/openapi-typescript/bin/cli.js'), specPath, '-o', out],
      { cwd: root, encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`openapi-typescript failed: ${r.stderr || r.stdout}`);
    return readFileSync(out, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const root = projectRoot();
  const specPath = join(root, 'openapi/openapi.json');
  const typesPath = join(root, 'openapi/schema.d.ts');
  const spec = serializeDocument(await buildOpenApiDocument(root));
  const tmp = mkdtempSync(join(tmpdir(), 'rzero-spec-'));
  const tmpSpec = join(tmp, 'openapi.json');
  writeFileSync(tmpSpec, spec);
  const types = generateClientTypes(tmpSpec, root);
  rmSync(tmp, { recursive: true, force: true });
  const read = (p: string) => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return null;
    }
  };
  if (check) {
    const stale = [
      read(specPath) === spec ? null : 'openapi/openapi.json',
      read(typesPath) === types ? null : 'openapi/schema.d.ts',
    ].filter(Boolean);
    if (stale.length) {
      console.error(`out of date: ${stale.join(', ')}; run \`npm run openapi\` and commit`);
      process.exit(1);
    }
    console.log('openapi/openapi.json and openapi/schema.d.ts are up to date');
    return;
  }
  writeFileSync(specPath, spec);
  writeFileSync(typesPath, types);
  const doc = JSON.parse(spec) as {
    paths: Record<string, object>;
    components: { schemas: object };
  };
  console.log(
    `wrote openapi/openapi.json (${Object.keys(doc.paths).length} paths, ${Object.keys(doc.components.schemas).length} schemas) and openapi/schema.d.ts`,
  );
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
