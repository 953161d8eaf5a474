/**
 * Builds the OpenAPI 3.1 document of the api from the code itself:
 * - paths, parameters, operation ids (= controller method names), summaries and responses come from
 *   the controllers, read by @nestjs/swagger from an app booted headless (Nest's `preview` mode:
 *   the module graph without instantiating a provider, so no database or Redis is touched);
 * - component schemas come from the TypeScript types named in src/openapi/api-types.ts, turned into
 *   JSON Schema by ts-json-schema-generator, and the request DTOs gain the constraints of their
 *   class-validator decorators (uuid, enum, min/max, lengths, patterns), so the spec states what
 *   the validation pipe enforces.
 * Output is deterministic: keys sorted at every level. `npm run openapi` writes it; a test fails
 * when the committed openapi/openapi.json differs.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';
import { createGenerator } from 'ts-json-schema-generator';
import { AppModule } from '../src/app.module';
import type { ErrorCode } from '../src/common/domain-error';
import { projectRoot } from '../src/common/paths';
import { loadConfig } from '../src/config/app-config';
import { errorResponses, ref, X_BODY, X_ERRORS, X_QUERY } from '../src/openapi/decorators';
import { CreateApiKeyDto } from '../src/auth/dto/create-api-key.dto';
import { UploadBenchmarkDto } from '../src/benchmarks/dto/upload-benchmark.dto';
import { StartEvaluationDto } from '../src/evaluations/dto/start-evaluation.dto';
import { RegisterModelDto } from '../src/models/dto/register-model.dto';
import { DownloadQuery, ListCurriculumQuery, ListRunsQuery } from '../src/runs/dto/list-runs.query';
import { StartRunDto } from '../src/runs/dto/start-run.dto';

type Json = Record<string, unknown>;

/** The top-level schemas; everything they reference is included too. */
export const SCHEMA_ROOTS = [
  'ApiKeyView',
  'BenchmarkItemsPage',
  'BenchmarkView',
  'CreateApiKeyDto',
  'CreatedApiKey',
  'CurriculumPage',
  'DownloadQuery',
  'DryRunResult',
  'ErrorBody',
  'EvaluationView',
  'HealthLive',
  'HealthReady',
  'IterationView',
  'ListCurriculumQuery',
  'ListRunsQuery',
  'ModelView',
  'PresetView',
  'PrincipalView',
  'RegisterModelDto',
  'RunEvent',
  'RunPage',
  'RunView',
  'ScoreView',
  'StartEvaluationDto',
  'StartRunDto',
  'UploadBenchmarkDto',
] as const;

/** Request classes whose class-validator constraints are copied into their schemas. */
const VALIDATED_CLASSES: (new () => object)[] = [
  CreateApiKeyDto,
  UploadBenchmarkDto,
  StartEvaluationDto,
  RegisterModelDto,
  ListRunsQuery,
  ListCurriculumQuery,
  DownloadQuery,
  StartRunDto,
];

/** JSON Schema of every API type, with refs pointing into components.schemas. */
export function generateSchemas(root = projectRoot()): Record<string, Json> {
  const generator = createGenerator({
    path: join(root, 'src/openapi/api-types.ts'),
    tsconfig: join(root, 'tsconfig.json'),
    expose: 'export',
    jsDoc: 'extended',
    skipTypeCheck: true,
    topRef: true,
    additionalProperties: false,
  });
  const defs: Record<string, Json> = {};
  for (const name of SCHEMA_ROOTS) {
    Object.assign(defs, generator.createSchema(name).definitions as Record<string, Json>);
  }
  const rewritten = JSON.parse(
    JSON.stringify(defs).replace(/"#\/definitions\//g, '"#/components/schemas/'),
  ) as Record<string, Json>;
  for (const cls of VALIDATED_CLASSES) addValidationConstraints(rewritten[cls.name]!, cls);
  return rewritten;
}

/** Copies class-validator constraints onto the generated schema of `cls` (or its array items). */
function addValidationConstraints(schema: Json, cls: new () => object): void {
  const props = schema.properties as Record<string, Json>;
  const metas = getMetadataStorage().getTargetValidationMetadatas(cls, '', false, false);
  for (const m of metas) {
    const prop = props[m.propertyName];
    if (!prop) throw new Error(`${cls.name}.${m.propertyName} is validated but not in the schema`);
    const target = m.each ? ((prop.items as Json | undefined) ?? prop) : prop;
    const c = (m.constraints ?? []) as unknown[];
    switch (m.name) {
      case 'isUuid':
        target.format = 'uuid';
        break;
      case 'isUrl':
        target.format = 'uri';
        break;
      case 'isIn':
        target.enum = c[0];
        delete target.$ref;
        target.type = 'string';
        break;
      case 'isInt':
        target.type = 'integer';
        break;
      case 'min':
        target.minimum = c[0];
        break;
      case 'max':
        target.maximum = c[0];
        break;
      case 'minLength':
        target.minLength = c[0];
        break;
      case 'maxLength':
        target.maxLength = c[0];
        break;
      case 'matches':
        target.pattern = (c[0] as RegExp).source;
        break;
      case 'arrayMinSize':
        target.minItems = c[0];
        break;
      case 'arrayMaxSize':
        target.maxItems = c[0];
        break;
      default:
        // isOptional, isString, isArray, isObject: already said by the TypeScript type.
        break;
    }
  }
}

/** Recursively sorted keys: the same document always serialises to the same bytes. */
export function sortKeys<T>(v: T): T {
  if (Array.isArray(v)) return v.map(sortKeys) as T;
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Json)[k])]),
    ) as T;
  }
  return v;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

