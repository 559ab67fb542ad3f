/** Out-of-period filings (R2, R11): written once, listed by month and department. */
import type { Models } from '../models';
import { POOLS } from '../../src/domain/pools';
import type { FilingDoc } from '../../src/domain/records/filing';
import { date, keyed, oneOf, optDate, optNum, optStr, str, strs, type Stored } from './read';

/** The filings repo's one mapper: a stored filing document → the domain's filing record. */
export function fromDoc(d: Stored): FilingDoc {
  const version = optNum(d.version);
  const updatedBy = optStr(d.updatedBy);
  const updatedAt = optDate(d.updatedAt);
  return {
    filingNo: str(d._id),
    month: str(d.month),
    department: str(d.department),
    creditCode: str(d.creditCode),
    entityName: str(d.entityName),
    pool: oneOf(POOLS, d.pool),
    reason: str(d.reason),
    plannedDate: str(d.plannedDate),
    officers: strs(d.officers),
    description: str(d.description),
    rules: strs(d.rules),
    createdBy: str(d.createdBy),
    createdAt: date(d.createdAt),
    ...(version !== undefined ? { version } : {}),
    ...(updatedBy !== undefined ? { updatedBy } : {}),
    ...(updatedAt !== undefined ? { updatedAt } : {}),
  };
}

export function filingRepo(models: Models) {
  const col = keyed(models.Filing);
  return {
    async create(f: FilingDoc): Promise<void> {
      const { filingNo, ...rest } = f;
      await col.insertOne({ _id: filingNo, ...rest });
    },
    async get(filingNo: string): Promise<FilingDoc | undefined> {
      const d = await col.findOne({ _id: filingNo });
      return d ? fromDoc(d) : undefined;
    },
    /** Writes an edited filing over the version read (a filing never edited is version 1); false if it changed meanwhile. */
    async update(f: FilingDoc, readVersion: number): Promise<boolean> {
      const { filingNo, ...rest } = f;
      const guard = readVersion === 1 ? { $or: [{ version: 1 }, { version: { $exists: false } }] } : { version: readVersion };
      const r = await col.updateOne({ _id: filingNo, ...guard }, { $set: { ...rest, version: readVersion + 1 } });
      return r.modifiedCount === 1;
    },
    async forMonth(month: string, department?: string): Promise<FilingDoc[]> {
      const docs = await col.find(department ? { month, department } : { month }).sort({ department: 1, _id: 1 }).toArray();
      return docs.map(fromDoc);
    },
  };
}

export type FilingRepo = ReturnType<typeof filingRepo>;
