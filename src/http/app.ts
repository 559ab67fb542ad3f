/**
 * The Koa app: health, the WeCom and DingTalk webhooks, signed downloads.
 * No global body parser: each webhook reads its raw body itself (signatures
 * are over the exact bytes, and each has its own size limit).
 *
 * Slow or many bodies: at most `maxPendingBodies` requests may be sending a
 * body at once (nobody is authenticated before the body is read: the WeCom
 * signature covers it); more get 503 at once and their connection is closed.
 * How long a body may take is the HTTP server's request timeout (see
 * `createHttpServer`).
 */
import http, { type Server } from 'node:http';
import Koa from 'koa';
import Router from '@koa/router';
import type { Connection } from 'mongoose';

export interface HttpAppDeps {
  conn: Connection;
  engine: string;
  routes: ReturnType<Router['routes']>[];
  /** Trust X-Forwarded-For / -Proto / -Host (only behind a reverse proxy that sets them). */
  trustProxy?: boolean;
  /** Requests whose body is still arriving, at most. */
  maxPendingBodies?: number;
  /** Why the database cannot be used (e.g. the embedded server exited), or undefined. */
  dbProblem?: () => string | undefined;
}

/** /healthz answers within this long whatever the database does. */
export const HEALTH_TIMEOUT_MS = 800;

export function createHttpApp(deps: HttpAppDeps): Koa {
  const app = new Koa();
  app.proxy = deps.trustProxy ?? false;
  const maxPending = deps.maxPendingBodies ?? 64;
  let pending = 0;
  app.use(async (ctx, next) => {
    if (ctx.method !== 'POST' && ctx.method !== 'PUT') return next();
    if (pending >= maxPending) {
      ctx.set('Connection', 'close');
      ctx.status = 503;
      ctx.type = 'text/plain';
      ctx.body = 'busy, try again later';
      return;
    }
    pending++;
    let held = true;
    const release = () => {
      if (held) {
        held = false;
        pending--;
      }
    };
    // `on`, not `once`: release is idempotent, and these objects live for one request.
    ctx.req.on('end', release);
    ctx.req.on('close', release);
    ctx.res.on('close', release);
    try {
      await next();
    } finally {
      // A handler that answered without reading the body: its slot is free once the answer is out.
      if (ctx.req.readableEnded) release();
    }
  });
  const router = new Router();
  router.get('/healthz', async (ctx) => {
    const problem = deps.dbProblem?.();
    const reason = problem ?? (await ping(deps.conn, HEALTH_TIMEOUT_MS));
    if (reason === undefined) {
      ctx.body = { ok: true, db: deps.engine };
    } else {
      ctx.status = 503;
      ctx.body = { ok: false, db: deps.engine, reason };
    }
  });
  for (const r of deps.routes) app.use(r);
  app.use(router.routes()).use(router.allowedMethods());
  return app;
}

/** Undefined when the database answered a ping within `timeoutMs`, else why not (no address, no secret). */
async function ping(conn: Connection, timeoutMs: number): Promise<string | undefined> {
  if (!conn.db) return 'database not connected';
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`database did not answer within ${timeoutMs} ms`), timeoutMs);
  });
  try {
    return await Promise.race([
      conn.db.admin().ping({ maxTimeMS: timeoutMs }).then(
        () => undefined,
        (err: Error) => `database unreachable (${err.name})`,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface HttpServerLimits {
  /** The whole request, headers and body, must arrive within this long (else 408 and the connection is closed). */
  requestTimeoutMs: number;
  /** The headers must arrive within this long. */
  headersTimeoutMs: number;
}

/**
 * The Node HTTP server for the app, with timeouts that a client sending slowly
 * cannot stretch (Node's defaults: 300 s for a request, checked every 30 s).
 */
export function createHttpServer(app: Koa, limits: HttpServerLimits): Server {
  const server = http.createServer({
    requestTimeout: limits.requestTimeoutMs,
    headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
    connectionsCheckingInterval: Math.max(250, Math.min(1000, limits.headersTimeoutMs / 4)),
  }, app.callback());
  server.keepAliveTimeout = 5000;
  return server;
}
