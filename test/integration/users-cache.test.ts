/**
 * The users list is kept in each process's memory under a version every user write bumps:
 * a second process (its own connection and repos) sees a user saved by the first at its
 * next read, and a deactivated decider stops being one (R20) at once in every process.
 */
import { connect } from '../../store/connection';
import { createRepos, type Repos } from '../../store/repos';
import type { UserDoc } from '../../src/domain/records/org';
import { freshDb, type TestDb } from '../helpers/db';

let db: TestDb;
let other: { repos: Repos; close: () => Promise<void> };
const at = new Date('2026-12-01T02:00:00Z');
const user = (userId: string, over: Partial<UserDoc> = {}): UserDoc => ({
  userId, name: userId, department: 'SCJGJ', roles: ['office'], active: true, createdAt: at, updatedAt: at, ...over,
});

beforeAll(async () => {
  db = await freshDb();
  const conn = await connect(db.uri, db.dbName);
  other = { repos: createRepos(conn.models), close: conn.close };
});

afterAll(async () => {
  await other?.close();
  await db?.close();
});

it('R20: a user saved or deactivated in one process is in the next users() of another, which had the list cached', async () => {
  await db.repos.org.saveUser(user('lxb.a'));
  expect((await other.repos.org.users()).map((u) => u.userId)).toEqual(['lxb.a']);
  expect((await other.repos.org.users()).map((u) => u.userId)).toEqual(['lxb.a']); // from memory

  await db.repos.org.saveUser(user('lxb.b'));
  expect((await other.repos.org.users()).map((u) => u.userId).sort()).toEqual(['lxb.a', 'lxb.b']);

  await db.repos.org.saveUser(user('lxb.a', { active: false }));
  expect((await other.repos.org.users()).find((u) => u.userId === 'lxb.a')?.active).toBe(false);
});

it('the cached records are shared, so they are frozen: a caller cannot change another caller\'s list', async () => {
  const [first] = await db.repos.org.users();
  expect(Object.isFrozen(first)).toBe(true);
  expect(Object.isFrozen(first.roles)).toBe(true);
  const list = await db.repos.org.users();
  list.pop();
  expect((await db.repos.org.users()).length).toBe(2);
});
