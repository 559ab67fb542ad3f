/**
 * The server process: the HTTP app with the platform webhooks, and the workers
 * that run after the webhook has answered (inbound messages → commands →
 * outbox → platforms) plus the scheduled jobs. Any number of these processes
 * can share one database: leases make each message and each job run once.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import os from 'node:os';
import type { Config } from './config';
import { openApp, type App } from './app';
import type { Logger } from './logger';
import { createHttpApp } from './http/app';
import { createInbox } from '../bot/inbox';
import { createRouter } from '../bot/router';
import type { Inbox, Platform, Sender } from '../bot/channels/contracts';
import { wecomCallback } from '../bot/channels/wecom/callback';
import { wecomApi } from '../bot/channels/wecom/api';
import { dingtalkCallback } from '../bot/channels/dingtalk/callback';
import { dingtalkApi } from '../bot/channels/dingtalk/api';
import { downloadRoute } from '../bot/channels/dingtalk/download';
import { createDispatcher } from '../bot/delivery/dispatcher';
import { createOutboxWorker } from '../bot/delivery/outboxWorker';
import { createScheduler } from '../bot/delivery/scheduler';
import { startLoop, type Loop } from '../bot/delivery/loop';
import { createAnnouncer } from '../bot/delivery/announcer';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

export interface Runtime {
  app: App;
  server: Server;
  port: number;
  stop(): Promise<void>;
}

export async function startRuntime(config: Config, log: Logger, opts: { now?: () => Date } = {}): Promise<Runtime> {
  const now = opts.now ?? (() => new Date());
  const owner = `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const app = await openApp(config, (l) => log.info(l));
  const { repos } = app;

  const platforms: Record<Platform, boolean> = {
    wecom: Boolean(config.WECOM_CORP_ID),
    dingtalk: Boolean(config.DINGTALK_APP_KEY),
  };
  const senders: Partial<Record<Platform, Sender>> = {};
  if (platforms.wecom) senders.wecom = wecomApi({ config, tokens: repos.tokens, files: repos.files, now, log });
  if (platforms.dingtalk) senders.dingtalk = dingtalkApi({ config, tokens: repos.tokens, files: repos.files, now, log });

  const loops: Loop[] = [];
  const announcer = createAnnouncer({ config, repos, now });
  const router = createRouter({ services: app.services, log, pageSize: config.CHAT_PAGE_SIZE, announcer });
  const outbox = createOutboxWorker({ repos, senders, now, log, owner, maxAttempts: config.OUTBOX_MAX_ATTEMPTS, ratePerMinute: config.ROBOT_RATE_PER_MINUTE });
  const outboxLoop = startLoop('outbox', outbox.step, log, { idleMs: 500, concurrency: 2 });
  const dispatcher = createDispatcher({ repos, router, now, log, owner, platforms, queued: outboxLoop.poke });
  const inboundLoop = startLoop('inbound', dispatcher.step, log, { idleMs: 500, concurrency: 4 });
  const scheduler = createScheduler({
    repos, now, owner, log,
    jobs: [
      { name: 'files.purge', everyMs: HOUR, run: async (at) => `purged ${await repos.files.purgeExpired(at)}` },
      // Keeps the work queues small: what is done is kept a week (for dedupe and inspection), then dropped.
      { name: 'inbound.purge', everyMs: HOUR, run: async (at) => `purged ${await repos.inbound.purge(new Date(at.getTime() - 7 * DAY))}` },
      { name: 'outbox.purge', everyMs: HOUR, run: async (at) => `purged ${await repos.outbox.purge(new Date(at.getTime() - 7 * DAY))}` },
    ],
  });
  loops.push(outboxLoop, inboundLoop, startLoop('scheduler', scheduler.step, log, { idleMs: 5000, concurrency: 1 }));

  // The webhooks record and answer; the inbound loop is woken to work at once.
  const recorded = createInbox(repos, now);
  const inbox: Inbox = {
    async accept(msg) {
      const r = await recorded.accept(msg);
      if (r === 'new') inboundLoop.poke();
      return r;
    },
  };
  const http = createHttpApp({
    conn: app.db.conn,
    engine: app.db.engine,
    routes: [
      wecomCallback({ config, inbox, log, now }).routes(),
      dingtalkCallback({ config, inbox, log, now }),
      downloadRoute({ config, files: repos.files, now }),
    ],
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = http.listen(config.PORT, config.HOST, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as { port: number }).port;
  log.info('listening', { port, host: config.HOST, db: app.db.engine, wecom: platforms.wecom, dingtalk: platforms.dingtalk });

  return {
    app, server, port,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all(loops.map((l) => l.stop()));
      await app.close();
    },
  };
}
