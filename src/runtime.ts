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
import { createHttpApp, createHttpServer } from './http/app';
import { publicSite } from './http/public/site';
import { publicResults } from './services/publicResults';
import { createInbox } from '../bot/inbox';
import { createRouter } from '../bot/router';
import type { Inbox, Platform, Sender } from '../bot/channels/contracts';
import { wecomCallback } from '../bot/channels/wecom/callback';
import { wecomApi } from '../bot/channels/wecom/api';
import { dingtalkCallback } from '../bot/channels/dingtalk/callback';
import { dingtalkApi } from '../bot/channels/dingtalk/api';
import { downloadRoute } from '../bot/channels/dingtalk/download';
import { startDingtalkStream, type DingtalkStream } from '../bot/channels/dingtalk/stream';
import { createDispatcher } from '../bot/delivery/dispatcher';
import { createOutboxWorker } from '../bot/delivery/outboxWorker';
import { createScheduler } from '../bot/delivery/scheduler';
import { startLoop, type Loop } from '../bot/delivery/loop';
import { createAnnouncer } from '../bot/delivery/announcer';
import { createNotifier } from '../bot/delivery/notices';
import { reminderJobs } from '../bot/delivery/reminders';
import { announceComplaint, complaintJobs } from '../bot/delivery/complaints';
import { complaintPages } from './http/public/complaints';
import { oversightJobs } from '../bot/delivery/oversight';
import { publicationReminderJob } from '../bot/delivery/publicationReminders';
import { yearReminderJobs } from '../bot/delivery/yearReminders';
import { createMetrics } from './metrics';
import { statsRepo } from '../store/repos/stats';
import { directorySources, directorySyncJob } from '../bot/channels/directory';

const HOUR = 3600_000;
/** A callback not recorded within this long is answered 503 (WeCom gives up on an answer after 5 s and retries). */
export const RECORD_DEADLINE_MS = 2500;

/**
 * The inbox with a deadline: when the database does not answer (down, frozen),
 * the webhook answers 503 in time for the platform to retry, instead of
 * waiting for the driver's own timeouts. A write that completes after the
 * deadline still counts: the message is processed, and the platform's retry
 * is then a duplicate.
 */
