/** The append-only audit log (R20) and the record of import runs. */
import { CHANNELS, type AuditEntry, type Change } from '../../src/domain/audit';
import type { ImportRunDoc } from '../../src/domain/records/importRun';
import type { Models } from '../models';
import { date, num, oneOf, optDate, str, type Stored } from './read';

/** The audit repo's one mapper: a stored entry → the domain's audit entry (R20). */
export function fromDoc(d: Stored): AuditEntry {
  const changes: Change[] = Array.isArray(d.changes)
    ? d.changes.map((c: Stored) => ({ field: str(c.field), from: str(c.from), to: str(c.to) }))
    : [];
  return { at: date(d.at), actor: str(d.actor), channel: oneOf(CHANNELS, d.channel), action: str(d.action), target: str(d.target), changes, note: str(d.note) };
}

const RUN_STATUSES: readonly ImportRunDoc['status'][] = ['running', 'done', 'failed'];

/** The import runs repo's one mapper: a stored run → the domain's import run record. */
export function importRunFromDoc(d: Stored): ImportRunDoc {
  const finishedAt = optDate(d.finishedAt);
  return {
    id: str(d._id), kind: str(d.kind), file: str(d.file), actor: str(d.actor), channel: str(d.channel),
    status: oneOf(RUN_STATUSES, d.status), imported: num(d.imported), updated: num(d.updated), unchanged: num(d.unchanged),
    rejected: num(d.rejected), lastCommittedRow: num(d.lastCommittedRow), error: str(d.error),
    startedAt: date(d.startedAt), ...(finishedAt ? { finishedAt } : {}),
  };
}

export function auditRepo(models: Models) {
  return {
    async append(entries: AuditEntry | AuditEntry[]): Promise<void> {
      const list = Array.isArray(entries) ? entries : [entries];
      if (list.length) await models.Audit.collection.insertMany(list.map((e) => ({ ...e })), { ordered: true });
    },
    async forTarget(target: string, limit = 50): Promise<AuditEntry[]> {
      const docs = await models.Audit.collection.find({ target }).sort({ at: -1 }).limit(limit).toArray();
      return docs.map(fromDoc);
    },
    /** Entries on any of several targets (one query), newest first; entries of the same instant in reverse order of writing. */
    async forTargets(targets: string[], limit = 500): Promise<AuditEntry[]> {
      if (targets.length === 0) return [];
      const docs = await models.Audit.collection.find({ target: { $in: targets } }).sort({ at: -1, _id: -1 }).limit(limit).toArray();
      return docs.map(({ _id, ...rest }) => { void _id; return rest as unknown as AuditEntry; });
    },
    async recent(action: string, limit = 50): Promise<AuditEntry[]> {
      const docs = await models.Audit.collection.find({ action }).sort({ at: -1 }).limit(limit).toArray();
      return docs.map(fromDoc);
    },
  };
}

export function importRunRepo(models: Models) {
  const M = models.ImportRun;
  return {
    async start(run: Pick<ImportRunDoc, 'kind' | 'file' | 'actor' | 'channel' | 'startedAt'>): Promise<string> {
      const doc = await M.create({ ...run, status: 'running' });
      return String(doc._id);
    },
    async progress(id: string, fields: Partial<Omit<ImportRunDoc, 'id'>>): Promise<void> {
      await M.updateOne({ _id: id }, { $set: fields });
    },
    async get(id: string): Promise<ImportRunDoc | undefined> {
      const d = await M.findById(id).lean();
      return d ? importRunFromDoc(d) : undefined;
    },
  };
}

export type AuditRepo = ReturnType<typeof auditRepo>;
export type ImportRunRepo = ReturnType<typeof importRunRepo>;
