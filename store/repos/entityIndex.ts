/**
 * The registry's read model: the searchable fields of every market entity, in
 * this process's memory, so that no chat command scans the entities collection
 * (查询, 查 <名称>, a plan's target count and checks, the draw's snapshot). On
 * FerretDB 1.24 any filter but an exact `_id` decodes every document in Go
 * (≈150 µs each: 45 s for a 300,000-entity county); here a pass over 300,000
 * entries takes milliseconds, on MongoDB and FerretDB alike.
 *
 * Kept correct across processes by an append-only change log in the database:
 *
 * - Every write to an entity appends its new searchable fields to `entity_log`
 *   under the next number of one counter (`counters` `_id: 'entity_log'`), the
 *   entry's `_id` being that number. A single-entity write (a pool placement, a
 *   proposal) takes its number *after* its update and then reads the entity
 *   back, so the highest-numbered entry of an entity holds its latest state,
 *   whatever order concurrent writers finish in. Import batches log the fields
 *   they wrote (never the pool of an existing entity), group-committed.
 * - Before answering, a process reads the counter (one `_id` read) and applies
 *   the entries it has not seen, each by `_id`: a change made in any process is
 *   seen by the next query in every other. An entry whose number was taken but
 *   that is not there yet (its writer is between the two writes) is waited for
 *   briefly; one that never comes (its writer died) is skipped and the model
 *   rebuilt in the background.
 * - A snapshot (`entity_snapshot`: a meta document and chunks of rows, read by
 *   `_id`) makes loading fast: a process loads the snapshot and replays the log
 *   after it. The first process that finds no snapshot builds one from a scan
 *   of the entities (once per database: instant on a new one, slow only on a
 *   database filled before this read model existed); `compact` writes a new
 *   one from memory when the log has grown.
 *
 * Memory: ≈300 bytes an entity (strings of facets are shared).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { mongo } from 'mongoose';
import type { Pool, RiskClass } from '../../src/domain/pools';
import { insertOnce } from './keys';

/** One entity as the read model keeps it. */
export interface IndexedEntity {
  code: string;
  name: string;
  /** The name folded for matching (full-width to half-width, lower case, no spaces). */
  norm: string;
  pool: Pool;
  industry: string;
  township: string;
  riskClass: RiskClass;
  departments: readonly string[];
  sectorTags: readonly string[];
  address: string;
  /** An open pool proposal ('' when none). */
  pendingPool: '' | Pool;
  /** Milliseconds since 1970 of the last finished inspection; 0 when never. */
  lastInspectedAt: number;
  /** The start of the digest of the imported row (store/repos/registry.ts), to see what an interrupted write left out. */
  rowHash: string;
}

/** What a log entry or snapshot row says of one entity: its code and the fields written (all of them for a full row). */
export type IndexRow = { code: string } & Partial<Omit<IndexedEntity, 'code' | 'norm'>>;

/** Folds a name or a typed query for matching: NFKC (full-width → half-width), lower case, no white space. */
export function foldText(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/\s+/g, '');
}

const SNAPSHOT_CHUNK = 5000;

/**
 * A log entry's `_id`: its number as a string. FerretDB 1.24 serves an exact `_id` from its
 * index only for strings (and ObjectIds); a numeric `_id` is found by a scan of the log.
 */
const logId = (seq: number) => String(seq);

/**
 * Rows as stored: gzip-compressed JSON in a binary field. FerretDB decodes a long string
 * field slowly (≈0.6 µs a character: 0.18 s for an import batch of 1,000 rows as text);
 * compressed binary is a fifth of the size and decodes at memory speed.
 */
const packRows = (rows: IndexRow[]): Buffer => gzipSync(Buffer.from(JSON.stringify(rows)), { level: 1 });
function unpackRows(stored: unknown): IndexRow[] {
  if (typeof stored === 'string') return JSON.parse(stored) as IndexRow[];
  const b = stored as { buffer?: ArrayBufferLike | Uint8Array } | Uint8Array;
  const bytes = b instanceof Uint8Array ? b : (b as { buffer: Uint8Array }).buffer;
  return JSON.parse(gunzipSync(Buffer.from(bytes)).toString('utf8')) as IndexRow[];
}
/** How long a reader waits for an entry whose number was taken but which is not written yet. */
const GAP_WAIT_MS = 3000;

