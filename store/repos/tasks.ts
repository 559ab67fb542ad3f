/** Inspection tasks: numbered per department and year, changed only over the version read. */
import type { Models } from '../models';
import { createChangeFeed } from './changeFeed';
import { shapeOf, type TaskPart } from '../../src/domain/task';
import type { NewTask, TaskDoc, TaskPeriod } from '../../src/domain/records/task';
import { date, json, keyed, num, oneOf, optDate, str, strs, type CounterDoc, type Keyed, type Stored } from './read';

const STATUSES: readonly TaskDoc['status'][] = ['open', 'cancelled'];

/** The tasks repo's one mapper: a stored task document (or its change-feed row, dates as milliseconds) → the domain's task record. */
export function fromDoc(d: Stored): TaskDoc {
  const cancelledAt = optDate(d.cancelledAt);
  return {
    taskNo: str(d._id),
    year: num(d.year),
    issuer: str(d.issuer),
    lead: str(d.lead),
    departments: strs(d.departments),
    creditCode: str(d.creditCode),
    entityName: str(d.entityName),
    drawNos: strs(d.drawNos),
    planNos: strs(d.planNos),
    officers: strs(d.officers),
    items: strs(d.items),
    window: { from: str(d.windowFrom), to: str(d.windowTo) },
    parts: json<TaskPart[]>(d.parts),
    status: oneOf(STATUSES, d.status),
    createdAt: date(d.createdAt),
    updatedAt: date(d.updatedAt),
    ...(cancelledAt ? { cancelledAt } : {}),
    cancelReason: str(d.cancelReason),
    version: num(d.version),
  };
}

/** The stored document of a task (the inverse of fromDoc). */
function toStored(t: TaskDoc): Keyed {
  const { taskNo, window, parts, ...rest } = t;
  return { ...rest, _id: taskNo, windowFrom: window.from, windowTo: window.to, parts: JSON.stringify(parts) };
}

/** The stored fields that follow from the parts (kept flat so they can be queried). */
function derived(parts: TaskPart[]): Record<string, unknown> {
  const s = shapeOf(parts);
  return {
    lead: s.lead, departments: s.departments, officers: s.officers, items: s.items, windowFrom: s.window.from, windowTo: s.window.to,
    drawNos: [...new Set(parts.map((p) => p.drawNo))], planNos: [...new Set(parts.map((p) => p.planNo))], parts: JSON.stringify(parts),
  };
}

const inPeriod = (t: TaskDoc, p: TaskPeriod) => ('year' in p ? t.year === p.year : t.window.to >= p.endingFrom);

/** A task as its change feed carries it: the stored document, dates as milliseconds. */
type TaskRow = Keyed;
const DATES = ['createdAt', 'updatedAt', 'cancelledAt'];
function rowOf(d: Stored): TaskRow {
  const row: TaskRow = { ...d, _id: str(d._id) };
  for (const k of DATES) {
    const v = d[k];
    if (v instanceof Date) row[k] = v.getTime();
  }
  return row;
}
const taskOfRow = (row: TaskRow): TaskDoc => fromDoc(row);
const byCreated = (a: TaskDoc, b: TaskDoc) => a.createdAt.getTime() - b.createdAt.getTime() || (a.taskNo < b.taskNo ? -1 : a.taskNo > b.taskNo ? 1 : 0);
const byWindow = (a: TaskDoc, b: TaskDoc) => (a.window.from < b.window.from ? -1 : a.window.from > b.window.from ? 1 : a.taskNo < b.taskNo ? -1 : a.taskNo > b.taskNo ? 1 : 0);

/**
 * Tasks live in each process's memory too (a read model over the change feed,
 * changeFeed.ts: `task_log`, `task_snapshot`), so that 我的任务, a task list and
 * the draw's check for open tasks never scan the tasks collection.
 */
