/**
 * DingTalk interactive cards over real HTTP: our Sender delivers card
 * instances to the DingTalk emulator (one user's robot chat, or a group), the
 * emulator taps them as the DingTalk client would and posts the signed card
 * callback to the URL our server registered; the callback route checks the
 * tap against the card it recorded, on a fresh database.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { dingtalkApi, type DingtalkApi } from '../../bot/channels/dingtalk/api';
import { dingtalkCallback } from '../../bot/channels/dingtalk/callback';
import { createInbox } from '../../bot/inbox';
import type { Reply } from '../../bot/types';
import { loadConfig, type Config } from '../../src/config';
import { createLogger } from '../../src/logger';
import { nextTimestamp, signedCallback, startDingtalkEmulator, type DingtalkEmulator } from '../emulators/dingtalk';
import { freshDb, type TestDb } from '../helpers/db';

const APP_KEY = 'dingcardkey01';
const APP_SECRET = 'card-app-secret-NEVER-LOGGED-77';
const TEMPLATE = 'a1b2c3d4-approval.schema';
const GROUP = 'cidGroupCards01==';

let db: TestDb;
let emu: DingtalkEmulator;
let server: http.Server;
let base: string;
let config: Config;
let api: DingtalkApi;
const logged: string[] = [];
const log = createLogger('debug', (l) => logged.push(l));
const now = () => new Date();

const card = (cardId: string): Reply => ({
  kind: 'card',
  card: {
    cardId, title: '抽查计划待审批', description: '县市管局提交的 2027 年度抽查计划',
    fields: [{ label: '编号', value: 'JH2027-0001' }, { label: '步骤', value: '部门负责人' }],
    buttons: [
      { key: 'ap.yes:JH2027-0001#0', label: '同意', style: 'primary' },
      { key: 'ap.no:JH2027-0001#0', label: '退回', style: 'danger' },
    ],
  },
});

beforeAll(async () => {
  db = await freshDb();
  emu = await startDingtalkEmulator({ appKey: APP_KEY, appSecret: APP_SECRET, cardTemplateId: TEMPLATE, groups: { [GROUP]: ['dd-a', 'dd-b'] } });
  server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  config = loadConfig({
    DINGTALK_APP_KEY: APP_KEY, DINGTALK_APP_SECRET: APP_SECRET, DINGTALK_API_BASE: emu.url, DINGTALK_OAPI_BASE: emu.url,
    DINGTALK_CARD_TEMPLATE_ID: TEMPLATE, PUBLIC_BASE_URL: base,
  });
  const app = new Koa();
  app.use(dingtalkCallback({ config, inbox: createInbox(db.repos, now), dingtalk: db.repos.dingtalk, log, now }));
  server.on('request', app.callback());
  api = dingtalkApi({ config, tokens: db.repos.tokens, files: db.repos.files, dingtalk: db.repos.dingtalk, now, log });
  await api.registerCardCallback(base);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await emu.close();
  await db.close();
});

const taps = async () => (await db.repos.inbound.count({ platform: 'dingtalk', kind: 'card_action' }));

describe('DingTalk interactive cards', () => {
  it('registers the card callback URL under DINGTALK_CARD_ROUTE_KEY', () => {
    expect(emu.cardRoutes.get('supervision-cards')?.url).toBe(`${base}/dingtalk/card-callback`);
  });

  it('delivers a card to one user as a card instance in their robot chat, recorded with its buttons', async () => {
    await api.send({ platform: 'dingtalk', kind: 'robot_user', toUser: 'dd-a', reply: card('c-one') });
    const [c] = emu.cardsSeenBy('dd-a');
    expect(c).toMatchObject({ templateId: TEMPLATE, space: 'IM_ROBOT', target: 'dd-a', routeKey: 'supervision-cards' });
    expect(c.params.title).toBe('抽查计划待审批');
    expect(c.params.markdown).toContain('**编号**：JH2027-0001');
    expect(JSON.parse(c.params.buttons)).toEqual([
      { text: '同意', key: 'ap.yes:JH2027-0001#0', color: 'blue' },
      { text: '退回', key: 'ap.no:JH2027-0001#0', color: 'red' },
    ]);
    expect(emu.cardsSeenBy('dd-b')).toHaveLength(0);
    expect(await db.repos.dingtalk.card(c.outTrackId)).toMatchObject({ space: 'IM_ROBOT', target: 'dd-a', keys: ['ap.yes:JH2027-0001#0', 'ap.no:JH2027-0001#0'] });
    // A resend of the same outbox entry (its answer lost) is the same card: DingTalk refuses a second
    // instance with that outTrackId, and that counts as sent, not as a failure.
    const refusals = emu.cardRefusals.length;
    await api.send({ platform: 'dingtalk', kind: 'robot_user', toUser: 'dd-a', reply: card('c-one') });
    expect(emu.cardRefusals.slice(refusals).map((r) => r.code)).toEqual(['param.outTrackId.exist']);
    expect(emu.cardsSeenBy('dd-a')).toHaveLength(1);
  });

  it('answers a card asked for in a group into that group, seen by its members', async () => {
    const s = emu.newSession();
    await api.send({ platform: 'dingtalk', kind: 'session', sessionWebhook: s.sessionWebhook, expiresAt: s.expiresAt, toUser: 'dd-a', reply: card('c-group'), conversationId: GROUP, conversationType: '2' });
    const inGroup = [...emu.cards.values()].find((c) => c.space === 'IM_GROUP')!;
    expect(inGroup.target).toBe(GROUP);
    expect(emu.cardsSeenBy('dd-b').map((c) => c.outTrackId)).toContain(inGroup.outTrackId);
    expect(emu.sessionMessages).toHaveLength(0); // not an ActionCard through the session webhook
  });

  it('a tap comes back as a signed card callback and is recorded as a card action of that user', async () => {
    const c = emu.cardsSeenBy('dd-a').find((x) => x.space === 'IM_ROBOT')!;
    const before = await taps();
    expect(await emu.tapCard(c.outTrackId, 'dd-a', 'ap.yes:JH2027-0001#0')).toBe(200);
    expect(await taps()).toBe(before + 1);
    // DingTalk sending the same tap again is one record.
    expect(await emu.tapCard(c.outTrackId, 'dd-a', 'ap.yes:JH2027-0001#0')).toBe(200);
    expect(await taps()).toBe(before + 1);
    const group = [...emu.cards.values()].find((x) => x.space === 'IM_GROUP')!;
    expect(await emu.tapCard(group.outTrackId, 'dd-b', 'ap.no:JH2027-0001#0')).toBe(200);
    expect(await taps()).toBe(before + 2);
  });

  it('refuses a tap by someone the card was not sent to, on an unknown card, or on a button the card lacks', async () => {
    const c = emu.cardsSeenBy('dd-a').find((x) => x.space === 'IM_ROBOT')!;
    const before = await taps();
    const tap = (outTrackId: string, userId: string, key: string) => {
      const content = JSON.stringify({ cardPrivateData: { actionIds: ['button_0'], params: { key } } });
      const req = signedCallback(APP_SECRET, { outTrackId, userId, content, value: content, spaceType: 'IM_ROBOT', spaceId: userId, userIdType: 1, type: 'actionCallback' }, nextTimestamp());
      return fetch(`${base}/dingtalk/card-callback`, { method: 'POST', headers: req.headers, body: req.body });
    };
    expect((await tap(c.outTrackId, 'dd-b', 'ap.yes:JH2027-0001#0')).status).toBe(403);
    expect((await tap('sc_unknown', 'dd-a', 'ap.yes:JH2027-0001#0')).status).toBe(404);
    expect((await tap(c.outTrackId, 'dd-a', 'ap.yes:JH2027-0099#0')).status).toBe(400);
    expect(await taps()).toBe(before);
  });

  it('refuses a card callback whose (timestamp, sign) pair was already used', async () => {
    const c = emu.cardsSeenBy('dd-a').find((x) => x.space === 'IM_ROBOT')!;
    const content = JSON.stringify({ cardPrivateData: { actionIds: ['button_1'], params: { key: 'ap.no:JH2027-0001#0' } } });
    const req = signedCallback(APP_SECRET, { outTrackId: c.outTrackId, userId: 'dd-a', content }, nextTimestamp());
    expect((await fetch(`${base}/dingtalk/card-callback`, { method: 'POST', headers: req.headers, body: req.body })).status).toBe(200);
    const other = JSON.stringify({ outTrackId: c.outTrackId, userId: 'dd-a', content: content.replace('ap.no', 'ap.yes') });
    expect((await fetch(`${base}/dingtalk/card-callback`, { method: 'POST', headers: req.headers, body: other })).status).toBe(403);
  });

  it('shows the decision on the card for everyone and leaves no button to tap', async () => {
    const group = [...emu.cards.values()].find((x) => x.space === 'IM_GROUP')!;
    await api.send({ platform: 'dingtalk', kind: 'card_update', outTrackId: group.outTrackId, outcome: { cardId: group.outTrackId, label: '已同意（程丽华）' } });
    expect(group.params).toMatchObject({ outcome: '已同意（程丽华）', buttons: '[]', title: '抽查计划待审批' });
    await expect(emu.tapCard(group.outTrackId, 'dd-b', 'ap.yes:JH2027-0001#0')).rejects.toThrow('shows no button');
  });

  it('shows a decision on every card carrying it: the same approval sent to two approvers and into a group', async () => {
    const s = emu.newSession();
    const same = (cardId: string): Reply => ({ kind: 'card', card: { ...(card(cardId) as Extract<Reply, { kind: 'card' }>).card, buttons: [{ key: 'ap.yes:BA2027-0002#1', label: '同意', style: 'primary' }] } });
    await api.send({ platform: 'dingtalk', kind: 'robot_user', toUser: 'dd-a', reply: same('c-a') });
    await api.send({ platform: 'dingtalk', kind: 'robot_user', toUser: 'dd-b', reply: same('c-b') });
    await api.send({ platform: 'dingtalk', kind: 'session', sessionWebhook: s.sessionWebhook, expiresAt: s.expiresAt, toUser: 'dd-a', reply: same('c-g'), conversationId: GROUP, conversationType: '2' });
    const all = [...emu.cards.values()].filter((c) => c.params.buttons.includes('BA2027-0002'));
    expect(all).toHaveLength(3);
    await api.send({ platform: 'dingtalk', kind: 'card_update', outTrackId: all[1].outTrackId, outcome: { cardId: all[1].outTrackId, label: '已同意（钱联席）' } });
    for (const c of all) expect(c.params).toMatchObject({ outcome: '已同意（钱联席）', buttons: '[]' });
  });

  it('logs no secret', () => {
    const all = logged.join('\n');
    for (const s of [APP_SECRET, ...emu.issuedTokens]) expect(all).not.toContain(s);
  });
});
