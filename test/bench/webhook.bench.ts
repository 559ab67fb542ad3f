/**
 * `npm run bench:webhook`: the WeCom webhook of the real server under load,
 * against a bare Koa app that only verifies and decrypts.
 *
 * One database (MONGODB_URI, else the local server `npm start` would start,
 * from store/embedded, in a temporary folder), a fresh DB_NAME with the
 * departments and 50 users with WeCom ids. The WecomEmulator stands in for
 * WeCom, in this process. Two phases, the same callbacks, the same load:
 *
 * (b) the baseline, first: a bare Koa app in a child process, one route that
 *     does what POST /wecom/callback does before it touches the database
 *     (query checks, raw body, envelope, signature, decryption, message XML),
 *     then answers 200;
 * (a) the real server (`src/main.ts`, via test/helpers/server.ts) in a child
 *     process, with the emulator's configuration, LOG_LEVEL=warn.
 *
 * Load: BENCH_CONCURRENCY workers (default 50) over keep-alive HTTP on
 * 127.0.0.1, each POSTing the next signed and encrypted text callback (unique
 * MsgId, 50 users, "我是谁" or "帮助") when its previous one was answered, for
 * BENCH_SECONDS (default 20). After the load on the real server, the workers
 * get up to BENCH_DRAIN_SECONDS (default 60) to process everything; then every
 * 200-answered MsgId is looked up in the inbound collection and the replies
 * the emulator received are counted per user.
 *
 * Then, with the server stopped, the database is probed: time per operation
 * the webhook and the workers issue (insert, claim, _id read, count) on the
 * collections as the load left them and as they were empty, and the rate and
 * latency of bare inserts at the same concurrency (what the one write the
 * webhook does can reach on this database).
 *
 * Prints the tables and the goals (p99 < 100 ms, ≥ 0.5 × the bare rate, zero
 * lost, zero duplicated), writes them into BENCHMARKS.md ("Webhook (issue 3)").
 * Exits 0 unless something crashed: a missed goal is reported, not fatal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import Router from '@koa/router';
import Koa from 'koa';
import getRawBody from 'raw-body';
import seedrandom from 'seedrandom';
import { createWecomCrypto, WecomCryptoError } from '../../bot/channels/wecom/crypto';
import { parseEnvelope, parseMessage, WecomXmlError } from '../../bot/channels/wecom/xml';
import { createServices } from '../../src/app';
import { MEMBER_UNITS } from '../../src/domain/organisation';
import { cliCaller } from '../../src/services/context';
import { connect } from '../../store/connection';
import { startLocalDatabase, type LocalDatabase } from '../../store/embedded';
import { createRepos } from '../../store/repos';
import { WecomEmulator } from '../emulators/wecom';
import { startServerProcess } from '../helpers/server';

const ROOT = path.resolve(__dirname, '..', '..');
const TSX_CLI = path.join(ROOT, 'node_modules/tsx/dist/cli.mjs');
const SEED = 'wannian-webhook-bench';
const USERS = 50;
const CONTENTS = ['我是谁', '帮助'] as const;
const GOAL_P99_MS = 100;
const GOAL_RATIO = 0.5;
/** A request not answered in this time counts as failed (status 0). */
const REQUEST_TIMEOUT_MS = 30_000;
const PROBE_OPS = 100;
const PROBE_SCANS = 10;
const CEILING_SECONDS = 5;

// ---------------------------------------------------------------------------
// The callbacks: the same list for both phases, made ahead of the timed part.

interface Callback {
  path: string;
  body: string;
  msgId: string;
  from: string;
}

class Callbacks {
  private readonly list: Callback[] = [];
  private readonly rng: seedrandom.PRNG;
  /** How many had to be made while a phase was running (the pool ran out). */
  madeDuringLoad = 0;
  loading = false;

  constructor(private readonly emulator: WecomEmulator, private readonly msgIdBase: bigint) {
    this.rng = seedrandom(SEED);
  }

  get size(): number {
    return this.list.length;
  }

  /** Makes callbacks until there are n. */
  fill(n: number): void {
    while (this.list.length < n) this.make();
  }

  get(i: number): Callback {
    while (this.list.length <= i) {
      if (this.loading) this.madeDuringLoad++;
      this.make();
    }
    return this.list[i];
  }

