/**
 * Builds our FerretDB wrapper (store/embedded/ferretdb) once into .cache/bin,
 * and again only when its sources or the patches change. Needs Go and the Go
 * module proxy. FerretDB is built from a copy of its module with the changes in
 * patches.ts applied (go build -modfile with a replace to that copy); the module
 * cache and store/embedded/ferretdb/go.mod stay as they are.
 * Run directly (`npm run db:build`) to build ahead of time, as CI does.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { PATCHES, applyPatches } from './patches';

const run = promisify(execFile);
// The project folder, from the sources (store/embedded) or the build (dist/store/embedded).
const ROOT = path.resolve(__dirname, '..', '..', path.basename(path.resolve(__dirname, '..', '..')) === 'dist' ? '..' : '.');
const SRC = path.join(ROOT, 'store', 'embedded', 'ferretdb');
const BIN = path.join(ROOT, '.cache', 'bin', 'ferretdb-embedded');
const STAMP = `${BIN}.sha256`;
const MODULE = 'github.com/FerretDB/FerretDB';

function sourceDigest(): string {
  const h = createHash('sha256');
  for (const f of ['main.go', 'go.mod', 'go.sum']) h.update(readFileSync(path.join(SRC, f)));
  h.update(JSON.stringify(PATCHES));
  return h.digest('hex');
}

/**
 * A copy of the FerretDB module with PATCHES applied, and a go.mod (beside its go.sum) that
 * builds the wrapper against it. Returns the go.mod's path, for `go build -modfile`.
 */
async function patchedModFile(work: string): Promise<string> {
  const { stdout } = await run('go', ['mod', 'download', '-json', MODULE], { cwd: SRC, maxBuffer: 16 * 1024 * 1024 });
  const { Dir, Version } = JSON.parse(stdout) as { Dir: string; Version: string };
  const copy = path.join(work, `FerretDB@${Version}`);
  cpSync(Dir, copy, { recursive: true });
  writable(copy); // the module cache is read-only, and so is a copy of it
  for (const file of new Set(PATCHES.map((p) => p.file))) {
    const at = path.join(copy, file);
    writeFileSync(at, applyPatches(file, readFileSync(at, 'utf8')));
  }
  const mod = path.join(work, 'go.mod');
  writeFileSync(mod, `${readFileSync(path.join(SRC, 'go.mod'), 'utf8')}\nreplace ${MODULE} => ${copy}\n`);
  writeFileSync(path.join(work, 'go.sum'), readFileSync(path.join(SRC, 'go.sum')));
  return mod;
}

function writable(dir: string): void {
  chmodSync(dir, 0o755);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) writable(p);
    else chmodSync(p, 0o644);
  }
}

export async function buildFerretDB(log: (l: string) => void = () => undefined): Promise<string> {
  const digest = sourceDigest();
  if (existsSync(BIN) && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === digest) return BIN;
  log('building FerretDB (first run only, about a minute)…');
  mkdirSync(path.dirname(BIN), { recursive: true });
  try {
    // Built beside the target and renamed into place, so a test run or server
    // starting meanwhile never executes a half-written binary.
    const tmp = `${BIN}.${process.pid}.tmp`;
    // The patched copy is this build's own, so two processes building at once do not share it.
    const work = path.join(ROOT, '.cache', `ferretdb-src.${process.pid}`);
    try {
      const modfile = await patchedModFile(work);
      await run('go', ['build', '-trimpath', `-modfile=${modfile}`, '-o', tmp, '.'], { cwd: SRC, maxBuffer: 16 * 1024 * 1024 });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    renameSync(tmp, BIN);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('Go is not installed: it is needed to build FerretDB');
    throw new Error(`go build failed: ${(e.stderr ?? e.message).trim().split('\n').slice(-3).join(' | ')}`);
  }
  writeFileSync(STAMP, digest);
  return BIN;
}

if (require.main === module) {
  buildFerretDB((l) => process.stderr.write(`${l}\n`))
    .then((bin) => process.stdout.write(`${bin}\n`))
    .catch((err: Error) => {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    });
}
