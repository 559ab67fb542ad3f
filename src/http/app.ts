/** The Koa app: health now; the WeCom and DingTalk webhooks mount here (issue 3). */
import Koa from 'koa';
import Router from '@koa/router';
import type { Connection } from 'mongoose';

export function createHttpApp(deps: { conn: Connection; engine: string }): Koa {
  const app = new Koa();
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
  app.use(router.routes()).use(router.allowedMethods());
  return app;
}