  private make(): void {
    const i = this.list.length;
    const from = wecomId(Math.floor(this.rng() * USERS));
    const content = CONTENTS[Math.floor(this.rng() * CONTENTS.length)];
    const msgId = String(this.msgIdBase + BigInt(i));
    const cb = this.emulator.textCallback({ from, content, msgId });
    // The plaintext is not kept: 100,000 callbacks are held in memory.
    this.list.push({ path: cb.path, body: cb.body, msgId, from });
  }
}

const wecomId = (i: number) => `BenchWx${String(i).padStart(2, '0')}`;

// ---------------------------------------------------------------------------
// The load: a bounded loop of workers over keep-alive connections.

interface LoadResult {
  seconds: number;
  /** Per answered (or failed) request, in completion order. */
  latencyMs: number[];
  status: number[];
  index: number[];
}

function post(agent: http.Agent, port: number, cb: Callback): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1', port, method: 'POST', path: cb.path, agent,
        headers: { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(cb.body) },
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
    req.end(cb.body);
  });
}

async function runLoad(port: number, callbacks: Callbacks, concurrency: number, seconds: number): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  const result: LoadResult = { seconds: 0, latencyMs: [], status: [], index: [] };
  let next = 0;
  callbacks.loading = true;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const i = next++;
      const cb = callbacks.get(i);
      const start = performance.now();
      const status = await post(agent, port, cb);
      result.latencyMs.push(performance.now() - start);
      result.status.push(status);
      result.index.push(i);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  result.seconds = (performance.now() - t0) / 1000;
  callbacks.loading = false;
  agent.destroy();
  return result;
}

interface LoadSummary {
  requests: number;
  rate: number;
  p50: number;
  p99: number;
  max: number;
  non200: number;
  statuses: string;
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function summarise(r: LoadResult): LoadSummary {
  const sorted = [...r.latencyMs].sort((x, y) => x - y);
  const counts = new Map<number, number>();
  for (const s of r.status) counts.set(s, (counts.get(s) ?? 0) + 1);
  return {
    requests: r.status.length,
    rate: r.status.length / r.seconds,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? NaN,
    non200: r.status.filter((s) => s !== 200).length,
    statuses: [...counts].sort((x, y) => x[0] - y[0]).map(([s, n]) => `${s === 0 ? 'no answer' : s}: ${fmt(n)}`).join(', '),
  };
}

// ---------------------------------------------------------------------------
// The baseline: a bare Koa app with the webhook's work before the database.

/** Runs in the child: listens on 127.0.0.1, prints "listening <port>", stops on SIGTERM. */
async function baselineServer(): Promise<void> {
  const env = process.env;
  const receiverId = env.WECOM_CORP_ID ?? '';
  const crypto = createWecomCrypto({ token: env.WECOM_TOKEN ?? '', encodingAesKey: env.WECOM_AES_KEY ?? '', receiverId });
  const windowSeconds = 3600; // CALLBACK_WINDOW_SECONDS' default
  const limit = 256 * 1024; // WEBHOOK_BODY_LIMIT_KB's default
  const app = new Koa();
  app.proxy = true;
  const router = new Router();
  const refuse = (ctx: Koa.Context, status: number, reason: string) => {
    ctx.status = status;
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = reason;
  };
  router.post('/wecom/callback', async (ctx) => {
    const q = ctx.query;
    const [sig, timestamp, nonce] = [q.msg_signature, q.timestamp, q.nonce];
    if (typeof sig !== 'string' || typeof timestamp !== 'string' || typeof nonce !== 'string' || !/^\d{1,12}$/.test(timestamp)) {
      return refuse(ctx, 400, 'bad query');
    }
    if (Math.abs(Date.now() / 1000 - Number(timestamp)) > windowSeconds) return refuse(ctx, 401, 'timestamp outside the allowed window');
    try {
      const body = await getRawBody(ctx.req, { limit, length: ctx.get('content-length') || undefined, encoding: 'utf-8' });
      const envelope = parseEnvelope(body);
      crypto.verify(sig, timestamp, nonce, envelope.encrypt);
      parseMessage(crypto.decrypt(envelope.encrypt));
    } catch (err) {
      if (err instanceof WecomCryptoError || err instanceof WecomXmlError) return refuse(ctx, 400, err.message);
      return refuse(ctx, 400, 'unreadable body');
    }
    ctx.status = 200;
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = '';
  });
  app.use(router.routes()).use(router.allowedMethods());
  const server = app.listen(0, '127.0.0.1', () => {
    process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
  });
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Starts the baseline child the way startServerProcess starts the server (tsx's CLI). */
async function startBaseline(env: Record<string, string>): Promise<{ port: number; child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [TSX_CLI, __filename, 'baseline'], {
    cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! });
    const t = setTimeout(() => reject(new Error('baseline did not start')), 60_000);
    lines.on('line', (l) => {
      const m = /^listening (\d+)$/.exec(l);
      if (m) { clearTimeout(t); resolve(Number(m[1])); }
    });
    child.once('exit', (code) => { clearTimeout(t); reject(new Error(`baseline exited with ${code}`)); });
  });
  return {
    port, child,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => { clearTimeout(t); resolve(); });
      child.kill('SIGTERM');
    }),
  };
}

