/** Inspection tasks (issue 5): numbered per department and year, changed only over the version read. */
import type { Models } from '../models';
import { shapeOf, type TaskPart } from '../../src/domain/task';

export interface TaskDoc {
  taskNo: string;
  year: number;
  /** The department whose series numbered the task (the lead when it was made). */
  issuer: string;
  lead: string;
  departments: string[];
  creditCode: string;
  entityName: string;
  drawNos: string[];
  planNos: string[];
  officers: string[];
  items: string[];
  window: { from: string; to: string };
  /** Each draw's share, earliest first. */
  parts: TaskPart[];
  status: 'open' | 'cancelled';
  createdAt: Date;
  updatedAt: Date;
  cancelledAt?: Date;
  cancelReason: string;
  version: number;
}

function fromDoc(d: Record<string, unknown>): TaskDoc {
  const { _id, parts, windowFrom, windowTo, ...rest } = d;
  return {
    ...(rest as Omit<TaskDoc, 'taskNo' | 'parts' | 'window'>),
    taskNo: String(_id),
    window: { from: String(windowFrom), to: String(windowTo) },
    parts: JSON.parse(String(parts)) as TaskPart[],
  };
}

/** The stored fields that follow from the parts (kept flat so they can be queried). */
function derived(parts: TaskPart[]): Record<string, unknown> {
  const s = shapeOf(parts);
  return {
    lead: s.lead, departments: s.departments, officers: s.officers, items: s.items, windowFrom: s.window.from, windowTo: s.window.to,
    drawNos: [...new Set(parts.map((p) => p.drawNo))], planNos: [...new Set(parts.map((p) => p.planNo))], parts: JSON.stringify(parts),
  };
}

export interface NewTask {
  taskNo: string;
  year: number;
  issuer: string;
  creditCode: string;
  entityName: string;
  parts: TaskPart[];
  at: Date;
}

/** A year, or every task whose window ends on or after a day ('YYYY-MM-DD'). */
export type TaskPeriod = { year: number } | { endingFrom: string };
const period = (p: TaskPeriod) => ('year' in p ? { year: p.year } : { windowTo: { $gte: p.endingFrom } });

export function taskRepo(models: Models) {
  const col = models.Task.collection;
  const counters = models.Counter.collection;
  return {
    /** Reserves `count` consecutive numbers of a series at once; returns the first. */
    async reserve(series: string, count: number): Promise<number> {
      const r = await counters.findOneAndUpdate({ _id: series as never }, { $inc: { seq: count } }, { upsert: true, returnDocument: 'after' });
      return Number(r?.seq) - count + 1;
    },

    /** Inserts new tasks; returns them as stored. */
    async createMany(tasks: NewTask[]): Promise<TaskDoc[]> {
      if (tasks.length === 0) return [];
      const docs = tasks.map((t) => ({
        _id: t.taskNo, year: t.year, issuer: t.issuer, creditCode: t.creditCode, entityName: t.entityName,
        ...derived(t.parts), status: 'open', createdAt: t.at, updatedAt: t.at, cancelReason: '', version: 1,
      }));
      await col.insertMany(docs.map((d) => ({ ...d })) as never[], { ordered: true });
      return docs.map((d) => fromDoc(d));
    },

    async get(taskNo: string): Promise<TaskDoc | undefined> {
      const d = await col.findOne({ _id: taskNo as never });
      return d ? fromDoc(d) : undefined;
    },

    /** Open tasks of these entities, oldest first. */
    async openFor(creditCodes: string[]): Promise<TaskDoc[]> {
      if (creditCodes.length === 0) return [];
      const docs = await col.find({ creditCode: { $in: creditCodes }, status: 'open' }).sort({ createdAt: 1, _id: 1 }).toArray();
      return docs.map(fromDoc);
    },

    /** Open tasks any of these departments takes part in, oldest first (for "who went last time"). */
    async openForDepartments(departments: string[]): Promise<TaskDoc[]> {
      const docs = await col.find({ departments: { $in: departments }, status: 'open' }).sort({ createdAt: 1, _id: 1 }).toArray();
      return docs.map(fromDoc);
    },

    /** Tasks a draw made or joined (any status), oldest first. */
    async forDraw(drawNo: string): Promise<TaskDoc[]> {
      return (await col.find({ drawNos: drawNo }).sort({ createdAt: 1, _id: 1 }).toArray()).map(fromDoc);
    },

    /** Open tasks of an officer: of a year, or (`{ endingFrom }`) every one whose window has not ended by that day. */
    async forOfficer(inspectorNo: string, when: TaskPeriod): Promise<TaskDoc[]> {
      return (await col.find({ officers: inspectorNo, ...period(when), status: 'open' }).sort({ windowFrom: 1, _id: 1 }).toArray()).map(fromDoc);
    },

    async forDepartment(department: string, when: TaskPeriod): Promise<TaskDoc[]> {
      return (await col.find({ departments: department, ...period(when), status: 'open' }).sort({ windowFrom: 1, _id: 1 }).toArray()).map(fromDoc);
    },

    async forYear(year: number): Promise<TaskDoc[]> {
      return (await col.find({ year }).sort({ createdAt: 1, _id: 1 }).toArray()).map(fromDoc);
    },

    /** Every task of one entity (any status), oldest first. */
    async forEntity(creditCode: string): Promise<TaskDoc[]> {
      return (await col.find({ creditCode }).sort({ createdAt: 1, _id: 1 }).toArray()).map(fromDoc);
    },

    /** Replaces the parts over the version read; false if the task changed meanwhile. */
    async setParts(t: TaskDoc, parts: TaskPart[], at: Date): Promise<boolean> {
      const r = await col.updateOne(
        { _id: t.taskNo as never, version: t.version, status: 'open' },
        { $set: { ...derived(parts), updatedAt: at, version: t.version + 1 } },
      );
      return r.modifiedCount === 1;
    },

    /** Cancels an open task over the version read; the task stays, marked cancelled. */
    async cancel(t: TaskDoc, at: Date, reason: string): Promise<boolean> {
      const r = await col.updateOne(
        { _id: t.taskNo as never, version: t.version, status: 'open' },
        { $set: { status: 'cancelled', cancelledAt: at, cancelReason: reason, updatedAt: at, version: t.version + 1 } },
      );
      return r.modifiedCount === 1;
    },
  };
}

export type TaskRepo = ReturnType<typeof taskRepo>;
