/**
 * `npm run bench:start`: how long the server takes from `spawn` to a healthy
 * `/healthz`, run the two ways side by side in the same run on the same
 * database: the built release (`node dist/src/main.js`, what `npm start` runs)
 * and the development way (`tsx src/main.ts`, what `npm run dev` runs).
 * Goal: the built server starts at least twice as fast.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { freePort } from '../../store/embedded';
import { benchDatabase, describeEngine, fmt, machine, ROOT, writeReport } from './common';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

const WAYS = {
  built: { label: 'built: `node --enable-source-maps dist/src/main.js` (`npm start`)', args: ['--enable-source-maps', 'dist/src/main.js'] },
  tsx: { label: 'tsx: `tsx src/main.ts` (`npm run dev`)', args: [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'src/main.ts'] },
} as const;
type Way = keyof typeof WAYS;

/** Milliseconds from spawn to the first 200 from /healthz; the process is then stopped with SIGTERM. */
async function startOnce(way: Way, uri: string): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, WAYS[way].args, {
    cwd: ROOT,
    env: { ...process.env, MONGODB_URI: uri, DB_NAME: 'bench_start', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => { err += d; });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${way} server exited with ${child.exitCode}: ${err.slice(-1000)}`);
      try {
        const r = await fetch(`http://127.0.0.1:${port}/healthz`);
        if (r.ok) return performance.now() - started;
      } catch {
        // not listening yet
      }
      if (performance.now() - started > 60_000) throw new Error(`${way} server did not start: ${err.slice(-1000)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('build failed');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bench-start-'));
  const { uri, local } = await benchDatabase(dataDir);
  try {
    const conn = await mongoose.createConnection(uri, { dbName: 'bench_start' }).asPromise();
    const engine = describeEngine(await conn.db!.admin().command({ buildInfo: 1 }), local);
    await conn.close();
    const times: Record<Way, number[]> = { built: [], tsx: [] };
    // One warm-up each (file cache, tsx's transform cache), then the two ways alternate.
    await startOnce('built', uri);
    await startOnce('tsx', uri);
    for (let i = 0; i < ROUNDS; i++) {
      for (const way of ['built', 'tsx'] as const) {
        const ms = await startOnce(way, uri);
        times[way].push(ms);
        console.error(`${way} #${i + 1}: ${fmt(ms)} ms`);
      }
    }
    const m = machine(engine);
    const b = median(times.built);
    const t = median(times.tsx);
    const ratio = t / b;
    const row = (way: Way) => `| ${WAYS[way].label} | ${fmt(median(times[way]))} | ${fmt(Math.min(...times[way]))} | ${fmt(Math.max(...times[way]))} |`;
    const section = `## Start-up

\`npm run bench:start\` (test/bench/start.bench.ts), run ${new Date().toISOString().slice(0, 10)}.

From \`spawn\` to the first \`200\` from \`/healthz\`: the process loads its code, reads the configuration, connects to
the database (already running: ${m.engine}), makes sure the indexes exist, seeds the departments and listens.
${ROUNDS} starts each way after one warm-up each, alternating; the database is not started or counted.

Machine: ${m.nproc} CPUs (\`nproc\`), ${m.memGB} GB RAM, ${m.cpu}; Node ${m.node}.

| way | median ms | fastest ms | slowest ms |
| --- | ---: | ---: | ---: |
${row('built')}
${row('tsx')}

Goal: the built server starts at least 2 × faster than the tsx start: ${fmt(ratio, 2)} × — **${ratio >= 2 ? 'PASS' : 'FAIL'}**

What shaped these figures: tsx compiles every TypeScript file with esbuild as it is loaded (and keeps a cache
between runs, which the warm-up fills), on top of loading esbuild itself; the build loads plain JavaScript.
Both then spend the same time on the database (connection and \`createIndexes\`).
`;
    process.stdout.write(section);
    writeReport('## Start-up', section);
  } finally {
    await local?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(err);
    process.exit(1);
  },
);
