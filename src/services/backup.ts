/**
 * Backups an operator can keep for years and read without this program: a
 * folder with one gzip-compressed file per collection, each line one document
 * in MongoDB Extended JSON v2 (canonical: dates, binary file contents and
 * number types survive), and a manifest with each file's document count and
 * SHA-256 and the schema version. Restore checks every file against the
 * manifest before it writes anything, and writes only into an empty database.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { EJSON } from 'bson';
import type { mongo } from 'mongoose';
import { collectionsRepo, type RawDocument } from '../../store/repos/collections';
import { Refusal } from './context';
import { migrate, MIGRATIONS_COLLECTION, SCHEMA_VERSION, schemaVersion } from '../../store/migrations';

export const BACKUP_FORMAT = 'wannian-supervision-backup';
export const BACKUP_FORMAT_VERSION = 1;
const MANIFEST = 'manifest.json';

/**
 * Left out of every backup: the platforms' access tokens are a cache of live
 * credentials (fetched again on the first send after a restore), and a backup
 * travels to other machines.
 */
const NOT_BACKED_UP: Record<string, string> = { tokens: 'cached platform access tokens (credentials), fetched again when needed' };

/** Collections the program writes itself when it opens a database; restore replaces them. */
const SEEDED = new Set(['departments', MIGRATIONS_COLLECTION]);

export interface ManifestEntry {
  name: string;
  file: string;
  documents: number;
  bytes: number;
  sha256: string;
}

export interface Manifest {
  format: typeof BACKUP_FORMAT;
  formatVersion: number;
  createdAt: string;
  database: string;
  engine: string;
  schemaVersion: number;
  encoding: string;
  collections: ManifestEntry[];
  /** Collections deliberately left out, with why. */
  skipped: { name: string; reason: string }[];
}

/** A backup or restore that cannot go on; the message (Chinese, one line) says why and what to do. */
/** A backup or restore refused (a user's problem, said in Chinese): rendered by the CLI's one error path. */
export class BackupError extends Refusal {}

const README = `Backup of the 双随机、一公开、一集中 supervision bot's database.

manifest.json     what is here: per collection its file, document count, size and SHA-256;
                  the schema version the documents are at; when and from which database;
                  what was left out on purpose (cached platform access tokens).
<name>.ejson.gz   one collection, gzip-compressed; each line one document in MongoDB
                  Extended JSON v2, canonical mode (https://www.mongodb.com/docs/manual/reference/mongodb-extended-json/).

Read without the bot:   zcat entities.ejson.gz | head -1
Check:                  sha256sum *.ejson.gz   (compare with manifest.json)
Load into MongoDB:      zcat entities.ejson.gz | mongoimport --db <db> --collection entities
Restore with the bot:   npm run cli -- restore <this folder>   (into an empty database)
`;

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

const safeName = (name: string) => /^[A-Za-z0-9_.-]{1,120}$/.test(name) && !name.startsWith('.');

export interface BackupOptions {
  dbName: string;
  engine: string;
  now?: () => Date;
  progress?: (line: string) => void;
}

