/** The append-only audit log (R20) and the record of import runs. */
import type { AuditEntry } from '../../src/domain/audit';
import type { Models } from '../models';

export interface ImportRunDoc {
  id: string;
  kind: string;
  file: string;
  actor: string;
  channel: string;
  status: 'running' | 'done' | 'failed';
  imported: number;
  updated: number;
  unchanged: number;
  rejected: number;
  lastCommittedRow: number;
  error: string;
  startedAt: Date;
  finishedAt?: Date;
}

export function auditRepo(models: Models) {
  return {
    async append(entries: AuditEntry | AuditEntry[]): Promise<void> {
      const list = Array.isArray(entries) ? entries : [entries];
      if (list.length) await models.Audit.collection.insertMany(list.map((e) => ({ ...e })), { ordered: true });
    },
    async forTarget(target: string, limit = 50): Promise<AuditEntry[]> {
      const docs = await models.Audit.collection.find({ target }).sort({ at: -1 }).limit(limit).toArray();
      return docs.map(({ _id, ...rest }) => { void _id; return rest as unknown as AuditEntry; });
    },
    /** Entries on any of several targets (one query), newest first; entries of the same instant in reverse order of writing. */
    async forTargets(targets: string[], limit = 500): Promise<AuditEntry[]> {
      if (targets.length === 0) return [];
      const docs = await models.Audit.collection.find({ target: { $in: targets } }).sort({ at: -1, _id: -1 }).limit(limit).toArray();
      return docs.map(({ _id, ...rest }) => { void _id; return rest as unknown as AuditEntry; });
    },
    async recent(action: string, limit = 50): Promise<AuditEntry[]> {
      const docs = await models.Audit.collection.find({ action }).sort({ at: -1 }).limit(limit).toArray();
      return docs.map(({ _id, ...rest }) => { void _id; return rest as unknown as AuditEntry; });
    },
  };
}

export function importRunRepo(models: Models) {
  const M = models.ImportRun;
  const from = (d: Record<string, unknown>): ImportRunDoc => {
    const { _id, ...rest } = d;
    return { id: String(_id), ...(rest as Omit<ImportRunDoc, 'id'>) };
  };
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
      return d ? from(d as unknown as Record<string, unknown>) : undefined;
    },
  };
}

export type AuditRepo = ReturnType<typeof auditRepo>;
export type ImportRunRepo = ReturnType<typeof importRunRepo>;
