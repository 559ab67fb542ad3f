/**
 * The command router on the real database, as every channel uses it, and the
 * shell channel as a person runs it (`npm run chat -- --as <userid>`, piped).
 */
import { runTsx } from '../helpers/run';
import { userService } from '../../src/services/users';
import { createServices } from '../../src/app';
import { cliCaller } from '../../src/services/context';
import { createLogger } from '../../src/logger';
import { createRouter, type Router } from '../../bot/router';
import { replyText, type Reply } from '../../bot/types';
import { freshDb, type TestDb } from '../helpers/db';
import { addEntities, code } from '../helpers/fixtures';

let db: TestDb;
let router: Router;
const logged: string[] = [];

const say = async (senderId: string, t: string, channel: 'shell' | 'wecom' | 'dingtalk' = 'shell') =>
  (await router.handle({ channel, senderId, text: t })).map((r: Reply) => replyText(r)).join('\n');

beforeAll(async () => {
  db = await freshDb();
  await db.repos.org.seedDepartments();
  const services = createServices({ repos: db.repos, now: () => new Date('2026-03-02T02:00:00Z') });
  router = createRouter({ services, log: createLogger('debug', (l) => logged.push(l)), pageSize: 5 });
  const admin = cliCaller('test');
  await services.users.save(admin, { userId: 'li.official', name: '李经办', department: '县市管局', roles: ['official'], wecomUserId: 'LiWx', dingtalkStaffId: 'li-dd' });
  await services.users.save(admin, { userId: 'zhao.office', name: '赵联席', department: '县市管局', roles: ['office'] });
  await services.users.save(admin, { userId: 'fire.official', name: '消防经办', department: '县消防救援大队', roles: ['official'] });
  await services.users.save(admin, { userId: 'gone', name: '已离职', department: '县市管局', roles: ['official'], active: false });
  await addEntities(db.repos, [
    { n: 1, name: '万年县华达食品有限公司', township: '陈营镇', riskClass: '高', pool: 'C', industry: '制造业' },
    { n: 2, name: '万年县华达汽车维修店', kind: '个体工商户', township: '石镇镇', pool: 'B', industry: '交通运输业' },
    { n: 3, name: '万年县青云旅游发展有限公司', township: '青云镇', riskClass: '低', pool: 'A', industry: '文化旅游', sectorTags: ['旅游业'] },
    ...Array.from({ length: 12 }, (_, i) => ({ n: 100 + i, township: '陈营镇', pool: 'B' as const })),
  ]);
  await db.repos.items.writer.insertNew([{
    _id: 'XFJYDD:XF-001', itemCode: 'XF-001', department: 'XFJYDD', name: '消防安全检查', legalBasis: '《中华人民共和国消防法》第五十三条',
    powerListCode: '36112900XF001', pools: ['A', 'B', 'C'], jointListA: true, jointListFiledOn: '2026-03-20', specialty: '消防',
    rowHash: 'x', createdAt: new Date(), updatedAt: new Date(), updatedBy: 'test',
  }]);
  await db.repos.inspectors.writer.insertNew([
    { _id: 'SC001', name: '王执法', department: 'SCJGJ', kind: 'civil_servant', certificateNo: 'JX-001', certificateExpiry: '2027-12-31', qualification: '行政执法证', specialties: ['食品'], jointPool: true, jointPoolUpdatedOn: '2026-03-15', active: true, conflicts: [], rowHash: 'a', createdAt: new Date(), updatedAt: new Date(), updatedBy: 'test' },
    { _id: 'XF001', name: '陈消防', department: 'XFJYDD', kind: 'civil_servant', certificateNo: 'JX-101', certificateExpiry: '2020-01-01', qualification: '行政执法证', specialties: ['消防'], jointPool: false, active: true, conflicts: [], rowHash: 'b', createdAt: new Date(), updatedAt: new Date(), updatedBy: 'test' },
  ]);
});

afterAll(async () => {
  await db.close();
});

