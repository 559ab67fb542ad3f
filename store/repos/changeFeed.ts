/**
 * A collection mirrored in each process's memory, kept correct across processes
 * by an append-only change log in the database — the machinery behind the
 * read models (entityIndex.ts, taskIndex.ts). On FerretDB 1.24 any filter but
 * an exact `_id` decodes every document in Go (≈150 µs each); a read model
 * answers lists and counts in memory and touches the database only by `_id`.
 *
 * - Every write to the source collection appends the written rows to
 *   `<name>_log` under the next number of one counter (`counters`
 *   `_id: '<name>_log'`), the entry's `_id` being that number as a string
 *   (FerretDB serves only string and ObjectId `_id`s from its index). A write of
 *   one document takes its number *after* its update and then reads the
 *   document back (`logCurrent`), so a document's highest-numbered entry holds
 *   its latest state whatever order concurrent writers finish in. Batches of
 *   rows the writer itself wrote are group-committed (`log`).
 * - Before answering, a process reads the counter (one `_id` read) and applies
 *   the entries it has not seen, each by `_id` (`fresh`): a change made in any
 *   process is seen by the next query in every other. An entry whose number was
 *   taken but that is not there yet (its writer is between its two writes) is
 *   waited for briefly; one that never comes (its writer died) is skipped and
 *   the model rebuilt from a scan in the background.
 * - A snapshot (`<name>_snapshot`: a meta document and chunks of rows, read by
 *   `_id`) makes loading fast: a process loads the snapshot and replays the log
 *   after it. The first process that finds no snapshot builds one from a scan
 *   (instant on a new database; slow only once, on a database filled before the
 *   read model existed), and writers load the model before their first write so
 *   a collection filled from empty is never scanned; `compact` writes a new
 *   snapshot from memory when the log has grown.
 *
 * Rows are stored gzip-compressed JSON in a binary field: FerretDB decodes a long
 * string field slowly (≈0.6 µs a character), compressed binary at memory speed.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Model } from 'mongoose';
import { insertOnce } from './keys';
import { bytes, json, keyed, type CounterDoc, type Keyed } from './read';

/** The mirrored collection's model and the counters' model; the feed's own collections are named after it. */
export interface FeedModels {
  source: Model<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  counters: Model<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** What a read model tells its feed: how rows look, and how to apply them to its memory. */
export interface FeedModel<Row> {
  /** The projection of a source document that `rowOf` needs. */
  projection: Record<string, 1>;
  /** A full row from a stored document. */
  rowOf(doc: Record<string, unknown>): Row;
  /** Applies a row (full, or the fields a writer wrote) to the model. */
  apply(row: Row): void;
  /** Forgets everything (before a load). */
  clear(): void;
  /** The model's current state as full rows (for a snapshot). */
  rows(): Row[];
}

const SNAPSHOT_CHUNK = 5000;
/** How long a reader waits for an entry whose number was taken but which is not written yet. */
const GAP_WAIT_MS = 3000;

const logId = (seq: number) => String(seq);
const pack = (rows: unknown[]): Buffer => gzipSync(Buffer.from(JSON.stringify(rows)), { level: 1 });
function unpack<Row>(stored: unknown): Row[] {
  if (typeof stored === 'string') return json<Row[]>(stored);
  return json<Row[]>(gunzipSync(bytes(stored)).toString('utf8'));
}
const newGen = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export function createChangeFeed<Row>(name: string, models: FeedModels, model: FeedModel<Row>) {
  const counterId = `${name}_log`;
  const cols = {
    source: keyed(models.source),
    log: models.source.db.collection<Keyed>(`${name}_log`),
    snapshot: models.source.db.collection<Keyed>(`${name}_snapshot`),
    counters: keyed<CounterDoc>(models.counters),
  };
  let applied = 0;
  let ready: Promise<void> | undefined;
  let catching: Promise<void> | undefined;
  let rebuilding: Promise<void> | undefined;

  async function counter(): Promise<number> {
    const d = await cols.counters.findOne({ _id: counterId });
    return Number(d?.seq ?? 0);
  }

  async function nextSeq(): Promise<number> {
    const r = await cols.counters.findOneAndUpdate({ _id: counterId }, { $inc: { seq: 1 } }, { upsert: true, returnDocument: 'after' });
    return Number(r?.seq);
  }

  async function readEntry(seq: number): Promise<Row[] | undefined> {
    const d = await cols.log.findOne({ _id: logId(seq) });
    return d ? unpack<Row>(d.rows) : undefined;
  }

  async function scan(): Promise<Row[]> {
    const rows: Row[] = [];
    for await (const d of cols.source.find({}, { projection: model.projection, batchSize: 5000 })) rows.push(model.rowOf(d));
    return rows;
  }

  async function writeChunks(gen: string, rows: Row[]): Promise<number> {
    let n = 0;
    for (let i = 0; i < rows.length; i += SNAPSHOT_CHUNK, n++) {
      await cols.snapshot.insertOne({ _id: `${gen}:${n}`, gen, rows: pack(rows.slice(i, i + SNAPSHOT_CHUNK)) });
    }
    return n;
  }

  /** No snapshot yet: builds one from a scan of the source, and loads it. */
  async function bootstrap(): Promise<void> {
    const upTo = await counter(); // every entry up to here is in what the scan reads
    const rows = await scan();
    for (const r of rows) model.apply(r);
    applied = upTo;
    const gen = newGen();
    const chunks = await writeChunks(gen, rows);
    if (!(await insertOnce(cols.snapshot, { _id: 'meta', gen, upTo, chunks, at: new Date() }))) {
      await cols.snapshot.deleteMany({ gen }); // another process was first: keep its snapshot
    }
  }

  async function load(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      model.clear();
      applied = 0;
      const meta = await cols.snapshot.findOne({ _id: 'meta' });
      if (!meta) return bootstrap();
      let complete = true;
      for (let i = 0; i < Number(meta.chunks); i++) {
        const c = await cols.snapshot.findOne({ _id: `${String(meta.gen)}:${i}` });
        if (!c) { complete = false; break; } // replaced by a newer snapshot meanwhile: start again
        for (const r of unpack<Row>(c.rows)) model.apply(r);
      }
      if (complete) {
        applied = Number(meta.upTo);
        return;
      }
      if (attempt >= 3) throw new Error(`${name} snapshot keeps changing while it is read`);
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
      if (rows) for (const r of rows) model.apply(r);
      applied = seq;
      if (!rows) rebuildLater(); // its writer died between the two writes: what it changed is read again
    }
  }

