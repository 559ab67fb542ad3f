/**
 * Two real server processes on one database, behind the WeCom and DingTalk
 * emulators, driven by correctly signed and encrypted callbacks: a platform
 * retry that reaches the other process is processed once; a card tap decides
 * once and updates the card; a scheduled job runs once.
 */
import { createServices } from '../../src/app';
import { cliCaller } from '../../src/services/context';
import { WecomEmulator } from '../emulators/wecom';
import { signedCallback, startDingtalkEmulator, textMessageBody, type DingtalkEmulator } from '../emulators/dingtalk';
import { freshDb, type TestDb } from '../helpers/db';
import { addEntities, code } from '../helpers/fixtures';
import { startServerProcess, waitFor, type ServerProcess } from '../helpers/server';

let db: TestDb;
let wecom: WecomEmulator;
let dingtalk: DingtalkEmulator;
let a: ServerProcess;
let b: ServerProcess;
const APP_SECRET = 'dt-secret-for-e2e-0123456789abcdef';

const post = (base: string, path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, { method: 'POST', body, headers: { 'Content-Type': 'text/xml', ...headers } });

beforeAll(async () => {
  db = await freshDb();
  await db.repos.org.seedDepartments();
  const services = createServices({ repos: db.repos, now: () => new Date() });
  const admin = cliCaller('e2e');
  await services.users.save(admin, { userId: 'li.official', name: '李经办', department: '县市管局', roles: ['official'], wecomUserId: 'LiWx', dingtalkStaffId: 'li-dd' });
  await services.users.save(admin, { userId: 'fire.official', name: '消防经办', department: '县消防救援大队', roles: ['official'], wecomUserId: 'FireWx' });
  await services.users.save(admin, { userId: 'zhao.office', name: '赵联席', department: '县市管局', roles: ['office'], wecomUserId: 'ZhaoWx' });
  await addEntities(db.repos, [{ n: 7, name: '万年县烟花爆竹经营部', pool: 'B' }]);

  wecom = await new WecomEmulator().start();
  dingtalk = await startDingtalkEmulator({ appKey: 'dingappkey0001', appSecret: APP_SECRET });
  const env = {
    MONGODB_URI: db.uri, DB_NAME: db.dbName,
    ...wecom.env(),
    DINGTALK_APP_KEY: 'dingappkey0001', DINGTALK_APP_SECRET: APP_SECRET, DINGTALK_CARD_TEMPLATE_ID: 'e2e-template.schema',
    DINGTALK_API_BASE: dingtalk.url, DINGTALK_OAPI_BASE: dingtalk.url,
  };
  [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
}, 120_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await wecom?.stop();
  await dingtalk?.close();
  await db?.close();
});