// ---------------------------------------------------------------------------
// Probes: what single database operations cost, as the load left the collections.

type Db = Awaited<ReturnType<typeof connect>>;

interface Probe {
  inbound: number;
  outbox: number;
  /** Mean ms per operation, one at a time. */
  insertMs: number;
  idReadMs: number;
  claimMs: number;
  outboxClaimMs: number;
  countMs: number;
  identifyMs: number;
}

async function timeEach(n: number, op: (i: number) => Promise<unknown>): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < n; i++) await op(i);
  return (performance.now() - t) / n;
}

/** Runs with nothing else using the database; leaves the collections as it found them. */
async function probe(db: Db, tag: string): Promise<Probe> {
  const inbound = db.conn.db!.collection('inbound');
  const outbox = db.conn.db!.collection('outbox');
  const users = db.conn.db!.collection('users');
  const at = new Date();
  const ids = Array.from({ length: PROBE_OPS }, (_, i) => `probe:${tag}:${i}`);
  const insertMs = await timeEach(PROBE_OPS, (i) => inbound.insertOne({
    _id: ids[i] as never, platform: 'probe', senderId: wecomId(i % USERS), kind: 'text', text: '我是谁',
    actionKey: '', cardId: '', responseCode: '', sessionWebhook: '', sessionWebhookExpiresAt: 0, conversationId: '',
    status: 'done', attempts: 1, leaseOwner: '', leaseUntil: at, receivedAt: at, error: '',
  }));
  const idReadMs = await timeEach(PROBE_OPS, (i) => inbound.findOne({ _id: ids[i] as never }));
  // The workers' claims, when nothing is due (the query and sort of inboundRepo.claim / outboxRepo.claim).
  const claimMs = await timeEach(PROBE_SCANS, () => inbound.findOneAndUpdate(
    { status: { $in: ['new', 'working'] }, leaseUntil: { $lte: at } },
    { $set: { status: 'working', leaseOwner: 'probe', leaseUntil: at }, $inc: { attempts: 1 } },
    { sort: { receivedAt: 1 }, returnDocument: 'after' },
  ));
  const outboxClaimMs = await timeEach(PROBE_SCANS, () => outbox.findOneAndUpdate(
    { status: { $in: ['pending', 'sending'] }, nextAttemptAt: { $lte: at }, leaseUntil: { $lte: at } },
    { $set: { status: 'sending', leaseOwner: 'probe', leaseUntil: at }, $inc: { attempts: 1 } },
    { sort: { nextAttemptAt: 1 }, returnDocument: 'after' },
  ));
  const countMs = await timeEach(PROBE_SCANS, () => inbound.countDocuments({ status: 'done' }));
  const identifyMs = await timeEach(PROBE_OPS, (i) => users.findOne({ wecomUserId: wecomId(i % USERS) }));
  await inbound.deleteMany({ _id: { $in: ids as never[] } });
  return {
    inbound: await inbound.countDocuments({}),
    outbox: await outbox.countDocuments({}),
    insertMs, idReadMs, claimMs, outboxClaimMs, countMs, identifyMs,
  };
}

