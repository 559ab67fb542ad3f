/**
 * The DingTalk channel over real HTTP: the callback route and the download
 * route mounted on a real Koa app on a real port, writing to the real inbox
 * on a fresh database; the Sender talking to a local emulator of DingTalk's
 * documented APIs, with its token cache in that database.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import Koa from 'koa';
import { Types } from 'mongoose';
import { dingtalkApi, type DingtalkApi } from '../../bot/channels/dingtalk/api';
import { dingtalkCallback } from '../../bot/channels/dingtalk/callback';
import { downloadRoute } from '../../bot/channels/dingtalk/download';
import { hmacSign } from '../../bot/channels/dingtalk/sign';
import { SendError, type OutboundPayload } from '../../bot/channels/contracts';
import { createInbox } from '../../bot/inbox';
import { text, type Reply } from '../../bot/types';
import { loadConfig, type Config } from '../../src/config';
import { createLogger } from '../../src/logger';
import { nextTimestamp, signedCallback, startDingtalkEmulator, textMessageBody, type DingtalkEmulator } from '../emulators/dingtalk';
import { freshDb, type TestDb } from '../helpers/db';

const APP_KEY = 'dingappkey0001';
const APP_SECRET = 'app-secret-NEVER-LOGGED-3f9a1c77';
const ROBOT_CODE = 'dingrobot0001';
const DOWNLOAD_SECRET = 'download-secret-NEVER-LOGGED-0123456789abcdef';
const GROUP = {
  market: { token: 'grouptokenmarket0001', secret: 'SECmarket-NEVER-LOGGED-01' },
  safety: { token: 'grouptokensafety0002', secret: 'SECsafety-NEVER-LOGGED-02' },
  fire: { token: 'grouptokenfire000003', secret: 'SECfire-NEVER-LOGGED-03' },
};
/** What the fire brigade's robot is (mis)configured with on our side. */
const WRONG_FIRE_SECRET = 'SECwrong-NEVER-LOGGED-04';
const LIMIT_KB = 8;

let db: TestDb;
let emu: DingtalkEmulator;
let server: http.Server;
let base: string;
let config: Config;
let apiA: DingtalkApi;
let apiB: DingtalkApi;
const logged: string[] = [];
const signsSent: string[] = [];
const contentsSent: string[] = [];
const log = createLogger('debug', (l) => logged.push(l));
const now = () => new Date();

async function listen(s: http.Server): Promise<string> {
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  db = await freshDb();
  emu = await startDingtalkEmulator({
    appKey: APP_KEY, appSecret: APP_SECRET, robotCode: ROBOT_CODE,
    groupRobots: Object.fromEntries(Object.values(GROUP).map((g) => [g.token, g.secret])),
  });
  server = http.createServer();
  base = await listen(server);
  config = loadConfig({
    DINGTALK_APP_KEY: APP_KEY, DINGTALK_APP_SECRET: APP_SECRET, DINGTALK_ROBOT_CODE: ROBOT_CODE, DINGTALK_CARDS: 'actioncard',
    DINGTALK_API_BASE: emu.url, DINGTALK_OAPI_BASE: emu.url,
    DINGTALK_ROBOTS: `县市管局=${GROUP.market.token}:${GROUP.market.secret},县应急管理局=${GROUP.safety.token}:${GROUP.safety.secret},县消防救援大队=${GROUP.fire.token}:${WRONG_FIRE_SECRET}`,
    DOWNLOAD_SECRET, PUBLIC_BASE_URL: base, WEBHOOK_BODY_LIMIT_KB: String(LIMIT_KB),
  });
  const app = new Koa();
  app.use(dingtalkCallback({ config, inbox: createInbox(db.repos, now), dingtalk: db.repos.dingtalk, log, now }));
  app.use(downloadRoute({ config, files: db.repos.files, now }));
  server.on('request', app.callback());
  // Two instances on one database: two processes of the bot.
  apiA = dingtalkApi({ config, tokens: db.repos.tokens, files: db.repos.files, dingtalk: db.repos.dingtalk, now, log });
  apiB = dingtalkApi({ config, tokens: db.repos.tokens, files: db.repos.files, dingtalk: db.repos.dingtalk, now, log });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await emu.close();
  await db.close();
});

