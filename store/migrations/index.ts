/**
 * Runs the pending migrations (store/migrations/list.ts) at start-up, once,
 * however many processes start at the same time: the first takes a lock
 * document by a guarded insert (with a lease it renews while it works), the
 * others wait until the versions are recorded. The database's schema version
 * is kept in `schema_migrations`: one document per applied version, so a
 * version is recorded only after its migration finished.
 */
import type { mongo } from 'mongoose';
import { MIGRATIONS, SCHEMA_VERSION, type Migration } from './list';

export { MIGRATIONS, SCHEMA_VERSION, type Migration };

type Db = mongo.Db;
type MigrationDoc = { _id: string; owner?: string; until?: Date } & Partial<Omit<AppliedMigration, '_id'>>;

export const MIGRATIONS_COLLECTION = 'schema_migrations';
const LOCK_ID = 'lock';

export interface AppliedMigration {
  _id: string;
  version: number;
  name: string;
  appliedAt: Date;
  appliedBy: string;
  ms: number;
}

/** A migration that failed, or a database this program cannot run on: one line for the operator. */
export class MigrationError extends Error {}

export interface MigrateOptions {
  /** Who runs them (host:pid:random), recorded with each version and on the lock. */
  owner: string;
  log?: (line: string) => void;
  /** The lock's lease; renewed every third of it while migrations run. */
  leaseMs?: number;
  /** How long a waiting process waits for another's migrations before giving up. */
  waitMs?: number;
  /** The list to run (tests pass their own). */
  migrations?: readonly Migration[];
}

const versionId = (v: number) => `v${String(v).padStart(4, '0')}`;

/** The versions recorded in the database, in order. */
export async function appliedVersions(db: Db): Promise<AppliedMigration[]> {
  const col = db.collection<MigrationDoc>(MIGRATIONS_COLLECTION);
  const docs = await col.find({ _id: { $ne: LOCK_ID } }).toArray();
  return docs.filter((d): d is AppliedMigration => typeof d.version === 'number').sort((a, b) => a.version - b.version);
}

/** The database's schema version: the highest recorded, 0 for a database made before versions were kept. */
export async function schemaVersion(db: Db): Promise<number> {
  const applied = await appliedVersions(db);
  return applied.length ? applied[applied.length - 1].version : 0;
}

/**
 * Brings the database to the newest version. Returns the versions this call
 * applied (none when another process did, or nothing was pending). Throws
 * MigrationError, having changed nothing after the failed step, when a
 * migration fails or the database is newer than this program.
 */
export async function migrate(db: Db, opts: MigrateOptions): Promise<number[]> {
  const list = [...(opts.migrations ?? MIGRATIONS)].sort((a, b) => a.version - b.version);
  const log = opts.log ?? (() => undefined);
  const leaseMs = opts.leaseMs ?? 60_000;
  const deadline = Date.now() + (opts.waitMs ?? 10 * 60_000);
  const col = db.collection<MigrationDoc>(MIGRATIONS_COLLECTION);
  const newest = list.length ? list[list.length - 1].version : 0;
  let waited = false;
  for (;;) {
    const done = new Set((await appliedVersions(db)).map((a) => a.version));
    const top = Math.max(0, ...done);
    if (top > newest) {
      throw new MigrationError(`database schema version ${top} is newer than this program knows (${newest}): run the newer release, or restore a backup made by this one`);
    }
    const pending = list.filter((m) => !done.has(m.version));
    if (!pending.length) return [];

    if (await takeLock(col, opts.owner, leaseMs)) {
      const renew = setInterval(() => {
        col.updateOne({ _id: LOCK_ID, owner: opts.owner }, { $set: { until: new Date(Date.now() + leaseMs) } }).catch(() => undefined);
      }, Math.max(1000, Math.floor(leaseMs / 3)));
      renew.unref();
      const applied: number[] = [];
      try {
        // Read again under the lock: a process that held it before us may have run some.
        const now = new Set((await appliedVersions(db)).map((a) => a.version));
        for (const m of list.filter((x) => !now.has(x.version))) {
          const started = Date.now();
          log(`schema migration ${m.version} (${m.name})…`);
          try {
            await m.up(db, log);
          } catch (err) {
            const at = applied.length ? applied[applied.length - 1] : Math.max(0, ...now);
            throw new MigrationError(`schema migration ${m.version} (${m.name}) failed: ${oneLine(err)}; the database stays at version ${at}, start-up stopped`);
          }
          await col.insertOne({ _id: versionId(m.version), version: m.version, name: m.name, appliedAt: new Date(), appliedBy: opts.owner, ms: Date.now() - started });
          applied.push(m.version);
        }
        if (applied.length) log(`schema at version ${applied[applied.length - 1]}`);
        return applied;
      } finally {
        clearInterval(renew);
        await col.deleteOne({ _id: LOCK_ID, owner: opts.owner }).catch(() => undefined);
      }
    }
    if (!waited) log('another process is migrating the database; waiting…');
    waited = true;
    if (Date.now() > deadline) throw new MigrationError('gave up waiting for another process to finish the schema migrations (its lock is still held): look at that process, or wait for its lease to expire and start again');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The guarded insert; an expired lock (its holder died) is taken over by a guarded update. */
async function takeLock(col: mongo.Collection<MigrationDoc>, owner: string, leaseMs: number): Promise<boolean> {
  const now = new Date();
  try {
    await col.insertOne({ _id: LOCK_ID, owner, until: new Date(now.getTime() + leaseMs) });
    return true;
  } catch (err) {
    if ((err as { code?: number }).code !== 11000) throw err;
  }
  const r = await col.updateOne({ _id: LOCK_ID, until: { $lt: now } }, { $set: { owner, until: new Date(now.getTime() + leaseMs) } });
  return r.modifiedCount === 1;
}

const oneLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim().slice(0, 300);