  function rebuildLater(): void {
    rebuilding ??= (async () => {
      try {
        const upTo = await counter();
        for (const r of await scan()) model.apply(r);
        // Entries after `upTo` may predate what the scan read: apply them again, in order.
        for (let s = upTo + 1; s <= applied; s++) for (const r of (await readEntry(s)) ?? []) model.apply(r);
      } finally {
        rebuilding = undefined;
      }
    })().catch(() => undefined);
  }

  // Rows handed to `log` while a write is in flight go in the next one (group commit).
  let waiting: { rows: Row[]; done: () => void; fail: (e: unknown) => void }[] = [];
  let writing = false;
  async function flush(): Promise<void> {
    writing = true;
    try {
      while (waiting.length) {
        const batch = waiting;
        waiting = [];
        try {
          const seq = await nextSeq();
          await cols.log.insertOne({ _id: logId(seq), at: new Date(), rows: pack(batch.flatMap((b) => b.rows)) });
          for (const b of batch) b.done();
        } catch (err) {
          for (const b of batch) b.fail(err);
        }
      }
    } finally {
      writing = false;
    }
  }

  return {
    /** Loads the model once; writers call it before their first write (see the header). */
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

    /** Logs rows the caller has written (batches of its own writes). */
    log(rows: Row[]): Promise<void> {
      if (rows.length === 0) return Promise.resolve();
      return new Promise<void>((done, fail) => {
        waiting.push({ rows, done, fail });
        if (!writing) void flush();
      });
    },

    /** After a write of one document: logs it as it now is when the write changed it; says whether it did. */
    async logChanged(changed: boolean, id: string): Promise<boolean> {
      if (changed) await this.logCurrent([id]);
      return changed;
    },

    /** Logs the current state of documents just written: number first, then read back. */
    async logCurrent(ids: string[]): Promise<void> {
      const seq = await nextSeq();
      const rows: Row[] = [];
      for (let i = 0; i < ids.length; i += 16) {
        const got = await Promise.all(ids.slice(i, i + 16).map((id) => cols.source.findOne({ _id: id }, { projection: model.projection })));
        for (const d of got) if (d) rows.push(model.rowOf(d));
      }
      await cols.log.insertOne({ _id: logId(seq), at: new Date(), rows: pack(rows) });
    },

    /**
     * Writes a new snapshot from memory when more than `minEntries` log entries came after
     * the current one (a job runs it): loading then reads a few chunks instead of the whole
     * log. Returns whether it wrote one.
     */
    async compact(minEntries = 200): Promise<boolean> {
      await this.fresh();
      const meta = await cols.snapshot.findOne({ _id: 'meta' });
      if (!meta || applied - Number(meta.upTo) < minEntries) return false;
      const upTo = applied;
      const gen = newGen();
      const chunks = await writeChunks(gen, model.rows());
      const r = await cols.snapshot.updateOne({ _id: 'meta', gen: meta.gen }, { $set: { gen, upTo, chunks, at: new Date() } });
      if (r.modifiedCount !== 1) {
        await cols.snapshot.deleteMany({ gen });
        return false;
      }
      await cols.snapshot.deleteMany({ gen: meta.gen });
      return true;
    },
  };
}

export type ChangeFeed<Row> = ReturnType<typeof createChangeFeed<Row>>;
