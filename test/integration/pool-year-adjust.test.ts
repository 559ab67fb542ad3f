/**
 * The yearly pool adjustment (R5) through the router on the real database: a
 * year of history made here (tasks, approved results and a filing, risk class
 * changes, applications for A), then 调库方案 shows one line per source with its
 * evidence, 联席办 rejects some by number, another 联席办 member applies the rest
 * (R20: never the one who built it), the pools move with provenance, a closed
 * entity is archived (kept, never drawn), and the xlsx goes to the group chats.
 */
import type { Services } from '../../src/app';
import { proposeAdjustment } from '../../src/domain/adjustment';
import { adjustmentFromDoc } from '../../store/repos/poolYear';
import type { Outcome, Router } from '../../bot/router';
import { replyText } from '../../bot/types';
import type { Announcer, Announcement } from '../../bot/delivery/announcer';
import type { TestDb } from '../helpers/db';
import { testCounty } from '../helpers/county';
import { addEntities, code, saveUsers } from '../helpers/fixtures';
import type { Handling } from '../../src/domain/result';

const posted: { department: string; a: Announcement }[] = [];
const announcer = {
  channelsOf: async (d: string) => ({ wecom: ['XFJYDD', 'YJGLJ', 'SCJGJ'].includes(d), dingtalk: false }),
  async announce(department: string, a: Announcement) {
    posted.push({ department, a });
    return 1;
  },
} as unknown as Announcer;

let db: TestDb;
let services: Services;
let router: Router;
const clock = { t: Date.parse('2026-12-20T02:00:00Z') };
const now = () => new Date(clock.t);
const say = (userId: string, t: string): Promise<Outcome> => router.respond({ channel: 'shell', senderId: userId, text: t });
const all = (o: Outcome) => o.replies.map(replyText).join('\n');

let taskSeq = 0;
/** An inspection of the year: the task, its approved result and the entity's history entry. */
async function inspected(n: number, end: string, categories: string[], o: { problem?: string; handling?: Handling; department?: string } = {}) {
  const dept = o.department ?? 'XFJYDD';
  const taskNo = `${dept}-2026-${String(++taskSeq).padStart(4, '0')}`;
  const window = { from: end.slice(0, 8) + '01', to: end };
  await db.repos.tasks.createMany([{
    taskNo, year: 2026, issuer: dept, creditCode: code(n), entityName: `万年县测试${n}有限公司`, at: now(),
    parts: [{ drawNo: 'CQ2026-0001', planNo: 'JH2026-0001', departments: [dept], officers: [], items: [`${dept}:X1`], window, at: now().toISOString() }],
  }]);
  await db.repos.results.create({
    taskNo, source: 'task', lead: dept, departments: [dept], creditCode: code(n), entityName: `万年县测试${n}有限公司`, window, status: 'approved',
    form: { start: end, end, methods: ['实地检查'], categories },
    parts: { [dept]: { findings: [{ key: `${dept}:X1`, checked: true, problem: o.problem, handling: o.handling }], by: 'x', byName: 'x', at: end, evidence: [] } },
    earlier: [], correctionReason: '', round: 1, submittedBy: 'x', submittedAt: now(), approvedAt: now(), openFollowUps: 0, createdAt: now(), updatedAt: now(), version: 1,
  });
  await db.repos.history.record(code(n), { taskNo, source: 'task', lead: dept, departments: [dept], start: end, end, categories, round: 1 });
  return taskNo;
}

