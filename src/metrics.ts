/**
 * Prometheus metrics (prom-client), served on their own port (METRICS_PORT, on
 * METRICS_HOST = 127.0.0.1 by default), never through the public proxy. The
 * server feeds them through a few wrappers set up in runtime.ts: the HTTP
 * server's requests, the platform senders, the scheduled jobs and the reminder
 * notifier; queue depths, dead letters and draws are counted when scraped.
 */
import http, { type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Platform, Sender } from '../bot/channels/contracts';
import { SendError } from '../bot/channels/contracts';
import type { Job } from '../bot/delivery/scheduler';
import type { Notifier } from '../bot/delivery/notices';
import type { StatsRepo } from '../store/repos/stats';

const WEBHOOKS: Record<string, Platform> = { '/wecom/callback': 'wecom', '/dingtalk/callback': 'dingtalk' };

export function createMetrics(stats: StatsRepo) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'supervision_' });
  const requests = new Counter({ name: 'supervision_webhook_requests_total', help: 'Webhook callbacks answered, by platform and HTTP status', labelNames: ['platform', 'status'], registers: [registry] });
  const latency = new Histogram({
    name: 'supervision_webhook_duration_seconds', help: 'Time to answer a webhook callback, by platform and HTTP status',
    labelNames: ['platform', 'status'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry],
  });
  const sends = new Counter({ name: 'supervision_sends_total', help: 'Messages sent to the platforms, by platform and result (ok, retry, failed)', labelNames: ['platform', 'result'], registers: [registry] });
  const jobRuns = new Counter({ name: 'supervision_job_runs_total', help: 'Scheduled job runs, by job', labelNames: ['job'], registers: [registry] });
  const jobFailures = new Counter({ name: 'supervision_job_failures_total', help: 'Scheduled job runs that failed, by job', labelNames: ['job'], registers: [registry] });
  const reminders = new Counter({ name: 'supervision_reminders_sent_total', help: 'Notices queued by the reminder jobs (overdue approvals, R12 coverage, expired conversations)', registers: [registry] });
  const depth = (name: string, help: string, read: () => Promise<number>) =>
    new Gauge({ name, help, registers: [registry], async collect() { this.set(await read()); } });
  depth('supervision_inbound_queue_depth', 'Inbound messages not processed yet', stats.inboundDepth);
  depth('supervision_outbox_queue_depth', 'Outbox messages waiting to be sent', stats.outboxDepth);
  depth('supervision_outbox_dead_letters', 'Outbox messages that kept failing (发送失败)', stats.deadLetters);
  new Gauge({
    name: 'supervision_draws', help: 'Draws stored, by status', labelNames: ['status'], registers: [registry],
    async collect() {
      for (const [status, n] of Object.entries(await stats.drawsByStatus())) this.set({ status }, n);
    },
  });

  return {
    registry,
    /** Counts and times the webhook requests of the bot's HTTP server. */
    observeHttp(server: Server): void {
      // Per callback: one clock reading and, once answered, the (platform, status) series looked up by one key.
      const series = new Map<string, { count: () => void; time: (seconds: number) => void }>();
      const seriesOf = (platform: Platform, code: number) => {
        const key = `${platform} ${code}`;
        let s = series.get(key);
        if (!s) {
          const labels = { platform, status: String(code) };
          const c = requests.labels(labels);
          const h = latency.labels(labels);
          s = { count: () => c.inc(), time: (seconds) => h.observe(seconds) };
          series.set(key, s);
        }
        return s;
      };
      server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
        const url = req.url ?? '';
        const q = url.indexOf('?');
        const platform = WEBHOOKS[q < 0 ? url : url.slice(0, q)];
        if (!platform) return;
        const started = performance.now();
        res.on('finish', () => {
          const s = seriesOf(platform, res.statusCode);
          s.count();
          s.time((performance.now() - started) / 1000);
        });
      });
    },
    sender(platform: Platform, s: Sender): Sender {
      return {
        async send(payload) {
          try {
            await s.send(payload);
            sends.inc({ platform, result: 'ok' });
          } catch (err) {
            sends.inc({ platform, result: err instanceof SendError && err.retryable ? 'retry' : 'failed' });
            throw err;
          }
        },
      };
    },
    jobs(list: Job[]): Job[] {
      return list.map((j) => ({
        ...j,
        async run(at: Date) {
          jobRuns.inc({ job: j.name });
          try {
            return await j.run(at);
          } catch (err) {
            jobFailures.inc({ job: j.name });
            throw err;
          }
        },
      }));
    },
    reminders(notify: Notifier): Notifier {
      return async (...args) => {
        const queued = await notify(...args);
        if (queued) reminders.inc();
        return queued;
      };
    },
    /** The metrics server: GET /metrics in Prometheus text format, nothing else. */
    listen(port: number, host: string): Promise<Server> {
      const s = http.createServer((req, res) => {
        if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
          res.writeHead(404).end();
          return;
        }
        registry.metrics().then(
          (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
          (err: Error) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`metrics failed: ${err.message}\n`),
        );
      });
      return new Promise((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, host, () => resolve(s));
      });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
