/**
 * Serves the admin panel (web/, built by `npm run build` into web/dist) at /admin: static files,
 * and index.html for every other path under /admin so the panel's own routes survive a reload.
 * The files are public; every API call the panel makes carries the signed-in user's key.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { projectRoot } from '../common/paths';

export const ADMIN_DIST = 'web/dist';

export function mountAdminPanel(app: NestExpressApplication, root = projectRoot()): void {
  const dist = join(root, ADMIN_DIST);
  const indexFile = join(dist, 'index.html');
  if (!existsSync(indexFile)) {
    new Logger('AdminPanel').warn(`${ADMIN_DIST} is not built (npm run build): /admin is off`);
    app.use('/admin', (_req: Request, res: Response) => {
      res.status(404).type('text/plain').send('The admin panel is not built: run `npm run build`.');
    });
    return;
  }
  const index = readFileSync(indexFile, 'utf8');
  app.useStaticAssets(dist, {
    prefix: '/admin/',
    index: false,
    immutable: true,
    maxAge: '365d',
    setHeaders: (res, path) => {
      if (!path.includes('/assets/')) res.setHeader('Cache-Control', 'no-cache');
    },
  });
  app.use('/admin', (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(index);
  });
}