export function withDeadline(inbox: Inbox, ms: number): Inbox {
  return {
    accept: (msg) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the database did not record the message within ${ms} ms`)), ms);
      inbox.accept(msg).then(
        (r) => { clearTimeout(timer); resolve(r); },
        (err: unknown) => { clearTimeout(timer); reject(err); },
      );
    }),
  };
}
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
  const robots = app.services.robots; // chat-bound group robots, resolved at send time
  const wecom = platforms.wecom ? wecomApi({ config, tokens: repos.tokens, files: repos.files, now, log, resolveRobot: (ref) => robots.resolveRef('wecom', ref) }) : undefined;
  if (wecom) senders.wecom = wecom;
  const dingtalk = platforms.dingtalk ? dingtalkApi({ config, tokens: repos.tokens, files: repos.files, dingtalk: repos.dingtalk, now, log, resolveRobot: (ref) => robots.resolveRef('dingtalk', ref) }) : undefined;
  if (dingtalk) senders.dingtalk = dingtalk;
  const metrics = createMetrics(statsRepo(app.db.models));
  for (const p of Object.keys(senders) as Platform[]) senders[p] = metrics.sender(p, senders[p]!);

  const loops: Loop[] = [];
  const announcer = createAnnouncer({ config, repos, now, robots, senders: { wecom: senders.wecom, dingtalk } });
  const router = createRouter({ services: app.services, log, pageSize: config.CHAT_PAGE_SIZE, announcer, media: { wecom: wecom?.fetchMedia, dingtalk: dingtalk?.fetchMedia } });
  // Work is handed over in memory: the webhooks record messages claimed by this
  // process and hand them to the dispatcher, which queues its replies claimed
  // and hands them to the outbox worker. The database loops pick up only what
  // nobody alive holds (retries due, robot messages, a dead process's work).
  const leaseMs = 60_000;
  const outbox = createOutboxWorker({ repos, senders, now, log, owner, leaseMs, maxAttempts: config.OUTBOX_MAX_ATTEMPTS, ratePerMinute: config.ROBOT_RATE_PER_MINUTE });
  const outboxLocal = startLoop('outbox', outbox.localStep, log, { idleMs: 1000, concurrency: 1 }); // one: sends stay in order
  const outboxLoop = startLoop('outbox sweep', outbox.step, log, { idleMs: 500, concurrency: 1 });
  const dispatcher = createDispatcher({
    repos, router, now, log, owner, platforms, leaseMs,
    queued: (claimed) => {
      if (claimed.length) {
        outbox.handoff(claimed);
        outboxLocal.poke();
      }
      outboxLoop.poke();
    },
  });
  const inboundLocal = startLoop('inbound', dispatcher.localStep, log, { idleMs: 1000, concurrency: 4 });
  const inboundLoop = startLoop('inbound sweep', dispatcher.step, log, { idleMs: 5000, concurrency: 1 });
  const scheduler = createScheduler({
    repos, now, owner, log,
    jobs: metrics.jobs([
      { name: 'files.purge', everyMs: HOUR, run: async (at) => `purged ${await repos.files.purgeExpired(at)}` },
      // Keeps the work queues small: what is done is kept a week (for dedupe and inspection), then dropped.
      { name: 'inbound.purge', everyMs: HOUR, run: async (at) => `purged ${await repos.inbound.purge(new Date(at.getTime() - 7 * DAY))}` },
      // DingTalk (timestamp, sign) pairs once their window is over; card records after 30 days.
      { name: 'dingtalk.purge', everyMs: HOUR, run: async (at) => `purged ${await repos.dingtalk.purgeSigns(new Date(at.getTime() - 2 * config.CALLBACK_WINDOW_SECONDS * 1000 - 60_000))} signs, ${await repos.dingtalk.purgeCards(new Date(at.getTime() - 30 * DAY))} cards` },
      { name: 'outbox.purge', everyMs: HOUR, run: async (at) => `purged ${await repos.outbox.purge(new Date(at.getTime() - 7 * DAY))}` },
      // The registry's read model loads a snapshot and replays the change log after it: keep that log short.
      { name: 'entities.snapshot', everyMs: 10 * 60_000, run: async () => ((await repos.entities.compactIndex()) ? 'snapshot written' : 'not needed') },
      { name: 'tasks.snapshot', everyMs: 10 * 60_000, run: async () => ((await repos.tasks.compactIndex()) ? 'snapshot written' : 'not needed') },
      { name: 'results.snapshot', everyMs: 10 * 60_000, run: async () => ((await repos.results.compactIndex()) ? 'snapshot written' : 'not needed') },
      // Overdue approval steps, the March coverage reminder (R12), expired conversations.
      ...reminderJobs(app.services, metrics.reminders(createNotifier({ repos, platforms, now, log }))),
      // R22: unacknowledged complaints reminded daily, 联席办's weekly overdue list, the form's counters purged.
      ...complaintJobs(app.services, createNotifier({ repos, platforms, now, log })),
      // Approved circulars to every member unit's group chats; the quarterly draft (R21).
      ...oversightJobs(app.services, announcer, createNotifier({ repos, platforms, now, log })),
      // R15: publication deadlines (warnings to the department, the late ones to 联席办).
      publicationReminderJob(app.services, metrics.reminders(createNotifier({ repos, platforms, now, log }))),
      // R4, R8, R9, R12: C-pool coverage and the March deadlines, once per period.
      ...yearReminderJobs(app.services, metrics.reminders(createNotifier({ repos, platforms, now, log }))),
      // People from the platforms' directories (通讯录): created, updated, deactivated when they left.
      { name: 'directory.sync', everyMs: DAY, run: directorySyncJob(app.services.directory, directorySources({ config, repos, now, log })) },
    ]),
  });
  // Load the registry's read model now, in the background, so the first question does not wait for it.
  void repos.entities.warmUp().catch((err: Error) => log.warn(`registry read model: ${err.message}`));
  // The heartbeat goes first: claims made before it are covered by their own lease.
  await dispatcher.heartbeat().catch((err: Error) => log.warn(`heartbeat: ${err.message}`));
  loops.push(
    startLoop('heartbeat', dispatcher.heartbeat, log, { idleMs: 5000, concurrency: 1 }),
    outboxLocal, outboxLoop, inboundLocal, inboundLoop,
    startLoop('scheduler', scheduler.step, log, { idleMs: 5000, concurrency: 1 }),
  );

  // The webhooks record (a group commit per batch of concurrent callbacks) and answer.
  const inbox: Inbox = withDeadline(createInbox(repos, now, {
    claim: { owner, leaseMs },
    onNew: (claimed) => {
      dispatcher.handoff(claimed);
      inboundLocal.poke();
    },
    onFailed: (ids) => dispatcher.orphaned(ids),
  }), RECORD_DEADLINE_MS);
  const http = createHttpApp({
    conn: app.db.conn,
    engine: app.db.engine,
    trustProxy: config.TRUST_PROXY,
    maxPendingBodies: config.MAX_PENDING_BODIES,
    dbProblem: app.db.problem,
    routes: [
      wecomCallback({ config, inbox, log, now }).routes(),
      dingtalkCallback({ config, inbox, dingtalk: repos.dingtalk, log, now }),
      downloadRoute({ config, files: repos.files, now }),
      complaintPages({ complaints: app.services.complaints, now, onReceived: announceComplaint(createNotifier({ repos, platforms, now, log })) }),
      publicSite({ repos, now, results: publicResults(repos, { mode: app.services.policy.publicationMode }) }),
    ],
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = createHttpServer(http, { requestTimeoutMs: config.BODY_TIMEOUT_SECONDS * 1000, headersTimeoutMs: Math.min(5000, config.BODY_TIMEOUT_SECONDS * 1000) });
    s.listen(config.PORT, config.HOST, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as { port: number }).port;
  // DingTalk in Stream mode: messages and card taps come over a connection we open, into the same inbox.
  let stream: DingtalkStream | undefined;
  if (dingtalk && config.DINGTALK_MODE === 'stream') stream = startDingtalkStream({ config, inbox, dingtalk: repos.dingtalk, log });
  // Interactive cards over HTTP: the tap callback URL is (re-)registered under its route key at every start.
  else if (dingtalk && config.DINGTALK_CARDS === 'interactive') {
    if (config.PUBLIC_BASE_URL) await dingtalk.registerCardCallback(config.PUBLIC_BASE_URL).catch((err: Error) => log.warn(`dingtalk card callback not registered: ${err.message}`));
    else log.warn('dingtalk card callback not registered: PUBLIC_BASE_URL is not set');
  }
  metrics.observeHttp(server);
  const metricsServer = config.METRICS_PORT ? await metrics.listen(config.METRICS_PORT, config.METRICS_HOST) : undefined;
  log.info('listening', { port, host: config.HOST, db: app.db.engine, wecom: platforms.wecom, dingtalk: platforms.dingtalk });

  return {
    app, server, port,
    async stop() {
      await stream?.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));
      await Promise.all(loops.map((l) => l.stop()));
      await app.close();
    },
  };
}
