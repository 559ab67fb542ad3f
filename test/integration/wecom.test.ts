/**
 * The WeCom channel end to end: the callback route on a real Koa server and port,
 * writing to the real inbox on a fresh database, fed by callbacks signed and
 * encrypted the way WeCom's server does it; and the sender talking HTTP to a local
 * emulator of WeCom's API, with its token cached in the database.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import axios, { type AxiosInstance } from 'axios';
import { loadConfig, type Config } from '../../src/config';
import { createLogger } from '../../src/logger';
import { createInbox } from '../../bot/inbox';
import { SendError, type OutboundPayload } from '../../bot/channels/contracts';
import { wecomCallback } from '../../bot/channels/wecom/callback';
import { splitMarkdown, wecomApi, type WecomApi } from '../../bot/channels/wecom/api';
import { createWecomCrypto, decodeAesKey, pad32 } from '../../bot/channels/wecom/crypto';
import type { Card } from '../../bot/cards/card';
import { freshDb, type TestDb } from '../helpers/db';
import { ERR, WecomEmulator } from '../emulators/wecom';

let db: TestDb;
let emu: WecomEmulator;
let config: Config;
const logged: string[] = [];
const log = createLogger('debug', (l) => logged.push(l));
const servers: http.Server[] = [];
/** A marker typed by "users": it must reach the inbox and never the log. */
const SECRET_WORDS = `机密内容-${randomBytes(4).toString('hex')}`;

/** Starts a Koa app with only the WeCom callback on a real port; returns an HTTP client for it. */
async function startCallbackApp(cfg: Config, now: () => Date = () => new Date()): Promise<AxiosInstance> {
  const app = new Koa();
  const router = wecomCallback({ config: cfg, inbox: createInbox(db.repos, now), log, now });
  app.use(router.routes()).use(router.allowedMethods());
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  servers.push(server);
  return axios.create({
    baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    validateStatus: () => true,
    headers: { 'Content-Type': 'text/xml' },
    transformResponse: (d) => d,
  });
}

const inboundCount = () => db.repos.inbound.count({});

beforeAll(async () => {
  db = await freshDb();
  emu = await new WecomEmulator({ robotKeys: [`robot-${randomBytes(6).toString('hex')}`, `robot-${randomBytes(6).toString('hex')}`] }).start();
  config = loadConfig({ ...emu.env(), WEBHOOK_BODY_LIMIT_KB: '4', CALLBACK_WINDOW_SECONDS: '300', WECOM_ROBOTS: `群一=${emu.robotKeys[0]},群二=${emu.robotKeys[1]},无效群=not-a-robot` });
});

afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
  await emu.stop();
  await db.close();
});

describe('WeCom callback: WeCom’s own sample request, end to end', () => {
  // The official sample application; its clock is the sample's, 2014.
  const sampleConfig = () =>
    loadConfig({
      WECOM_CORP_ID: 'wx5823bf96d3bd56c7', WECOM_TOKEN: 'QDG6eK', WECOM_AES_KEY: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
      WECOM_AGENT_ID: '218', WECOM_SECRET: 'unused',
    });

  it('answers the sample URL verification with the sample plaintext', async () => {
    const client = await startCallbackApp(sampleConfig(), () => new Date(1409659589_000));
    const res = await client.get('/wecom/callback', {
      params: {
        msg_signature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3', timestamp: '1409659589', nonce: '263014780',
        echostr: 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==',
      },
    });
    expect(res.status).toBe(200);
    expect(res.data).toBe('1616140317555161061');
  });

  it('records the sample DecryptMsg request as a text message from "mycreate"', async () => {
    const client = await startCallbackApp(sampleConfig(), () => new Date(1409659813_000));
    const body =
      '<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>';
    const res = await client.post('/wecom/callback?msg_signature=477715d11cdb4164915debcba66cb864d751f3e6&timestamp=1409659813&nonce=1372623149', body);
    expect(res.status).toBe(200);
    expect(res.data).toBe('');
    const rec = await db.repos.inbound.get('wecom', '4561255354251345929');
    expect(rec).toMatchObject({ senderId: 'mycreate', kind: 'text', text: 'hello', status: 'new' });
  });
});

