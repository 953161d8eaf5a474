/**
 * Builds the api (HTTP) application and the worker context from one configuration; main.ts,
 * worker.ts, the demo and the tests all start the service through these two functions.
 */
import 'reflect-metadata';
import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { mountAdminPanel } from './admin/admin-panel';
import { AppModule } from './app.module';
import { checkArtifactDir } from './config/app-config';
import type { AppConfig } from './config/app-config';
import { validationPipe } from './common/validation';
import { applySecurityHeaders } from './common/security-headers';
import { MetricsService } from './metrics/metrics.service';
import { mountApiDocs } from './openapi/api-docs';

export async function createApi(config: AppConfig): Promise<INestApplication> {
  checkArtifactDir(config);
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, { worker: config.embeddedWorker }),
    {
      bufferLogs: true,
    },
  );
  app.useLogger(app.get(Logger));
  applySecurityHeaders(app, config);
  app.use(app.get(MetricsService).httpMiddleware());
  app.useGlobalPipes(validationPipe());
  app.useBodyParser('json', { limit: '2mb' });
  // X-Forwarded-For counts only from a proxy on loopback or a private network (a load balancer):
  // a client on the internet cannot pick the address the failed-authentication limit counts.
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  mountApiDocs(app);
  mountAdminPanel(app);
  // SIGTERM/SIGINT: app.close() ends every SSE stream first (RunStreamService), so the HTTP
  // server's close does not wait for streams that last until their run ends; clients resume on
  // another replica with Last-Event-ID.
  app.enableShutdownHooks();
  return app;
}

export async function createWorker(config: AppConfig): Promise<INestApplicationContext> {
  checkArtifactDir(config);
  const ctx = await NestFactory.createApplicationContext(
    AppModule.forRoot(config, { worker: true, http: false }),
    {
      bufferLogs: true,
    },
  );
  ctx.useLogger(ctx.get(Logger));
  ctx.enableShutdownHooks();
  return ctx;
}
