/**
 * The webhook metrics of src/metrics.ts over a real HTTP server: each callback
 * counted and timed under its platform and status, other paths not at all.
 */
import http from 'node:http';
import { createMetrics } from '../../src/metrics';
import type { StatsRepo } from '../../store/repos/stats';

const stats: StatsRepo = { inboundDepth: async () => 0, outboxDepth: async () => 0, deadLetters: async () => 0, drawsByStatus: async () => ({}) } as unknown as StatsRepo;

it('counts and times each webhook callback by platform and status, and nothing else', async () => {
  const metrics = createMetrics(stats);
  const server = http.createServer((req, res) => {
    res.statusCode = req.url?.includes('forged') ? 401 : 200;
    res.end();
  });
  metrics.observeHttp(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    const port = (server.address() as { port: number }).port;
    for (const u of ['/wecom/callback?msg_signature=x', '/wecom/callback?forged=1', '/wecom/callback', '/dingtalk/callback', '/healthz', '/wecom/callbackx']) {
      await (await fetch(`http://127.0.0.1:${port}${u}`)).text();
    }
    const text = await metrics.registry.metrics();
    const value = (series: string) => Number(text.split('\n').find((l) => l.startsWith(`${series} `))?.split(' ')[1]);
    expect(value('supervision_webhook_requests_total{platform="wecom",status="200"}')).toBe(2);
    expect(value('supervision_webhook_requests_total{platform="wecom",status="401"}')).toBe(1);
    expect(value('supervision_webhook_requests_total{platform="dingtalk",status="200"}')).toBe(1);
    expect(value('supervision_webhook_duration_seconds_count{platform="wecom",status="200"}')).toBe(2);
    expect(value('supervision_webhook_duration_seconds_sum{platform="wecom",status="200"}')).toBeGreaterThan(0);
    expect(text.split('\n').filter((l) => l.startsWith('supervision_webhook_requests_total{')).length).toBe(3);
  } finally {
    server.close();
  }
});
