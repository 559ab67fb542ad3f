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
    async forMonth(month: string, department?: string): Promise<FilingDoc[]> {
      const docs = await col.find(department ? { month, department } : { month }).sort({ department: 1, _id: 1 }).toArray();
      return docs.map(fromDoc);
    },
  };
}

export type FilingRepo = ReturnType<typeof filingRepo>;
