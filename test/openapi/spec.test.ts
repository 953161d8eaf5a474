/**
 * The OpenAPI document and the generated client types are artifacts of the code: regenerating them
 * must reproduce the committed files byte for byte (run `npm run openapi` after changing a route
 * or an API type). Also checks the document's own consistency.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOpenApiDocument, serializeDocument } from '../../scripts/openapi-document';
import { generateClientTypes } from '../../scripts/openapi';
import { repoRoot } from '../helpers/engine';

type Json = Record<string, unknown>;
const specFile = join(repoRoot, 'openapi/openapi.json');
const committed = readFileSync(specFile, 'utf8');
const spec = JSON.parse(committed) as {
  openapi: string;
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json> };
};
const operations = Object.entries(spec.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, op]) => ({ path, method, op })),
);

describe('openapi/openapi.json', () => {
  test('equals what the code generates (drift check)', async () => {
    const generated = serializeDocument(await buildOpenApiDocument(repoRoot));
    assert.ok(
      generated === committed,
      'openapi/openapi.json is stale: run `npm run openapi` and commit the result',
    );
  });

  test('openapi/schema.d.ts equals what openapi-typescript generates from it (drift check)', () => {
    const types = generateClientTypes(specFile, repoRoot);
    assert.ok(
      types === readFileSync(join(repoRoot, 'openapi/schema.d.ts'), 'utf8'),
      'openapi/schema.d.ts is stale: run `npm run openapi` and commit the result',
    );
  });

  test('OpenAPI 3.1; every operation has a unique id, a summary, a tag, success and error responses', () => {
    assert.equal(spec.openapi, '3.1.0');
    assert.ok(operations.length >= 28, `${operations.length} operations`);
    const ids = operations.map(({ op }) => op.operationId as string);
    assert.equal(new Set(ids).size, ids.length, 'operation ids are unique');
    for (const { path, method, op } of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      assert.match(op.operationId as string, /^[a-z][A-Za-z]+$/, where);
      assert.ok((op.summary as string)?.length > 3, `${where} summary`);
      assert.ok((op.tags as string[])?.length === 1, `${where} tag`);
      const codes = Object.keys(op.responses as Json);
      assert.ok(
        codes.some((c) => c.startsWith('2')),
        `${where} success response`,
      );
      if (!path.startsWith('/health/')) {
        assert.ok(codes.includes('401'), `${where} documents 401`);
      }
    }
  });

  test('operation ids are the controller method names', () => {
    const ids = new Set(operations.map(({ op }) => op.operationId));
    for (const id of [
      'startRun',
      'listRuns',
      'getRun',
      'cancelRun',
      'streamRunEvents',
      'listCurriculum',
      'downloadSolver',
      'registerModel',
      'uploadBenchmark',
      'startEvaluation',
      'createApiKey',
    ]) {
      assert.ok(ids.has(id), id);
    }
  });

  test('every $ref resolves to a component schema; request DTOs carry their validation rules', () => {
    const refs = [...committed.matchAll(/"\$ref": "#\/components\/schemas\/([^"]+)"/g)].map(
      (m) => m[1]!,
    );
    assert.ok(refs.length > 50);
    for (const r of refs) assert.ok(spec.components.schemas[r], `schema ${r}`);
    const startRun = spec.components.schemas.StartRunDto as {
      properties: Record<string, Json>;
      required: string[];
    };
    assert.deepEqual(startRun.required, ['baseModelId']);
    assert.equal(startRun.properties.baseModelId!.format, 'uuid');
    assert.deepEqual((startRun.properties.benchmarkIds!.items as Json).format, 'uuid');
    assert.equal(startRun.properties.benchmarkIds!.maxItems, 32);
    const limit = spec.paths['/runs']!.get!.parameters as { name: string; schema: Json }[];
    assert.deepEqual(limit.find((p) => p.name === 'limit')!.schema, {
      maximum: 200,
      minimum: 1,
      type: 'integer',
    });
  });

  test('the SSE route documents text/event-stream and the RunEvent union of every event type', () => {
    const op = spec.paths['/runs/{id}/events']!.get!;
    const ok = (op.responses as Record<string, { content: Record<string, Json> }>)['200']!;
    assert.ok(ok.content['text/event-stream']);
    assert.deepEqual(ok.content['text/event-stream']!['x-sse-data'], {
      $ref: '#/components/schemas/RunEvent',
    });
    const variants = (spec.components.schemas.RunEvent!.anyOf as { properties: Json }[]).map(
      (v) => (v.properties.type as { const: string }).const,
    );
    assert.deepEqual(variants.sort(), [
      'challenger.step',
      'checkpoint',
      'curriculum.stats',
      'diagnostics',
      'evaluation',
      'iteration.completed',
      'iteration.started',
      'phase.finished',
      'phase.progress',
      'phase.started',
      'run.completed',
      'run.started',
      'run.status',
      'solver.step',
    ]);
  });
});
