/**
 * The registry import's batch upsert, shaped for FerretDB (where `$in` and
 * non-_id queries are full scans and insertMany is fast): unknown keys are
 * bulk-inserted, rows whose digest is unchanged are skipped, and only changed
 * rows are read back and updated one by one under a digest guard, each with its
 * audit entry (R20). The run record is written with the first batch, and every
 * batch records how far the file is committed, so a failed run can resume.
 */
import { diff, type AuditEntry } from '../../domain/audit';
import type { RegistryWriter, StoredDoc } from '../../domain/records/registry';
import type { Caller, Deps } from '../context';
import { dataFields, type KindSpec } from './headers';

/** Concurrent guarded updates inside a batch. */
const UPDATE_CONCURRENCY = 4;
/** Where a rejected-row reason quotes a value, it is cut to this. */
const MAX_REASON_CHARS = 300;

/** A validated row waiting for its batch. */
export interface Pending {
  row: number;
  id: string;
  hash: string;
  data: Record<string, unknown>;
}

export interface BatchOptions {
  repos: Deps['repos'];
  writer: RegistryWriter;
  spec: KindSpec;
  caller: Caller;
  /** The file's name, for audit notes. */
  source: string;
  /** Fields a NEW record gets in place of the defaults (by natural key). */
  initial?: (key: string) => Record<string, unknown> | undefined;
  now: () => Date;
  /** The first row this run writes. */
  fromRow: number;
}

export function batchWriter(o: BatchOptions) {
  const { repos, writer, spec, caller, source, now, fromRow } = o;
  const kind = spec.kind;
  const fields = dataFields(spec);
  const startedAt = now();
  /** What was stored before this run (a key written by this run comes back in this file only as a rejected duplicate). */
  let digests = new Map<string, string>();
  let runId = '';
  const counts = { imported: 0, updated: 0, unchanged: 0 };
  const rejected: { row: number; reason: string }[] = [];
  const reject = (row: number, reason: string) => {
    rejected.push({ row, reason: reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS)}…` : reason });
  };
  let lastCommittedRow = fromRow - 1;

  const newDoc = (p: Pending, at: Date): StoredDoc => ({
    _id: p.id, ...p.data, ...spec.onInsert?.(caller, at), ...o.initial?.(p.id), rowHash: p.hash, createdAt: at, updatedAt: at, updatedBy: caller.userId,
  });

  /**
   * Writes one batch whole, then records how far the file is committed.
   * (`digests` is what was stored before this run; a key written by this run
   * comes back in this file only as a rejected duplicate.)
   */
  async function flush(batch: Pending[], upToRow: number): Promise<void> {
    if (!runId) runId = await repos.importRuns.start({ kind, file: source, actor: caller.userId, channel: caller.channel, startedAt });
    const at = now();
    const fresh: Pending[] = [];
    let changed: Pending[] = [];
    for (const p of batch) {
      const stored = digests.get(p.id);
      if (stored === undefined) fresh.push(p);
      else if (stored === p.hash) counts.unchanged += 1;
      else changed.push(p);
    }
    if (fresh.length) {
      const r = await writer.insertNew(fresh.map((p) => newDoc(p, at)));
      counts.imported += r.inserted;
      if (r.existing.length) {
        // Someone inserted these meanwhile: compare with what is stored now.
        const taken = new Set(r.existing);
        changed = changed.concat(fresh.filter((p) => taken.has(p.id)));
      }
    }
    const audits: AuditEntry[] = [];
    if (changed.length) {
      const stored = new Map((await writer.getMany(changed.map((p) => p.id))).map((d) => [String(d._id), d]));
      const updateOne = async (p: Pending) => {
        const doc = stored.get(p.id);
        if (!doc) {
          const r = await writer.insertNew([newDoc(p, at)]);
          if (r.inserted === 1) counts.imported += 1;
          else reject(p.row, '该记录刚被他人修改，请重新导入');
          return;
        }
        if (doc.rowHash === p.hash) { counts.unchanged += 1; return; }
        const before: Record<string, unknown> = {};
        for (const f of fields) if (doc[f] !== undefined && doc[f] !== null) before[f] = doc[f];
        const changes = diff(before, p.data);
        const unset = fields.filter((f) => p.data[f] === undefined && before[f] !== undefined);
        const set = changes.length ? { ...p.data, rowHash: p.hash, updatedAt: at, updatedBy: caller.userId } : { rowHash: p.hash };
        const ok = await writer.updateIfUnchanged(p.id, doc.rowHash, set, changes.length ? unset : []);
        if (!ok) { reject(p.row, '该记录刚被他人修改，请重新导入'); return; }
        if (!changes.length) { counts.unchanged += 1; return; }
        counts.updated += 1;
        audits.push({
          at, actor: caller.userId, channel: caller.channel, action: `${spec.target}.update`, target: `${spec.target}:${p.id}`,
          changes, note: `导入${spec.label}“${source}”第${p.row}行（导入批次 ${runId}）`,
        });
      };
      for (let i = 0; i < changed.length; i += UPDATE_CONCURRENCY) {
        await Promise.all(changed.slice(i, i + UPDATE_CONCURRENCY).map(updateOne));
      }
    }
    if (audits.length) await repos.audit.append(audits);
    lastCommittedRow = Math.max(lastCommittedRow, upToRow);
    await repos.importRuns.progress(runId, { ...counts, rejected: rejected.length, lastCommittedRow });
  }

  return {
    counts,
    rejected,
    reject,
    flush,
    /** The stored row digests, read once before the first batch. */
    stored(d: Map<string, string>): void { digests = d; },
    /** The run's id, '' until the first batch is written. */
    runId: (): string => runId,
    lastCommittedRow: (): number => lastCommittedRow,
  };
}
