/** What the benchmarks share: the database they run on, the machine, and BENCHMARKS.md. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLocalDatabase, type LocalDatabase } from '../../store/embedded';

export const ROOT = path.resolve(__dirname, '..', '..');

export const fmt = (n: number, digits = 0) =>
  (Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '–');

/** MONGODB_URI if set, else the local server `npm start` would use, with its data in `dataDir`. */
export async function benchDatabase(dataDir: string): Promise<{ uri: string; local?: LocalDatabase }> {
  if (process.env.MONGODB_URI) return { uri: process.env.MONGODB_URI };
  const local = await startLocalDatabase({ dataDir, engine: (process.env.DB_ENGINE as never) || 'auto', log: (l) => console.error(l) });
  return { uri: local.uri, local };
}

/** "FerretDB v1.24.1 (…) (ferretdb, started by store/embedded)" or "MongoDB 7.0.x (MONGODB_URI)", from buildInfo. */
export function describeEngine(info: Record<string, unknown>, local?: LocalDatabase): string {
  const name = info.ferretdbVersion ? `FerretDB ${ferretVersion(String(info.ferretdbVersion))}` : `MongoDB ${String(info.version ?? '?')}`;
  return `${name} (${local ? `${local.engine}, started by store/embedded` : 'MONGODB_URI'})`;
}

/** FerretDB built from store/embedded reports 'unknown': take the version from its go.mod. */
function ferretVersion(reported: string): string {
  if (reported !== 'unknown') return reported;
  const gomod = path.join(ROOT, 'store/embedded/ferretdb/go.mod');
  const v = existsSync(gomod) ? /github\.com\/FerretDB\/FerretDB (v\S+)/.exec(readFileSync(gomod, 'utf8'))?.[1] : undefined;
  return v ? `${v} (SQLite backend, embedded build)` : reported;
}

export function machine(engine: string) {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const cpu = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  return { nproc: os.availableParallelism(), memGB: (os.totalmem() / 1024 ** 3).toFixed(1), cpu, node: process.version, engine };
}

/** Replaces (or appends) the section starting with `title` in BENCHMARKS.md. */
export function writeReport(title: string, section: string): void {
  const file = path.join(ROOT, 'BENCHMARKS.md');
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n\nFigures measured on the machine named in each section; rerun the command to refresh them.\n';
  const start = text.indexOf(title);
  if (start >= 0) {
    const next = text.indexOf('\n## ', start + title.length);
    text = text.slice(0, start) + section + (next >= 0 ? `\n${text.slice(next + 1)}` : '');
  } else {
    text = `${text.trimEnd()}\n\n${section}`;
  }
  writeFileSync(file, text.endsWith('\n') ? text : `${text}\n`);
}