describe('WeCom callback on a real port', () => {
  let client: AxiosInstance;
  beforeAll(async () => {
    client = await startCallbackApp(config);
  });

  const post = (cb: { path: string; body: string }) => client.post(cb.path, cb.body);

  it('verifies the URL: answers the decrypted echostr, and refuses a bad signature or missing echostr', async () => {
    const v = emu.verification();
    const ok = await client.get(v.path);
    expect(ok.status).toBe(200);
    expect(ok.data).toBe(v.plaintext);
    const forged = await client.get('/wecom/callback', { params: { ...v.query, msg_signature: '0'.repeat(40) } });
    expect(forged.status).toBe(401);
    const missing = await client.get('/wecom/callback', { params: { ...v.query, echostr: undefined } });
    expect(missing.status).toBe(400);
    expect(missing.data).toBe('missing echostr');
  });

  it('records a text message once: a platform retry is answered 200 and recorded nothing more', async () => {
    const before = await inboundCount();
    const cb = emu.textCallback({ from: 'LiWx', content: `查询 B类 ${SECRET_WORDS}`, msgId: '7300000000000000001' });
    const first = await post(cb);
    expect(first.status).toBe(200);
    expect(first.data).toBe('');
    const retry = await post(cb);
    expect(retry.status).toBe(200);
    expect(await inboundCount()).toBe(before + 1);
    expect(await db.repos.inbound.get('wecom', '7300000000000000001')).toMatchObject({
      platform: 'wecom', senderId: 'LiWx', kind: 'text', text: `查询 B类 ${SECRET_WORDS}`, status: 'new',
    });
  });

  it('records the same message once when retries reach two processes at the same moment', async () => {
    const other = await startCallbackApp(config);
    const cb = emu.textCallback({ from: 'LiWx', content: '帮助', msgId: '7300000000000000002' });
    const before = await inboundCount();
    const answers = await Promise.all([post(cb), post(cb), other.post(cb.path, cb.body), other.post(cb.path, cb.body)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(await inboundCount()).toBe(before + 1);
  });

  it('records a template_card_event as a card_action with its key, card id and ResponseCode', async () => {
    const cb = emu.cardEventCallback({ from: 'ZhaoWx', taskId: 'pool_91361129MA35_1', eventKey: 'pool.confirm:91361129MA35XXXX0X', createTime: 1767000000 });
    expect((await post(cb)).status).toBe(200);
    expect((await post(cb)).status).toBe(200);
    const id = 'card:ZhaoWx:pool_91361129MA35_1:1767000000:pool.confirm:91361129MA35XXXX0X';
    expect(await db.repos.inbound.count({ _id: `wecom:${id}` })).toBe(1);
    expect(await db.repos.inbound.get('wecom', id)).toMatchObject({
      kind: 'card_action', senderId: 'ZhaoWx', text: '', actionKey: 'pool.confirm:91361129MA35XXXX0X', cardId: 'pool_91361129MA35_1', responseCode: cb.responseCode,
    });
  });

  it('records a picture or a file as a message to answer (never silence), other events not', async () => {
    const before = await inboundCount();
    const image = emu.mediaCallback({ from: 'LiWx', type: 'image', msgId: '7300000000000000042' });
    const file = emu.mediaCallback({ from: 'LiWx', type: 'file', msgId: '7300000000000000043' });
    const enter = emu.callback(`<xml><ToUserName>${emu.corpId}</ToUserName><FromUserName>LiWx</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>enter_agent</Event></xml>`);
    expect((await post(image)).status).toBe(200);
    expect((await post(file)).status).toBe(200);
    expect((await post(enter)).status).toBe(200);
    expect(await inboundCount()).toBe(before + 2);
    expect(await db.repos.inbound.get('wecom', '7300000000000000042')).toMatchObject({ kind: 'text', text: '', attachment: 'image', senderId: 'LiWx' });
    expect(await db.repos.inbound.get('wecom', '7300000000000000043')).toMatchObject({ attachment: 'file' });
  });

  it('answers in well under WeCom’s 5 seconds', async () => {
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      const res = await post(emu.textCallback({ from: 'LiWx', content: `我是谁 ${i}` }));
      expect(res.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(1000);
    }
  });

  describe('refuses with a 4xx and records nothing', () => {
    const aesKey = () => decodeAesKey(emu.aesKey);
    /** AES over exactly these bytes, no padding added: how a broken or hostile sender would do it. */
    const rawEncrypt = (plain: Buffer) => {
      const c = createCipheriv('aes-256-cbc', aesKey(), aesKey().subarray(0, 16));
      c.setAutoPadding(false);
      return Buffer.concat([c.update(plain), c.final()]).toString('base64');
    };
    const layout = (message: string, receiver: string) => {
      const body = Buffer.from(message);
      const len = Buffer.alloc(4);
      len.writeUInt32BE(body.length);
      return Buffer.concat([randomBytes(16), len, body, Buffer.from(receiver)]);
    };
    const textXml = (msgId: string) =>
      `<xml><ToUserName>${emu.corpId}</ToUserName><FromUserName>LiWx</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>帮助</Content><MsgId>${msgId}</MsgId></xml>`;

    const refusals: [string, () => { path: string; body: string }, number, string][] = [
      ['a forged signature', () => {
        const cb = emu.textCallback({ from: 'LiWx', content: '帮助' });
        return { ...cb, path: cb.path.replace(/msg_signature=[0-9a-f]{40}/, `msg_signature=${'ab'.repeat(20)}`) };
      }, 401, 'bad signature'],
      ['a signature of another token', () => {
        const cb = emu.textCallback({ from: 'LiWx', content: '帮助' });
        const wrong = createWecomCrypto({ token: 'someoneelse', encodingAesKey: emu.aesKey, receiverId: emu.corpId });
        const enc = /<Encrypt><!\[CDATA\[([^\]]+)\]\]>/.exec(cb.body)![1];
        return { ...cb, path: `/wecom/callback?${new URLSearchParams({ ...cb.query, msg_signature: wrong.sign(cb.query.timestamp, cb.query.nonce, enc) })}` };
      }, 401, 'bad signature'],
      ['a wrong corp id inside the ciphertext', () => {
        const other = createWecomCrypto({ token: emu.token, encodingAesKey: emu.aesKey, receiverId: 'wwsomeothercorp' });
        return emu.signEnvelope(other.encrypt(textXml('7300000000000000101'), randomBytes(16)));
      }, 403, 'ciphertext is for another corp'],
      ['a timestamp outside the window (a replay)', () =>
        emu.textCallback({ from: 'LiWx', content: '帮助', timestamp: String(Math.floor(Date.now() / 1000) - 301) }), 401, 'timestamp outside the allowed window'],
      ['a timestamp from the future', () =>
        emu.textCallback({ from: 'LiWx', content: '帮助', timestamp: String(Math.floor(Date.now() / 1000) + 3600) }), 401, 'timestamp outside the allowed window'],
      ['a body over WEBHOOK_BODY_LIMIT_KB', () => emu.textCallback({ from: 'LiWx', content: '长'.repeat(2000) }), 413, 'body over 4 KB'],
      ['malformed XML', () => {
        const cb = emu.textCallback({ from: 'LiWx', content: '帮助' });
        return { ...cb, body: cb.body.replace('</Encrypt>', '') };
      }, 400, 'malformed XML'],
      ['an envelope without Encrypt', () => ({ ...emu.textCallback({ from: 'LiWx', content: '帮助' }), body: '<xml><ToUserName>x</ToUserName></xml>' }), 400, 'malformed XML'],
      ['a decrypted message that is not XML', () => emu.callback('帮助'), 400, 'malformed XML'],
      ['a truncated ciphertext (last block cut, correctly signed)', () => {
        const cb = emu.textCallback({ from: 'LiWx', content: '帮助 帮助 帮助 帮助', msgId: '7300000000000000102' });
        const enc = /<Encrypt><!\[CDATA\[([^\]]+)\]\]>/.exec(cb.body)![1];
        const bytes = Buffer.from(enc, 'base64');
        return emu.signEnvelope(bytes.subarray(0, bytes.length - 32).toString('base64'));
      }, 400, 'ciphertext has bad padding'],
      ['a length field beyond the plaintext', () => {
        const plain = layout(textXml('7300000000000000103'), emu.corpId);
        plain.writeUInt32BE(100_000, 16);
        return emu.signEnvelope(rawEncrypt(pad32(plain)));
      }, 400, 'ciphertext is truncated'],
      ['a re-padded ciphertext (PKCS#7 to 16 bytes, as a generic library pads)', () => {
        const plain = layout(textXml('7300000000000000104'), emu.corpId);
        const n = 16 - (plain.length % 16);
        const padded = Buffer.concat([plain, Buffer.alloc(n, n)]);
        // Make sure the 16-padding is not also a 32-padding, whatever the lengths.
        return emu.signEnvelope(rawEncrypt(padded.length % 32 === 0 ? Buffer.concat([padded, Buffer.alloc(16, 16)]) : padded));
      }, 400, 'ciphertext has a bad length'],
      ['a re-padded ciphertext (pad bytes that differ)', () => {
        const padded = pad32(layout(textXml('7300000000000000105'), emu.corpId));
        padded[padded.length - 2] ^= 0x01;
        if (padded[padded.length - 1] === 1) padded[padded.length - 1] = 2;
        return emu.signEnvelope(rawEncrypt(padded));
      }, 400, 'ciphertext has bad padding'],
      ['a ciphertext that is not Base64', () => emu.signEnvelope('not base64!'), 400, 'ciphertext is not base64'],
      ['missing query parameters', () => ({ path: '/wecom/callback?timestamp=1', body: '<xml/>' }), 400, 'missing msg_signature'],
      ['a timestamp that is not a number', () => {
        const cb = emu.textCallback({ from: 'LiWx', content: '帮助' });
        return { ...cb, path: cb.path.replace(/timestamp=\d+/, 'timestamp=1e9') };
      }, 400, 'timestamp must be seconds since 1970'],
    ];

    it.each(refusals)('%s', async (_name, build, status, reason) => {
      const before = await inboundCount();
      const res = await post(build());
      expect(res.status).toBe(status);
      expect(res.data).toBe(reason);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(await inboundCount()).toBe(before);
    });
  });

  it('answers 404 on both routes when WeCom is not configured', async () => {
    const bare = await startCallbackApp(loadConfig({}));
    const v = emu.verification();
    expect((await bare.get(v.path)).status).toBe(404);
    expect((await bare.post(emu.textCallback({ from: 'LiWx', content: '帮助' }).path, '<xml/>')).status).toBe(404);
  });
});

