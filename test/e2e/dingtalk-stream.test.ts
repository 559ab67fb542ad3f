/**
 * DINGTALK_MODE=stream end to end on the real server process: it connects out
 * to the emulator's Stream gateway; robot messages and card taps come over the
 * WebSocket (acknowledged, redelivered until acknowledged, processed once), and
 * a filing is approved through all its steps by tapping interactive cards, in
 * one-to-one chats and in a group. The connection is opened again after a drop.
 */
import { createServices } from '../../src/app';
import { startDingtalkEmulator, textMessageBody, type DingtalkEmulator } from '../emulators/dingtalk';
import { freshDb, type TestDb } from '../helpers/db';
import { addEntities, code, inspectorDoc, saveUsers } from '../helpers/fixtures';
import { startServerProcess, waitFor, type ServerProcess } from '../helpers/server';

let db: TestDb;
let dingtalk: DingtalkEmulator;
let server: ServerProcess;
const APP_SECRET = 'dt-stream-secret-NEVER-LOGGED-0123';
const TEMPLATE = 'stream-approval-template.schema';
const GROUP = 'cidStreamGroup01==';
let seq = 1;

const settled = async () => (await db.models.Outbox.collection.countDocuments({})) === 0 && (await db.repos.inbound.count({})) === 0;
const sessionText = (id: string) => dingtalk.sessionMessages.filter((m) => m.session === id).map((m) => JSON.stringify(m.body)).join('\n');
const batchTo = (staffId: string) => dingtalk.batchSends.filter((b) => b.userIds.includes(staffId));

/** A message over the stream (one-to-one, or @robot in the group); waits until it is answered and everything went out. */
async function say(staffId: string, content: string, group = false): Promise<string> {
  const s = dingtalk.newSession();
  const before = dingtalk.sessionMessages.length + dingtalk.batchSends.length + dingtalk.cards.size;
  const body = textMessageBody({
    msgId: `st-${seq++}`, senderStaffId: staffId, content, sessionWebhook: s.sessionWebhook, sessionWebhookExpiredTime: s.expiresAt,
    ...(group ? { conversationType: '2' as const, conversationId: GROUP } : {}),
  });
  expect((await dingtalk.streamMessage(body)).code).toBe(200);
  await waitFor(async () => dingtalk.sessionMessages.length + dingtalk.batchSends.length + dingtalk.cards.size > before && (await settled()), 20_000, `the answer to “${content}”`);
  return sessionText(s.id);
}

const cardWith = (staffId: string, key: string, space?: 'IM_ROBOT' | 'IM_GROUP') =>
  [...dingtalk.cardsSeenBy(staffId)].reverse().find((c) => (!space || c.space === space) && c.params.buttons.includes(`"${key}"`));

async function tap(staffId: string, outTrackId: string, key: string): Promise<void> {
  const before = dingtalk.sessionMessages.length + dingtalk.batchSends.length;
  expect(await dingtalk.tapCard(outTrackId, staffId, key)).toBe(200);
  await waitFor(async () => dingtalk.sessionMessages.length + dingtalk.batchSends.length > before && (await settled()), 20_000, `the tap ${key}`);
}

// A planned date in B's quiet period (not June or September, R10), from tomorrow on (Beijing dates).
let t = Date.now() + 8 * 3600_000 + 86400_000;
while ([5, 8].includes(new Date(t).getUTCMonth())) t += 86400_000;
const planned = new Date(t).toISOString().slice(0, 10);
const year = Number(planned.slice(0, 4));

beforeAll(async () => {
  db = await freshDb();
  await db.repos.org.seedDepartments();
  await saveUsers(createServices({ repos: db.repos, now: () => new Date() }), [
    { userId: 'scj.official', name: '周晓燕', department: '县市管局', roles: ['official'], dingtalkStaffId: 'dd-zhou' },
    { userId: 'scj.leader', name: '程丽华', department: '县市管局', roles: ['leader'], dingtalkStaffId: 'dd-cheng' },
    { userId: 'lxb.office', name: '钱联席', department: '县市管局', roles: ['office'], dingtalkStaffId: 'dd-qian' },
    { userId: 'sfj.justice', name: '李司法', department: '县司法局', roles: ['justice'], dingtalkStaffId: 'dd-li' },
  ]);
  const officer = (no: string, name: string) => inspectorDoc(no, name, 'SCJGJ', { certificateExpiry: `${year + 2}-12-31` });
  await db.repos.inspectors.writer.insertNew([officer('SC001', '王执法'), officer('SC002', '李执法')] as never);
  await addEntities(db.repos, [{ n: 991, name: '万年县便民超市', pool: 'B', departments: ['SCJGJ'] }]);

  dingtalk = await startDingtalkEmulator({ appKey: 'dingstreamkey01', appSecret: APP_SECRET, cardTemplateId: TEMPLATE, groups: { [GROUP]: ['dd-qian', 'dd-zhou'] } });
  server = await startServerProcess({
    MONGODB_URI: db.uri, DB_NAME: db.dbName, DINGTALK_MODE: 'stream',
    DINGTALK_APP_KEY: 'dingstreamkey01', DINGTALK_APP_SECRET: APP_SECRET, DINGTALK_API_BASE: dingtalk.url, DINGTALK_OAPI_BASE: dingtalk.url,
    DINGTALK_CARD_TEMPLATE_ID: TEMPLATE,
  });
  await waitFor(() => dingtalk.streamConnections === 1, 20_000, 'the stream connection');
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await dingtalk?.close();
  await db?.close();
});