/** Bare insertOne at the load's concurrency into a scratch collection: the ceiling for the webhook's one write. */
async function insertCeiling(db: Db, concurrency: number, seconds: number): Promise<LoadSummary> {
  const col = db.conn.db!.collection('bench_insert_ceiling');
  const r: LoadResult = { seconds: 0, latencyMs: [], status: [], index: [] };
  let next = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  const at = new Date();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      const i = next++;
      const start = performance.now();
      await col.insertOne({ _id: `ceiling:${i}` as never, senderId: wecomId(i % USERS), text: '我是谁', status: 'new', leaseUntil: at, receivedAt: at });
      r.latencyMs.push(performance.now() - start);
      r.status.push(200);
      r.index.push(i);
    }
  }));
  r.seconds = (performance.now() - t0) / 1000;
  await col.drop();
  return summarise(r);
}

// ---------------------------------------------------------------------------
// The report

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '–');

function machine(engine: string) {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const cpu = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  return { nproc: os.availableParallelism(), memGB: (os.totalmem() / 1024 ** 3).toFixed(1), cpu, node: process.version, engine };
}

/** FerretDB built from store/embedded reports 'unknown': take the version from its go.mod. */
function ferretVersion(reported: string): string {
  if (reported !== 'unknown') return reported;
  const gomod = path.join(ROOT, 'store/embedded/ferretdb/go.mod');
  const v = existsSync(gomod) ? /github\.com\/FerretDB\/FerretDB (v\S+)/.exec(readFileSync(gomod, 'utf8'))?.[1] : undefined;
  return v ? `${v} (SQLite backend, embedded build)` : reported;
}

const TITLE = '## Webhook (issue 3)';

function writeReport(section: string): void {
  const file = path.join(ROOT, 'BENCHMARKS.md');
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n\nFigures measured on the machine named in each section; rerun the command to refresh them.\n';
  const start = text.indexOf(TITLE);
  if (start >= 0) {
    const next = text.indexOf('\n## ', start + TITLE.length);
    text = text.slice(0, start) + section + (next >= 0 ? `\n${text.slice(next + 1)}` : '');
  } else {
    text = `${text.trimEnd()}\n\n${section}`;
  }
  writeFileSync(file, text.endsWith('\n') ? text : `${text}\n`);
}