/** Writes every collection of `db` into `dir` (new or empty); the manifest goes last, so a cut-short backup has none. */
export async function backupDatabase(db: mongo.Db, dir: string, opts: BackupOptions): Promise<Manifest> {
  if (existsSync(dir) && readdirSync(dir).length) throw new BackupError(`备份目录 ${dir} 不是空目录：请指定一个新的或空的目录，已有的备份不会被覆盖`);
  mkdirSync(dir, { recursive: true });
  const repo = collectionsRepo(db);
  const createdAt = (opts.now ?? (() => new Date()))().toISOString();
  const version = await schemaVersion(db);
  const collections: ManifestEntry[] = [];
  const skipped: Manifest['skipped'] = [];
  for (const name of await repo.names()) {
    if (NOT_BACKED_UP[name]) {
      skipped.push({ name, reason: NOT_BACKED_UP[name] });
      continue;
    }
    if (!safeName(name)) throw new BackupError(`集合名“${name}”不能用作文件名，无法备份`);
    const file = `${name}.ejson.gz`;
    const target = path.join(dir, file);
    let documents = 0;
    async function* lines() {
      for await (const doc of repo.all(name)) {
        if (name === MIGRATIONS_COLLECTION && doc._id === 'lock') continue; // a migration's lock is no data
        documents++;
        yield `${EJSON.stringify(doc, { relaxed: false })}\n`;
      }
    }
    await pipeline(Readable.from(lines()), createGzip({ level: 6 }), createWriteStream(target));
    const bytes = statSync(target).size;
    collections.push({ name, file, documents, bytes, sha256: await sha256File(target) });
    opts.progress?.(`${name}: ${documents}`);
  }
  const manifest: Manifest = {
    format: BACKUP_FORMAT,
    formatVersion: BACKUP_FORMAT_VERSION,
    createdAt,
    database: opts.dbName,
    engine: opts.engine,
    schemaVersion: version,
    encoding: 'MongoDB Extended JSON v2 (canonical), one document per line, gzip',
    collections,
    skipped,
  };
  writeFileSync(path.join(dir, 'README.txt'), README);
  writeFileSync(path.join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** Reads the manifest and checks every file's SHA-256 and document count; throws BackupError at the first problem. */
export async function verifyBackup(dir: string): Promise<Manifest> {
  const file = path.join(dir, MANIFEST);
  if (!existsSync(file)) throw new BackupError(`${dir} 中没有 manifest.json：这不是完整的备份（备份中断时不写清单），请换一个备份`);
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  } catch {
    throw new BackupError(`${file} 无法读取（不是有效的 JSON），备份已损坏`);
  }
  if (m.format !== BACKUP_FORMAT || !Array.isArray(m.collections)) throw new BackupError(`${file} 不是本系统的备份清单`);
  if (m.formatVersion > BACKUP_FORMAT_VERSION) throw new BackupError(`备份格式版本 ${m.formatVersion} 比本程序支持的（${BACKUP_FORMAT_VERSION}）新：请用生成该备份的版本或更新的版本恢复`);
  if (m.schemaVersion > SCHEMA_VERSION) throw new BackupError(`备份的数据结构版本 ${m.schemaVersion} 比本程序的（${SCHEMA_VERSION}）新：请用生成该备份的版本或更新的版本恢复`);
  for (const c of m.collections) {
    if (!safeName(c.name) || c.file !== `${c.name}.ejson.gz`) throw new BackupError(`清单中的集合“${String(c.name).slice(0, 60)}”无效，备份已被改动`);
    const f = path.join(dir, c.file);
    if (!existsSync(f)) throw new BackupError(`备份缺少文件 ${c.file}，无法恢复`);
    if ((await sha256File(f)) !== c.sha256) throw new BackupError(`文件 ${c.file} 的 SHA-256 与清单不符：备份已被改动或损坏，拒绝恢复`);
    let n = 0;
    try {
      for await (const line of readline.createInterface({ input: createReadStream(f).pipe(createGunzip()), crlfDelay: Infinity })) {
        if (!line) continue;
        EJSON.parse(line, { relaxed: false });
        n++;
      }
    } catch (err) {
      throw new BackupError(`文件 ${c.file} 无法解压或解析（${(err as Error).message.slice(0, 100)}），备份已损坏`);
    }
    if (n !== c.documents) throw new BackupError(`文件 ${c.file} 有 ${n} 条文档，清单记为 ${c.documents}：备份不完整，拒绝恢复`);
  }
  return m;
}

export interface RestoreSummary {
  manifest: Manifest;
  documents: number;
  /** The versions the migrations applied after the restore (a backup from an older release). */
  migrated: number[];
}

/**
 * Restores a checked backup into `db`, which must hold no data (only what the
 * program itself seeds on opening: the departments and the schema versions).
 */
export async function restoreDatabase(db: mongo.Db, dir: string, opts: { owner: string; progress?: (line: string) => void }): Promise<RestoreSummary> {
  const manifest = await verifyBackup(dir);
  const repo = collectionsRepo(db);
  const occupied: string[] = [];
  for (const name of await repo.names()) {
    if (SEEDED.has(name)) continue;
    const n = await repo.count(name);
    if (n > 0) occupied.push(`${name}（${n} 条）`);
  }
  if (occupied.length) {
    throw new BackupError(`目标数据库不是空的：${occupied.slice(0, 5).join('、')}${occupied.length > 5 ? ` 等 ${occupied.length} 个集合` : ''}。只能恢复到空数据库：请用新的 DB_NAME（或清空后）再恢复`);
  }
  let documents = 0;
  for (const c of manifest.collections) {
    if (SEEDED.has(c.name)) await repo.clear(c.name);
    let batch: RawDocument[] = [];
    for await (const line of readline.createInterface({ input: createReadStream(path.join(dir, c.file)).pipe(createGunzip()), crlfDelay: Infinity })) {
      if (!line) continue;
      batch.push(EJSON.parse(line, { relaxed: false }) as RawDocument);
      if (batch.length >= 1000) {
        await repo.insert(c.name, batch);
        batch = [];
      }
    }
    await repo.insert(c.name, batch);
    const n = await repo.count(c.name);
    if (n !== c.documents) throw new BackupError(`恢复后集合 ${c.name} 有 ${n} 条文档，备份中为 ${c.documents} 条：恢复未完成，请清空数据库后重试`);
    documents += n;
    opts.progress?.(`${c.name}: ${n}`);
  }
  // A backup from an older release: bring its documents to this release's schema now.
  const migrated = await migrate(db, { owner: opts.owner, log: opts.progress });
  return { manifest, documents, migrated };
}
