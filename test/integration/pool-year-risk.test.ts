/**
 * Credit-risk classification import (R6) on the real database, through the CLI
 * command as an operator runs it: rows checked and reported by row number, A–D
 * mapped, the class history kept (the same file twice changes nothing), the
 * newest classification sets the class, and its change feeds the next pool
 * adjustment (R5) beside the R17 proposals from results.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Services } from '../../src/app';
import { parseRiskRow } from '../../src/domain/riskClass';
import { importCommand } from '../../src/cli/commands/import';
import type { App } from '../../src/app';
import type { TestDb } from '../helpers/db';
import { testCounty } from '../helpers/county';
import { addEntities, code, saveUsers } from '../helpers/fixtures';
import type { Outcome, Router } from '../../bot/router';
import { replyText } from '../../bot/types';

let db: TestDb;
let services: Services;
let router: Router;
const clock = { t: Date.parse('2026-10-10T02:00:00Z') };
const now = () => new Date(clock.t);
const dir = mkdtempSync(path.join(os.tmpdir(), 'risk-import-'));
const say = (userId: string, t: string): Promise<Outcome> => router.respond({ channel: 'shell', senderId: userId, text: t });
const all = (o: Outcome) => o.replies.map(replyText).join('\n');

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const app = { services, repos: db.repos } as unknown as App;
  const code = await importCommand.run(args, app, { out: (s: string) => { out += s; }, err: (s: string) => { err += s; }, isTTY: false } as never);
  return { code, out, err };
}

beforeAll(async () => {
  ({ db, services, router } = await testCounty(now));
  await saveUsers(services, [
    { userId: 'lxb.a', name: '程丽华', department: '县市管局', roles: ['office'] },
    { userId: 'lxb.b', name: '王建国', department: '县市管局', roles: ['office'] },
  ]);
  await addEntities(db.repos, [{ n: 1, riskClass: '一般' }, { n: 2, riskClass: '低' }, { n: 3, riskClass: '较高' }, { n: 4, riskClass: '一般' }], new Date('2025-03-01T02:00:00Z'));
});

afterAll(async () => {
  await db.close();
});

describe('credit-risk class import (R6)', () => {
  const file = path.join(dir, 'risk.csv');
  it('R6: maps 低/一般/较高/高 and A–D, reports bad rows by number, sets the class from the newest row', async () => {
    writeFileSync(file, [
      '统一社会信用代码,信用风险分类,分类日期,来源',
      `${code(1)},D,2026-09-01,江西省企业信用风险分类结果`,
      `${code(2)},信用风险低,2026-09-01,`,
      `${code(3)},一般,2026-09-01,江西省企业信用风险分类结果`,
      `${code(3)},高,2026-09-01,江西省企业信用风险分类结果`,
      `${code(4)},很高,2026-09-01,x`,
      '91361129000000999X,高,2026-09-01,x',
      `${code(999)},高,2026-09-01,x`,
      `${code(4)},高,2026-13-01,x`,
      `${code(4)},高,2027-01-01,x`,
    ].join('\n'));
    const r = await cli(['risk', file, '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out) as { changed: number; unchanged: number; repeated: number; rejected: { row: number; reason: string }[] };
    expect(s.changed).toBe(2); // 1: 一般→高 (D); 3: 较高→一般
    expect(s.unchanged).toBe(1); // 2: already 低
    expect(s.rejected.map((x) => x.row)).toEqual([5, 6, 7, 8, 9, 10]);
    expect(s.rejected[0].reason).toContain('与第4行');
    expect(s.rejected[1].reason).toContain('很高');
    expect(s.rejected[3].reason).toContain('未找到');
    expect(s.rejected[4].reason).toContain('有效日期');
    expect(s.rejected[5].reason).toContain('晚于今天');
    expect((await db.repos.entities.get(code(1)))!.riskClass).toBe('高');
    expect((await db.repos.entities.get(code(3)))!.riskClass).toBe('一般');
    // The read model follows: 查询 风险=高 finds it.
    expect(await db.repos.entities.count({ riskClass: '高' })).toBe(1);
  });

  it('R6: the same file twice changes nothing; an older classification is kept in the history only', async () => {
    const again = JSON.parse((await cli(['risk', file, '--json'])).out) as { changed: number; repeated: number };
    expect(again.changed).toBe(0);
    expect(again.repeated).toBe(3);
    const older = path.join(dir, 'older.csv');
    writeFileSync(older, ['统一社会信用代码,风险分类,分类日期', `${code(1)},A,2025-09-01`].join('\n'));
    const r = JSON.parse((await cli(['risk', older, '--json'])).out) as { changed: number; unchanged: number };
    expect(r).toMatchObject({ changed: 0, unchanged: 1 });
    expect((await db.repos.entities.get(code(1)))!.riskClass).toBe('高');
    const history = await services.riskImport.history(code(1));
    expect(history.map((h) => [h.date, h.riskClass, h.written])).toEqual([['2026-09-01', '高', 'D'], ['2025-09-01', '低', 'A']]);
  });

  it('R6: a file without the required columns is refused whole; plain text summary lists rows', async () => {
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, ['代码,等级', `${code(1)},高`].join('\n'));
    await expect(cli(['risk', bad])).rejects.toThrow('缺少列');
    writeFileSync(bad, ['统一社会信用代码,信用风险分类,分类日期', `${code(2)},X,2026-09-01`].join('\n'));
    const r = await cli(['risk', bad]);
    expect(r.out).toContain('第2行：信用风险分类“X”无法识别');
  });

  it('R6: parse rule maps A–D to 低/一般/较高/高 (pure)', () => {
    const p = (c: string) => parseRiskRow({ creditCode: code(1), riskClass: c, date: '2026-01-02' }, '2026-10-10');
    expect(['A', 'B', 'C', 'D', 'ｃ'].map((c) => { const r = p(c); return r.ok ? r.value.riskClass : r.reason; })).toEqual(['低', '一般', '较高', '高', '较高']);
  });

  it('R5, R6, R17: imported class changes feed the yearly adjustment', async () => {
    clock.t = Date.parse('2026-12-20T02:00:00Z');
    const out = all(await say('lxb.a', '调库方案 2026'));
    const line = out.split('\n').find((l) => l.includes(code(1))) ?? '';
    expect(line).toMatch(/B类→C类｜信用风险分类由“一般”调为“高”，调入C类｜江西省企业信用风险分类结果（2026-09-01）/);
  });
});