export function taskRepo(models: Models) {
  const col = keyed(models.Task);
  const counters = keyed<CounterDoc>(models.Counter);
  const tasks = new Map<string, TaskDoc>();
  const feed = createChangeFeed<TaskRow>('task', { source: models.Task, counters: models.Counter }, {
    projection: {},
    rowOf,
    apply: (row) => { tasks.set(row._id, taskOfRow(row)); },
    clear: () => tasks.clear(),
    rows: () => [...tasks.values()].map((t) => rowOf(toStored(t))),
  });
  const where = async (pred: (t: TaskDoc) => boolean, order = byCreated): Promise<TaskDoc[]> => {
    await feed.fresh();
    const out: TaskDoc[] = [];
    for (const t of tasks.values()) if (pred(t)) out.push(t);
    return out.sort(order);
  };
  /** After a write of one task: logs it as it now is, for every process's read model. */
  const logged = (changed: boolean, taskNo: string) => feed.logChanged(changed, taskNo);
  return {
    /** Reserves `count` consecutive numbers of a series at once; returns the first. */
    async reserve(series: string, count: number): Promise<number> {
      const r = await counters.findOneAndUpdate({ _id: series }, { $inc: { seq: count } }, { upsert: true, returnDocument: 'after' });
      return Number(r?.seq) - count + 1;
    },

    /** Inserts new tasks; returns them as stored. */
    async createMany(fresh: NewTask[]): Promise<TaskDoc[]> {
      if (fresh.length === 0) return [];
      await feed.loaded();
      const docs = fresh.map((t) => ({
        _id: t.taskNo, year: t.year, issuer: t.issuer, creditCode: t.creditCode, entityName: t.entityName,
        ...derived(t.parts), status: 'open', createdAt: t.at, updatedAt: t.at, cancelReason: '', version: 1,
      }));
      await col.insertMany(docs.map((d) => ({ ...d })), { ordered: true });
      await feed.log(docs.map((d) => rowOf(d)));
      return docs.map((d) => fromDoc(d));
    },

    async get(taskNo: string): Promise<TaskDoc | undefined> {
      const d = await col.findOne({ _id: taskNo });
      return d ? fromDoc(d) : undefined;
    },

    /** Open tasks of these entities, oldest first. */
    async openFor(creditCodes: string[]): Promise<TaskDoc[]> {
      if (creditCodes.length === 0) return [];
      const codes = new Set(creditCodes);
      return where((t) => t.status === 'open' && codes.has(t.creditCode));
    },

    /** Open tasks any of these departments takes part in, oldest first (for "who went last time"). */
    openForDepartments: (departments: string[]): Promise<TaskDoc[]> =>
      where((t) => t.status === 'open' && t.departments.some((d) => departments.includes(d))),

    /** Tasks a draw made or joined (any status), oldest first. */
    forDraw: (drawNo: string): Promise<TaskDoc[]> => where((t) => t.drawNos.includes(drawNo)),

    /** Open tasks of an officer: of a year, or (`{ endingFrom }`) every one whose window has not ended by that day. */
    forOfficer: (inspectorNo: string, when: TaskPeriod): Promise<TaskDoc[]> =>
      where((t) => t.status === 'open' && t.officers.includes(inspectorNo) && inPeriod(t, when), byWindow),

    forDepartment: (department: string, when: TaskPeriod): Promise<TaskDoc[]> =>
      where((t) => t.status === 'open' && t.departments.includes(department) && inPeriod(t, when), byWindow),

    forYear: (year: number): Promise<TaskDoc[]> => where((t) => t.year === year),

    /** Writes a new snapshot of the tasks' read model when its log has grown (a periodic job). */
    compactIndex: (minEntries?: number) => feed.compact(minEntries),

    /** Every task of one entity (any status), oldest first. */
    async forEntity(creditCode: string): Promise<TaskDoc[]> {
      return (await col.find({ creditCode }).sort({ createdAt: 1, _id: 1 }).toArray()).map(fromDoc);
    },

    /** Replaces the parts over the version read; false if the task changed meanwhile. */
    async setParts(t: TaskDoc, parts: TaskPart[], at: Date): Promise<boolean> {
      await feed.loaded();
      const r = await col.updateOne(
        { _id: t.taskNo, version: t.version, status: 'open' },
        { $set: { ...derived(parts), updatedAt: at, version: t.version + 1 } },
      );
      return logged(r.modifiedCount === 1, t.taskNo);
    },

    /** Cancels an open task over the version read; the task stays, marked cancelled. */
    async cancel(t: TaskDoc, at: Date, reason: string): Promise<boolean> {
      await feed.loaded();
      const r = await col.updateOne(
        { _id: t.taskNo, version: t.version, status: 'open' },
        { $set: { status: 'cancelled', cancelledAt: at, cancelReason: reason, updatedAt: at, version: t.version + 1 } },
      );
      return logged(r.modifiedCount === 1, t.taskNo);
    },
  };
}

export type TaskRepo = ReturnType<typeof taskRepo>;
