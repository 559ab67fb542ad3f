/** Inspectors (R7, R8, R8a) and inspection items (R9). */
import { INSPECTOR_KINDS } from '../../src/domain/inspector';
import { POOLS } from '../../src/domain/pools';
import type { InspectorDoc, ItemDoc } from '../../src/domain/records/directory';
import type { Models } from '../models';
import { bool, date, keyed, oneOf, opt, str, strs, type Stored } from './read';
import { registryWriter } from './registryWriter';

/** The inspectors repo's one mapper: a stored inspector document → the domain's inspector record. */
export function inspectorFromDoc(d: Stored): InspectorDoc {
  return {
    inspectorNo: str(d._id),
    name: str(d.name),
    department: str(d.department),
    kind: oneOf(INSPECTOR_KINDS, d.kind),
    certificateNo: str(d.certificateNo),
    ...opt('certificateExpiry', d.certificateExpiry),
    qualification: str(d.qualification),
    specialties: strs(d.specialties),
    jointPool: bool(d.jointPool),
    ...opt('jointPoolUpdatedOn', d.jointPoolUpdatedOn),
    active: d.active === undefined ? true : bool(d.active),
    conflicts: strs(d.conflicts),
    ...opt('mobile', d.mobile),
    ...opt('platformId', d.platformId),
    updatedAt: date(d.updatedAt),
    updatedBy: str(d.updatedBy),
  };
}

/** The items repo's one mapper: a stored item document → the domain's item record. */
export function itemFromDoc(d: Stored): ItemDoc {
  return {
    itemCode: str(d.itemCode),
    department: str(d.department),
    name: str(d.name),
    legalBasis: str(d.legalBasis),
    powerListCode: str(d.powerListCode),
    pools: strs(d.pools).map((p) => oneOf(POOLS, p)),
    jointListA: bool(d.jointListA),
    ...opt('jointListFiledOn', d.jointListFiledOn),
    specialty: str(d.specialty),
    updatedAt: date(d.updatedAt),
    updatedBy: str(d.updatedBy),
  };
}

export function inspectorRepo(models: Models) {
  const col = keyed(models.Inspector);
  const fromDoc = inspectorFromDoc;
  return {
    writer: registryWriter(models.Inspector),
    async byDepartment(department: string, opts: { activeOnly?: boolean } = {}): Promise<InspectorDoc[]> {
      const q: Record<string, unknown> = { department };
      if (opts.activeOnly) q.active = true;
      return (await col.find(q).sort({ _id: 1 }).toArray()).map(fromDoc);
    },
    async get(inspectorNo: string): Promise<InspectorDoc | undefined> {
      const d = await col.findOne({ _id: inspectorNo });
      return d ? fromDoc(d) : undefined;
    },
    count(): Promise<number> {
      return col.countDocuments({});
    },
  };
}

export function itemRepo(models: Models) {
  const col = keyed(models.Item);
  const fromDoc = itemFromDoc;
  return {
    writer: registryWriter(models.Item),
    async byDepartment(department: string): Promise<ItemDoc[]> {
      return (await col.find({ department }).sort({ itemCode: 1 }).toArray()).map(fromDoc);
    },
    /**
     * Item names by key ("<部门>:<事项编码>", the items' `_id`s), each read by `_id` at once: a
     * department's list is a pass over every item on FerretDB. Unknown keys are left out.
     */
    async names(keys: string[]): Promise<Map<string, string>> {
      const unique = [...new Set(keys)];
      const docs = await Promise.all(unique.map((k) => col.findOne({ _id: k }, { projection: { name: 1 } })));
      return new Map(unique.flatMap((k, i) => (docs[i] ? [[k, str(docs[i].name)] as [string, string]] : [])));
    },
    count(): Promise<number> {
      return col.countDocuments({});
    },
    async all(): Promise<ItemDoc[]> {
      return (await col.find({}).sort({ department: 1, itemCode: 1 }).toArray()).map(fromDoc);
    },
  };
}

export type InspectorRepo = ReturnType<typeof inspectorRepo>;
export type ItemRepo = ReturnType<typeof itemRepo>;
