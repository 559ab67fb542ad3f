/**
 * Tasks' read model on the real database: tasks made, changed or cancelled in
 * one process are seen by the next list in another (我的任务, a draw's tasks,
 * open tasks of an entity), and a new process loads them from the change log.
 */
import { connect } from '../../store/connection';
import { createRepos, type Repos } from '../../store/repos';
import type { TaskPart } from '../../src/domain/task';
import { freshDb, type TestDb } from '../helpers/db';
import { code } from '../helpers/fixtures';

let db: TestDb;
let other: Awaited<ReturnType<typeof connect>>;
let b: Repos;
const at = new Date('2026-06-01T02:00:00Z');

const part = (drawNo: string, department: string, officers: string[]): TaskPart => ({
  drawNo, planNo: drawNo.replace(/-\d+$/, ''), departments: [department], items: [`${department}:X1`], window: { from: '2026-06-01', to: '2026-06-30' },
  officers: officers.map((inspectorNo, i) => ({ inspectorNo, name: inspectorNo, department, leader: i === 0, expert: false })), at: at.toISOString(),
});

beforeAll(async () => {
  db = await freshDb();
  other = await connect(db.uri, db.dbName);
  b = createRepos(other.models);
});
afterAll(async () => {
  await other?.close();
  await db?.close();
});

it('tasks made in one process are listed by the next query in another; a change and a cancellation too', async () => {
  expect(await b.tasks.forDepartment('SCJGJ', { year: 2026 })).toEqual([]);
  await db.repos.tasks.createMany([
    { taskNo: 'T-2', year: 2026, issuer: 'SCJGJ', creditCode: code(2), entityName: '乙', parts: [part('JH-1-1', 'SCJGJ', ['P1', 'P2'])], at },
    { taskNo: 'T-1', year: 2026, issuer: 'SCJGJ', creditCode: code(1), entityName: '甲', parts: [part('JH-1-1', 'SCJGJ', ['P2', 'P3'])], at },
  ]);
  expect((await b.tasks.forDepartment('SCJGJ', { year: 2026 })).map((t) => t.taskNo)).toEqual(['T-1', 'T-2']);
  expect((await b.tasks.forOfficer('P1', { endingFrom: '2026-06-15' })).map((t) => t.taskNo)).toEqual(['T-2']);
  expect((await b.tasks.openFor([code(1)])).map((t) => t.entityName)).toEqual(['甲']);
  expect((await b.tasks.forDraw('JH-1-1')).map((t) => t.createdAt)).toEqual([at, at]);

  // Another department joins T-1 in B; A sees the new part at once.
  const t1 = (await b.tasks.get('T-1'))!;
  expect(await b.tasks.setParts(t1, [...t1.parts, part('JH-2-1', 'XFJYDD', ['F1', 'F2'])], at)).toBe(true);
  expect((await db.repos.tasks.openForDepartments(['XFJYDD'])).map((t) => t.taskNo)).toEqual(['T-1']);
  expect((await db.repos.tasks.forOfficer('F1', { year: 2026 })).map((t) => t.departments)).toEqual([['SCJGJ', 'XFJYDD']]);

  // Cancelled in A: gone from B's open lists, still in the draw's.
  const t2 = (await db.repos.tasks.get('T-2'))!;
  expect(await db.repos.tasks.cancel(t2, at, '测试作废')).toBe(true);
  expect((await b.tasks.openFor([code(2)]))).toEqual([]);
  expect((await b.tasks.forDraw('JH-1-1')).find((t) => t.taskNo === 'T-2')?.status).toBe('cancelled');

  // A process starting now loads the same from the log.
  const third = await connect(db.uri, db.dbName);
  try {
    const c = createRepos(third.models);
    expect(await c.tasks.forYear(2026)).toEqual(await db.repos.tasks.forYear(2026));
  } finally {
    await third.close();
  }
});
