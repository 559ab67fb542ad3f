/**
 * A local MongoDB-compatible server for when no MONGODB_URI is given, tried in
 * this order: a `mongod` on PATH; mongodb-memory-server (downloads MongoDB where
 * there is internet); FerretDB 1.24 over SQLite, built from our own Go program
 * (store/embedded/ferretdb) on first use.
 *
 * One server per data folder: the process that starts it records it (owner
 * pid, server pid, port) in `<data folder>/database.json`, created atomically
 * so exactly one process wins; every later process (the server, the CLI, the
 * chat) connects to the recorded server instead of starting a second one on the
 * same files. A record whose server process is gone is stale and replaced.
 * When the server exits (its owner stopped, or it died), a process still using
 * it starts a new one on the same port, so the connections of every process
 * reconnect by themselves; only if that fails is the database reported lost.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { buildFerretDB } from './build';

export type Engine = 'mongod' | 'memory-server' | 'ferretdb';

export interface LocalDatabase {
  engine: Engine;
  uri: string;
  /** True when this process runs the server; false when it uses one another process runs on this data folder. */
  readonly owner: boolean;
  /** Why the server cannot be used right now (it exited and is being restarted, or is lost), or undefined. */
  problem(): string | undefined;
  /** Called once if the server is gone and could not be started again. */
  onLost(listener: (reason: string) => void): void;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Where data lives; each engine uses its own subfolder. */
  dataDir: string;
  /** A fixed port (to restart a server where its clients expect it); any free port when absent. */
  port?: number;
  /** 'auto' tries the engines in order. */
  engine?: Engine | 'auto';
  /** Progress lines for a person at a terminal. */
  log?: (line: string) => void;
  /** Where a failed MongoDB download is remembered for a day (default: .cache in the project). */
  downloadMark?: string;
}

// The project folder, from the sources (store/embedded) or the build (dist/store/embedded).
const ROOT = path.resolve(__dirname, '..', '..', path.basename(path.resolve(__dirname, '..', '..')) === 'dist' ? '..' : '.');
const NO_DOWNLOAD_MARK = path.join(ROOT, '.cache', 'memory-server-unavailable');
const MARK_TTL_MS = 24 * 3600 * 1000;
/** A record still 'starting' after this long (or whose owner is gone) is stale. */
const STARTING_STALE_MS = 180_000;
/** How often a process checks that the server it uses is still there. */
const WATCH_MS = 1000;
/** Restarts of a dying server allowed within RESTART_WINDOW_MS before it is declared lost. */
const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 60_000;

/** A started server process. */
interface Started {
  uri: string;
  pid: number;
  /** Resolves when the server process exits. */
  exited: Promise<string>;
  stop(): Promise<void>;
}

/** `<data folder>/database.json`: who serves this data folder. */
export interface DatabaseRecord {
  state: 'starting' | 'ready';
  /** The process that started the server (and stops it). */
  ownerPid: number;
  /** Tells one start from another (pids are reused). */
  token: string;
  at: number;
  engine?: Engine;
  uri?: string;
  port?: number;
  serverPid?: number;
}

export const recordPath = (dataDir: string) => path.join(dataDir, 'database.json');

export function readRecord(dataDir: string): DatabaseRecord | undefined {
  try {
    return JSON.parse(readFileSync(recordPath(dataDir), 'utf8')) as DatabaseRecord;
  } catch {
    return undefined; // none, or a torn file from a crash: treated as none below
  }
}

function pidAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isLive(r: DatabaseRecord, now: number): boolean {
  if (r.state === 'starting') return pidAlive(r.ownerPid) && now - r.at < STARTING_STALE_MS;
  return pidAlive(r.serverPid);
}