const dingtalkCount = () => db.repos.inbound.count({ platform: 'dingtalk' });

async function post(headers: Record<string, string>, body: string): Promise<{ status: number; body: string; ms: number }> {
  const started = Date.now();
  const r = await fetch(`${base}/dingtalk/callback`, { method: 'POST', headers, body });
  return { status: r.status, body: await r.text(), ms: Date.now() - started };
}

/** Sends a callback exactly as DingTalk signs it. */
async function deliver(body: unknown, secret = APP_SECRET, timestampMs = nextTimestamp()) {
  const req = signedCallback(secret, body, timestampMs);
  signsSent.push(req.headers.sign);
  return post(req.headers, req.body);
}

function message(content: string, extra: Partial<Parameters<typeof textMessageBody>[0]> = {}) {
  contentsSent.push(content);
  return textMessageBody({ msgId: `msg${randomBytes(8).toString('hex')}`, senderStaffId: 'li-dd', content, ...extra });
}

describe('DingTalk callback (POST /dingtalk/callback)', () => {
  it('records a signed text message once and answers 200 {} at once', async () => {
    const body = message(' 查询 B类 乡镇=陈营镇', { conversationType: '2', conversationId: 'cidGroup01==' });
    const r = await deliver(body);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({});
    expect(r.ms).toBeLessThan(1000);
    expect(await dingtalkCount()).toBe(1);
    const rec = await db.repos.inbound.get('dingtalk', body.msgId as string);
    expect(rec).toMatchObject({
      platform: 'dingtalk', senderId: 'li-dd', kind: 'text', text: '查询 B类 乡镇=陈营镇', status: 'new',
      sessionWebhook: body.sessionWebhook, sessionWebhookExpiresAt: body.sessionWebhookExpiredTime, conversationId: 'cidGroup01==',
    });
  });

  it('answers a DingTalk retry of the same msgId with 200 and still one record', async () => {
    const body = message('我是谁');
    expect((await deliver(body)).status).toBe(200);
    const before = await dingtalkCount();
    const retry = await deliver(body, APP_SECRET, Date.now() + 1500);
    expect(retry.status).toBe(200);
    expect(JSON.parse(retry.body)).toEqual({});
    expect(await dingtalkCount()).toBe(before);
  });

  it('records a card tap ("点 <key>" sent by the button link) as an ordinary text', async () => {
    const body = message('点 pool.confirm:91361129000000001X');
    expect((await deliver(body)).status).toBe(200);
    const rec = await db.repos.inbound.get('dingtalk', body.msgId as string);
    expect(rec).toMatchObject({ kind: 'text', text: '点 pool.confirm:91361129000000001X' });
    expect(rec?.actionKey ?? '').toBe(''); // a text, not a card action
  });

  it('refuses a (timestamp, sign) pair already used with another body, also at a second app on the same database', async () => {
    // A second server (its own Koa app, inbox and callback route) on the same database: another process.
    const other = new Koa();
    other.use(dingtalkCallback({ config, inbox: createInbox(db.repos, now), dingtalk: db.repos.dingtalk, log, now }));
    const s2 = http.createServer(other.callback());
    const url2 = await listen(s2);
    try {
      const first = message('我是谁');
      const req = signedCallback(APP_SECRET, first, nextTimestamp());
      signsSent.push(req.headers.sign);
      expect((await post(req.headers, req.body)).status).toBe(200);
      const before = await dingtalkCount();
      // The captured headers with a forged body (another sender, another command), here and at the other process.
      const forged = JSON.stringify(message('同意 JH2026-0001', { senderStaffId: 'leader-dd' }));
      for (const target of [`${base}/dingtalk/callback`, `${url2}/dingtalk/callback`]) {
        const r = await fetch(target, { method: 'POST', headers: req.headers, body: forged });
        expect(r.status).toBe(403);
        expect(await r.text()).toBe('timestamp and sign were already used');
      }
      expect(await dingtalkCount()).toBe(before);
      // The very same request again (a network retry) is still a plain duplicate: 200, nothing new.
      const again = await fetch(`${url2}/dingtalk/callback`, { method: 'POST', headers: req.headers, body: req.body });
      expect(again.status).toBe(200);
      expect(await dingtalkCount()).toBe(before);
    } finally {
      s2.closeAllConnections();
      await new Promise((resolve) => s2.close(resolve));
    }
  });

  it('checks the sender against the conversation DingTalk states (403, nothing recorded)', async () => {
    const before = await dingtalkCount();
    const bad: Record<string, unknown>[] = [
      { ...message('帮助'), conversationType: '3' },
      { ...message('帮助'), conversationType: undefined },
      { ...message('帮助'), conversationId: undefined },
      // A group message DingTalk would not deliver: it does not @ the robot.
      { ...message('帮助', { conversationType: '2', conversationId: 'cidGroup01==' }), isInAtList: false },
      // A sender from another organisation.
      { ...message('帮助'), senderCorpId: 'dingother000000000' },
    ];
    for (const body of bad) {
      const r = await deliver(body);
      expect(r.status).toBe(403);
    }
    expect(await dingtalkCount()).toBe(before);
    expect((await deliver(message('帮助', { conversationType: '2', conversationId: 'cidGroup01==' }))).status).toBe(200);
  });

  it('answers many callbacks well under a second each', async () => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) times.push((await deliver(message(`帮助 ${i}`))).ms);
    expect(Math.max(...times)).toBeLessThan(500);
  });

  describe('refuses with a 4xx and records nothing', () => {
    let before: number;
    beforeEach(async () => {
      before = await dingtalkCount();
    });
    afterEach(async () => {
      expect(await dingtalkCount()).toBe(before);
    });

    it('a sign made with another secret → 403', async () => {
      const r = await deliver(message('帮助'), 'not-the-app-secret');
      expect(r.status).toBe(403);
      expect(r.body).toBe('sign does not match');
    });

    it('a correctly signed timestamp more than an hour off → 403', async () => {
      expect((await deliver(message('帮助'), APP_SECRET, Date.now() - 3601_000)).status).toBe(403);
      expect((await deliver(message('帮助'), APP_SECRET, Date.now() + 3601_000)).status).toBe(403);
    });

    it('missing timestamp or sign headers → 401', async () => {
      const body = JSON.stringify(message('帮助'));
      expect((await post({ 'Content-Type': 'application/json' }, body)).status).toBe(401);
      const ts = String(Date.now());
      expect((await post({ 'Content-Type': 'application/json', timestamp: ts }, body)).status).toBe(401);
      expect((await post({ 'Content-Type': 'application/json', sign: hmacSign(ts, APP_SECRET) }, body)).status).toBe(401);
    });

    it(`a body over WEBHOOK_BODY_LIMIT_KB (${LIMIT_KB} KB) → 413`, async () => {
      const r = await deliver(message('查 ' + '长'.repeat(LIMIT_KB * 400)));
      expect(r.status).toBe(413);
    });

    it('malformed JSON → 400', async () => {
      const r = await deliver('{"msgtype":"text","msgId":');
      expect(r.status).toBe(400);
      expect(r.body).toBe('body is not JSON');
    });

    it('JSON missing the fields DingTalk always sends → 400', async () => {
      const good = message('帮助');
      for (const drop of ['msgId', 'senderStaffId', 'msgtype', 'text']) {
        const body = { ...good };
        delete (body as Record<string, unknown>)[drop];
        expect((await deliver(body)).status).toBe(400);
      }
      expect((await deliver({ ...good, text: { content: 42 } })).status).toBe(400);
      expect((await deliver([good])).status).toBe(400);
    });
  });

  it('answers 404 where DingTalk is not configured', async () => {
    const app = new Koa();
    const bare = loadConfig({});
    app.use(dingtalkCallback({ config: bare, inbox: createInbox(db.repos, now), dingtalk: db.repos.dingtalk, log, now }));
    app.use(downloadRoute({ config: bare, files: db.repos.files, now }));
    const s = http.createServer(app.callback());
    const url = await listen(s);
    try {
      const req = signedCallback(APP_SECRET, message('帮助'));
      expect((await fetch(`${url}/dingtalk/callback`, { method: 'POST', headers: req.headers, body: req.body })).status).toBe(404);
      expect((await fetch(`${url}/files/65f0c0ffee0123456789abcd?exp=1&sig=${'0'.repeat(64)}`)).status).toBe(404);
    } finally {
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    }
  });
});

