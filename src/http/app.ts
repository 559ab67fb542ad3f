/**
 * The Koa app: health, the WeCom and DingTalk webhooks, signed downloads.
 * No global body parser: each webhook reads its raw body itself (signatures
 * are over the exact bytes, and each has its own size limit).
 */
import Koa from 'koa';
import Router from '@koa/router';
import type { Connection } from 'mongoose';

export function createHttpApp(deps: { conn: Connection; engine: string; routes: ReturnType<Router['routes']>[] }): Koa {
  const app = new Koa();
  app.proxy = true; // behind the county's reverse proxy
  const router = new Router();
  router.get('/healthz', async (ctx) => {
    try {
      await deps.conn.db!.admin().ping();
      ctx.body = { ok: true, db: deps.engine };
    } catch {
      ctx.status = 503;
      ctx.body = { ok: false, db: 'unreachable' };
    }
  });
  for (const r of deps.routes) app.use(r);
  app.use(router.routes()).use(router.allowedMethods());
  return app;
}