const old = new Date('2025-06-01T02:00:00Z');
beforeAll(async () => {
  ({ db, services, router } = await testCounty(now, { router: { announcer } }));
  await saveUsers(services, [
    { userId: 'xf.official', name: '吴海涛', department: '县消防救援大队', roles: ['official'] },
    { userId: 'yj.official', name: '胡文斌', department: '县应急管理局', roles: ['official'] },
    { userId: 'lxb.a', name: '程丽华', department: '县市管局', roles: ['office'] },
    { userId: 'lxb.b', name: '王建国', department: '县市管局', roles: ['office'] },
  ]);
  const xf = { departments: ['XFJYDD'] };
  await addEntities(db.repos, [
    { n: 11, pool: 'A', ...xf }, { n: 12, pool: 'A', ...xf }, { n: 18, pool: 'A', ...xf }, { n: 13, ...xf }, { n: 14, ...xf }, { n: 15, ...xf },
    { n: 16, ...xf }, { n: 17, pool: 'A', ...xf }, { n: 22, ...xf }, { n: 23, ...xf },
  ], old);
  await addEntities(db.repos, [{ n: 20, ...xf }, { n: 21, ...xf }], new Date('2026-03-01T02:00:00Z'));
  await inspected(11, '2026-04-20', ['发现问题已责令改正'], { problem: '未设置消防标识', handling: { kind: 'rectify', deadline: '2026-05-20' } });
  await inspected(12, '2026-05-20', ['发现问题待后续处理'], { problem: '违规储存易燃物品', handling: { kind: 'case', caseNo: '万消立〔2026〕3号' } });
  await inspected(18, '2026-06-10', ['不配合检查情节严重']);
  await inspected(13, '2026-06-20', ['已注销']);
  await inspected(14, '2026-07-20', ['未发现问题']);
  await inspected(15, '2026-08-20', ['发现问题已责令改正'], { problem: '灭火器过期', handling: { kind: 'rectify', deadline: '2026-09-20' } });
  // The year before the adjustment's period: not counted.
  await inspected(23, '2025-12-30', ['已注销']);
  // Credit-risk class changes: an import raised 16 to 高; an R17 proposal applied raised A entity 17 to 较高.
  await db.repos.riskClasses.change({ creditCode: code(16), from: '一般', to: '高', date: '2026-09-01', source: '江西省企业信用风险分类结果', at: new Date('2026-09-02T02:00:00Z') });
  await db.repos.riskProposals.create({
    id: 'RP-1', creditCode: code(17), entityName: '万年县测试17有限公司', taskNo: 'XFJYDD-2026-0099', direction: 'raise', from: '一般', to: '较高',
    reason: '严重违法立案查处', status: 'pending', createdAt: new Date('2026-10-01T02:00:00Z'), decidedBy: '', version: 1,
  });
  await db.repos.riskProposals.decide((await db.repos.riskProposals.get('RP-1'))!, 'applied', 'lxb.a', new Date('2026-10-02T02:00:00Z'));
});

afterAll(async () => {
  await db.close();
});

describe('applications for the A pool (R5)', () => {
  it('R5: the supervising unit applies, another unit recommends; an unrelated unit cannot apply', async () => {
    expect(all(await say('xf.official', `申请入A ${code(14)} 连续三年检查未发现问题`))).toContain('已记录');
    expect(all(await say('yj.official', `申请入A ${code(15)} 信用良好`))).toContain('R5');
    expect(all(await say('yj.official', `推荐入A ${code(15)} 信用良好无投诉`))).toContain('已记录');
    expect(all(await say('xf.official', `申请入A ${code(11)} 信用良好无投诉`))).toContain('只有B类主体');
  });
});