/** What of a row digest the read model keeps (enough to tell two digests apart). */
export const hashKey = (h: string) => h.slice(0, 16);

/** The searchable fields of a stored entity document, as a full row. */
export function rowOf(d: Record<string, unknown>): IndexRow {
  return {
    code: String(d._id),
    name: String(d.name ?? ''),
    pool: (d.pool as Pool) ?? 'B',
    industry: String(d.industry ?? ''),
    township: String(d.township ?? ''),
    riskClass: d.riskClass as RiskClass,
    departments: Array.isArray(d.departments) ? d.departments.map(String) : [],
    sectorTags: Array.isArray(d.sectorTags) ? d.sectorTags.map(String) : [],
    address: String(d.address ?? ''),
    pendingPool: ((d.pendingPool as string) || '') as '' | Pool,
    lastInspectedAt: d.lastInspectedAt instanceof Date ? d.lastInspectedAt.getTime() : 0,
    rowHash: hashKey(String(d.rowHash ?? '')),
  };
}

/** The projection that `rowOf` needs. */
export const ROW_FIELDS = {
  _id: 1, name: 1, pool: 1, industry: 1, township: 1, riskClass: 1, departments: 1, sectorTags: 1, address: 1, pendingPool: 1, lastInspectedAt: 1, rowHash: 1,
} as const;

export interface EntityIndexCollections {
  entities: mongo.Collection;
  log: mongo.Collection;
  snapshot: mongo.Collection;
  counters: mongo.Collection;
}