describe('command router', () => {
  it('refuses an unknown or deactivated user politely, on every channel', async () => {
    for (const [id, ch] of [['stranger', 'shell'], ['gone', 'shell'], ['nobody', 'wecom'], ['nobody', 'dingtalk']] as const) {
      expect(await say(id, '帮助', ch)).toContain('尚未在监管助手中登记');
    }
  });

  it('identifies users by WeCom userid and DingTalk staffId', async () => {
    expect(await say('LiWx', '我是谁', 'wecom')).toContain('李经办');
    expect(await say('li-dd', '我是谁', 'dingtalk')).toContain('县市管局');
  });

  it('帮助 lists every command', async () => {
    const help = await say('li.official', '帮助');
    for (const word of ['查询', '查 ', '人员', '事项', '我是谁']) expect(help).toContain(word);
  });

  it('queries a pool with filters, giving counts and the first rows (R1)', async () => {
    const all = await say('li.official', '查询');
    expect(all).toContain('共 15 户，其中 A类 1、B类 13、C类 1');
    const chenying = await say('li.official', '查询 B类 乡镇=陈营镇');
    expect(chenying).toContain('B类一般监管库（乡镇=陈营镇）：共 12 户');
    expect(chenying).toContain('仅显示前 5 户');
    const risky = await say('li.official', '查询 风险=高 关键词=华达');
    expect(risky).toContain('共 1 户');
    expect(risky).toContain('万年县华达食品有限公司');
    expect(await say('li.official', '查询 A类 行业=文化旅游')).toContain('青云旅游');
  });

  it('answers a bad filter with what is wrong and an example', async () => {
    expect(await say('li.official', '查询 D类')).toContain('例如：查询 A类');
    expect(await say('li.official', '查询 风险=极高')).toContain('R6');
    expect(await say('li.official', '查询 颜色=红')).toContain('不支持的条件“颜色”');
    expect(await say('li.official', '查询 部门=县宇航局')).toContain('R19');
  });

  it('looks an entity up by credit code or part of its name', async () => {
    const one = await say('li.official', `查 ${code(1)}`);
    expect(one).toContain('万年县华达食品有限公司');
    expect(one).toContain('C类重点监管库');
    const many = await say('li.official', '查 华达');
    expect(many).toContain('名称含“华达”的有 2 户');
    expect(await say('li.official', '查青云')).toContain('统一社会信用代码：');
    expect(await say('li.official', '查 不存在的公司')).toContain('没有找到');
  });

  it('refuses a credit code with a wrong check character, citing the code format, not R1', async () => {
    const good = code(1);
    const bad = good.slice(0, 17) + (good[17] === '0' ? '1' : '0');
    const answer = await say('li.official', `查 ${bad}`);
    expect(answer).toContain('校验位错误');
    expect(answer).toContain('GB 32100-2015');
    expect(answer).not.toContain('R1');
  });

  it('lists inspectors of the own department only, unless 联席办 (R7)', async () => {
    const own = await say('li.official', '人员');
    expect(own).toContain('王执法');
    expect(own).toContain('联合检查库');
    expect(await say('li.official', '人员 县消防救援大队')).toContain('只能查看本单位');
    const office = await say('zhao.office', '人员 县消防救援大队');
    expect(office).toContain('陈消防');
    expect(office).toContain('已于2020-01-01过期');
  });

  it('lists a department item list with power-list codes (R9)', async () => {
    const items = await say('fire.official', '事项');
    expect(items).toContain('消防安全检查');
    expect(items).toContain('36112900XF001');
    expect(items).toContain('A类联合清单');
    expect(await say('li.official', '事项')).toContain('R9');
  });

  it('answers unknown commands, empty and overlong input without crashing', async () => {
    expect(await say('li.official', '你好呀')).toContain('发送“帮助”');
    expect(await say('li.official', '   ')).toContain('请输入命令');
    expect(await say('li.official', `查 ${'长'.repeat(5000)}`)).toContain('消息过长');
  });
});

