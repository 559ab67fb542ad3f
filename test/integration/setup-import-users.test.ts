/** `import users <file>`: people with platform ids and roles from a spreadsheet, row-level report, idempotent (R19, R20). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServices, type Services } from '../../src/app';
import { cliCaller } from '../../src/services/context';
import { freshDb, type TestDb } from '../helpers/db';

let db: TestDb;
let services: Services;
let clock = Date.parse('2026-12-01T01:00:00Z');
const now = () => new Date((clock += 1000));
const dir = mkdtempSync(path.join(os.tmpdir(), 'users-'));
const file = path.join(dir, 'users.csv');

beforeAll(async () => {
  db = await freshDb();
  await db.repos.org.seedDepartments();
  services = createServices({ repos: db.repos, now });
  writeFileSync(file, [
    '账号,姓名,部门,角色,企业微信账号,钉钉账号,手机号',
    'wang.xf,王伟,县消防救援大队,部门领导、经办人,WangWei,,13800000001',
    'li.yj,李娜,县应急局,leader,,ding001,',
    'bad.role,赵强,县应急局,局长,,,',
    'zhou.office,周敏,县教体局,联席办,,,',
    ',无账号,县市管局,经办人,,,',
  ].join('\n'));
});

afterAll(async () => {
  await db.close();
});

describe('import users', () => {
  it('R19, R20: saves good rows with platform ids and roles, reports bad rows by number, audited; the same file twice changes nothing', async () => {
    const r = await services.userImport.importFile(cliCaller('t'), file);
    expect([r.imported, r.updated, r.unchanged]).toEqual([2, 0, 0]);
    expect(r.rejected.map((x) => x.row)).toEqual([4, 5, 6]);
    expect(r.rejected[0]!.reason).toContain('角色“局长”无效');
    expect(r.rejected[1]!.reason).toContain('只能属于县市管局');
    expect(await db.repos.org.user('wang.xf')).toMatchObject({ department: 'XFJYDD', roles: ['leader', 'official'], wecomUserId: 'WangWei', mobile: '13800000001' });
    expect((await services.users.identify('dingtalk', 'ding001'))?.userId).toBe('li.yj');
    expect((await db.repos.audit.forTarget('user:wang.xf')).map((e) => e.action)).toEqual(['user.create']);
    const again = await services.userImport.importFile(cliCaller('t'), file);
    expect([again.imported, again.updated, again.unchanged, again.rejected.length]).toEqual([0, 0, 2, 3]);
    expect(await db.repos.audit.forTarget('user:wang.xf')).toHaveLength(1);
  });
});