describe('WeCom API sender against the emulator', () => {
  let clock: Date;
  const now = () => clock;
  let a: WecomApi;
  let b: WecomApi;
  const card: Card = {
    cardId: 'pool_91361129MA35_2',
    title: 'C类重点监管库调整待确认',
    description: '县市管局 李经办 提出（R1：C类名单由联席办确定）',
    fields: [{ label: '主体', value: '万年县华达食品有限公司' }, { label: '理由', value: '多次投诉' }],
    buttons: [{ key: 'pool.confirm:X', label: '同意', style: 'primary' }, { key: 'pool.reject:X', label: '退回', style: 'danger' }],
  };
  const app = (toUser: string, reply: Extract<OutboundPayload, { kind: 'app' }>['reply']): OutboundPayload => ({ platform: 'wecom', kind: 'app', toUser, reply });
  const sendError = async (p: Promise<unknown>): Promise<SendError> => {
    try {
      await p;
    } catch (err) {
      if (err instanceof SendError) return err;
      throw err;
    }
    throw new Error('expected a SendError');
  };

  beforeAll(() => {
    clock = new Date('2026-03-02T02:00:00Z');
    // Two "processes": separate senders sharing one database.
    a = wecomApi({ config, tokens: db.repos.tokens, files: db.repos.files, now, log });
    b = wecomApi({ config, tokens: db.repos.tokens, files: db.repos.files, now, log });
  });

  it('fetches the access_token once and shares it through the database with another process', async () => {
    const fetches = emu.tokenFetches;
    await a.send(app('LiWx', { kind: 'text', text: '您好' }));
    await b.send(app('ZhaoWx', { kind: 'text', text: '您好' }));
    await Promise.all([a.send(app('LiWx', { kind: 'text', text: '一' })), a.send(app('LiWx', { kind: 'text', text: '二' }))]);
    expect(emu.tokenFetches).toBe(fetches + 1);
    expect(emu.messages.slice(-4).map((m) => [m.touser, m.msgtype, m.text?.content])).toEqual(
      expect.arrayContaining([['LiWx', 'text', '您好'], ['ZhaoWx', 'text', '您好'], ['LiWx', 'text', '一'], ['LiWx', 'text', '二']]),
    );
    expect(emu.messages.at(-1)!.agentid).toBe(Number(emu.agentId));
  });

  it('fetches a new token 5 minutes before expires_in runs out, not sooner', async () => {
    const fetches = emu.tokenFetches;
    const start = clock;
    clock = new Date(start.getTime() + (7200 - 300 - 1) * 1000);
    await a.send(app('LiWx', { kind: 'text', text: '还在有效期内' }));
    expect(emu.tokenFetches).toBe(fetches);
    clock = new Date(start.getTime() + (7200 - 300 + 1) * 1000);
    await b.send(app('LiWx', { kind: 'text', text: '提前换新' }));
    expect(emu.tokenFetches).toBe(fetches + 1);
  });

  it.each([ERR.accessTokenExpired, ERR.invalidAccessToken, 42009])('on errcode %i forgets the token, fetches a new one once and delivers', async (code) => {
    const fetches = emu.tokenFetches;
    const sent = emu.messages.length;
    emu.expireTokens(code);
    await a.send(app('LiWx', { kind: 'text', text: `换令牌 ${code}` }));
    expect(emu.tokenFetches).toBe(fetches + 1);
    expect(emu.messages.length).toBe(sent + 1);
    // The other process finds the new token in the database.
    await b.send(app('LiWx', { kind: 'text', text: '共享新令牌' }));
    expect(emu.tokenFetches).toBe(fetches + 1);
  });

  it('refreshes only once: a second token error is a retryable SendError, not a loop', async () => {
    const fetches = emu.tokenFetches;
    emu.failAuthNext(ERR.accessTokenExpired, 2);
    const err = await sendError(a.send(app('LiWx', { kind: 'text', text: '不会送达' })));
    expect(err.retryable).toBe(true);
    expect(emu.tokenFetches).toBe(fetches + 1);
  });

  it('sends markdown with its title, and splits long text at 2,048 bytes', async () => {
    await a.send(app('LiWx', { kind: 'markdown', title: '查询结果', text: '共 **15** 户' }));
    expect(emu.messages.at(-1)).toMatchObject({ touser: 'LiWx', msgtype: 'markdown', markdown: { content: '**查询结果**\n共 **15** 户' } });
    const sent = emu.messages.length;
    const long = Array.from({ length: 60 }, (_, i) => `${i + 1}. 万年县华达食品有限公司 陈营镇`).join('\n');
    await a.send(app('LiWx', { kind: 'text', text: long }));
    const parts = emu.messages.slice(sent).map((m) => m.text!.content);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(2048);
    expect(parts.join('\n')).toBe(long);
  });

  it('sends a card as a button_interaction template card, and updates it once with the outcome', async () => {
    await a.send(app('ZhaoWx', { kind: 'card', card }));
    expect(emu.messages.at(-1)).toMatchObject({
      touser: 'ZhaoWx', msgtype: 'template_card',
      template_card: {
        card_type: 'button_interaction', task_id: card.cardId, main_title: { title: card.title }, sub_title_text: card.description,
        horizontal_content_list: [{ keyname: '主体', value: '万年县华达食品有限公司' }, { keyname: '理由', value: '多次投诉' }],
        button_list: [{ text: '同意', key: 'pool.confirm:X', style: 1 }, { text: '退回', key: 'pool.reject:X', style: 3 }],
      },
    });
    const tap = emu.cardEventCallback({ from: 'ZhaoWx', taskId: card.cardId, eventKey: 'pool.confirm:X' });
    const update: OutboundPayload = {
      platform: 'wecom', kind: 'card_update', responseCode: tap.responseCode, toUser: 'ZhaoWx',
      outcome: { cardId: card.cardId, label: '已同意（赵联席）' },
    };
    await a.send(update);
    expect(emu.cardUpdates.at(-1)).toEqual({
      userids: ['ZhaoWx'], agentid: Number(emu.agentId), response_code: tap.responseCode, button: { replace_name: '已同意（赵联席）' },
    });
    const again = await sendError(a.send(update));
    expect(again.retryable).toBe(false);
  });

  it('refuses a card WeCom cannot show, without retrying', async () => {
    const err = await sendError(a.send(app('ZhaoWx', { kind: 'card', card: { ...card, buttons: [] } })));
    expect(err.retryable).toBe(false);
  });

  it('sends a card id with characters WeCom refuses under a task_id of the allowed ones', async () => {
    await a.send(app('ZhaoWx', { kind: 'card', card: { ...card, cardId: 'pool_x_zhao.office' } }));
    expect(emu.messages.at(-1)!.template_card!.task_id).toMatch(/^pool_x_zhao_office_[0-9a-f]{24}$/);
  });

  it('treats 42014 (task_id already used) on a card sent again after a lost answer as sent, not dead', async () => {
    const resent = { ...card, cardId: `ap_BA2026-0007_1_zhao_${Date.now().toString(36)}` };
    await a.send(app('ZhaoWx', { kind: 'card', card: resent }));
    const sent = emu.messages.length;
    // The outbox sends the same entry again (its first answer timed out): WeCom answers 42014.
    await expect(a.send(app('ZhaoWx', { kind: 'card', card: resent }))).resolves.toBeUndefined();
    expect(emu.messages.length).toBe(sent);
    expect(emu.taskIds.has(resent.cardId)).toBe(true);
  });

  it('keeps the unique part of a card id over 128 bytes in its task_id', async () => {
    const head = `ap_${'JH2026-0001_'.repeat(12)}`;
    const one = { ...card, cardId: `${head}_1_leader.one` };
    const two = { ...card, cardId: `${head}_1_leader.two` };
    await a.send(app('ZhaoWx', { kind: 'card', card: one }));
    await a.send(app('ZhaoWx', { kind: 'card', card: two }));
    const [t1, t2] = emu.messages.slice(-2).map((m) => m.template_card!.task_id);
    expect(t1).not.toBe(t2);
    for (const t of [t1, t2]) expect(t).toMatch(/^[A-Za-z0-9_@-]{1,128}$/);
  });

  it('compares invaliduser case-insensitively: a user outside the app\'s range is a final error, whatever the case', async () => {
    emu.outOfRange.add('farwx');
    try {
      const err = await sendError(a.send(app('FarWx', { kind: 'text', text: '通知' })));
      expect(err.retryable).toBe(false);
      expect(err.message).toContain('cannot receive');
    } finally {
      emu.outOfRange.clear();
    }
  });

  it('the emulator cuts a text over 2,048 bytes as WeCom does; our sender splits so nothing is cut', async () => {
    const truncated = emu.truncated;
    const long = '抽'.repeat(1000); // 3,000 bytes
    await a.send(app('LiWx', { kind: 'text', text: long }));
    expect(emu.truncated).toBe(truncated);
    const raw = await axios.post(`${emu.url}/cgi-bin/message/send`, { touser: 'LiWx', agentid: Number(emu.agentId), msgtype: 'text', text: { content: long } }, { params: { access_token: await a.accessToken() } });
    expect(raw.data.errcode).toBe(0);
    expect(emu.truncated).toBe(truncated + 1);
    expect(Buffer.byteLength(emu.messages.at(-1)!.text!.content)).toBeLessThanOrEqual(2048);
  });

  it('makes 45009 and -1 retryable (45009 after a minute), and 40003 final', async () => {
    emu.failSendNext(ERR.freqOutOfLimit);
    const limited = await sendError(a.send(app('LiWx', { kind: 'text', text: '限流' })));
    expect([limited.retryable, limited.retryAfterMs]).toEqual([true, 60_000]);
    emu.failSendNext(ERR.busy);
    const busy = await sendError(a.send(app('LiWx', { kind: 'text', text: '繁忙' })));
    expect([busy.retryable, busy.retryAfterMs]).toEqual([true, undefined]);
    const badUser = await sendError(a.send(app('no such user!', { kind: 'text', text: '查无此人' })));
    expect(badUser.retryable).toBe(false);
    expect(badUser.message).toContain('40003');
  });

  it('makes network errors and HTTP 5xx retryable, and a wrong secret final', async () => {
    const broken = http.createServer((_req, res) => res.writeHead(502).end('bad gateway'));
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
    const port = (broken.address() as AddressInfo).port;
    const viaProxy = wecomApi({ config: { ...config, WECOM_API_BASE: `http://127.0.0.1:${port}`, WECOM_AGENT_ID: '999' }, tokens: db.repos.tokens, files: db.repos.files, now, log });
    const e5xx = await sendError(viaProxy.send(app('LiWx', { kind: 'text', text: 'x' })));
    expect([e5xx.retryable, e5xx.message]).toEqual([true, 'wecom gettoken: HTTP 502']);
    broken.closeAllConnections();
    await new Promise((resolve) => broken.close(resolve));
    const down = await sendError(viaProxy.send(app('LiWx', { kind: 'text', text: 'x' })));
    expect(down.retryable).toBe(true);
    // A kept-alive socket may be reset rather than refused: both are network errors.
    expect(down.message).toMatch(/^wecom gettoken: (ECONNREFUSED|ECONNRESET)$/);
    const wrongSecret = wecomApi({ config: { ...config, WECOM_SECRET: 'wrong', WECOM_AGENT_ID: '998' }, tokens: db.repos.tokens, files: db.repos.files, now, log });
    const e40001 = await sendError(wrongSecret.send(app('LiWx', { kind: 'text', text: 'x' })));
    expect(e40001.retryable).toBe(false);
    expect(e40001.message).toContain('40001');
  });

  describe('group robots', () => {
    const [robot, busyRobot] = [() => '群一', () => '群二'];

    it('sends an announcement split at 4,096 bytes, each part a markdown message', async () => {
      const rows = Array.from({ length: 150 }, (_, i) => `| ${i + 1} | 万年县华达食品有限公司第${i}分店 | 陈营镇 | 县市管局 |`);
      const text = ['### 2026年第一季度抽查结果公示', '| 序号 | 主体 | 乡镇 | 部门 |', '| --- | --- | --- | --- |', ...rows].join('\n');
      expect(Buffer.byteLength(text)).toBeGreaterThan(4096);
      const asked = emu.requests.length;
      const tooLong = await sendError(a.send({ platform: 'wecom', kind: 'robot_markdown', robot: robot(), markdown: text }));
      expect(tooLong.retryable).toBe(false);
      expect(emu.requests.length).toBe(asked); // refused before spending one of the robot's 20 a minute
      const sent = emu.robotMessages.length;
      const parts = splitMarkdown(text);
      for (const markdown of parts) await a.send({ platform: 'wecom', kind: 'robot_markdown', robot: robot(), markdown });
      const got = emu.robotMessages.slice(sent).map((m) => (m.body.markdown as { content: string }).content);
      expect(got).toEqual(parts);
      for (const g of got) expect(Buffer.byteLength(g)).toBeLessThanOrEqual(4096);
      expect(got.join('\n')).toBe(text);
    });

    it('emulates WeCom: over 4,096 bytes is 40058, an unknown key 93000', async () => {
      const direct = axios.create({ baseURL: emu.url, validateStatus: () => true });
      const over = await direct.post(`/cgi-bin/webhook/send?key=${emu.robotKeys[0]}`, { msgtype: 'markdown', markdown: { content: '长'.repeat(1366) } });
      expect(over.data.errcode).toBe(ERR.invalidParameter);
      const unknown = await sendError(a.send({ platform: 'wecom', kind: 'robot_markdown', robot: '无效群', markdown: 'hi' }));
      expect(unknown.retryable).toBe(false);
      expect(unknown.message).toContain('93000');
    });

    it('uploads a file from the files collection and sends it as a file message', async () => {
      const data = Buffer.from('统一社会信用代码,名称\n91361129MA35XXXX0X,万年县华达食品有限公司\n');
      const fileId = await db.repos.files.put({ name: '抽查结果"2026".csv', contentType: 'text/csv', data, createdAt: clock, expiresAt: new Date(clock.getTime() + 86_400_000) });
      await a.send({ platform: 'wecom', kind: 'robot_file', robot: robot(), fileId });
      const upload = emu.uploads.at(-1)!;
      expect(upload.key).toBe(emu.robotKeys[0]);
      expect(upload.filename).toBe('抽查结果_2026_.csv');
      expect(upload.data.equals(data)).toBe(true);
      expect(emu.robotMessages.at(-1)!.body).toEqual({ msgtype: 'file', file: { media_id: upload.mediaId } });
      const gone = await sendError(a.send({ platform: 'wecom', kind: 'robot_file', robot: robot(), fileId: '0123456789abcdef01234567' }));
      expect(gone.retryable).toBe(false);
    });

    it('turns the 21st message in a minute into a retryable SendError after 60 s', async () => {
      for (let i = 0; i < 20; i++) await a.send({ platform: 'wecom', kind: 'robot_markdown', robot: busyRobot(), markdown: `第${i + 1}条` });
      const err = await sendError(a.send({ platform: 'wecom', kind: 'robot_markdown', robot: busyRobot(), markdown: '第21条' }));
      expect([err.retryable, err.retryAfterMs]).toEqual([true, 60_000]);
      expect(err.message).toContain('45009');
    });
  });
});

