#!/usr/bin/env node
/**
 * `npm run build`: compiles src, bot and store to plain JavaScript in dist/ (with
 * source maps). With --if-stale (run before `npm start`, `npm run chat` and
 * `npm run cli`) it compiles only when a source or setting is newer than the
 * last build, so a fresh clone builds once and later starts cost nothing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');
const STAMP = path.join(DIST, '.build-stamp');
const INPUTS = ['src', 'bot', 'store', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

function newest(p) {
  if (!existsSync(p)) return 0;
  const s = statSync(p);
  if (!s.isDirectory()) return /\.(ts|json)$/.test(p) ? s.mtimeMs : 0;
  let max = 0;
  for (const e of readdirSync(p)) max = Math.max(max, newest(path.join(p, e)));
  return max;
}

const ifStale = process.argv.includes('--if-stale');
if (ifStale && existsSync(STAMP)) {
  const built = statSync(STAMP).mtimeMs;
  if (INPUTS.every((i) => newest(path.join(ROOT, i)) <= built)) process.exit(0);
}

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  if (ifStale && existsSync(STAMP)) process.exit(0); // installed without dev dependencies: run the build there is
  process.stderr.write('build: TypeScript is not installed; run `npm ci` (with dev dependencies) first\n');
  process.exit(1);
}
const started = Date.now();
rmSync(DIST, { recursive: true, force: true }); // a clean build: nothing left from deleted sources
const r = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
if (r.status !== 0) {
  process.stderr.write('build: tsc failed (see above)\n');
  process.exit(r.status ?? 1);
}
writeFileSync(STAMP, `${new Date().toISOString()}\n`);
process.stderr.write(`build: dist/ compiled in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
