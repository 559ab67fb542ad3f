/**
 * A correction of an approved result rewrites its follow-ups (R14, R20), through the router on
 * the real database: the approved result's 责令改正 becomes a 移送 after a correction, and the
 * follow-up under the same number follows (the receiving department must accept it); a second
 * correction that finds no problem closes the follow-up saying why, and the result is 已完结.
 * Each change is audited; the earlier versions stay on the result.
 */
import type { Services } from '../../src/app';
import type { Router } from '../../bot/router';
import { replyText } from '../../bot/types';
import type { TestDb } from '../helpers/db';
import { testCounty } from '../helpers/county';
import { addEntities, code, inspectorDoc, itemDoc, saveUsers } from '../helpers/fixtures';

let db: TestDb;
let services: Services;
let router: Router;
const now = () => new Date('2026-09-16T02:00:00Z');
const TASK = '县消防大队抽查〔2026〕7号';
const FU = `${TASK}/1`;

const say = async (userId: string, t: string) => (await router.respond({ channel: 'shell', senderId: userId, text: t })).replies.map(replyText).join('\n');
async function script(userId: string, lines: string[]): Promise<string> {
  let last = '';
  for (const l of lines) last = await say(userId, l);
  return last;
}
const actions = async () => (await db.repos.audit.forTarget(`followup:${FU}`)).map((e) => e.action);

beforeAll(async () => {
  ({ db, services, router } = await testCounty(now));
  await saveUsers(services, [
    { userId: 'xf.official', name: '吴海涛', department: '县消防救援大队', roles: ['official'] },
    { userId: 'xf.leader', name: '邓大队长', department: '县消防救援大队', roles: ['leader'] },
    { userId: 'scj.official', name: '周晓燕', department: '县市管局', roles: ['official'] },
  ]);
  await db.repos.items.writer.insertNew([itemDoc('XFJYDD', 'XF001', '消防安全检查')] as never);
  await db.repos.inspectors.writer.insertNew(['XF-001', 'XF-002'].map((n) => inspectorDoc(n, `人员${n}`, 'XFJYDD')) as never);
  await addEntities(db.repos, [{ n: 600, pool: 'B', departments: ['XFJYDD'] }]);
  await db.repos.tasks.createMany([{
    taskNo: TASK, year: 2026, issuer: 'XFJYDD', creditCode: code(600), entityName: '实体600', at: now(),
    parts: [{
      drawNo: 'JH2026-0001-1', planNo: 'JH2026-0001', departments: ['XFJYDD'], items: ['XFJYDD:XF001'], window: { from: '2026-09-01', to: '2026-09-30' }, at: now().toISOString(),
      officers: ['XF-001', 'XF-002'].map((no, j) => ({ inspectorNo: no, name: `人员${no}`, department: 'XFJYDD', leader: j === 0, expert: false })),
    }],
  }]);
  expect(await script('xf.official', [`录入结果 ${TASK}`, '2026-09-10', '1', '发现问题 消防通道堵塞', '责令改正 2026-10-15', '6', '提交'])).toContain('已提交');
  await say('xf.leader', `同意 ${TASK}`);
  const f = await db.repos.followUps.get(FU);
  expect([f?.handling.kind, f?.owner, f?.status]).toEqual(['rectify', 'XFJYDD', 'open']);
});

afterAll(async () => {
  await db.close();
});

describe('a correction rewrites the follow-ups (R14, R20)', () => {
  it('R14: a correction changing 责令改正 to 移送 rewrites the follow-up under its number: it now waits for the receiving department, audited', async () => {
    expect(await script('xf.official', [`更正结果 ${TASK} 经核实该问题属市场监管职责`, '改 处置 1', '移送 县市管局'])).toContain('移送县市管局');
    expect(await say('xf.official', '提交')).toContain('已提交');
    // Nothing changes before the correction is approved.
    expect((await db.repos.followUps.get(FU))?.handling.kind).toBe('rectify');
    await say('xf.leader', `同意 ${TASK}`);
    const f = await db.repos.followUps.get(FU);
    expect([f?.handling.kind, f?.owner, f?.status]).toEqual(['transfer', 'SCJGJ', 'awaiting']);
    expect(await actions()).toEqual(expect.arrayContaining(['followup.correct', 'followup.transfer']));
    expect(await say('scj.official', '待处置')).toContain('消防通道堵塞');
    const shown = await say('xf.official', `结果 ${TASK}`);
    expect(shown).toContain('移送县市管局');
    expect(shown).toContain('—— 第1版');
  });

  it('R20: a correction that finds no problem closes the follow-up, saying why, and the result is 已完结', async () => {
    await script('xf.official', [`更正结果 ${TASK} 复核现场照片确认通道畅通`, '改 事项 1', '未发现问题', '改 结果', '1']);
    expect(await say('xf.official', '提交')).toContain('已提交');
    await say('xf.leader', `同意 ${TASK}`);
    const f = await db.repos.followUps.get(FU);
    expect(f?.status).toBe('closed');
    expect(f?.review?.outcome).toContain('检查结果更正（第3版）后不再有该问题：复核现场照片确认通道畅通');
    expect(await actions()).toContain('followup.retire');
    expect((await db.repos.results.get(TASK))?.openFollowUps).toBe(0);
    expect(await say('scj.official', '待处置')).not.toContain('消防通道堵塞');
    expect(await say('xf.official', `结果 ${TASK}`)).toContain('已完结');
  });
});