/** The analysis below the figures: the measured causes, from this run's probes. */
function analysis(p: { empty: Probe; full: Probe; ceiling: LoadSummary; concurrency: number }): string {
  const { empty, full, ceiling } = p;
  return `Where the time goes (measured by the same run, with the server stopped; mean ms per operation, one at a time):

| operation (who issues it) | empty collections | after the load (${fmt(full.inbound)} inbound, ${fmt(full.outbox)} outbox) |
| --- | ---: | ---: |
| inbound insertOne (webhook, once per request) | ${fmt(empty.insertMs, 2)} | ${fmt(full.insertMs, 2)} |
| inbound findOne by _id | ${fmt(empty.idReadMs, 2)} | ${fmt(full.idReadMs, 2)} |
| inbound claim, nothing due (4 inbound workers, whenever idle or done) | ${fmt(empty.claimMs, 2)} | ${fmt(full.claimMs, 2)} |
| outbox claim, nothing due (2 outbox workers) | ${fmt(empty.outboxClaimMs, 2)} | ${fmt(full.outboxClaimMs, 2)} |
| inbound countDocuments({status}) | ${fmt(empty.countMs, 2)} | ${fmt(full.countMs, 2)} |
| users findOne({wecomUserId}) (identify, once per message) | ${fmt(empty.identifyMs, 2)} | ${fmt(full.identifyMs, 2)} |

Bare \`insertOne\` from one client at concurrency ${p.concurrency} into a scratch collection of the same server
(${CEILING_SECONDS} s, nothing else running): ${fmt(ceiling.rate)} inserts/s, p50 ${fmt(ceiling.p50, 1)} ms, p99 ${fmt(ceiling.p99, 1)} ms.
`;
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 20);
  const concurrency = Math.max(1, Number(process.env.BENCH_CONCURRENCY ?? 50));
  const drainSeconds = Number(process.env.BENCH_DRAIN_SECONDS ?? 60);
  if (!(seconds > 0 && seconds <= 600)) throw new Error('BENCH_SECONDS must be from 1 to 600');
  if (concurrency > 500) throw new Error('BENCH_CONCURRENCY must be at most 500');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'webhook-bench-'));
  let local: LocalDatabase | undefined;
  let db: Db | undefined;
  let emulator: WecomEmulator | undefined;
  const stops: (() => Promise<void>)[] = [];
  try {
    let uri = process.env.MONGODB_URI;
    if (!uri) {
      local = await startLocalDatabase({ dataDir: path.join(tmp, 'db'), engine: (process.env.DB_ENGINE as never) || 'auto', log: (l) => console.error(l) });
      uri = local.uri;
    }
    const stamp = Date.now().toString(36);
    const dbName = `bench_webhook_${stamp}`;
    db = await connect(uri, dbName);
    const info = await db.conn.db!.admin().command({ buildInfo: 1 }).catch(() => ({} as Record<string, unknown>));
    const engineName = info.ferretdbVersion ? `FerretDB ${ferretVersion(String(info.ferretdbVersion))}` : `MongoDB ${String(info.version ?? '?')}`;
    const engine = `${engineName} (${local ? `${local.engine}, started by store/embedded` : 'MONGODB_URI'})`;

    // Departments and 50 registered users with WeCom ids.
    const repos = createRepos(db.models);
    await repos.org.seedDepartments();
    const services = createServices({ repos, now: () => new Date() });
    const admin = cliCaller('bench');
    for (let i = 0; i < USERS; i++) {
      const unit = MEMBER_UNITS[i % MEMBER_UNITS.length];
      await services.users.save(admin, { userId: `bench.u${i}`, name: `压测${i}号`, department: unit.name, roles: ['official'], wecomUserId: wecomId(i) });
    }

    emulator = await new WecomEmulator().start();
    stops.push(() => emulator!.stop());
    const callbacks = new Callbacks(emulator, 7_000_000_000_000_000_000n + BigInt(Date.now()) * 1000n);
    const t = performance.now();
    callbacks.fill(seconds * 4000);
    console.error(`${fmt(callbacks.size)} callbacks made in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    // (b) The baseline.
    const baseline = await startBaseline(emulator.env());
    stops.push(() => baseline.stop());
    console.error(`(b) bare Koa app on port ${baseline.port}: ${seconds} s at concurrency ${concurrency} …`);
    const bareLoad = await runLoad(baseline.port, callbacks, concurrency, seconds);
    await baseline.stop();
    const bare = summarise(bareLoad);
    console.error(`    ${fmt(bare.requests)} requests, ${fmt(bare.rate)} req/s, p99 ${fmt(bare.p99, 1)} ms`);

    // The probes on empty collections, before the server starts.
    const empty = await probe(db, 'empty');

    // (a) The real server.
    const server = await startServerProcess({ ...emulator.env(), MONGODB_URI: uri, DB_NAME: dbName, LOG_LEVEL: 'warn' });
    stops.push(() => server.stop());
    console.error(`(a) server (src/main.ts) on port ${server.port}: ${seconds} s at concurrency ${concurrency} …`);
    const oursLoad = await runLoad(server.port, callbacks, concurrency, seconds);
    const ours = summarise(oursLoad);
    const loadEnded = performance.now();
    console.error(`    ${fmt(ours.requests)} requests, ${fmt(ours.rate)} req/s, p99 ${fmt(ours.p99, 1)} ms`);

    // What was sent: 200-answered distinct MsgIds, per user.
    const sent = new Set<string>();
    for (let k = 0; k < oursLoad.status.length; k++) {
      if (oursLoad.status[k] === 200) sent.add(callbacks.get(oursLoad.index[k]).msgId);
    }
    const fromOf = new Map<string, string>();
    for (let k = 0; k < oursLoad.index.length; k++) {
      const cb = callbacks.get(oursLoad.index[k]);
      fromOf.set(cb.msgId, cb.from);
    }

    // Let the workers catch up.
    const inbound = db.conn.db!.collection('inbound');
    const outbox = db.conn.db!.collection('outbox');
    let drained = false;
    let lastLog = 0;
    const drainDeadline = Date.now() + drainSeconds * 1000;
    console.error(`    waiting up to ${drainSeconds} s for the workers …`);
    while (Date.now() < drainDeadline) {
      const open = await inbound.countDocuments({ status: { $in: ['new', 'working'] } });
      const openOut = await outbox.countDocuments({ status: { $in: ['pending', 'sending'] } });
      if (open === 0 && openOut === 0) { drained = true; break; }
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        console.error(`    ${fmt(open)} inbound and ${fmt(openOut)} outbox messages still open, ${fmt(emulator.messages.length)} replies delivered`);
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    const drainSecondsTaken = (performance.now() - loadEnded) / 1000;
    if (drained) await new Promise((r) => setTimeout(r, 1500)); // room for a late duplicate to show up
    await server.stop();

    // What was processed and delivered.
    const docs = await inbound.find({ platform: 'wecom' }, { projection: { _id: 1, status: 1, senderId: 1 } }).toArray();
    const statusOf = new Map(docs.map((d) => [String(d._id).slice('wecom:'.length), String(d.status)]));
    let processed = 0;
    let failed = 0;
    let open = 0;
    let missing = 0;
    const expectedPerUser = new Map<string, number>();
    for (const msgId of sent) {
      const s = statusOf.get(msgId);
      if (s === 'done') {
        processed++;
        const from = fromOf.get(msgId)!;
        expectedPerUser.set(from, (expectedPerUser.get(from) ?? 0) + 1);
      } else if (s === 'failed') failed++;
      else if (s) open++;
      else missing++;
    }
    // Messages recorded and done although their webhook did not answer 200 (a reply the platform would see twice after its retry).
    const doneNot200 = docs.filter((d) => d.status === 'done' && !sent.has(String(d._id).slice('wecom:'.length))).length;
    for (const d of docs) {
      const msgId = String(d._id).slice('wecom:'.length);
      if (d.status === 'done' && !sent.has(msgId)) expectedPerUser.set(String(d.senderId), (expectedPerUser.get(String(d.senderId)) ?? 0) + 1);
    }
    const repliesPerUser = new Map<string, number>();
    for (const m of emulator.messages) repliesPerUser.set(m.touser, (repliesPerUser.get(m.touser) ?? 0) + 1);
    let duplicated = 0;
    let undelivered = 0;
    for (const u of new Set([...expectedPerUser.keys(), ...repliesPerUser.keys()])) {
      const d = (repliesPerUser.get(u) ?? 0) - (expectedPerUser.get(u) ?? 0);
      if (d > 0) duplicated += d;
      else undelivered -= d;
    }
    const outboxDocs = await outbox.find({}, { projection: { status: 1, attempts: 1 } }).toArray();
    const outboxSent = outboxDocs.filter((d) => d.status === 'sent').length;
    const outboxResent = outboxDocs.filter((d) => d.status === 'sent' && Number(d.attempts) > 1).length;
    const lost = sent.size - processed;

    // Probes on the collections as the load left them, then the insert ceiling.
    const full = await probe(db, 'full');
    console.error(`    insert ceiling: ${CEILING_SECONDS} s of bare insertOne at concurrency ${concurrency} …`);
    const ceiling = await insertCeiling(db, concurrency, CEILING_SECONDS);

    const ratio = ours.rate / bare.rate;
    const processRate = processed / (seconds + drainSecondsTaken);
    const goals = [
      [`p99 < ${GOAL_P99_MS} ms`, `${fmt(ours.p99, 1)} ms`, ours.p99 < GOAL_P99_MS],
      [`req/s ≥ ${GOAL_RATIO} × bare`, `${ratio.toFixed(2)} ×`, ratio >= GOAL_RATIO],
      ['zero lost', fmt(lost), lost === 0],
      ['zero duplicated', fmt(duplicated), duplicated === 0],
    ] as const;
    const m = machine(engine);
    const loadTable = [
      `| ${seconds} s at concurrency ${concurrency} | requests | req/s | p50 (ms) | p99 (ms) | max (ms) | non-200 |`,
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      `| (a) server: verify, decrypt, record in inbox | ${fmt(ours.requests)} | ${fmt(ours.rate)} | ${fmt(ours.p50, 1)} | ${fmt(ours.p99, 1)} | ${fmt(ours.max, 0)} | ${fmt(ours.non200)} |`,
      `| (b) bare Koa: verify, decrypt | ${fmt(bare.requests)} | ${fmt(bare.rate)} | ${fmt(bare.p50, 1)} | ${fmt(bare.p99, 1)} | ${fmt(bare.max, 0)} | ${fmt(bare.non200)} |`,
      `| ratio (a)/(b) | | ${ratio.toFixed(2)} | | | | |`,
    ].join('\n');
    const flowTable = [
      '| server (a) | messages |',
      '| --- | ---: |',
      `| sent (200-answered distinct MsgIds) | ${fmt(sent.size)} |`,
      `| processed (inbound status done, after ${drained ? `${drainSecondsTaken.toFixed(1)} s: all caught up` : `${drainSeconds} s: not caught up`}) | ${fmt(processed)} |`,
      `| replies delivered to the emulator | ${fmt(emulator.messages.length)} |`,
      `| lost (sent, not processed: ${fmt(open)} still open, ${fmt(failed)} failed, ${fmt(missing)} not recorded) | ${fmt(lost)} |`,
      `| duplicated (replies beyond one per processed message, per user) | ${fmt(duplicated)} |`,
      `| processed but reply not delivered | ${fmt(undelivered)} |`,
    ].join('\n');
    const goalLines = goals.map(([what, value, pass]) => `- ${what}: ${value} — **${pass ? 'PASS' : 'FAIL'}**`).join('\n');
    const extra = [
      `Statuses: server ${ours.statuses}; bare ${bare.statuses}.`,
      `Processing rate (processed ÷ (load + catch-up time)): ${fmt(processRate, 1)} messages/s.`,
      `Outbox: ${fmt(outboxSent)} sent, ${fmt(outboxResent)} of them after more than one attempt; ${fmt(doneNot200)} messages done whose webhook did not answer 200.`,
      callbacks.madeDuringLoad ? `${fmt(callbacks.madeDuringLoad)} callbacks had to be made during the load (the pool of ${fmt(seconds * 4000)} ran out).` : '',
    ].filter(Boolean).join('\n');
    console.log(`\n${loadTable}\n\n${flowTable}\n\n${extra}\n\n${goalLines.replace(/\*\*/g, '')}\n`);
    const why = analysis({ empty, full, ceiling, concurrency });
    console.log(why);

    writeReport(`${TITLE}

\`npm run bench:webhook\` (test/bench/webhook.bench.ts), run ${new Date().toISOString().slice(0, 10)}.

WeCom text callbacks as WeCom sends them (signed, AES-encrypted, unique MsgIds, 50 registered users,
"我是谁" or "帮助"), POSTed over keep-alive HTTP on 127.0.0.1 by ${concurrency} workers, each sending the next
when its previous one was answered, for ${seconds} s. (a) is the real server (\`src/main.ts\` in a child
process, LOG_LEVEL=warn, its workers running) in front of the WecomEmulator; (b) is a bare Koa app in a
child process with one route doing what (a)'s route does before it touches the database (query checks,
raw body, envelope, signature, decryption, message XML) and answering 200. Both get the same ${fmt(callbacks.size)}
callbacks, made before the timed part; (b) runs first. The load generator and the emulator share the bench process.
After (a)'s load, the workers get up to ${drainSeconds} s to process and reply; then every 200-answered MsgId
is looked up in the inbound collection and the emulator's replies are counted per user.

Machine: ${m.nproc} CPUs (\`nproc\`), ${m.memGB} GB RAM, ${m.cpu}; Node ${m.node}; database ${m.engine}.
Load generator, both servers, the emulator and the database all run on this machine.

${loadTable}

${flowTable}

${extra}

Goals:
${goalLines}

${why}`);
    console.error('written to BENCHMARKS.md');
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    if (db) {
      await db.conn.dropDatabase().catch(() => undefined);
      await db.close();
    }
    await local?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const mode = process.argv[2];
  (mode === 'baseline' ? baselineServer() : main()).then(
    () => process.exit(0),
    (err: Error) => {
      console.error(err.stack ?? err.message);
      process.exit(1);
    },
  );
}
