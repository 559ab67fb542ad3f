/** Runs one of our entry points (chat, CLI, server) as a child process, the way a person would. */
import { spawn } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');

export interface RunResult {
  code: number | null;
  out: string;
  err: string;
}

/** `script` relative to the project root, e.g. 'src/cli/main.ts'; the database is the test server's `dbName`. */
export function runTsx(script: string, args: string[], opts: { dbName?: string; input?: string; env?: Record<string, string> } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), script, ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...(opts.dbName ? { MONGODB_URI: process.env.TEST_MONGODB_URI, DB_NAME: opts.dbName } : {}),
        LOG_LEVEL: 'warn',
        ...opts.env,
      },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, out, err }));
    child.stdin.end(opts.input ?? '');
  });
}