describe('pool placement with a one-tap card (R1)', () => {
  it('a member unit proposes C; every 联席办 user gets a card; one tap confirms; a second tap changes nothing', async () => {
    const c = code(2);
    const proposed = await router.respond({ channel: 'shell', senderId: 'fire.official', text: `调库 ${c} C类 消防安全隐患突出` });
    expect(replyText(proposed.replies[0])).toContain('已送联席办确认（1人）');
    expect(proposed.notices).toHaveLength(1);
    expect(proposed.notices[0].userId).toBe('zhao.office');
    const card = proposed.notices[0].reply;
    if (card.kind !== 'card') throw new Error('expected a card');
    expect(card.card.buttons.map((b) => b.key)).toEqual([`ap.yes:TK-${c}#0`, `ap.no:TK-${c}#0`]);
    expect((await db.repos.entities.get(c))?.pool).toBe('B');

    // Someone who is not 联席办 taps: refused, citing R1, nothing changes.
    const wrong = await router.tap({ channel: 'shell', senderId: 'li.official' }, `pool.confirm:${c}`);
    expect(replyText(wrong.replies[0])).toContain('R1');
    expect((await db.repos.entities.get(c))?.pool).toBe('B');

    const first = await router.respond({ channel: 'shell', senderId: 'zhao.office', text: `点 pool.confirm:${c}` });
    expect(first.cardOutcome).toBe('已同意（赵联席）');
    const entity = await db.repos.entities.get(c);
    expect(entity?.pool).toBe('C');
    expect(entity?.poolPlacedBy).toBe('zhao.office');

    const second = await router.tap({ channel: 'shell', senderId: 'zhao.office' }, `pool.confirm:${c}`);
    expect(replyText(second.replies[0])).toContain('已处理，无需重复操作');
    expect((await db.repos.audit.forTarget(`entity:${c}`)).filter((a) => a.action === 'pool.confirm')).toHaveLength(1);
  });

  it('A placements by anyone but 联席办 are refused (R1); 联席办\'s own is confirmed by another member (R20)', async () => {
    expect(await say('li.official', `调库 ${code(100)} A类 信用良好`)).toContain('R1');
    // With no other 联席办 member, nobody could confirm it: refused at once.
    expect(await say('zhao.office', `调库 ${code(100)} A类 信用良好`)).toContain('R20');
    await userService({ repos: db.repos, now: () => new Date('2026-03-02T02:00:00Z') }).save(cliCaller('test'), { userId: 'qian.office', name: '钱联席', department: '县市管局', roles: ['office'] });
    expect(await say('zhao.office', `调库 ${code(100)} A类 信用良好`)).toContain(`TK-${code(100)}`);
    expect(await say('zhao.office', `同意 TK-${code(100)}`)).toContain('R20');
    expect(await say('qian.office', '待办')).toContain(`TK-${code(100)}`);
    expect(await say('qian.office', `同意 TK-${code(100)}`)).toContain('同意');
    expect((await db.repos.entities.get(code(100)))?.pool).toBe('A');
  });

  it('an unknown button key is answered, not crashed on', async () => {
    expect(await say('zhao.office', '点 nothing:here')).toContain('按钮已失效');
  });
});

describe('shell channel (npm run chat)', () => {
  const chat = (as: string, input: string) => runTsx('bot/channels/shell/main.ts', ['--as', as], { dbName: db.dbName, input });

  it('answers piped lines in order through the same router', async () => {
    const r = await chat('li.official', '我是谁\n查询 C类\n查 华达食品\n');
    expect(r.code).toBe(0);
    const who = r.out.indexOf('李经办');
    const pool = r.out.indexOf('C类重点监管库：共 ');
    const card = r.out.indexOf('统一社会信用代码：');
    expect(who).toBeGreaterThanOrEqual(0);
    expect(pool).toBeGreaterThan(who);
    expect(card).toBeGreaterThan(pool);
  });

  it('refuses an unknown user politely and exits non-zero', async () => {
    const r = await chat('intruder', '帮助\n');
    expect(r.code).toBe(1);
    expect(r.out).toContain('尚未在监管助手中登记');
  });
});
