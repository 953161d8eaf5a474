/**
 * Serves the committed OpenAPI document at /openapi.json and Swagger UI at /docs (no key needed).
 * The document is the artifact `npm run openapi` writes from the code; a test fails when it is
 * stale, so what is served is what the code does.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { SwaggerModule } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';
import { projectRoot } from '../common/paths';

export const OPENAPI_FILE = 'openapi/openapi.json';

export function mountApiDocs(app: INestApplication, root = projectRoot()): void {
  const file = join(root, OPENAPI_FILE);
  if (!existsSync(file)) {
    new Logger('ApiDocs').warn(`${OPENAPI_FILE} is missing: /openapi.json and /docs are off`);
    return;
  }
  const document = JSON.parse(readFileSync(file, 'utf8')) as OpenAPIObject;
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'openapi.json',
    raw: ['json'],
    customSiteTitle: 'rzero-service API',
    swaggerOptions: { persistAuthorization: false, tryItOutEnabled: false },
  });
}
