/** Inspectors (R7, R8, R8a) and inspection items (R9). */
import type { InspectorRecord } from '../../src/domain/inspector';
import type { ItemRecord } from '../../src/domain/item';
import type { Models } from '../models';
import { registryWriter } from './registry';

export type InspectorDoc = InspectorRecord & { updatedAt: Date; updatedBy: string };
export type ItemDoc = ItemRecord & { updatedAt: Date; updatedBy: string };

export function inspectorRepo(models: Models) {
  const col = models.Inspector.collection;
  const fromDoc = (d: Record<string, unknown>): InspectorDoc => {
    const { _id, ...rest } = d;
    return { inspectorNo: String(_id), ...(rest as Omit<InspectorDoc, 'inspectorNo'>) };
  };
  return {
    writer: registryWriter(models.Inspector),
    async byDepartment(department: string, opts: { activeOnly?: boolean } = {}): Promise<InspectorDoc[]> {
      const q: Record<string, unknown> = { department };
      if (opts.activeOnly) q.active = true;
      return (await col.find(q).sort({ _id: 1 }).toArray()).map(fromDoc);
    },
    async get(inspectorNo: string): Promise<InspectorDoc | undefined> {
      const d = await col.findOne({ _id: inspectorNo as never });
      return d ? fromDoc(d) : undefined;
    },
    count(): Promise<number> {
      return col.countDocuments({});
    },
  };
}

export function itemRepo(models: Models) {
  const col = models.Item.collection;
  const fromDoc = (d: Record<string, unknown>): ItemDoc => {
    const { _id, ...rest } = d;
    void _id;
    return rest as unknown as ItemDoc;
  };
  return {
    writer: registryWriter(models.Item),
    async byDepartment(department: string): Promise<ItemDoc[]> {
      return (await col.find({ department }).sort({ itemCode: 1 }).toArray()).map(fromDoc);
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