export function createEntityIndex(cols: EntityIndexCollections) {
  const byCode = new Map<string, IndexedEntity>();
  let sorted: IndexedEntity[] = [];
  let sortedStale = false;
  let applied = 0;
  let ready: Promise<void> | undefined;
  let catching: Promise<void> | undefined;
  let rebuilding: Promise<void> | undefined;
  // Shared strings and lists: thousands of entities have the same township or departments.
  const interned = new Map<string, string>();
  const lists = new Map<string, readonly string[]>();
  const str = (s: string) => {
    const hit = interned.get(s);
    if (hit !== undefined) return hit;
    interned.set(s, s);
    return s;
  };
  const list = (xs: readonly string[]) => {
    const key = xs.join('\u0001');
    const hit = lists.get(key);
    if (hit) return hit;
    const frozen = Object.freeze(xs.map(str));
    lists.set(key, frozen);
    return frozen;
  };

  function apply(row: IndexRow): void {
    const had = byCode.get(row.code);
    if (!had && row.name === undefined) return; // a partial row for an entity this model never had: nothing to show
    const e: IndexedEntity = had ?? {
      code: row.code, name: '', norm: '', pool: 'B', industry: '', township: '', riskClass: '一般' as RiskClass,
      departments: [], sectorTags: [], address: '', pendingPool: '', lastInspectedAt: 0, rowHash: '',
    };
    if (row.name !== undefined) {
      e.name = row.name;
      e.norm = foldText(row.name);
    }
    if (row.pool !== undefined) e.pool = row.pool;
    if (row.industry !== undefined) e.industry = str(row.industry);
    if (row.township !== undefined) e.township = str(row.township);
    if (row.riskClass !== undefined) e.riskClass = str(row.riskClass) as RiskClass;
    if (row.departments !== undefined) e.departments = list(row.departments);
    if (row.sectorTags !== undefined) e.sectorTags = list(row.sectorTags);
    if (row.address !== undefined) e.address = row.address;
    if (row.pendingPool !== undefined) e.pendingPool = row.pendingPool;
    if (row.lastInspectedAt !== undefined) e.lastInspectedAt = row.lastInspectedAt;
    if (row.rowHash !== undefined) e.rowHash = hashKey(row.rowHash);
    if (!had) {
      byCode.set(e.code, e);
      sortedStale = true;
    }
  }

  async function counter(): Promise<number> {
    const d = await cols.counters.findOne({ _id: 'entity_log' as never });
    return Number(d?.seq ?? 0);
  }

  async function readEntry(seq: number): Promise<IndexRow[] | undefined> {
    const d = await cols.log.findOne({ _id: logId(seq) as never });
    return d ? unpackRows(d.rows) : undefined;
  }

  /** Builds a snapshot from a scan of the entities (no snapshot yet) and loads it. */
  async function bootstrap(): Promise<void> {
    const upTo = await counter(); // every entry up to here is in what the scan reads
    const rows: IndexRow[] = [];
    for await (const d of cols.entities.find({}, { projection: ROW_FIELDS, batchSize: 5000 })) rows.push(rowOf(d));
    for (const r of rows) apply(r);
    applied = upTo;
    const gen = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const chunks = await writeChunks(gen, rows);
    if (!(await insertOnce(cols.snapshot, { _id: 'meta', gen, upTo, chunks, at: new Date() }))) {
      await cols.snapshot.deleteMany({ gen }); // another process was first: keep its snapshot
    }
  }

  async function writeChunks(gen: string, rows: IndexRow[]): Promise<number> {
    let n = 0;
    for (let i = 0; i < rows.length; i += SNAPSHOT_CHUNK, n++) {
      await cols.snapshot.insertOne({ _id: `${gen}:${n}` as never, gen, rows: packRows(rows.slice(i, i + SNAPSHOT_CHUNK)) });
    }
    return n;
  }

  async function load(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      byCode.clear();
      sorted = [];
      sortedStale = true;
      applied = 0;
      const meta = await cols.snapshot.findOne({ _id: 'meta' as never });
      if (!meta) return bootstrap();
      let complete = true;
      for (let i = 0; i < Number(meta.chunks); i++) {
        const c = await cols.snapshot.findOne({ _id: `${String(meta.gen)}:${i}` as never });
        if (!c) { complete = false; break; } // replaced by a newer snapshot meanwhile: start again
        for (const r of unpackRows(c.rows)) apply(r);
      }
      if (complete) {
        applied = Number(meta.upTo);
        return;
      }
      if (attempt >= 3) throw new Error('entity snapshot keeps changing while it is read');
    }
  }

  async function catchUp(top: number): Promise<void> {
    while (applied < top) {
      const seq = applied + 1;
      let rows = await readEntry(seq);
      // Its number was taken, its entry not written yet: its writer is between the two writes.
      const deadline = Date.now() + GAP_WAIT_MS;
      while (!rows && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        rows = await readEntry(seq);
      }
      if (rows) for (const r of rows) apply(r);
      applied = seq;
      if (!rows) rebuildLater(); // its writer died between the two writes: what it changed is read again
    }
  }

  function rebuildLater(): void {
    rebuilding ??= (async () => {
      try {
        const upTo = await counter();
        const fresh = new Map<string, IndexRow>();
        for await (const d of cols.entities.find({}, { projection: ROW_FIELDS, batchSize: 5000 })) fresh.set(String(d._id), rowOf(d));
        for (const r of fresh.values()) apply(r);
        // Entries after `upTo` may predate what the scan read: apply them again, in order.
        for (let s = upTo + 1; s <= applied; s++) for (const r of (await readEntry(s)) ?? []) apply(r);
      } finally {
        rebuilding = undefined;
      }
    })().catch(() => undefined);
  }

  function inOrder(): IndexedEntity[] {
    if (sortedStale) {
      sorted = [...byCode.values()].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
      sortedStale = false;
    }
    return sorted;
  }

  /** Appends rows to the log, group-committed: rows handed in while a write is in flight go in the next one. */
  let waiting: { rows: IndexRow[]; done: () => void; fail: (e: unknown) => void }[] = [];
  let writing = false;
  async function flush(): Promise<void> {
    writing = true;
    try {
      while (waiting.length) {
        const batch = waiting;
        waiting = [];
        try {
          const seq = await nextSeq();
          await cols.log.insertOne({ _id: logId(seq) as never, at: new Date(), rows: packRows(batch.flatMap((b) => b.rows)) });
          for (const b of batch) b.done();
        } catch (err) {
          for (const b of batch) b.fail(err);
        }
      }
    } finally {
      writing = false;
    }
  }

  async function nextSeq(): Promise<number> {
    const r = await cols.counters.findOneAndUpdate({ _id: 'entity_log' as never }, { $inc: { seq: 1 } }, { upsert: true, returnDocument: 'after' });
    return Number(r?.seq);
  }

  return {
    /**
     * Loads the model once (and so makes sure the database has a snapshot to load from):
     * writers call it before their first write, so that a registry filled from empty is
     * loaded from its log alone, never scanned.
     */
    loaded(): Promise<void> {
      ready ??= load().catch((err) => { ready = undefined; throw err; });
      return ready;
    },

    /** Loads (once) and applies every change logged so far by any process. */
    async fresh(): Promise<void> {
      await this.loaded();
      const top = await counter();
      while (applied < top) {
        catching ??= catchUp(top).finally(() => { catching = undefined; });
        await catching;
      }
    },

    /** Every entity, ascending by credit code. Call `fresh` first. */
    all: (): readonly IndexedEntity[] => inOrder(),

    get: (code: string): IndexedEntity | undefined => byCode.get(code),

    size: () => byCode.size,

    /** Logs rows the caller has written (import batches). */
    log(rows: IndexRow[]): Promise<void> {
      if (rows.length === 0) return Promise.resolve();
      return new Promise<void>((done, fail) => {
        waiting.push({ rows, done, fail });
        if (!writing) void flush();
      });
    },

    /** Logs the current state of entities just written: number first, then read back (see the header). */
    async logCurrent(codes: string[]): Promise<void> {
      const seq = await nextSeq();
      const rows: IndexRow[] = [];
      for (let i = 0; i < codes.length; i += 16) {
        const got = await Promise.all(codes.slice(i, i + 16).map((code) => cols.entities.findOne({ _id: code as never }, { projection: ROW_FIELDS })));
        for (const d of got) if (d) rows.push(rowOf(d));
      }
      await cols.log.insertOne({ _id: logId(seq) as never, at: new Date(), rows: packRows(rows) });
    },

    /**
     * Given every stored entity's row digest (an import reads them first), logs again the
     * entities the read model lacks or holds with another digest: what an import cut off
     * between its entity write and its log write left out. Returns how many.
     */
    async repair(digests: ReadonlyMap<string, string>): Promise<number> {
      await this.fresh();
      const stale: string[] = [];
      for (const [code, hash] of digests) if (byCode.get(code)?.rowHash !== hashKey(hash)) stale.push(code);
      for (let i = 0; i < stale.length; i += 1000) await this.logCurrent(stale.slice(i, i + 1000));
      if (stale.length) await this.fresh();
      return stale.length;
    },

    /**
     * Writes a new snapshot from memory when more than `minEntries` log entries
     * came after the current one (a job runs it): loading then reads a few
     * chunks instead of the whole log. Returns whether it wrote one.
     */
    async compact(minEntries = 200): Promise<boolean> {
      await this.fresh();
      const meta = await cols.snapshot.findOne({ _id: 'meta' as never });
      if (!meta || applied - Number(meta.upTo) < minEntries) return false;
      const upTo = applied;
      const rows: IndexRow[] = inOrder().map(({ norm: _norm, ...e }) => e);
      const gen = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
      const chunks = await writeChunks(gen, rows);
      const r = await cols.snapshot.updateOne({ _id: 'meta' as never, gen: meta.gen }, { $set: { gen, upTo, chunks, at: new Date() } });
      if (r.modifiedCount !== 1) {
        await cols.snapshot.deleteMany({ gen });
        return false;
      }
      await cols.snapshot.deleteMany({ gen: meta.gen });
      return true;
    },
  };
}

export type EntityIndex = ReturnType<typeof createEntityIndex>;
