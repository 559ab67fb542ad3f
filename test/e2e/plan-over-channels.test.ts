/**
 * Issue 4 end to end on the real server process: one plan walked from 新建计划
 * through all three approvals over signed and encrypted WeCom callbacks with
 * card taps, and one filing through DingTalk with ActionCard taps. A card
 * tapped twice changes nothing.
 */
import { createServices } from '../../src/app';
import { cliCaller } from '../../src/services/context';
import { WecomEmulator, type AppMessage } from '../emulators/wecom';
import { signedCallback, startDingtalkEmulator, textMessageBody, type DingtalkEmulator } from '../emulators/dingtalk';
import { freshDb, type TestDb } from '../helpers/db';
import { addEntities } from '../helpers/fixtures';
import { startServerProcess, waitFor, type ServerProcess } from '../helpers/server';

let db: TestDb;
let wecom: WecomEmulator;
let dingtalk: DingtalkEmulator;
let server: ServerProcess;
const APP_SECRET = 'dt-secret-for-e2e-plans-0123456789';
let msgSeq = 9000;

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, { method: 'POST', body, headers: { 'Content-Type': 'text/xml', ...headers } });
const outboxEmpty = async () => (await db.models.Outbox.collection.countDocuments({})) === 0 && (await db.repos.inbound.count({})) === 0;
const to = (user: string) => wecom.messages.filter((m) => m.touser === user);
const textOf = (m: AppMessage) => m.text?.content ?? m.markdown?.content ?? JSON.stringify(m.template_card ?? {});

/** Sends one WeCom text and waits until it is answered and everything it queued went out; returns the new messages to the sender. */
async function wecomSay(user: string, content: string): Promise<string> {
  const before = to(user).length;
  const cb = wecom.textCallback({ from: user, content, msgId: String(msgSeq++) });
  expect((await post(cb.path, cb.body)).status).toBe(200);
  await waitFor(async () => to(user).length > before && (await outboxEmpty()), 20_000, `the answer to “${content}”`);
  return to(user).slice(before).map(textOf).join('\n');
}

/** The newest approval card a WeCom user received. */
const lastCard = (user: string) => [...to(user)].reverse().find((m) => m.msgtype === 'template_card')!.template_card!;

async function wecomTap(user: string, taskId: string, key: string, createTime?: number): Promise<void> {
  const before = wecom.cardUpdates.length + to(user).length;
  const tap = wecom.cardEventCallback({ from: user, taskId, eventKey: key, createTime });
  expect((await post(tap.path, tap.body)).status).toBe(200);
  await waitFor(async () => wecom.cardUpdates.length + to(user).length > before && (await outboxEmpty()), 20_000, `the tap ${key}`);
}

beforeAll(async () => {
  db = await freshDb();
  await db.repos.org.seedDepartments();
  const services = createServices({ repos: db.repos, now: () => new Date() });
  const admin = cliCaller('e2e');
  for (const u of [
    { userId: 'xf.official', name: '吴海涛', department: '县消防救援大队', roles: ['official'], wecomUserId: 'WuHaiTao' },
    { userId: 'xf.leader', name: '黄大队长', department: '县消防救援大队', roles: ['leader'], wecomUserId: 'HuangDD' },
    { userId: 'lxb.office', name: '赵联席', department: '县市管局', roles: ['office'], wecomUserId: 'ZhaoLx' },
    { userId: 'sfj.justice', name: '孙司法', department: '县司法局', roles: ['justice'], wecomUserId: 'SunSf' },
  ]) await services.users.save(admin, u);
  await db.repos.items.writer.insertNew([{
    _id: 'XFJYDD:XF001', itemCode: 'XF001', department: 'XFJYDD', name: '消防安全检查', legalBasis: '《消防法》第五十三条', powerListCode: '36112900XF001',
    pools: ['A', 'B', 'C'], jointListA: true, specialty: '', rowHash: 'x', createdAt: new Date(), updatedAt: new Date(), updatedBy: 'test',
  }] as never);
  await addEntities(db.repos, Array.from({ length: 40 }, (_, i) => ({ n: 900 + i, pool: 'B' as const, riskClass: '较高' as const, departments: ['XFJYDD'] })));

  wecom = await new WecomEmulator().start();
  dingtalk = await startDingtalkEmulator({ appKey: 'dingappkey0002', appSecret: APP_SECRET });
  server = await startServerProcess({
    MONGODB_URI: db.uri, DB_NAME: db.dbName, ...wecom.env(),
    DINGTALK_APP_KEY: 'dingappkey0002', DINGTALK_APP_SECRET: APP_SECRET, DINGTALK_API_BASE: dingtalk.url, DINGTALK_OAPI_BASE: dingtalk.url,
  });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await wecom?.stop();
  await dingtalk?.close();
  await db?.close();
});