/** Creates the record only if there is none (link is atomic and never replaces). */
function createRecord(dataDir: string, r: DatabaseRecord): boolean {
  const tmp = `${recordPath(dataDir)}.${r.token}`;
  writeFileSync(tmp, JSON.stringify(r));
  try {
    linkSync(tmp, recordPath(dataDir));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Replaces our own record (rename is atomic: readers see the old or the new one). */
function updateRecord(dataDir: string, r: DatabaseRecord): void {
  const tmp = `${recordPath(dataDir)}.${r.token}`;
  writeFileSync(tmp, JSON.stringify(r));
  renameSync(tmp, recordPath(dataDir));
}

/**
 * Removes the record if it is still `expected` (moved aside first, so two
 * processes removing the same stale record cannot remove a fresh one).
 */
function removeRecord(dataDir: string, expected: DatabaseRecord): void {
  const aside = `${recordPath(dataDir)}.${randomBytes(6).toString('hex')}.old`;
  try {
    renameSync(recordPath(dataDir), aside);
  } catch {
    return; // already gone
  }
  let moved: DatabaseRecord | undefined;
  try {
    moved = JSON.parse(readFileSync(aside, 'utf8')) as DatabaseRecord;
  } catch {
    // torn: remove it
  }
  if (moved && moved.token !== expected.token) {
    try {
      linkSync(aside, recordPath(dataDir)); // someone else's fresh record: put it back
    } catch {
      // a third record exists already; that one stands
    }
  }
  rmSync(aside, { force: true });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startLocalDatabase(opts: StartOptions): Promise<LocalDatabase> {
  const log = opts.log ?? (() => undefined);
  const wanted = opts.engine ?? 'auto';
  mkdirSync(opts.dataDir, { recursive: true });
  const handle = new Attachment(opts.dataDir, wanted, log, opts.downloadMark ?? NO_DOWNLOAD_MARK);
  await handle.attach(opts.port);
  return handle;
}

/** This process's use of the data folder's server: as its owner, or connected to another's. */
class Attachment implements LocalDatabase {
  engine: Engine = 'ferretdb';
  uri = '';
  owner = false;
  private record: DatabaseRecord | undefined;
  private server: Started | undefined;
  private watcher: NodeJS.Timeout | undefined;
  private stopping = false;
  private down: string | undefined;
  private lost: string | undefined;
  private lostListeners: ((reason: string) => void)[] = [];
  private restarts: number[] = [];
  private recovering: Promise<void> | undefined;

  constructor(
    private readonly dataDir: string,
    private readonly wanted: Engine | 'auto',
    private readonly log: (l: string) => void,
    private readonly mark: string,
  ) {}

  problem(): string | undefined {
    return this.lost ?? this.down;
  }

  onLost(listener: (reason: string) => void): void {
    if (this.lost) listener(this.lost);
    else this.lostListeners.push(listener);
  }

  /** Connects to the recorded server, or starts one (on `port` when given) and records it. */
  async attach(port?: number): Promise<void> {
    const deadline = Date.now() + STARTING_STALE_MS + 10_000;
    for (;;) {
      const r = readRecord(this.dataDir);
      if (r && isLive(r, Date.now())) {
        if (r.state === 'ready') {
          if (this.wanted !== 'auto' && this.wanted !== r.engine) {
            throw new Error(`the data folder ${this.dataDir} is served by ${r.engine} (pid ${r.serverPid}); set DB_ENGINE=${r.engine} or auto, or stop the process ${r.ownerPid} first`);
          }
          this.use(r, false);
          this.log(`local database: ${r.engine} at ${r.uri}, already serving this data folder (started by process ${r.ownerPid})`);
          return;
        }
        if (Date.now() > deadline) throw new Error(`the data folder ${this.dataDir} is being set up by process ${r.ownerPid} for too long; stop it or remove ${recordPath(this.dataDir)}`);
        await sleep(200);
        continue;
      }
      if (r) {
        removeRecord(this.dataDir, r); // stale: its server is gone
        port ??= r.port; // where its clients will look for the new one
        continue;
      }
      if (existsSync(recordPath(this.dataDir))) {
        // There but unreadable (damaged by hand or by the disk): removed like a stale one; a fresh one is put back.
        removeRecord(this.dataDir, { state: 'starting', ownerPid: 0, token: '', at: 0 });
        continue;
      }
      const mine: DatabaseRecord = { state: 'starting', ownerPid: process.pid, token: randomBytes(8).toString('hex'), at: Date.now() };
      if (!createRecord(this.dataDir, mine)) continue; // another process won the race: use its server
      try {
        const { engine, started } = await startEngine(this.dataDir, this.wanted, this.log, this.mark, port);
        const ready: DatabaseRecord = { ...mine, state: 'ready', engine, uri: started.uri, port: portOf(started.uri), serverPid: started.pid, at: Date.now() };
        updateRecord(this.dataDir, ready);
        this.server = started;
        this.use(ready, true);
        void started.exited.then((how) => this.serverExited(ready, how));
        return;
      } catch (err) {
        removeRecord(this.dataDir, mine);
        throw err;
      }
    }
  }

  private use(r: DatabaseRecord, owner: boolean): void {
    if (this.uri && r.uri !== this.uri) {
      // Clients hold the old address; they cannot follow a move.
      this.declareLost(`the local database moved from ${this.uri} to ${r.uri} (its port was taken)`);
      return;
    }
    this.engine = r.engine!;
    this.uri = r.uri!;
    this.owner = owner;
    this.record = r;
    this.down = undefined;
    if (!owner && !this.watcher) {
      this.watcher = setInterval(() => this.check(), WATCH_MS);
      this.watcher.unref();
    }
    if (owner && this.watcher) {
      clearInterval(this.watcher);
      this.watcher = undefined;
    }
  }

  /** Not the owner: is the recorded server still there? If not, start it again. */
  private check(): void {
    if (this.stopping || this.recovering || this.lost) return;
    const r = readRecord(this.dataDir);
    if (r && isLive(r, Date.now())) {
      if (r.state === 'ready' && r.token !== this.record?.token) this.use(r, false);
      return;
    }
    this.recover(`the local database (pid ${this.record?.serverPid}) is gone`);
  }

  private serverExited(r: DatabaseRecord, how: string): void {
    if (this.stopping || this.record?.token !== r.token) return;
    this.server = undefined;
    removeRecord(this.dataDir, r);
    this.recover(`the local database ${r.engine} (pid ${r.serverPid}) exited (${how})`);
  }

  private recover(reason: string): void {
    this.down = `${reason}; restarting it`;
    this.log(this.down);
    const now = Date.now();
    this.restarts = this.restarts.filter((t) => now - t < RESTART_WINDOW_MS);
    if (this.restarts.length >= MAX_RESTARTS) {
      this.declareLost(`${reason}, ${MAX_RESTARTS} times within ${RESTART_WINDOW_MS / 1000} s`);
      return;
    }
    this.restarts.push(now);
    this.recovering = this.attach(this.record?.port)
      .then(() => this.log(`local database: ${this.engine} at ${this.uri} again${this.owner ? ' (started by this process)' : ''}`))
      .catch((err: Error) => this.declareLost(`${reason}, and it could not be started again: ${err.message.split('\n')[0]}`))
      .finally(() => { this.recovering = undefined; });
  }

  private declareLost(reason: string): void {
    if (this.lost) return;
    this.lost = reason;
    if (this.watcher) clearInterval(this.watcher);
    this.watcher = undefined;
    for (const l of this.lostListeners.splice(0)) l(reason);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.watcher) clearInterval(this.watcher);
    this.watcher = undefined;
    await this.recovering;
    if (this.server) {
      // The server first, then the record: a newcomer in between connects to a server about to go, and starts the next.
      await this.server.stop();
      this.server = undefined;
      if (this.record) removeRecord(this.dataDir, this.record);
    }
  }
}

function portOf(uri: string): number {
  return Number(new URL(uri).port);
}

/** Tries the engines in order; the chosen one is logged in one line with why the others were passed over. */
async function startEngine(dataDir: string, wanted: Engine | 'auto', log: (l: string) => void, mark: string, port?: number): Promise<{ engine: Engine; started: Started }> {
  const skipped: string[] = [];
  for (const engine of ['mongod', 'memory-server', 'ferretdb'] as const) {
    if (wanted !== 'auto' && wanted !== engine) continue;
    try {
      const started = await START[engine]({ dir: path.join(dataDir, engine), log, forced: wanted === engine, port, mark });
      if (started) {
        const why = wanted === engine ? 'DB_ENGINE' : skipped.length ? skipped.join('; ') : 'first choice';
        log(`local database: ${engine} at ${started.uri} (${why})`);
        return { engine, started };
      }
      skipped.push(NOT_AVAILABLE[engine]);
    } catch (err) {
      skipped.push(wanted === engine ? `${engine}: ${oneLine(err)}` : oneLine(err));
      if (wanted === engine) break;
    }
  }
  const advice = wanted === 'auto'
    ? 'Set MONGODB_URI, or install Go (for FerretDB) or MongoDB.'
    : `Set MONGODB_URI, make ${wanted} available, or set DB_ENGINE=auto.`;
  throw new Error(`No local database could be started (${skipped.join('; ') || 'none available'}). ${advice}`);
}

const NOT_AVAILABLE: Record<Engine, string> = {
  mongod: 'no mongod on PATH',
  'memory-server': 'MongoDB could not be downloaded within the last day',
  ferretdb: 'FerretDB not available',
};

/** An error as one short line, without a stack. */
function oneLine(err: unknown): string {
  const text = String((err as Error)?.message ?? err).replace(/\s+/g, ' ').trim();
  const download = /^Download failed for url "[^"]*",? Details: ?(.*)$/.exec(text);
  return (download ? `MongoDB download failed: ${download[1]}` : text).slice(0, 200);
}

type Starter = (o: { dir: string; log: (l: string) => void; forced: boolean; port?: number; mark: string }) => Promise<Started | undefined>;

function childExited(child: ChildProcess): Promise<string> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(`code ${child.exitCode ?? child.signalCode}`);
    child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `code ${code}`));
  });
}

