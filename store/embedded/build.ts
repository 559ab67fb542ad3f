/**
 * Builds our FerretDB wrapper (store/embedded/ferretdb) once into .cache/bin,
 * and again only when its sources change. Needs Go and the Go module proxy.
 * Run directly (`npm run db:build`) to build ahead of time, as CI does.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
// The project folder, from the sources (store/embedded) or the build (dist/store/embedded).
const ROOT = path.resolve(__dirname, '..', '..', path.basename(path.resolve(__dirname, '..', '..')) === 'dist' ? '..' : '.');
const SRC = path.join(ROOT, 'store', 'embedded', 'ferretdb');
const BIN = path.join(ROOT, '.cache', 'bin', 'ferretdb-embedded');
const STAMP = `${BIN}.sha256`;

function sourceDigest(): string {
  const h = createHash('sha256');
  for (const f of ['main.go', 'go.mod', 'go.sum']) h.update(readFileSync(path.join(SRC, f)));
  return h.digest('hex');
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
    await run('go', ['build', '-trimpath', '-o', tmp, '.'], { cwd: SRC, maxBuffer: 16 * 1024 * 1024 });
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