describe('secrets stay out of the log', () => {
  it('a full callback and send logged at debug level contain no token, AES key, secret, access_token, robot key or message text', async () => {
    const client = await startCallbackApp(config);
    const api = wecomApi({ config, tokens: db.repos.tokens, files: db.repos.files, now: () => new Date(), log });
    const typed = emu.textCallback({ from: 'LiWx', content: SECRET_WORDS });
    expect((await client.post(typed.path, typed.body)).status).toBe(200);
    expect((await client.post(emu.textCallback({ from: 'LiWx', content: '帮助' }).path, '<xml>broken')).status).toBe(400);
    await api.send({ platform: 'wecom', kind: 'app', toUser: 'LiWx', reply: { kind: 'text', text: SECRET_WORDS } });
    emu.expireTokens(ERR.accessTokenExpired);
    await api.send({ platform: 'wecom', kind: 'app', toUser: 'LiWx', reply: { kind: 'text', text: '再来一次' } });
    await api.send({ platform: 'wecom', kind: 'robot_markdown', robot: '群一', markdown: '公示' }).catch(() => undefined);
    const all = logged.join('\n');
    expect(logged.length).toBeGreaterThan(5);
    expect(all).toContain('wecom callback accepted');
    expect(all).toContain('wecom access_token rejected');
    const secrets = { token: emu.token, aesKey: emu.aesKey, secret: emu.secret, robotKeys: emu.robotKeys.join(','), words: SECRET_WORDS };
    for (const [what, value] of Object.entries(secrets)) {
      for (const v of value.split(',')) expect({ what, found: all.includes(v) }).toEqual({ what, found: false });
    }
    const tokens = emu.issuedTokens();
    expect(tokens.length).toBeGreaterThan(1);
    for (const t of tokens) expect(all.includes(t)).toBe(false);
  });
});
