/**
 * A local MongoDB-compatible server for when no MONGODB_URI is given, tried in
 * this order: a `mongod` on PATH; mongodb-memory-server (downloads MongoDB where
 * there is internet); FerretDB 1.24 over SQLite, built from our own Go program
 * (store/embedded/ferretdb) on first use.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { buildFerretDB } from './build';

export type Engine = 'mongod' | 'memory-server' | 'ferretdb';

export interface LocalDatabase {
  engine: Engine;
  uri: string;
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
}

// The project folder, from the sources (store/embedded) or the build (dist/store/embedded).
const ROOT = path.resolve(__dirname, '..', '..', path.basename(path.resolve(__dirname, '..', '..')) === 'dist' ? '..' : '.');
const NO_DOWNLOAD_MARK = path.join(ROOT, '.cache', 'memory-server-unavailable');
const MARK_TTL_MS = 24 * 3600 * 1000;

export async function startLocalDatabase(opts: StartOptions): Promise<LocalDatabase> {
  const log = opts.log ?? (() => undefined);
  const wanted = opts.engine ?? 'auto';
  const errors: string[] = [];
  for (const engine of ['mongod', 'memory-server', 'ferretdb'] as const) {
    if (wanted !== 'auto' && wanted !== engine) continue;
    try {
      const db = await START[engine](path.join(opts.dataDir, engine), log, wanted === engine, opts.port);
      if (db) {
        log(`local database: ${engine} at ${db.uri}`);
        return db;
      }
    } catch (err) {
      errors.push(`${engine}: ${(err as Error).message.split('\n')[0]}`);
      if (wanted === engine) break;
    }
  }
  const advice = wanted === 'auto'
    ? 'Set MONGODB_URI, or install Go (for FerretDB) or MongoDB.'
    : `Set MONGODB_URI, make ${wanted} available, or set DB_ENGINE=auto.`;
  throw new Error(`No local database could be started (${errors.join('; ') || 'none available'}). ${advice}`);
}

type Starter = (dir: string, log: (l: string) => void, forced: boolean, port?: number) => Promise<LocalDatabase | undefined>;

const START: Record<Engine, Starter> = {
  async mongod(dir, _log, forced, fixedPort) {
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
    return { engine: 'mongod', uri: `mongodb://127.0.0.1:${port}/`, stop: () => stopChild(child) };
  },

  async 'memory-server'(dir, log, forced, port) {
    if (!forced && recentlyUnavailable()) return undefined;
    const { MongoMemoryServer } = await import('mongodb-memory-server-core');
    mkdirSync(dir, { recursive: true });
    log('trying mongodb-memory-server (downloads MongoDB on first use)…');
    try {
      const server = await MongoMemoryServer.create({ instance: { dbPath: dir, storageEngine: 'wiredTiger', ip: '127.0.0.1', port } });
      return { engine: 'memory-server', uri: server.getUri(), stop: async () => { await server.stop({ doCleanup: false }); } };
    } catch (err) {
      mkdirSync(path.dirname(NO_DOWNLOAD_MARK), { recursive: true });
      writeFileSync(NO_DOWNLOAD_MARK, String(Date.now()));
      throw err;
    }
  },

  async ferretdb(dir, log, _forced, fixedPort) {
    const bin = await buildFerretDB(log);
    mkdirSync(dir, { recursive: true });
    const child = spawn(bin, ['-listen', `127.0.0.1:${fixedPort ?? 0}`, '-data', dir, '-exit-on-stdin-eof'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const uri = await readReadyLine(child, 30_000);
    return { engine: 'ferretdb', uri, stop: () => stopChild(child) };
  },
};

function recentlyUnavailable(): boolean {
  if (!existsSync(NO_DOWNLOAD_MARK)) return false;
  const at = Number(readFileSync(NO_DOWNLOAD_MARK, 'utf8'));
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
