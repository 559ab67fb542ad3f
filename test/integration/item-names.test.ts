/**
 * A task's item names (检查单, 任务 <编号>, 录入结果) come from the items repo by `_id`,
 * whichever department's items they are; a key nobody has is left out, not guessed.
 */
import { freshDb, type TestDb } from '../helpers/db';
import { itemDoc } from '../helpers/fixtures';

let db: TestDb;

beforeAll(async () => {
  db = await freshDb();
  await db.repos.items.writer.insertNew([
    itemDoc('SCJGJ', 'SC001', '食品经营许可检查'), itemDoc('SCJGJ', 'SC002', '广告发布检查'), itemDoc('CZJ', 'CZ001', '会计信息质量检查'),
  ] as never);
});

afterAll(async () => {
  await db?.close();
});

it('names the items of several departments by key, once each, and leaves out a key nobody has', async () => {
  const names = await db.repos.items.names(['SCJGJ:SC002', 'CZJ:CZ001', 'SCJGJ:SC002', 'SCJGJ:SC999']);
  expect([...names.entries()]).toEqual([['SCJGJ:SC002', '广告发布检查'], ['CZJ:CZ001', '会计信息质量检查']]);
});