const toUser = (reply: Reply): OutboundPayload => ({ platform: 'dingtalk', kind: 'robot_user', toUser: 'li-dd', reply });
const card: Reply = {
  kind: 'card',
  card: {
    cardId: 'card-1', title: 'C类库调整待确认', description: '县市管局提请将以下主体列入C类重点监管库',
    fields: [{ label: '主体', value: '万年县华达食品有限公司' }, { label: '理由', value: '近一年两次抽检不合格' }],
    buttons: [
      { key: 'pool.confirm:91361129000000001X', label: '同意', style: 'primary' },
      { key: 'pool.reject:91361129000000001X', label: '不同意', style: 'danger' },
    ],
  },
};

async function sendError(p: Promise<unknown>): Promise<SendError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SendError);
    return err as SendError;
  }
  throw new Error('the send succeeded');
}

describe('DingTalk Sender', () => {
  it('fetches the access token once and shares it between two processes through the database', async () => {
    await apiA.send(toUser(text('第一条')));
    await apiB.send(toUser(text('第二条')));
    expect(emu.tokenFetches).toBe(1);
    const [a, b] = emu.batchSends.slice(-2);
    expect(a.token).toBe(b.token);
    expect(a).toMatchObject({ robotCode: ROBOT_CODE, userIds: ['li-dd'], msgKey: 'sampleText', msgParam: { content: '第一条' } });
    expect(await db.repos.tokens.get(`dingtalk:${APP_KEY}`)).toMatchObject({ value: a.token });
  });

  it('drops a token DingTalk rejects and fetches a new one, once', async () => {
    const fetches = emu.tokenFetches;
    const calls = emu.batchSendCalls;
    emu.invalidateTokens();
    await apiA.send(toUser(text('换了令牌')));
    expect(emu.tokenFetches).toBe(fetches + 1);
    expect(emu.batchSendCalls).toBe(calls + 2);
    await apiB.send(toUser(text('还是这个令牌')));
    expect(emu.tokenFetches).toBe(fetches + 1);
    expect(emu.batchSends.at(-1)!.token).toBe(emu.issuedTokens.at(-1));
  });

  it('fetches a new token when the cached one has less than five minutes left', async () => {
    emu.setExpireIn(200);
    emu.invalidateTokens();
    try {
      const fetches = emu.tokenFetches;
      await apiA.send(toUser(text('一')));
      await apiA.send(toUser(text('二')));
      // One fetch after the rejection, one more because 200 s is inside the margin.
      expect(emu.tokenFetches).toBe(fetches + 2);
    } finally {
      emu.setExpireIn(7200);
      emu.invalidateTokens();
      await apiA.send(toUser(text('恢复')));
    }
  });

  it('renders a two-button card for the robot API as sampleActionCard6 whose buttons send "点 <key>"', async () => {
    await apiA.send(toUser(card));
    const sent = emu.batchSends.at(-1)!;
    expect(sent.msgKey).toBe('sampleActionCard6');
    expect(sent.msgParam.title).toBe('C类库调整待确认');
    expect(sent.msgParam.text).toContain('**主体**：万年县华达食品有限公司');
    expect(sent.msgParam.buttonTitle1).toBe('同意');
    const url = new URL(sent.msgParam.buttonUrl1);
    expect(url.protocol).toBe('dtmd:');
    expect(url.searchParams.get('content')).toBe('点 pool.confirm:91361129000000001X');
    expect(new URL(sent.msgParam.buttonUrl2).searchParams.get('content')).toBe('点 pool.reject:91361129000000001X');
  });

  it('picks the robot API template DingTalk defines for each number of buttons', async () => {
    const withButtons = (n: number): Reply => ({
      kind: 'card',
      card: { ...(card as Extract<Reply, { kind: 'card' }>).card, buttons: Array.from({ length: n }, (_, i) => ({ key: `k.${i + 1}:x`, label: `选项${i + 1}`, style: 'default' as const })) },
    });
    const keys: string[] = [];
    for (const n of [0, 1, 3, 4, 5, 7]) {
      await apiA.send(toUser(withButtons(n)));
      keys.push(emu.batchSends.at(-1)!.msgKey);
    }
    expect(keys).toEqual(['sampleMarkdown', 'sampleActionCard', 'sampleActionCard3', 'sampleActionCard4', 'sampleActionCard5', 'sampleActionCard5']);
    // Buttons past the fifth are offered as words to send.
    const last = emu.batchSends.at(-1)!.msgParam;
    expect(new URL(last.actionURL5).searchParams.get('content')).toBe('点 k.5:x');
    expect(last.text).toContain('选项7：发送“点 k.7:x”');
    expect(await sendError(apiA.send({ platform: 'wecom', kind: 'app', toUser: 'x', reply: text('错平台') }))).toMatchObject({ retryable: false });
  });

  it('answers through the session webhook while it is valid', async () => {
    const s = emu.newSession();
    const robotSends = emu.batchSends.length;
    await apiA.send({ platform: 'dingtalk', kind: 'session', sessionWebhook: s.sessionWebhook, expiresAt: s.expiresAt, toUser: 'li-dd', reply: text('收到') });
    await apiA.send({ platform: 'dingtalk', kind: 'session', sessionWebhook: s.sessionWebhook, expiresAt: s.expiresAt, toUser: 'li-dd', reply: card });
    expect(emu.batchSends.length).toBe(robotSends);
    const [t, c] = emu.sessionMessages.slice(-2);
    expect(t).toEqual({ session: s.id, body: { msgtype: 'text', text: { content: '收到' } } });
    const actionCard = c.body.actionCard as { title: string; btns: { title: string; actionURL: string }[] };
    expect(actionCard.title).toBe('C类库调整待确认');
    expect(actionCard.btns.map((b) => b.title)).toEqual(['同意', '不同意']);
    expect(new URL(actionCard.btns[0].actionURL).searchParams.get('content')).toBe('点 pool.confirm:91361129000000001X');
  });

  it('falls back to the robot API on any failure answer of the session webhook, not one errcode', async () => {
    for (const errcode of [-1, 130101, 400013, 88]) {
      const s = emu.newSession();
      emu.failSession(s.id, errcode);
      const robotSends = emu.batchSends.length;
      await apiA.send({ platform: 'dingtalk', kind: 'session', sessionWebhook: s.sessionWebhook, expiresAt: s.expiresAt, toUser: 'li-dd', reply: text(`会话失败 ${errcode}`) });
      expect(emu.batchSends.length).toBe(robotSends + 1);
      expect(emu.batchSends.at(-1)!.msgParam.content).toBe(`会话失败 ${errcode}`);
    }
  });

  it('falls back to the robot API for that user once the session webhook has expired', async () => {
    const s = emu.newSession();
    const sessionSends = emu.sessionMessages.length;
    await apiA.send({ platform: 'dingtalk', kind: 'session', sessionWebhook: s.sessionWebhook, expiresAt: Date.now() - 1, toUser: 'li-dd', reply: text('迟到的回复') });
    emu.expireSession(s.id);
    await apiA.send({ platform: 'dingtalk', kind: 'session', sessionWebhook: s.sessionWebhook, expiresAt: s.expiresAt, toUser: 'li-dd', reply: text('提前过期') });
    expect(emu.sessionMessages.length).toBe(sessionSends);
    expect(emu.batchSends.slice(-2).map((b) => [b.userIds, b.msgParam.content])).toEqual([[['li-dd'], '迟到的回复'], [['li-dd'], '提前过期']]);
  });

  it('never posts to a session webhook outside DINGTALK_OAPI_BASE, using the robot API instead', async () => {
    const robotSends = emu.batchSends.length;
    await apiA.send({ platform: 'dingtalk', kind: 'session', sessionWebhook: 'http://127.0.0.1:1/robot/sendBySession?session=x', expiresAt: Date.now() + 60_000, toUser: 'li-dd', reply: text('安全') });
    expect(emu.batchSends.length).toBe(robotSends + 1);
  });

  it('makes DingTalk throttling of the robot API a retryable error after a minute', async () => {
    emu.throttleBatchSend(1);
    const err = await sendError(apiA.send(toUser(text('限流'))));
    expect(err.retryable).toBe(true);
    expect(err.retryAfterMs).toBe(60_000);
    await apiA.send(toUser(text('限流之后')));
    expect(emu.batchSends.at(-1)!.msgParam.content).toBe('限流之后');
  });

  it('makes a network failure retryable and refused app credentials not', async () => {
    const down = dingtalkApi({ config: { ...config, DINGTALK_API_BASE: 'http://127.0.0.1:1' }, tokens: db.repos.tokens, files: db.repos.files, dingtalk: db.repos.dingtalk, now, log });
    expect((await sendError(down.send(toUser(text('断网'))))).retryable).toBe(true);
    const wrong = dingtalkApi({ config: { ...config, DINGTALK_APP_KEY: 'dingotherapp', DINGTALK_APP_SECRET: 'wrong-NEVER-LOGGED' }, tokens: db.repos.tokens, files: db.repos.files, dingtalk: db.repos.dingtalk, now, log });
    const err = await sendError(wrong.send(toUser(text('错误凭据'))));
    expect(err.retryable).toBe(false);
    expect(err.message).not.toContain('wrong-NEVER-LOGGED');
  });

  it('posts group markdown with a 加签 sign the custom robot accepts', async () => {
    await apiA.send({ platform: 'dingtalk', kind: 'group_markdown', robot: '县市管局', title: '抽查结果公示', markdown: '### 2026年第一批\n- 抽取主体 30 户' });
    expect(emu.groupMessages.at(-1)).toEqual({
      accessToken: GROUP.market.token,
      body: { msgtype: 'markdown', markdown: { title: '抽查结果公示', text: '### 2026年第一批\n- 抽取主体 30 户' } },
    });
  });

  it('makes the 21st group message in a minute a retryable error after DingTalk\'s 10-minute penalty (errcode 130101)', async () => {
    const group = (i: number): OutboundPayload => ({ platform: 'dingtalk', kind: 'group_markdown', robot: '县应急管理局', title: '通知', markdown: `第 ${i} 条` });
    for (let i = 1; i <= 20; i++) await apiA.send(group(i));
    const err = await sendError(apiA.send(group(21)));
    expect(err.retryable).toBe(true);
    expect(err.retryAfterMs).toBe(600_000);
    expect(err.message).toContain('130101');
    expect(emu.groupMessages.filter((m) => m.accessToken === GROUP.safety.token)).toHaveLength(20);
    // The emulator, as DingTalk: the robot stays throttled for 10 minutes, not one.
    expect(emu.groupPenaltyUntil(GROUP.safety.token)).toBeGreaterThan(Date.now() + 9 * 60_000);
  });

  it('makes a group robot refusing our sign (errcode 310000) a non-retryable error naming no secret', async () => {
    const err = await sendError(apiA.send({ platform: 'dingtalk', kind: 'group_markdown', robot: '县消防救援大队', title: '通知', markdown: '内容' }));
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('310000');
    for (const s of [GROUP.fire.token, WRONG_FIRE_SECRET, 'sign=', 'access_token']) expect(err.message).not.toContain(s);
    expect(emu.groupRefusals.at(-1)).toEqual({ accessToken: GROUP.fire.token, errcode: 310000 });
  });

  it('refuses a group robot that is not configured, without retrying', async () => {
    const err = await sendError(apiA.send({ platform: 'dingtalk', kind: 'group_markdown', robot: '县宇航局', title: '通知', markdown: '内容' }));
    expect(err.retryable).toBe(false);
  });
});