describe('the yearly adjustment (R5)', () => {
  let out = '';
  const lineOf = (n: number) => out.split('\n').find((l) => l.includes(code(n))) ?? '';

  it('R5: 调库方案 proposes a line from every source, with reason and evidence', async () => {
    expect(all(await say('xf.official', '调库方案 2026'))).toContain('联席办');
    out = all(await say('lxb.a', '调库方案 2026'));
    expect(out).toContain('TZ2026');
    expect(lineOf(13)).toMatch(/B类→归档｜已注销/);
    expect(lineOf(13)).toContain('XFJYDD-2026-0004（2026-06-20，县消防救援大队）');
    expect(lineOf(11)).toMatch(/A类→B类｜A类主体发现一般或轻微违法行为/);
    expect(lineOf(12)).toMatch(/A类→C类｜A类主体发现严重违法行为/);
    expect(lineOf(18)).toMatch(/A类→C类/);
    expect(lineOf(16)).toMatch(/B类→C类｜信用风险分类由“一般”调为“高”.*江西省企业信用风险分类结果（2026-09-01）/);
    expect(lineOf(17)).toMatch(/A类→B类｜信用风险分类由“一般”调为“较高”.*R17/);
    expect(lineOf(14)).toMatch(/B类→A类｜B类主体县消防救援大队申请入A/);
    expect(lineOf(14)).toContain('连续三年检查未发现问题');
    expect(lineOf(20)).toMatch(/B类→B类｜新登记主体/);
    expect(lineOf(21)).toMatch(/新登记主体/);
    // No line: a recommended entity with a problem found, an old entity, one closed the year before.
    expect(lineOf(15)).toBe('');
    expect(lineOf(22)).toBe('');
    expect(lineOf(23)).toBe('');
    expect(out).toContain('共 9 条');
  });

  it('R20: the 联席办 member who built the proposal cannot confirm it', async () => {
    expect(all(await say('lxb.a', '确认调库 2026'))).toContain('依据规则 R20');
    expect((await db.repos.entities.get(code(11)))!.pool).toBe('A');
  });

  it('R5: 联席办 rejects lines by number; another member applies the rest, with provenance and the xlsx to the group chats', async () => {
    const n16 = Number(/^(\d+)\./.exec(lineOf(16))![1]);
    const n21 = Number(/^(\d+)\./.exec(lineOf(21))![1]);
    expect((await router.tap({ channel: 'shell', senderId: 'lxb.b' }, 'adj.ok:2026#0')).cardOutcome).toBe('本批采纳（王建国）');
    expect(all(await say('lxb.b', `不予调整 2026 ${n16},${n21} 信用分类待复核`))).toContain('不予调整 2 条');
    expect(all(await say('lxb.b', '不予调整 2026 99 x'))).toContain('不在方案中');
    // Meanwhile another placement moved 18 out of A: its line is not applied over it.
    expect(await db.repos.entities.place(code(18), 'A', 'B', 'someone.else', now(), '同时调整')).toBe(true);
    const applied = all(await say('lxb.b', '确认调库 2026'));
    expect(applied).toContain('调整 6 户');
    expect(applied).toContain('另有 1 户在方案生成后已被调整');
    expect(applied).toContain('不予调整 2 条');
    const pool = async (n: number) => (await db.repos.entities.get(code(n)))!;
    expect((await pool(11)).pool).toBe('B');
    expect((await pool(12)).pool).toBe('C');
    expect(await pool(18)).toMatchObject({ pool: 'B', poolPlacedBy: 'someone.else' });
    expect((await pool(14)).pool).toBe('A');
    expect((await pool(17)).pool).toBe('B');
    expect((await pool(16)).pool).toBe('B'); // rejected
    const e11 = await pool(11);
    expect(e11.poolPlacedBy).toBe('lxb.b');
    expect(e11.poolReason).toContain('TZ2026第');
    expect((await pool(21)).poolReason).toBe('测试数据'); // rejected: untouched
    expect((await pool(20)).poolReason).toContain('新登记主体');
    // The group chats with a robot got the xlsx.
    expect(posted.map((p) => p.department).sort()).toEqual(['SCJGJ', 'XFJYDD', 'YJGLJ']);
    expect(posted[0].a.file?.name).toBe('TZ2026调库结果.xlsx');
    expect(applied).toContain('请转发');
    // Applying twice changes nothing.
    expect(all(await say('lxb.a', '确认调库 2026'))).toContain('已执行');
    const h = adjustmentFromDoc((await db.models.PoolAdjustment.collection.findOne({ _id: 'TZ2026' as never }))!);
    expect(h.status).toBe('applied');
    expect(h.applied).toBe(6);
  });

  it('R5: a closed entity is archived, never deleted, and never drawn or listed again', async () => {
    const e13 = (await db.repos.entities.get(code(13)))!;
    expect(e13.archived).toBe(true);
    expect(e13.pool).toBe('B');
    expect(await db.repos.entities.countTargets({ pool: 'B', filter: { industries: [], townships: [], riskClasses: [], sectorTags: [] }, departments: ['XFJYDD'] }))
      .toBe((await db.repos.entities.find({ pool: 'B', department: 'XFJYDD' }, 100)).length);
    expect((await db.repos.entities.find({ pool: 'B' }, 100)).map((e) => e.creditCode)).not.toContain(code(13));
    const history = all(await say('xf.official', `调库记录 ${code(13)}`));
    expect(history).toContain('已归档');
    expect(history).toContain('TZ2026');
  });

  it('R5: an entity\'s pool history shows each adjustment with who, when, why', async () => {
    const history = all(await say('xf.official', `调库记录 ${code(11)}`));
    expect(history).toMatch(/2026-12-20 TZ2026：A类→B类，TZ2026第\d+条：A类主体发现一般或轻微违法行为/);
    expect(history).toContain('执行人 lxb.b');
  });

  it('R5: an applied adjustment cannot be rebuilt; the next starts from it', async () => {
    expect(all(await say('lxb.a', '调库方案 2026 重新生成'))).toContain('已执行');
    clock.t = Date.parse('2027-12-20T02:00:00Z');
    await addEntities(db.repos, [{ n: 30, departments: ['XFJYDD'] }], new Date('2027-02-01T02:00:00Z'));
    const next = all(await say('lxb.a', '调库方案 2027'));
    // The new entity of 2027, and the recommendation still open from 2026, now with no problem found in the period.
    expect(next).toContain('共 2 条');
    expect(next).toMatch(new RegExp(`${code(30)}）｜B类→B类｜新登记主体`));
    expect(next).toMatch(new RegExp(`${code(15)}）｜B类→A类｜B类主体县应急管理局推荐入A`));
    expect(next).not.toContain(code(11));
  });

  it('R5: the first adjustment of a county set up this year does not list its first load as new', async () => {
    const fresh = await testCounty(() => new Date('2026-12-20T02:00:00Z'));
    try {
      await saveUsers(fresh.services, [
        { userId: 'lxb.a', name: '程丽华', department: '县市管局', roles: ['office'] },
        { userId: 'lxb.b', name: '王建国', department: '县市管局', roles: ['office'] },
      ]);
      await addEntities(fresh.db.repos, [{ n: 1 }, { n: 2 }], new Date('2026-02-01T02:00:00Z'));
      await addEntities(fresh.db.repos, [{ n: 3 }], new Date('2026-06-01T02:00:00Z'));
      const built = await fresh.router.respond({ channel: 'shell', senderId: 'lxb.a', text: '调库方案 2026' });
      const out = all(built);
      expect(out).toContain('共 1 条');
      expect(out).toContain(code(3));
      // R5, R20: one card per batch of 50 lines to the other 联席办 member; the builder cannot review by card.
      expect(built.notices.map((n) => [n.userId, n.reply.kind])).toEqual([['lxb.b', 'card']]);
      expect(replyText(built.notices[0].reply)).toContain('第1/1批');
      const tap = (userId: string, key: string) => fresh.router.tap({ channel: 'shell', senderId: userId }, key);
      expect(all(await tap('lxb.a', 'adj.no:2026#0'))).toContain('R20');
      const rejected = await tap('lxb.b', 'adj.no:2026#0');
      expect(rejected.cardOutcome).toBe('本批不予调整（王建国）');
      const applied = all(await fresh.router.respond({ channel: 'shell', senderId: 'lxb.b', text: '确认调库 2026' }));
      expect(applied).toContain('调整 0 户');
      expect(applied).toContain('不予调整 1 条');
    } finally {
      await fresh.db.close();
    }
  });

  it('R5: one line per entity, the first source that applies (pure rule)', () => {
    const lines = proposeAdjustment({
      since: 0, unitName: (c) => c,
      entities: [{ code: 'X', name: 'x', pool: 'A', createdAt: 1, archived: false }],
      inspections: [{ code: 'X', taskNo: 'T', end: '2026-01-02', lead: 'D', categories: ['已注销'], problem: false, serious: false }],
      creditChanges: [{ code: 'X', from: '一般', to: '高', date: '2026-01-01', source: 's' }],
      applications: [],
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ n: 1, to: 'archived', source: 'closed' });
  });
});
