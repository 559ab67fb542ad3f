/**
 * R16 (results shared and recognised across departments) at planning time, through the router
 * on the real database: 县消防救援大队 inspects an entity and its leader approves the result;
 * when 县财政局 then drafts a plan targeting that entity, the preview (新建计划) says another
 * department inspected it in the last 12 months. The inspecting department's own plan, and a
 * joint plan it takes part in, get no such note.
 */
import type { Services } from '../../src/app';
import type { Outcome, Router } from '../../bot/router';
import { replyText } from '../../bot/types';
import type { TestDb } from '../helpers/db';
import { testCounty } from '../helpers/county';
import { addEntities, code, inspectorDoc, itemDoc, saveUsers } from '../helpers/fixtures';

let db: TestDb;
let services: Services;
let router: Router;
const now = () => new Date('2026-09-16T02:00:00Z');
const TASK = '县消防大队抽查〔2026〕1号';

const say = async (userId: string, t: string) => (await router.respond({ channel: 'shell', senderId: userId, text: t }) as Outcome).replies.map(replyText).join('\n');
async function script(userId: string, lines: string[]): Promise<string> {
  let last = '';
  for (const l of lines) last = await say(userId, l);
  return last;
}
/** 新建计划 up to its preview: next year, pool B, the joint departments, every target, the first item, 15 %, June. */
const preview = (userId: string, joint = '无') => script(userId, ['新建计划', '2027', 'B', joint, '全部', '1', '15%', '6月']);

beforeAll(async () => {
  ({ db, services, router } = await testCounty(now));
  await saveUsers(services, [
    { userId: 'xf.official', name: '吴海涛', department: '县消防救援大队', roles: ['official'] },
    { userId: 'xf.leader', name: '邓大队长', department: '县消防救援大队', roles: ['leader'] },
    { userId: 'cz.official', name: '钱财政', department: '县财政局', roles: ['official'] },
  ]);
  await db.repos.items.writer.insertNew([itemDoc('XFJYDD', 'XF001', '消防安全检查'), itemDoc('CZJ', 'CZ001', '会计信息质量检查')] as never);
  await db.repos.inspectors.writer.insertNew([
    ...['XF-001', 'XF-002'].map((n) => inspectorDoc(n, `人员${n}`, 'XFJYDD', { jointPool: true })),
    ...['CZ-001', 'CZ-002'].map((n) => inspectorDoc(n, `人员${n}`, 'CZJ', { jointPool: true })),
  ] as never);
  // Entity 500 is supervised by both; 501 by 县财政局 alone and never inspected.
  await addEntities(db.repos, [
    { n: 500, name: '万年县兴旺食品有限公司', pool: 'B', departments: ['XFJYDD', 'CZJ'] },
    { n: 501, pool: 'B', departments: ['CZJ'] },
  ]);
  const window = { from: '2026-09-01', to: '2026-09-30' };
  await db.repos.tasks.createMany([{
    taskNo: TASK, year: 2026, issuer: 'XFJYDD', creditCode: code(500), entityName: '万年县兴旺食品有限公司', at: now(),
    parts: [{
      drawNo: 'JH2026-0001-1', planNo: 'JH2026-0001', departments: ['XFJYDD'], items: ['XFJYDD:XF001'], window, at: now().toISOString(),
      officers: ['XF-001', 'XF-002'].map((no, j) => ({ inspectorNo: no, name: `人员${no}`, department: 'XFJYDD', leader: j === 0, expert: false })),
    }],
  }]);
});

afterAll(async () => {
  await db.close();
});

describe('recognised when planning (R16)', () => {
  it('R16: no note while the other department\'s result is not yet approved', async () => {
    expect(await script('xf.official', [`录入结果 ${TASK}`, '2026-09-10', '1', '未发现问题', '1', '提交'])).toContain('已提交');
    const p = await preview('cz.official');
    expect(p).toContain('预计检查对象：2 户');
    expect(p).not.toContain('R16');
    await say('cz.official', '取消');
  });

  it('R16: a plan targeting an entity another department inspected in the last 12 months says so in the preview', async () => {
    expect(await say('xf.leader', `同意 ${TASK}`)).toContain('同意');
    expect((await db.repos.results.get(TASK))?.status).toBe('approved');
    const p = await preview('cz.official');
    expect(p).toContain(`提示（R16，结果互认）：计划对象中有 1 户近12个月已由其他部门检查且结果已审核，如万年县兴旺食品有限公司（${TASK}，县消防救援大队）`);
    await say('cz.official', '取消');
  });

  it('R16: the inspecting department\'s own plan, or a joint plan it takes part in, gets no such note', async () => {
    expect(await preview('xf.official')).not.toContain('R16');
    await say('xf.official', '取消');
    const joint = await preview('cz.official', '县消防救援大队');
    expect(joint).toContain('预计检查对象');
    expect(joint).not.toContain('R16');
    await say('cz.official', '取消');
  });
});
