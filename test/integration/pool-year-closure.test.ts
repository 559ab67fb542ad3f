/**
 * Closed entities from the registry import (R5): the registry file's 登记状态 column
 * (注销 / 吊销 / 撤销) makes the yearly adjustment propose archiving the entity with
 * the import as evidence; applied by another 联席办 member (R20), the entity is kept,
 * archived, never drawn. A row without the column, or 存续, leaves the entity as it was.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Outcome } from '../../bot/router';
import { replyText } from '../../bot/types';
import { cliCaller } from '../../src/services/context';
import { testCounty, type TestCounty } from '../helpers/county';
import { addEntities, code, saveUsers } from '../helpers/fixtures';

const clock = { t: Date.parse('2026-12-20T02:00:00Z') };
const now = () => new Date(clock.t);
const admin = cliCaller('closure-test');
let dir: string;
let county: TestCounty;
const say = (userId: string, t: string): Promise<Outcome> => county.router.respond({ channel: 'shell', senderId: userId, text: t });
const all = (o: Outcome) => o.replies.map(replyText).join('\n');

const COLUMNS = ['统一社会信用代码', '名称', '类型', '信用风险分类', '监管部门', '登记状态'];
function csv(name: string, rows: string[][]): string {
  const file = path.join(dir, name);
  writeFileSync(file, `${[COLUMNS, ...rows].map((r) => r.join(',')).join('\r\n')}\r\n`, 'utf8');
  return file;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'closure-'));
  county = await testCounty(now);
  await saveUsers(county.services, [
    { userId: 'lxb.a', name: '程丽华', department: '县市管局', roles: ['office'] },
    { userId: 'lxb.b', name: '王建国', department: '县市管局', roles: ['office'] },
  ]);
  await addEntities(county.db.repos, [{ n: 1 }, { n: 2, pool: 'A' }, { n: 3 }, { n: 4 }], new Date('2025-06-01T02:00:00Z'));
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await county.db.close();
});

it('R5: an imported 登记状态 of 注销 or 吊销 proposes archiving with the import as evidence; 存续 and a missing state propose nothing', async () => {
  const summary = await county.services.importer.importFile(admin, 'entities', csv('registry.csv', [
    [code(1), '万年县测试1有限公司', '企业', '一般', '县市管局', '注销'],
    [code(2), '万年县测试2有限公司', '企业', '一般', '县市管局', '吊销，未注销'],
    [code(3), '万年县测试3有限公司', '企业', '一般', '县市管局', '存续'],
    [code(4), '万年县测试4有限公司', '企业', '一般', '县市管局', ''],
  ]));
  expect(summary.rejected).toEqual([]);
  expect((await county.db.repos.entities.get(code(1)))?.registration).toBe('注销');
  expect((await county.db.repos.entities.get(code(3)))?.registration).toBeUndefined();

  const out = all(await say('lxb.a', '调库方案 2026'));
  const lineOf = (n: number) => out.split('\n').find((l) => l.includes(code(n))) ?? '';
  expect(lineOf(1)).toMatch(/B类→归档｜登记状态为“注销”/);
  expect(lineOf(1)).toContain('主体名录导入：登记状态“注销”');
  expect(lineOf(2)).toMatch(/A类→归档｜登记状态为“吊销”/);
  expect(lineOf(3)).toBe('');
  expect(lineOf(4)).toBe('');
});

it('R5, R20: applied by another 联席办 member, the closed entities are archived (kept, never drawn)', async () => {
  expect(all(await say('lxb.b', '确认调库 2026'))).not.toContain('R20');
  const closed = await county.db.repos.entities.get(code(1));
  expect(closed).toMatchObject({ archived: true, registration: '注销' });
  expect((await county.db.repos.entities.get(code(3)))?.archived).toBeUndefined();
});

it('a 登记状态 the county does not use is refused with what to write, row by row', async () => {
  const summary = await county.services.importer.importFile(admin, 'entities', csv('bad.csv', [
    [code(4), '万年县测试4有限公司', '企业', '一般', '县市管局', '迁出'],
  ]));
  expect(JSON.stringify(summary)).toContain('“登记状态”的值“迁出”无法识别，可选：存续、注销、吊销、撤销');
  expect((await county.db.repos.entities.get(code(4)))?.registration).toBeUndefined();
});