describe('DingTalk in Stream mode', () => {
  it('connects out with the app key and secret; the HTTP callback routes are closed', async () => {
    expect(dingtalk.streamOpens).toBe(1);
    const r = await fetch(`${server.url}/dingtalk/callback`, { method: 'POST', body: '{}' });
    expect(r.status).toBe(404);
    expect((await fetch(`${server.url}/dingtalk/card-callback`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('answers a ping and a message over the stream; a redelivered message is processed once', async () => {
    const ping = await dingtalk.streamPing();
    expect(ping?.code).toBe(200);
    const s = dingtalk.newSession();
    const body = textMessageBody({ msgId: 'st-once', senderStaffId: 'dd-zhou', content: '我是谁', sessionWebhook: s.sessionWebhook, sessionWebhookExpiredTime: s.expiresAt });
    expect((await dingtalk.streamMessage(body)).code).toBe(200);
    expect((await dingtalk.streamMessage(body)).code).toBe(200);
    await waitFor(async () => sessionText(s.id).includes('周晓燕') && (await settled()), 20_000, 'the reply');
    await new Promise((r) => setTimeout(r, 1000));
    expect(dingtalk.sessionMessages.filter((m) => m.session === s.id)).toHaveLength(1);
  });

  it('a filing is approved through all steps by tapping cards over the stream, one-to-one and in a group', async () => {
    const first = await say('dd-zhou', `备案 ${code(991)} 事由=消防安全投诉 日期=${planned} 人员=王执法、李执法 说明=群众举报`);
    expect(first).toContain('提交');
    const done = await say('dd-zhou', '提交');
    const filingNo = /BA\d{4}-\d{4}/.exec(done)?.[0] ?? '';
    expect(filingNo).not.toBe('');

    // Step 1, one-to-one.
    await waitFor(() => Boolean(cardWith('dd-cheng', `ap.yes:${filingNo}#0`)), 20_000, "the leader's card");
    const c0 = cardWith('dd-cheng', `ap.yes:${filingNo}#0`)!;
    expect(c0.callbackType).toBe('STREAM');
    await tap('dd-cheng', c0.outTrackId, `ap.yes:${filingNo}#0`);
    await waitFor(() => c0.params.outcome !== '', 20_000, 'the card update');

    // Step 2, in the group: a member not designated taps first and changes nothing.
    await waitFor(() => Boolean(cardWith('dd-qian', `ap.yes:${filingNo}#1`)), 20_000, "联席办's card");
    await say('dd-qian', '待办', true);
    const c1 = cardWith('dd-qian', `ap.yes:${filingNo}#1`, 'IM_GROUP')!;
    const version = (await db.repos.approvals.get(filingNo))?.version;
    await tap('dd-zhou', c1.outTrackId, `ap.yes:${filingNo}#1`);
    expect((await db.repos.approvals.get(filingNo))?.version).toBe(version);
    expect(c1.params.outcome).toBe('');
    await tap('dd-qian', c1.outTrackId, `ap.yes:${filingNo}#1`);
    await waitFor(() => c1.params.outcome !== '', 20_000, 'the group card update');
    expect(c1.params.buttons).toBe('[]');

    // Step 3, one-to-one; then a phone that has not redrawn the card taps 退回 on it: nothing changes.
    await waitFor(() => Boolean(cardWith('dd-li', `ap.yes:${filingNo}#2`)), 20_000, "司法局's card");
    const c2 = cardWith('dd-li', `ap.yes:${filingNo}#2`)!;
    const shown = { ...c2.params };
    await tap('dd-li', c2.outTrackId, `ap.yes:${filingNo}#2`);
    const decided = (await db.repos.approvals.get(filingNo))?.version;
    const before = dingtalk.batchSends.length;
    expect(await dingtalk.tapCard(c2.outTrackId, 'dd-li', `ap.no:${filingNo}#2`, { stale: shown })).toBe(200);
    await waitFor(async () => dingtalk.batchSends.length > before && (await settled()), 20_000, 'the answer to the second tap');
    expect(JSON.stringify(batchTo('dd-li').at(-1))).toContain('无需重复操作');
    expect((await db.repos.approvals.get(filingNo))?.version).toBe(decided);
    const approval = await db.repos.approvals.get(filingNo);
    expect(approval?.status).toBe('approved');
    expect(approval?.steps.map((s) => s.by)).toEqual(['scj.leader', 'lxb.office', 'sfj.justice']);
    await waitFor(() => c2.params.outcome !== '', 20_000, 'the last card update');
    await waitFor(() => JSON.stringify(batchTo('dd-zhou')).includes('全部审批通过'), 20_000, 'the requester told');
  });

  it('connects again after the connection drops, and goes on receiving', async () => {
    const opens = dingtalk.streamOpens;
    dingtalk.dropStreams();
    await waitFor(() => dingtalk.streamOpens > opens && dingtalk.streamConnections === 1, 20_000, 'the new connection');
    expect(await say('dd-zhou', '我是谁')).toContain('周晓燕');
  });

  it('logs no secret', () => {
    for (const s of [APP_SECRET, ...dingtalk.issuedTokens]) expect(server.logs()).not.toContain(s);
  });
});
