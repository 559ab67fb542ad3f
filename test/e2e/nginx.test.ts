/**
 * deploy/nginx.conf, tested as deployed: Debian's nginx on loopback with the
 * file as written (only ports, the upstream address, the certificate and the
 * cache folder changed), TLS with a certificate made for the test, in front of
 * the built server (`node dist/src/main.js`, what `npm start` and the systemd
 * unit run). Signed WeCom and DingTalk callbacks go through it; a second nginx
 * with the same file in front of an echo server shows what the bot receives
 * (X-Forwarded-For, X-Forwarded-Proto) and that the public site is cached.
 * The bot's Prometheus metrics, on their own loopback port, are scraped at the end.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createServices } from '../../src/app';
import { WecomEmulator } from '../emulators/wecom';
import { signedCallback, startDingtalkEmulator, textMessageBody, type DingtalkEmulator } from '../emulators/dingtalk';
import { freshDb, type TestDb } from '../helpers/db';
import { saveUsers } from '../helpers/fixtures';
import { ROOT } from '../helpers/run';
import { freePort, startServerProcess, waitFor, type ServerProcess } from '../helpers/server';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
const NAME = 'bot.example.gov.cn';
const APP_SECRET = 'dt-secret-for-nginx-e2e-0123456789';

let db: TestDb;
let wecom: WecomEmulator;
let dingtalk: DingtalkEmulator;
let server: ServerProcess;
let metricsPort: number;
let echo: http.Server;
const echoed: { url: string; headers: http.IncomingHttpHeaders }[] = [];
const dir = mkdtempSync(path.join(os.tmpdir(), 'nginx-e2e-'));
let cert: Buffer;
const proxies: { child: ChildProcess; http: number; https: number; dir: string }[] = [];

interface Res { status: number; headers: http.IncomingHttpHeaders; body: string }

/** One HTTPS request to nginx on loopback, for the public name, trusting only the test's certificate. */
function request(port: number, method: string, urlPath: string, o: { body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, method, path: urlPath, servername: NAME, ca: cert, headers: { Host: NAME, ...o.headers }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

/** deploy/nginx.conf with only what differs on a test machine replaced; each replacement must apply. */
function siteConfig(upstreamPort: number, httpPort: number, httpsPort: number, base: string): string {
  let text = readFileSync(path.join(ROOT, 'deploy/nginx.conf'), 'utf8');
  const swap = (from: string | RegExp, to: string) => {
    const next = text.replace(from, to);
    if (next === text) throw new Error(`deploy/nginx.conf no longer contains ${String(from)}`);
    text = next;
  };
  swap('server 127.0.0.1:3000;', `server 127.0.0.1:${upstreamPort};`);
  swap('/var/cache/nginx/supervision', path.join(base, 'cache'));
  swap('/etc/nginx/tls/supervision-bot.crt', path.join(dir, 'tls.crt'));
  swap('/etc/nginx/tls/supervision-bot.key', path.join(dir, 'tls.key'));
  swap(/^\s*listen 80;$/m, `    listen 127.0.0.1:${httpPort};`);
  swap(/^\s*listen 443 ssl;$/m, `    listen 127.0.0.1:${httpsPort} ssl;`);
  swap(/^\s*listen \[::\]:80;\n/m, '');
  swap(/^\s*listen \[::\]:443 ssl;\n/m, '');
  return text;
}

/** Starts nginx (daemon off, everything under its own temp folder) with the deploy file in front of `upstreamPort`. */
async function startNginx(upstreamPort: number): Promise<(typeof proxies)[number]> {
  const base = path.join(dir, `nginx-${proxies.length}`);
  const [httpPort, httpsPort] = [await freePort(), await freePort()];
  mkdirSync(base);
  const writable = ['cache', 'client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((d) => path.join(base, d));
  for (const d of writable) mkdirSync(d);
  const root = process.getuid?.() === 0;
  if (root) {
    // nginx's workers run as `nobody`: they get their own folders, not root's.
    chmodSync(dir, 0o755);
    chmodSync(base, 0o755);
    for (const d of writable) chownSync(d, 65534, 65534);
  }
  writeFileSync(path.join(base, 'site.conf'), siteConfig(upstreamPort, httpPort, httpsPort, base));
  writeFileSync(path.join(base, 'nginx.conf'), `${root ? 'user nobody nogroup;\n' : ''}daemon off;
worker_processes 1;
pid ${base}/nginx.pid;
error_log ${base}/error.log warn;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  access_log ${base}/access.log;
  client_body_temp_path ${base}/client_body;
  proxy_temp_path ${base}/proxy;
  fastcgi_temp_path ${base}/fastcgi;
  uwsgi_temp_path ${base}/uwsgi;
  scgi_temp_path ${base}/scgi;
  include ${base}/site.conf;
}
`);
  const args = ['-p', base, '-c', path.join(base, 'nginx.conf'), '-e', path.join(base, 'error.log')];
  const check = spawnSync(NGINX!, ['-t', ...args], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`nginx -t: ${check.stderr}`);
  const child = spawn(NGINX!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => { err += d; });
  const p = { child, http: httpPort, https: httpsPort, dir: base };
  proxies.push(p);
  await waitFor(() => new Promise<boolean>((resolve) => {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${err}`);
    const s = net.connect(httpsPort, '127.0.0.1', () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  }), 10_000, 'nginx to listen');
  return p;
}

beforeAll(async () => {
  if (!NGINX) throw new Error('nginx is not installed: apt-get install -y nginx (.ci/run does it)');
  // The built release, compiled now if the sources are newer than dist/ (CI builds it before the tests).
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
  const tls = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', `/CN=${NAME}`, '-addext', `subjectAltName=DNS:${NAME}`, '-keyout', path.join(dir, 'tls.key'), '-out', path.join(dir, 'tls.crt')], { encoding: 'utf8' });
  if (tls.status !== 0) throw new Error(`openssl: ${tls.stderr}`);
  cert = readFileSync(path.join(dir, 'tls.crt'));

  db = await freshDb();
  await db.repos.org.seedDepartments();
  await saveUsers(createServices({ repos: db.repos, now: () => new Date() }), [
    { userId: 'li.official', name: '李经办', department: '县市管局', roles: ['official'], wecomUserId: 'LiWx', dingtalkStaffId: 'li-dd' },
  ]);
  wecom = await new WecomEmulator().start();
  dingtalk = await startDingtalkEmulator({ appKey: 'dingappkey-nginx', appSecret: APP_SECRET });
  metricsPort = await freePort();
  server = await startServerProcess({
    MONGODB_URI: db.uri, DB_NAME: db.dbName, TRUST_PROXY: '1', METRICS_PORT: String(metricsPort), ...wecom.env(),
    DINGTALK_APP_KEY: 'dingappkey-nginx', DINGTALK_APP_SECRET: APP_SECRET, DINGTALK_API_BASE: dingtalk.url, DINGTALK_OAPI_BASE: dingtalk.url, DINGTALK_CARDS: 'actioncard',
  }, { built: true });
  echo = http.createServer((req, res) => {
    echoed.push({ url: req.url ?? '', headers: req.headers });
    req.resume();
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`公示 ${echoed.length}`);
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  await startNginx(server.port);
  await startNginx((echo.address() as net.AddressInfo).port);
}, 180_000);

afterAll(async () => {
  for (const p of proxies) {
    if (p.child.exitCode === null) {
      const exited = new Promise((r) => p.child.once('exit', r));
      p.child.kill('SIGQUIT'); // graceful shutdown
      await exited;
    }
  }
  await server?.stop();
  await wecom?.stop();
  await dingtalk?.close();
  await new Promise((r) => (echo ? echo.close(r) : r(undefined)));
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('deploy/nginx.conf in front of the built server', () => {
  it('npm run cli runs the built CLI (dist/, plain node), after checking the build is current', () => {
    const r = spawnSync('npm', ['run', '--silent', 'cli', '--', 'restore', path.join(dir, 'no-such-backup'), '--check'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`${path.join(dir, 'no-such-backup')} 中没有 manifest.json：这不是完整的备份（备份中断时不写清单），请换一个备份`);
    expect(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.cli).toBe('node --enable-source-maps dist/src/cli/main.js');
  });

  it('plain HTTP is redirected to HTTPS; /healthz answers through TLS; anything else is not public', async () => {
    const plain = await new Promise<Res>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: proxies[0].http, path: '/wecom/callback?x=1', headers: { Host: NAME } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' }));
      }).on('error', reject);
    });
    expect(plain.status).toBe(301);
    expect(plain.headers.location).toBe(`https://${NAME}/wecom/callback?x=1`);
    const health = await request(proxies[0].https, 'GET', '/healthz');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ ok: true, db: 'external' });
    expect(health.headers['strict-transport-security']).toBe('max-age=31536000');
    expect((await request(proxies[0].https, 'GET', '/metrics')).status).toBe(404);
    expect(server.logs()).toContain('"msg":"listening"');
  });

  it('WeCom: the URL check and a signed, encrypted message pass through nginx; the bot answers the user', async () => {
    const v = wecom.verification();
    const check = await request(proxies[0].https, 'GET', v.path);
    expect(check.status).toBe(200);
    expect(check.body).toBe(v.plaintext);
    const cb = wecom.textCallback({ from: 'LiWx', content: '我是谁' });
    const r = await request(proxies[0].https, 'POST', cb.path, { body: cb.body, headers: { 'Content-Type': 'text/xml' } });
    expect(r.status).toBe(200);
    await waitFor(() => wecom.messages.some((m) => m.touser === 'LiWx'), 20_000, 'the answer over WeCom');
    const answer = wecom.messages.find((m) => m.touser === 'LiWx')!;
    expect(answer.text?.content ?? answer.markdown?.content).toContain('县市管局');
    // A forged signature is refused by the bot, not by nginx: the answer comes back through it.
    const forged = await request(proxies[0].https, 'POST', cb.path.replace(/msg_signature=[0-9a-f]+/, `msg_signature=${'0'.repeat(40)}`), { body: cb.body });
    expect(forged.status).toBe(401);
  });

  it('DingTalk: a signed callback passes through nginx; the bot answers in the session', async () => {
    const s = dingtalk.newSession();
    const body = textMessageBody({ msgId: 'dt-nginx-1', senderStaffId: 'li-dd', content: '我是谁', sessionWebhook: s.sessionWebhook, sessionWebhookExpiredTime: s.expiresAt });
    const cb = signedCallback(APP_SECRET, body);
    const r = await request(proxies[0].https, 'POST', '/dingtalk/callback', { body: cb.body, headers: { 'Content-Type': 'application/json', ...cb.headers } });
    expect(r.status).toBe(200);
    await waitFor(() => dingtalk.sessionMessages.length > 0, 20_000, 'the answer over DingTalk');
    expect(JSON.stringify(dingtalk.sessionMessages[0].body)).toContain('县市管局');
  });

  it('a body over 1 MB is stopped by nginx (413) and never reaches the bot', async () => {
    const before = echoed.length;
    const r = await request(proxies[1].https, 'POST', '/dingtalk/callback', { body: Buffer.alloc(1024 * 1024 + 1, 'a') });
    expect(r.status).toBe(413);
    expect(echoed.length).toBe(before);
  });

  it('the bot receives the caller\'s own address in X-Forwarded-For (a forged one is replaced), X-Forwarded-Proto https and the public host', async () => {
    await request(proxies[1].https, 'POST', '/wecom/callback?probe=1', { body: '<xml/>', headers: { 'X-Forwarded-For': '203.0.113.9' } });
    const seen = echoed.find((e) => e.url === '/wecom/callback?probe=1')!;
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-real-ip']).toBe('127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('https');
    expect(seen.headers.host).toBe(NAME);
  });

  it('the public site is served from nginx\'s cache for a minute: one request reaches the server', async () => {
    const first = await request(proxies[1].https, 'GET', '/gongshi/2026/index.html');
    const second = await request(proxies[1].https, 'GET', '/gongshi/2026/index.html');
    expect(first.status).toBe(200);
    expect(first.headers['x-cache-status']).toBe('MISS');
    expect(second.headers['x-cache-status']).toBe('HIT');
    expect(second.body).toBe(first.body);
    expect(echoed.filter((e) => e.url === '/gongshi/2026/index.html')).toHaveLength(1);
    // Webhooks are never cached.
    await request(proxies[1].https, 'GET', '/healthz');
    await request(proxies[1].https, 'GET', '/healthz');
    expect(echoed.filter((e) => e.url === '/healthz')).toHaveLength(2);
  });

  it('metrics: Prometheus text on their own loopback port (not through nginx, not on the bot\'s port) count the callbacks, sends, queues and jobs', async () => {
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    const scrape = async () => {
      const r = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toContain('text/plain');
      return r.text();
    };
    const value = (text: string, series: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    await waitFor(async () => value(await scrape(), 'supervision_outbox_queue_depth') === 0, 20_000, 'the outbox to empty');
    const text = await scrape();
    // Through nginx: the WeCom URL check and message (200), the forged one (401), the DingTalk message (200).
    expect(value(text, 'supervision_webhook_requests_total{platform="wecom",status="200"}')).toBe(2);
    expect(value(text, 'supervision_webhook_requests_total{platform="wecom",status="401"}')).toBe(1);
    expect(value(text, 'supervision_webhook_requests_total{platform="dingtalk",status="200"}')).toBe(1);
    expect(value(text, 'supervision_webhook_duration_seconds_count{platform="wecom",status="200"}')).toBe(2);
    expect(value(text, 'supervision_sends_total{platform="wecom",result="ok"}')).toBe(1);
    expect(value(text, 'supervision_sends_total{platform="dingtalk",result="ok"}')).toBe(1);
    expect(value(text, 'supervision_inbound_queue_depth')).toBe(0);
    expect(value(text, 'supervision_outbox_dead_letters')).toBe(0);
    expect(value(text, 'supervision_draws{status="done"}')).toBe(0);
    expect(value(text, 'supervision_job_runs_total{job="files.purge"}')).toBe(1);
    expect(value(text, 'supervision_job_failures_total{job="files.purge"}')).toBeUndefined();
    expect(text).toContain('# TYPE supervision_reminders_sent_total counter');
    expect(value(text, 'supervision_process_cpu_seconds_total')).toBeGreaterThan(0);
    // Logs stay JSON lines.
    for (const line of server.logs().split('\n').filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
  });
});