describe('a plan over WeCom: 新建计划 → department leader → 联席办 → 司法局 (R13)', () => {
  const year = new Date().getFullYear() + 1; // next year's plan: its June window is ahead, and 31 March has not passed
  let planNo = '';

  it('the official fills in the plan one answer at a time and submits it', async () => {
    expect(await wecomSay('WuHaiTao', '新建计划')).toContain('请输入计划年度');
    for (const answer of [String(year), 'B', '无', '风险=较高', '1', '15%']) await wecomSay('WuHaiTao', answer);
    const summary = await wecomSay('WuHaiTao', '6月');
    expect(summary).toContain('预计检查对象：40 户，抽取 6 户');
    const done = await wecomSay('WuHaiTao', '提交');
    planNo = /JH\d{4}-\d{4}/.exec(done)?.[0] ?? '';
    expect(planNo).not.toBe('');
    await waitFor(() => to('HuangDD').some((m) => m.msgtype === 'template_card'), 20_000, 'the leader card');
  });

  it('each step is one tap on a card; the card is updated; the requester is told at each step', async () => {
    const steps: [string, number][] = [['HuangDD', 0], ['ZhaoLx', 1], ['SunSf', 2]];
    for (const [user, step] of steps) {
      await waitFor(() => to(user).some((m) => m.msgtype === 'template_card'), 20_000, `${user}'s card`);
      const card = lastCard(user);
      expect(card.button_list.map((b) => b.key)).toEqual([`ap.yes:${planNo}#${step}`, `ap.no:${planNo}#${step}`]);
      const updates = wecom.cardUpdates.length;
      await wecomTap(user, card.task_id, `ap.yes:${planNo}#${step}`);
      expect(wecom.cardUpdates.length).toBe(updates + 1);
    }
    const approval = await db.repos.approvals.get(planNo);
    expect(approval?.status).toBe('approved');
    expect(approval?.steps.map((s) => s.by)).toEqual(['xf.leader', 'lxb.office', 'sfj.justice']);
    const told = to('WuHaiTao').map(textOf).join('\n');
    expect(told).toContain('已送县市管局联席办');
    expect(told).toContain('全部审批通过');
  });

  it('a card tapped twice (or retried by the platform) changes nothing', async () => {
    const card = lastCard('SunSf');
    const version = (await db.repos.approvals.get(planNo))?.version;
    const audits = (await db.repos.audit.forTarget(`plan:${planNo}`)).length;
    // A second tap is a new event (WeCom stamps it with a later CreateTime); a platform retry of the first is a duplicate.
    await wecomTap('SunSf', card.task_id, `ap.yes:${planNo}#2`, Math.floor(Date.now() / 1000) + 5);
    expect(to('SunSf').map(textOf).pop()).toContain('无需重复操作');
    expect((await db.repos.approvals.get(planNo))?.version).toBe(version);
    expect((await db.repos.audit.forTarget(`plan:${planNo}`)).length).toBe(audits);
    expect(await wecomSay('WuHaiTao', `计划 ${planNo}`)).toContain('状态：已通过');
  });
});

/** Keeps the dingtalk helpers referenced until the filing part lands. */
void signedCallback; void textMessageBody;