describe('signed downloads (GET /files/:id)', () => {
  const name = '2026年第一批双随机抽查结果(县市管局).xlsx';
  const data = randomBytes(5000);
  let id: string;
  beforeAll(async () => {
    id = await db.repos.files.put({
      name, contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', data,
      createdAt: new Date(), expiresAt: new Date(Date.now() + 7 * 86400_000),
    });
  });

  it('serves the bytes with the content type and an RFC 5987 file name', async () => {
    const r = await fetch(apiA.signedDownloadUrl(id, new Date()));
    expect(r.status).toBe(200);
    expect(Buffer.from(await r.arrayBuffer()).equals(data)).toBe(true);
    expect(r.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const cd = r.headers.get('content-disposition')!;
    const star = /filename\*=UTF-8''([^;]+)/.exec(cd)![1];
    expect(star).not.toMatch(/[()]/);
    expect(decodeURIComponent(star)).toBe(name);
    expect(cd).toMatch(/^attachment; filename="[\x20-\x7e]+";/);
  });

  it('puts the link in a group markdown the robot accepts', async () => {
    const md = await apiA.fileLinkMarkdown(id);
    expect(md).toContain(`${base}/files/${id}?exp=`);
    await apiA.send({ platform: 'dingtalk', kind: 'group_markdown', robot: '县市管局', title: '抽查结果名单', markdown: `完整名单：${md}` });
    expect(String((emu.groupMessages.at(-1)!.body.markdown as { text: string }).text)).toContain('/files/');
  });

  it('refuses a forged or altered link with 403', async () => {
    const url = new URL(apiA.signedDownloadUrl(id, new Date()));
    const sig = url.searchParams.get('sig')!;
    const forged = new URL(url);
    forged.searchParams.set('sig', sig.slice(0, -1) + (sig.endsWith('0') ? '1' : '0'));
    expect((await fetch(forged)).status).toBe(403);
    const longer = new URL(url);
    longer.searchParams.set('exp', String(Number(url.searchParams.get('exp')) + 86400));
    expect((await fetch(longer)).status).toBe(403);
    expect((await fetch(`${base}/files/${id}`)).status).toBe(403);
  });

  it('answers an expired link with 410 and an unknown file with 404', async () => {
    const past = new Date(Date.now() - (config.DOWNLOAD_TTL_HOURS + 1) * 3600_000);
    expect((await fetch(apiA.signedDownloadUrl(id, past))).status).toBe(410);
    expect((await fetch(apiA.signedDownloadUrl(new Types.ObjectId().toHexString(), new Date()))).status).toBe(404);
  });
});

describe('logs', () => {
  it('contain no secret, sign, access token or message content', () => {
    const all = logged.join('\n');
    expect(logged.length).toBeGreaterThan(0);
    const forbidden = [
      APP_SECRET, DOWNLOAD_SECRET, WRONG_FIRE_SECRET, 'wrong-NEVER-LOGGED',
      ...Object.values(GROUP).flatMap((g) => [g.token, g.secret]),
      ...emu.issuedTokens, ...signsSent, ...contentsSent.map((c) => c.trim()),
    ];
    for (const s of forbidden) expect(all).not.toContain(s);
  });
});