const START: Record<Engine, Starter> = {
  async mongod({ dir, forced, port: fixedPort }) {
    const bin = which('mongod');
    if (!bin) {
      if (forced) throw new Error('no mongod on PATH');
      return undefined;
    }
    mkdirSync(dir, { recursive: true });
    const port = fixedPort ?? (await freePort());
    const child = spawn(bin, ['--dbpath', dir, '--port', String(port), '--bind_ip', '127.0.0.1', '--quiet'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    await waitForPort(port, child, 30_000);
    return { uri: `mongodb://127.0.0.1:${port}/`, pid: child.pid!, exited: childExited(child), stop: () => stopChild(child) };
  },

  async 'memory-server'({ dir, forced, port, mark }) {
    if (!forced && recentlyUnavailable(mark)) return undefined;
    const { MongoMemoryServer } = await import('mongodb-memory-server-core');
    mkdirSync(dir, { recursive: true });
    try {
      const server = await quietly(() => MongoMemoryServer.create({ instance: { dbPath: dir, storageEngine: 'wiredTiger', ip: '127.0.0.1', port } }));
      const child = server.instanceInfo?.instance.mongodProcess;
      return {
        uri: server.getUri(),
        pid: child?.pid ?? process.pid, // its mongod, else this process (which stops it)
        exited: child ? childExited(child) : new Promise<string>(() => undefined),
        stop: async () => { await server.stop({ doCleanup: false }); },
      };
    } catch (err) {
      mkdirSync(path.dirname(mark), { recursive: true });
      writeFileSync(mark, String(Date.now()));
      throw err;
    }
  },

  async ferretdb({ dir, log, port: fixedPort }) {
    const bin = await buildFerretDB(log);
    mkdirSync(dir, { recursive: true });
    const child = spawn(bin, ['-listen', `127.0.0.1:${fixedPort ?? 0}`, '-data', dir, '-exit-on-stdin-eof'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const exited = childExited(child);
    const uri = await readReadyLine(child, 30_000);
    return { uri, pid: child.pid!, exited, stop: () => stopChild(child) };
  },
};

/**
 * Runs `fn` with console.error/warn silenced: mongodb-memory-server prints a
 * download failure's whole stack itself; our one line says what happened.
 */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const saved = { error: console.error, warn: console.warn };
  console.error = () => undefined;
  console.warn = () => undefined;
  try {
    return await fn();
  } finally {
    console.error = saved.error;
    console.warn = saved.warn;
  }
}

function recentlyUnavailable(mark: string): boolean {
  if (!existsSync(mark)) return false;
  const at = Number(readFileSync(mark, 'utf8'));
  return Date.now() - at < MARK_TTL_MS;
}

function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, cmd);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-2000); });
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${stderr.trim()}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.end(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`did not accept connections within ${timeoutMs} ms`);
}

function readReadyLine(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-2000); });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('FerretDB did not start in time')); }, timeoutMs);
    const lines = readline.createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      clearTimeout(timer);
      const m = /^ready (mongodb:\/\/\S+)$/.exec(line);
      if (m) resolve(m[1]);
      else reject(new Error(`unexpected FerretDB output: ${line}`));
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`FerretDB exited with ${code}: ${stderr.trim()}`)); });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    child.kill('SIGTERM');
  });
}
