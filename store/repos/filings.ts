/** Out-of-period filings (R2, R11): written once, listed by month and department. */
import type { Models } from '../models';
import type { Pool } from '../../src/domain/pools';

export interface FilingDoc {
  filingNo: string;
  month: string;
  department: string;
  creditCode: string;
  entityName: string;
  pool: Pool;
  reason: string;
  plannedDate: string;
  officers: string[];
  description: string;
  rules: string[];
  createdBy: string;
  createdAt: Date;
  /** Counts edits of a returned filing (修改备案); absent on a filing never edited (version 1). */
  version?: number;
  updatedBy?: string;
  updatedAt?: Date;
}

const fromDoc = (d: Record<string, unknown>): FilingDoc => {
  const { _id, ...rest } = d;
  return { filingNo: String(_id), ...(rest as Omit<FilingDoc, 'filingNo'>) };
};

export function filingRepo(models: Models) {
  const col = models.Filing.collection;
  return {
    async create(f: FilingDoc): Promise<void> {
      const { filingNo, ...rest } = f;
      await col.insertOne({ _id: filingNo as never, ...rest });
    },
    async get(filingNo: string): Promise<FilingDoc | undefined> {
      const d = await col.findOne({ _id: filingNo as never });
      return d ? fromDoc(d) : undefined;
    },
    /** Writes an edited filing over the version read (a filing never edited is version 1); false if it changed meanwhile. */
    async update(f: FilingDoc, readVersion: number): Promise<boolean> {
      const { filingNo, ...rest } = f;
      const guard = readVersion === 1 ? { $or: [{ version: 1 }, { version: { $exists: false } }] } : { version: readVersion };
      const r = await col.updateOne({ _id: filingNo as never, ...guard }, { $set: { ...rest, version: readVersion + 1 } });
      return r.modifiedCount === 1;
    },
    async forMonth(month: string, department?: string): Promise<FilingDoc[]> {
      const docs = await col.find(department ? { month, department } : { month }).sort({ department: 1, _id: 1 }).toArray();
      return docs.map(fromDoc);
    },
  };
}

export type FilingRepo = ReturnType<typeof filingRepo>;