export async function buildOpenApiDocument(root = projectRoot()): Promise<Json> {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const config = loadConfig({ LOG_LEVEL: 'silent' });
  const app = await NestFactory.create(AppModule.forRoot(config, { worker: false }), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  const base = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('rzero-service')
    .setVersion(pkg.version)
    .setDescription(
      'R-Zero training as a service: register a base model, launch R-Zero runs (a Challenger and a Solver co-evolve from zero data), stream per-iteration metrics over Server-Sent Events, download the evolved Solver. Every route except /health/* needs `Authorization: Bearer <api key>`. Errors share one body (ErrorBody) with a stable `code`.',
    )
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key' }, 'apiKey')
    .addSecurityRequirements('apiKey')
    .build();
  const doc = SwaggerModule.createDocument(app, base, {
    operationIdFactory: (_controller: string, method: string) => method,
  }) as unknown as Json;
  await app.close();

  const schemas = generateSchemas(root);
  const paths = doc.paths as Record<string, Record<string, Json>>;
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const where = `${method.toUpperCase()} ${path}`;
      if (!op.summary) throw new Error(`${where} has no summary (@Doc)`);
      const isPublic = path.startsWith('/health/');
      if (isPublic) op.security = [];

      const params = ((op.parameters as Json[] | undefined) ?? []).filter(
        // Nest's reflection of `@Query() q: Dto` yields nothing useful; X_QUERY replaces it.
        (p) => !(p.in === 'query' && op[X_QUERY] && !(p.schema as Json | undefined)?.type),
      );
      let hasId = false;
      for (const p of params) {
        if (p.in === 'path' && p.name === 'id') {
          p.schema = { type: 'string', format: 'uuid' };
          hasId = true;
        }
      }
      const queryName = op[X_QUERY] as string | undefined;
      if (queryName) {
        const qs = schemas[queryName]!;
        const required = new Set((qs.required as string[] | undefined) ?? []);
        for (const [name, schema] of Object.entries(qs.properties as Record<string, Json>)) {
          const { description, ...rest } = schema;
          params.push({
            name,
            in: 'query',
            required: required.has(name),
            schema: rest,
            ...(description ? { description } : {}),
          });
        }
        delete op[X_QUERY];
      }
      if (params.length > 0) op.parameters = params;
      else delete op.parameters;

      const body = op[X_BODY] as
        | {
            json: string | null;
            multipart: {
              properties: Json;
              required?: string[];
              description: string;
            } | null;
          }
        | undefined;
      if (body) {
        const content: Json = {};
        if (body.json) content['application/json'] = { schema: ref(body.json) };
        if (body.multipart) {
          content['multipart/form-data'] = {
            schema: {
              type: 'object',
              description: body.multipart.description,
              properties: body.multipart.properties,
              required: body.multipart.required ?? [],
            },
          };
        }
        op.requestBody = { required: true, content };
        delete op[X_BODY];
      } else if (op.requestBody) {
        throw new Error(`${where} has a body without @Body(...) from src/openapi/decorators`);
      }

      const codes = [
        ...((op[X_ERRORS] as ErrorCode[] | undefined) ?? []),
        // Every key is rate limited, and so is a client IP after failed authentications.
        ...(isPublic ? [] : (['UNAUTHENTICATED', 'RATE_LIMITED'] as ErrorCode[])),
        // A path id that is not a UUID is a 400 naming the field.
        ...(hasId ? (['VALIDATION_FAILED'] as ErrorCode[]) : []),
      ];
      delete op[X_ERRORS];
      op.responses = { ...(op.responses as Json), ...errorResponses(codes) };
      if (!Object.keys(op.responses as Json).some((s) => s.startsWith('2'))) {
        throw new Error(`${where} documents no success response`);
      }
    }
  }
  // @nestjs/swagger adds empty schemas for the DTO classes it saw; the generated ones replace them.
  const components = doc.components as Json;
  components.schemas = schemas;
  return sortKeys(doc);
}

export const serializeDocument = (doc: Json): string => `${JSON.stringify(doc, null, 2)}\n`;