describe('two server processes on one database', () => {
  it('WeCom: the same callback reaching both processes is processed once and answered once', async () => {
    const cb = wecom.textCallback({ from: 'LiWx', content: '我是谁', msgId: '7001' });
    const [ra, rb] = await Promise.all([post(a.url, cb.path, cb.body), post(b.url, cb.path, cb.body)]);
    expect([ra.status, rb.status]).toEqual([200, 200]);
    await waitFor(() => wecom.messages.some((m) => m.touser === 'LiWx'), 20_000, 'the reply');
    await new Promise((r) => setTimeout(r, 1500)); // room for a duplicate to show up
    const replies = wecom.messages.filter((m) => m.touser === 'LiWx');
    expect(replies).toHaveLength(1);
    expect(replies[0].text?.content).toContain('李经办');
    expect(await db.repos.inbound.seen('wecom', '7001')).toBe(true);
    expect(await db.repos.inbound.count({})).toBe(0); // processed: out of the queue
  });

  it('DingTalk: a retry to the other process is processed once; the reply goes through the session webhook', async () => {
    const session = dingtalk.newSession();
    const body = textMessageBody({ msgId: 'dt-7002', senderStaffId: 'li-dd', content: '我是谁', sessionWebhook: session.sessionWebhook, sessionWebhookExpiredTime: session.expiresAt });
    const first = signedCallback(APP_SECRET, body);
    const r1 = await post(a.url, '/dingtalk/callback', first.body, first.headers);
    const retry = signedCallback(APP_SECRET, body);
    const r2 = await post(b.url, '/dingtalk/callback', retry.body, retry.headers);
    expect([r1.status, r2.status]).toEqual([200, 200]);
    await waitFor(() => dingtalk.sessionMessages.length > 0, 20_000, 'the session reply');
    await new Promise((r) => setTimeout(r, 1500));
    expect(dingtalk.sessionMessages).toHaveLength(1);
    expect(JSON.stringify(dingtalk.sessionMessages[0].body)).toContain('李经办');
  });

  it('DingTalk: a (timestamp, sign) pair seen by one process is refused by the other with another body and sender', async () => {
    const session = dingtalk.newSession();
    const body = textMessageBody({ msgId: 'dt-7010', senderStaffId: 'li-dd', content: '帮助', sessionWebhook: session.sessionWebhook, sessionWebhookExpiredTime: session.expiresAt });
    const captured = signedCallback(APP_SECRET, body);
    expect((await post(a.url, '/dingtalk/callback', captured.body, captured.headers)).status).toBe(200);
    const forged = JSON.stringify(textMessageBody({ msgId: 'dt-7011', senderStaffId: 'boss-dd', content: '同意 JH2026-0001' }));
    const r = await post(b.url, '/dingtalk/callback', forged, captured.headers);
    expect(r.status).toBe(403);
    expect(await db.repos.inbound.seen('dingtalk', 'dt-7011')).toBe(false);
  });

  it('a C proposal sent over WeCom reaches 联席办 as a card; the tap decides once and updates the card (R1)', async () => {
    const c = code(7);
    const propose = wecom.textCallback({ from: 'FireWx', content: `调库 ${c} C类 烟花爆竹储存不规范`, msgId: '7003' });
    expect((await post(a.url, propose.path, propose.body)).status).toBe(200);
    await waitFor(() => wecom.messages.some((m) => m.touser === 'ZhaoWx' && m.msgtype === 'template_card'), 20_000, 'the card');
    const card = wecom.messages.find((m) => m.touser === 'ZhaoWx' && m.msgtype === 'template_card')!.template_card!;
    // A C proposal is a request (TK-<代码>) in the approval engine: its card carries the engine's keys.
    expect(card.button_list.map((x) => x.key)).toEqual([`ap.yes:TK-${c}#0`, `ap.no:TK-${c}#0`]);
    expect((await db.repos.entities.get(c))?.pool).toBe('B');

    const tap = wecom.cardEventCallback({ from: 'ZhaoWx', taskId: card.task_id, eventKey: `ap.yes:TK-${c}#0` });
    // The platform retries the same event to the other process: still one decision.
    const [t1, t2] = await Promise.all([post(b.url, tap.path, tap.body), post(a.url, tap.path, tap.body)]);
    expect([t1.status, t2.status]).toEqual([200, 200]);
    await waitFor(() => wecom.cardUpdates.length > 0, 20_000, 'the card update');
    await new Promise((r) => setTimeout(r, 1500));
    expect(wecom.cardUpdates).toHaveLength(1);
    expect(JSON.stringify(wecom.cardUpdates[0])).toContain('已同意');
    expect((await db.repos.entities.get(c))?.pool).toBe('C');
    expect((await db.repos.audit.forTarget(`entity:${c}`)).filter((x) => x.action === 'pool.confirm')).toHaveLength(1);
  });

  it('a scheduled job runs once across both processes', async () => {
    await waitFor(async () => Boolean(await db.repos.jobs.get('files.purge')), 20_000, 'the job');
    await new Promise((r) => setTimeout(r, 6000)); // both schedulers poll every 5 s
    const job = await db.repos.jobs.get('files.purge');
    expect(job?.runs).toBe(1);
    expect(job?.nextRunAt.getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
  });

  it('no secret reaches either process log', () => {
    const logs = a.logs() + b.logs();
    for (const secret of [wecom.secret, wecom.aesKey, wecom.token, APP_SECRET, ...wecom.issuedTokens(), ...dingtalk.issuedTokens]) {
      expect(logs).not.toContain(secret);
    }
  });
});
