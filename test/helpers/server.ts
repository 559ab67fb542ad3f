/** Runs the real server (`src/main.ts`) as a child process, as an operator would. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './run';

import { freePort } from '../../store/embedded';

export { freePort };

export interface ServerProcess {
  port: number;
  url: string;
  /** Everything the process logged (stderr), for checks that no secret is in it. */
  logs(): string;
  /** The server's own pid (tsx runs it in a child of the process we spawned). */
  pid(): number;
  /** Resolves with the exit code when the process exits by itself or is stopped. */
  exited: Promise<number | null>;
  /** Sends a signal to the server (and the tsx wrapper); resolves once the wrapper has exited. */
  kill(signal: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `{PORT}` in an env value (e.g. PUBLIC_BASE_URL) becomes the port the process listens on.
 * `built`: the release (`node dist/src/main.js`, what `npm start` runs; build it first), else the sources through tsx.
 */
export async function startServerProcess(env: Record<string, string>, opts: { built?: boolean } = {}): Promise<ServerProcess> {
  const port = await freePort();
  env = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replaceAll('{PORT}', String(port))]));
  let logs = '';
  const args = opts.built ? ['--enable-source-maps', 'dist/src/main.js'] : [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'src/main.ts'];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => { logs += d; });
  child.stderr!.on('data', (d) => { logs += d; });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${logs.slice(-2000)}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start: ${logs.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const pid = () => {
    const m = /"msg":"running".*?"pid":(\d+)/.exec(logs);
    if (!m) throw new Error('the server has not logged its pid');
    return Number(m[1] ?? m[2]);
  };
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
  return {
    port,
    url,
    logs: () => logs,
    pid,
    exited,
    kill: (signal) => new Promise<void>((resolve) => {
      process.kill(pid(), signal);
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    }),
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', () => { clearTimeout(t); resolve(); });
      child.kill('SIGTERM');
    }),
  };
}

/** Polls until `check` returns true or the time is up. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The pid of the process listening on 127.0.0.1:`port` (Linux: the LISTEN socket's
 * inode in /proc/net/tcp, found among /proc/<pid>/fd), or undefined.
 */
export function pidListeningOn(port: number): number | undefined {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try { text = readFileSync(table, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && f[1].endsWith(`:${hexPort}`) && f[3] === '0A') inodes.add(f[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let fds: string[] = [];
    try { fds = readdirSync(`/proc/${d}/fd`); } catch { continue; }
    for (const fd of fds) {
      let target = '';
      try { target = readlinkSync(`/proc/${d}/fd/${fd}`); } catch { continue; }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m && inodes.has(m[1])) return Number(d);
    }
  }
  return undefined;
}

/** Whether the process is stopped (SIGSTOP took effect): its state in /proc is T. */
export function isStopped(pid: number): boolean {
  try { return /^State:\s+T/m.test(readFileSync(`/proc/${pid}/status`, 'utf8')); } catch { return false; }
}
