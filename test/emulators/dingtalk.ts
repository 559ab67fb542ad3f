/**
 * A local stand-in for DingTalk's servers, speaking their documented HTTP APIs
 * closely enough to test our channel against real HTTP:
 *
 * - POST /v1.0/oauth2/accessToken {appKey, appSecret} → {accessToken, expireIn}
 *   (HTTP 400 for wrong credentials); counts fetches; tokens can be invalidated.
 * - POST /v1.0/robot/oToMessages/batchSend with header x-acs-dingtalk-access-token
 *   → HTTP 401 InvalidAuthentication for an unknown, expired or invalidated
 *   token; can be told to answer the next N calls with throttling (HTTP 403
 *   Forbidden.AccessDenied.QpsLimitForApi); checks msgKey and msgParam; records.
 * - POST /robot/sendBySession?session=… (a conversation's sessionWebhook) →
 *   {errcode: 0} while the session is valid, errcode 300001 once expired; records.
 * - POST /robot/send?access_token=&timestamp=&sign= (custom group robot, 加签):
 *   errcode 300001 for an unknown token, 310000 for a timestamp more than an
 *   hour off or a sign that does not match that robot's secret, 130101 past
 *   20 messages a minute per robot and then for the next 10 minutes (the
 *   documented penalty); records.
 *
 * - Interactive cards (card instances; open.dingtalk.com/document/orgapp/
 *   create-and-deliver-cards, interface-for-creating-a-card-instance,
 *   interactive-card-update-interface, register-card-callback-address):
 *   POST /v1.0/card/callbacks/register {callbackRouteKey, callbackUrl, apiSecret}
 *   records where taps go; POST /v1.0/card/instances/createAndDeliver checks the
 *   template id, a unique outTrackId, string-only cardParamMap and the
 *   openSpaceId (`dtv1.card//IM_ROBOT.<userId>` or `dtv1.card//IM_GROUP.<cid>`),
 *   answers {success, result: {outTrackId, deliverResults}}; PUT
 *   /v1.0/card/instances merges cardParamMap (updateCardDataByKey). tapCard()
 *   taps a button as a user of the DingTalk client would: only a user who sees
 *   the card (its robot-chat user, or a member of its group) and only a button
 *   the card shows now; DingTalk then POSTs the callback (outTrackId, userId,
 *   content = {"cardPrivateData":{"actionIds":[…],"params":{…}}}, spaceType,
 *   spaceId; as the official dingtalk-stream SDKs' CardCallbackMessage) to the
 *   registered URL of the card's callbackRouteKey, signed with timestamp and
 *   sign headers from the registered apiSecret.
 *
 * - The Stream gateway (open.dingtalk.com/document/direction/stream-mode-protocol-access-description,
 *   as the official dingtalk-stream SDKs speak it): POST /v1.0/gateway/connections/open
 *   {clientId, clientSecret, subscriptions} → {endpoint, ticket} (400 for wrong
 *   credentials); a WebSocket to `<endpoint>?ticket=` (a ticket works once);
 *   frames {specVersion, type, headers: {messageId, topic, …}, data} and acks
 *   {code, headers: {messageId}, message, data}. streamDeliver() sends a CALLBACK
 *   to one connection subscribed to its topic and delivers it again (to any
 *   connection) until it is acknowledged with code 200, as DingTalk does; a card
 *   created with callbackType STREAM has its taps delivered that way.
 *
 * Plus signedCallback(): a callback request (headers and JSON body) signed
 * as DingTalk's server signs what it delivers to an enterprise robot.
 */
import { createHmac, randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface DingtalkEmulatorOptions {
  appKey: string;
  appSecret: string;
  /** The enterprise robot's code; defaults to appKey. */
  robotCode?: string;
  /** Seconds an access token lives (DingTalk: 7200). */
  expireIn?: number;
  /** Custom group robots: access_token → 加签 secret. */
  groupRobots?: Record<string, string>;
  /** Messages a group robot takes per minute (DingTalk: 20). */
  groupRatePerMinute?: number;
  /** The emulator's clock, epoch ms. */
  now?: () => number;
  /** The card template the county built in the card platform; createAndDeliver refuses others. */
  cardTemplateId?: string;
  /** Group chats: conversationId → staffIds of its members (who see a card delivered there). */
  groups?: Record<string, string[]>;
}

export interface StreamAck {
  code: number;
  headers: Record<string, string>;
  message?: string;
  data?: string;
}

export interface CardInstance {
  outTrackId: string;
  templateId: string;
  space: 'IM_ROBOT' | 'IM_GROUP';
  target: string;
  routeKey: string;
  callbackType: string;
  params: Record<string, string>;
  updates: Record<string, string>[];
}

export interface BatchSendRecord {
  token: string;
  robotCode: string;
  userIds: string[];
  msgKey: string;
  msgParam: Record<string, string>;
}

export interface SessionRecord {
  session: string;
  body: Record<string, unknown>;
}

export interface GroupRecord {
  accessToken: string;
  body: Record<string, unknown>;
}

/** msgParam fields each robot API message key requires. */
const MSG_KEYS: Record<string, string[]> = {
  sampleText: ['content'],
  sampleMarkdown: ['title', 'text'],
  sampleActionCard: ['title', 'text', 'singleTitle', 'singleURL'],
  sampleActionCard2: ['title', 'text', 'actionTitle1', 'actionURL1', 'actionTitle2', 'actionURL2'],
  sampleActionCard3: ['title', 'text', 'actionTitle1', 'actionURL1', 'actionTitle2', 'actionURL2', 'actionTitle3', 'actionURL3'],
  sampleActionCard4: ['title', 'text', 'actionTitle1', 'actionURL1', 'actionTitle2', 'actionURL2', 'actionTitle3', 'actionURL3', 'actionTitle4', 'actionURL4'],
  sampleActionCard5: ['title', 'text', 'actionTitle1', 'actionURL1', 'actionTitle2', 'actionURL2', 'actionTitle3', 'actionURL3', 'actionTitle4', 'actionURL4', 'actionTitle5', 'actionURL5'],
  sampleActionCard6: ['title', 'text', 'buttonTitle1', 'buttonUrl1', 'buttonTitle2', 'buttonUrl2'],
};

/** Whether a robot message body (session webhook, custom robot) is well formed. */
function robotMessageOk(b: Record<string, unknown>): boolean {
  const part = (k: string) => (typeof b[k] === 'object' && b[k] !== null ? (b[k] as Record<string, unknown>) : undefined);
  const s = (v: unknown) => typeof v === 'string' && v.length > 0;
  if (b.msgtype === 'text') return s(part('text')?.content);
  if (b.msgtype === 'markdown') return s(part('markdown')?.title) && s(part('markdown')?.text);
  if (b.msgtype === 'actionCard') {
    const c = part('actionCard');
    if (!c || !s(c.title) || !s(c.text)) return false;
    if (c.singleTitle !== undefined) return s(c.singleTitle) && s(c.singleURL);
    return Array.isArray(c.btns) && c.btns.every((x: { title?: unknown; actionURL?: unknown }) => s(x.title) && s(x.actionURL));
  }
  return false;
}

const base64Sign = (timestamp: string | number, secret: string) =>
  createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');

export async function startDingtalkEmulator(opts: DingtalkEmulatorOptions) {
  const now = opts.now ?? (() => Date.now());
  const robotCode = opts.robotCode ?? opts.appKey;
  const groupSecrets = new Map(Object.entries(opts.groupRobots ?? {}));
  const rate = opts.groupRatePerMinute ?? 20;

  const state = {
    expireIn: opts.expireIn ?? 7200,
    tokenFetches: 0,
    /** Every token handed out, for checks that none leaks into logs. */
    issuedTokens: [] as string[],
    tokens: new Map<string, { expiresAt: number; valid: boolean }>(),
    batchSendCalls: 0,
    throttleNext: 0,
    batchSends: [] as BatchSendRecord[],
    sessions: new Map<string, { expiresAt: number; expired: boolean; failWith?: number }>(),
    sessionMessages: [] as SessionRecord[],
    groupMessages: [] as GroupRecord[],
    groupSent: new Map<string, number[]>(),
    /** Robots throttled after exceeding the rate: until when (epoch ms). */
    groupPenalty: new Map<string, number>(),
    groupRefusals: [] as { accessToken: string; errcode: number }[],
    cardRoutes: new Map<string, { url: string; apiSecret: string }>(),
    cards: new Map<string, CardInstance>(),
    cardRefusals: [] as { code: string; message: string }[],
    /** Files users sent the robot, by downloadCode; and the one-time download links handed out. */
    messageFiles: new Map<string, { name: string; contentType: string; data: Buffer }>(),
    downloads: new Map<string, { name: string; contentType: string; data: Buffer; expiresAt: number }>(),
    downloadCalls: 0,
  };
  const groups = new Map(Object.entries(opts.groups ?? {}));
  const directory: DingtalkDirectory = { departments: [], users: [], pageSizeCap: 100 };
  const stream = {
    opens: 0,
    tickets: new Map<string, string[]>(),
    sockets: [] as { ws: WebSocket; topics: string[] }[],
    pending: new Map<string, (ack: StreamAck) => void>(),
    acks: [] as StreamAck[],
    next: 0,
  };
  const wss = new WebSocketServer({ noServer: true });
  let url0 = () => '';
  const tokenOk = (req: IncomingMessage) => {
    const t = state.tokens.get(String(req.headers['x-acs-dingtalk-access-token'] ?? ''));
    return Boolean(t && t.valid && t.expiresAt > now());
  };

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json;charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  const readJson = async (req: IncomingMessage): Promise<Record<string, unknown> | undefined> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    try {
      const v = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      return typeof v === 'object' && v !== null ? v : undefined;
    } catch {
      return undefined;
    }
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    if (req.method === 'PUT' && url.pathname === '/v1.0/card/instances') {
      const body = await readJson(req);
      if (!tokenOk(req)) return send(res, 401, { code: 'InvalidAuthentication', message: '不合法的access_token' });
      const card = state.cards.get(String(body?.outTrackId ?? ''));
      const params = (body?.cardData as { cardParamMap?: Record<string, unknown> } | undefined)?.cardParamMap;
      if (!card) return send(res, 400, { code: 'param.cardNotExist', message: '卡片不存在' });
      if (!params || !Object.values(params).every((v) => typeof v === 'string')) return send(res, 400, { code: 'param.cardParamMap.invalid', message: 'cardParamMap的值必须是字符串' });
      const byKey = (body?.cardUpdateOptions as { updateCardDataByKey?: boolean } | undefined)?.updateCardDataByKey === true;
      card.params = byKey ? { ...card.params, ...(params as Record<string, string>) } : (params as Record<string, string>);
      card.updates.push(params as Record<string, string>);
      return send(res, 200, { success: true, result: true });
    }
    if (req.method === 'GET' && url.pathname.startsWith('/oss/')) {
      // The signed object-storage link a downloadUrl points at (valid about an hour).
      const file = state.downloads.get(url.pathname.slice('/oss/'.length).split('/')[0]);
      if (!file || file.expiresAt <= now() || url.searchParams.get('Signature') === null) return send(res, 403, { code: 'AccessDenied', message: 'Request has expired.' });
      res.writeHead(200, { 'Content-Type': file.contentType, 'Content-Length': String(file.data.length) });
      res.end(file.data);
      return;
    }
    if (req.method !== 'POST') return send(res, 405, { code: 'MethodNotAllowed', message: 'POST only' });
    const body = await readJson(req);

    if (url.pathname === '/v1.0/robot/messageFiles/download') {
      // 下载机器人接收消息的文件内容 (open.dingtalk.com/document/orgapp/download-the-file-content-of-the-robot-receiving-message):
      // {downloadCode, robotCode} → {downloadUrl}, a link valid for an hour.
      state.downloadCalls++;
      if (!tokenOk(req)) return send(res, 401, { code: 'InvalidAuthentication', message: '不合法的access_token' });
      if (!body || body.robotCode !== robotCode) return send(res, 400, { code: 'invalidParameter.robotCode', message: 'robotCode不正确' });
      const file = state.messageFiles.get(String(body.downloadCode ?? ''));
      if (!file) return send(res, 400, { code: 'invalidParameter.downloadCode', message: 'downloadCode无效或已过期' });
      const id = randomBytes(12).toString('hex');
      state.downloads.set(id, { ...file, expiresAt: now() + 3600_000 });
      return send(res, 200, { downloadUrl: `${url0()}/oss/${id}/${encodeURIComponent(file.name)}?Expires=${Math.floor(now() / 1000) + 3600}&Signature=${randomBytes(8).toString('hex')}` });
    }
    if (url.pathname.startsWith('/topapi/v2/')) return send(res, 200, directoryAnswer(directory, url, body, (t) => { const k = state.tokens.get(t); return Boolean(k && k.valid && k.expiresAt > now()); }));

    if (url.pathname === '/v1.0/gateway/connections/open') {
      if (!body || body.clientId !== opts.appKey || body.clientSecret !== opts.appSecret) {
        return send(res, 400, { code: 'invalidParameter.authError', message: 'clientId或clientSecret错误' });
      }
      const topics = Array.isArray(body.subscriptions) ? (body.subscriptions as { type?: unknown; topic?: unknown }[]).map((x) => `${String(x.type)} ${String(x.topic)}`) : [];
      const ticket = randomBytes(16).toString('hex');
      stream.tickets.set(ticket, topics);
      stream.opens++;
      return send(res, 200, { endpoint: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/gateway/connect`, ticket });
    }

    if (url.pathname === '/v1.0/card/callbacks/register') {
      if (!tokenOk(req)) return send(res, 401, { code: 'InvalidAuthentication', message: '不合法的access_token' });
      const routeKey = body?.callbackRouteKey;
      const callbackUrl = body?.callbackUrl;
      if (typeof routeKey !== 'string' || !routeKey || typeof callbackUrl !== 'string' || !/^https?:\/\//.test(callbackUrl)) {
        return send(res, 400, { code: 'param.invalid', message: 'callbackRouteKey或callbackUrl不正确' });
      }
      if (state.cardRoutes.has(routeKey) && body?.forceUpdate !== true) return send(res, 400, { code: 'param.routeKeyExist', message: 'callbackRouteKey已存在' });
      state.cardRoutes.set(routeKey, { url: callbackUrl, apiSecret: String(body?.apiSecret ?? '') });
      return send(res, 200, { success: true, result: { callbackUrl, apiSecret: body?.apiSecret } });
    }

    if (url.pathname === '/v1.0/card/instances/createAndDeliver') {
      if (!tokenOk(req)) return send(res, 401, { code: 'InvalidAuthentication', message: '不合法的access_token' });
      const refuse = (code: string, message: string) => {
        state.cardRefusals.push({ code, message });
        send(res, 400, { code, message });
      };
      if (!body) return refuse('param.invalid', '请求体不是JSON');
      if (opts.cardTemplateId && body.cardTemplateId !== opts.cardTemplateId) return refuse('param.cardTemplateId.notExist', '卡片模板不存在');
      const outTrackId = body.outTrackId;
      if (typeof outTrackId !== 'string' || !outTrackId || outTrackId.length > 128) return refuse('param.outTrackId.invalid', 'outTrackId不正确');
      if (state.cards.has(outTrackId)) return refuse('param.outTrackId.exist', 'outTrackId已存在');
      const params = (body.cardData as { cardParamMap?: Record<string, unknown> } | undefined)?.cardParamMap;
      if (!params || !Object.values(params).every((v) => typeof v === 'string')) return refuse('param.cardParamMap.invalid', 'cardParamMap的值必须是字符串');
      const m = /^dtv1\.card\/\/(IM_ROBOT|IM_GROUP)\.(.+)$/.exec(String(body.openSpaceId ?? ''));
      if (!m) return refuse('param.openSpaceId.invalid', 'openSpaceId不正确');
      const space = m[1] as CardInstance['space'];
      const deliverModel = (space === 'IM_GROUP' ? body.imGroupOpenDeliverModel : body.imRobotOpenDeliverModel) as { robotCode?: unknown } | undefined;
      if (!deliverModel || deliverModel.robotCode !== robotCode) return refuse('param.robotCode.invalid', '投放参数缺少robotCode');
      if (space === 'IM_GROUP' && !groups.has(m[2])) return refuse('param.openSpaceId.notExist', '机器人不在该群');
      if (body.callbackType !== 'HTTP' && body.callbackType !== 'STREAM') return refuse('param.callbackType.invalid', 'callbackType必须是HTTP或STREAM');
      if (body.callbackType === 'HTTP' && (typeof body.callbackRouteKey !== 'string' || !state.cardRoutes.has(body.callbackRouteKey))) return refuse('param.callbackRouteKey.notExist', 'callbackRouteKey未注册');
      state.cards.set(outTrackId, {
        outTrackId, templateId: String(body.cardTemplateId), space, target: m[2], routeKey: String(body.callbackRouteKey ?? ''), callbackType: String(body.callbackType ?? ''),
        params: params as Record<string, string>, updates: [],
      });
      return send(res, 200, { success: true, result: { outTrackId, deliverResults: [{ spaceType: space, spaceId: m[2], success: true, carrierId: randomBytes(6).toString('hex') }] } });
    }

    if (url.pathname === '/v1.0/oauth2/accessToken') {
      state.tokenFetches++;
      if (!body || body.appKey !== opts.appKey || body.appSecret !== opts.appSecret) {
        return send(res, 400, { code: 'invalidParameter.authError', message: 'appKey或appSecret错误' });
      }
      const token = randomBytes(16).toString('hex');
      state.issuedTokens.push(token);
      state.tokens.set(token, { expiresAt: now() + state.expireIn * 1000, valid: true });
      return send(res, 200, { accessToken: token, expireIn: state.expireIn });
    }

    if (url.pathname === '/v1.0/robot/oToMessages/batchSend') {
      state.batchSendCalls++;
      const token = String(req.headers['x-acs-dingtalk-access-token'] ?? '');
      const t = state.tokens.get(token);
      if (!t || !t.valid || t.expiresAt <= now()) return send(res, 401, { code: 'InvalidAuthentication', message: '不合法的access_token' });
      if (state.throttleNext > 0) {
        state.throttleNext--;
        return send(res, 403, { code: 'Forbidden.AccessDenied.QpsLimitForApi', message: '当前API已达到QPS上限' });
      }
      if (!body || body.robotCode !== robotCode) return send(res, 400, { code: 'invalidParameter.robotCode.auth', message: 'robotCode不正确' });
      const userIds = body.userIds;
      if (!Array.isArray(userIds) || userIds.length === 0 || userIds.length > 20 || !userIds.every((u) => typeof u === 'string' && u)) {
        return send(res, 400, { code: 'invalidParameter.userIds.empty', message: 'userIds不正确' });
      }
      const required = typeof body.msgKey === 'string' ? MSG_KEYS[body.msgKey] : undefined;
      if (!required) return send(res, 400, { code: 'invalidParameter.msgKey.invalid', message: 'msgKey不正确' });
      let param: Record<string, string>;
      try {
        param = JSON.parse(String(body.msgParam));
      } catch {
        return send(res, 400, { code: 'invalidParameter.msgParam.invalid', message: 'msgParam必须是JSON' });
      }
      if (!required.every((k) => typeof param[k] === 'string' && param[k].length > 0)) {
        return send(res, 400, { code: 'invalidParameter.param.invalid', message: 'msgParam缺少字段' });
      }
      state.batchSends.push({ token, robotCode: body.robotCode as string, userIds: userIds as string[], msgKey: body.msgKey as string, msgParam: param });
      return send(res, 200, { processQueryKey: randomBytes(8).toString('hex'), invalidStaffIdList: [], flowControlledStaffIdList: [] });
    }

    if (url.pathname === '/robot/sendBySession') {
      const id = url.searchParams.get('session') ?? '';
      const s = state.sessions.get(id);
      if (!s || s.expired || s.expiresAt <= now()) return send(res, 200, { errcode: 300001, errmsg: 'session is expired' });
      if (s.failWith !== undefined) return send(res, 200, { errcode: s.failWith, errmsg: 'refused' });
      if (!body || !robotMessageOk(body)) return send(res, 200, { errcode: 40035, errmsg: '缺少参数 json' });
      state.sessionMessages.push({ session: id, body });
      return send(res, 200, { errcode: 0, errmsg: 'ok' });
    }

    if (url.pathname === '/robot/send') {
      const accessToken = url.searchParams.get('access_token') ?? '';
      const refuse = (errcode: number, errmsg: string) => {
        state.groupRefusals.push({ accessToken, errcode });
        send(res, 200, { errcode, errmsg });
      };
      const secret = groupSecrets.get(accessToken);
      if (secret === undefined) return refuse(300001, 'token is not exist');
      const timestamp = url.searchParams.get('timestamp') ?? '';
      const sign = url.searchParams.get('sign') ?? '';
      if (!/^\d+$/.test(timestamp) || Math.abs(now() - Number(timestamp)) > 3600_000) return refuse(310000, 'invalid timestamp');
      if (sign !== base64Sign(timestamp, secret)) return refuse(310000, 'sign not match');
      // 自定义机器人: "每个机器人每分钟最多发送20条消息…如果超过20条，会限流10分钟" (custom robot access, 消息发送频率限制).
      if ((state.groupPenalty.get(accessToken) ?? 0) > now()) return refuse(130101, 'send too fast, exceed 20 times per minute');
      const sent = (state.groupSent.get(accessToken) ?? []).filter((t) => t > now() - 60_000);
      if (sent.length >= rate) {
        state.groupSent.set(accessToken, sent);
        state.groupPenalty.set(accessToken, now() + 10 * 60_000);
        return refuse(130101, 'send too fast, exceed 20 times per minute');
      }
      if (!body || !robotMessageOk(body)) return refuse(40035, '缺少参数 json');
      sent.push(now());
      state.groupSent.set(accessToken, sent);
      state.groupMessages.push({ accessToken, body });
      return send(res, 200, { errcode: 0, errmsg: 'ok' });
    }

    send(res, 404, { code: 'NotFound', message: 'no such API' });
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => send(res, 500, { code: 'InternalError', message: String(err) }));
  });
  server.on('upgrade', (req, socket, head) => {
    const u = new URL(req.url ?? '/', 'http://emulator');
    const ticket = u.searchParams.get('ticket') ?? '';
    const topics = stream.tickets.get(ticket);
    if (u.pathname !== '/gateway/connect' || !topics) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    stream.tickets.delete(ticket); // a ticket opens one connection
    wss.handleUpgrade(req, socket, head, (ws) => {
      const entry = { ws, topics };
      stream.sockets.push(entry);
      ws.on('message', (raw) => {
        let ack: StreamAck;
        try {
          ack = JSON.parse(raw.toString()) as StreamAck;
        } catch {
          return;
        }
        stream.acks.push(ack);
        stream.pending.get(String(ack.headers?.messageId ?? ''))?.(ack);
      });
      ws.on('close', () => {
        stream.sockets = stream.sockets.filter((x) => x !== entry);
      });
    });
  });

  /** Sends a frame to one open connection subscribed to `type topic` and waits for its ack (undefined: none in time). */
  function frameOnce(type: string, topic: string, data: string, timeoutMs: number): Promise<StreamAck | undefined> {
    const open = stream.sockets.filter((x) => x.ws.readyState === 1 && (type === 'SYSTEM' || x.topics.includes(`${type} ${topic}`)));
    if (open.length === 0) return Promise.resolve(undefined);
    const target = open[stream.next++ % open.length];
    const messageId = randomBytes(8).toString('hex');
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        stream.pending.delete(messageId);
        resolve(undefined);
      }, timeoutMs);
      stream.pending.set(messageId, (ack) => {
        clearTimeout(t);
        stream.pending.delete(messageId);
        resolve(ack);
      });
      target.ws.send(JSON.stringify({
        specVersion: '1.0', type,
        headers: { appId: opts.appKey, connectionId: 'conn', contentType: 'application/json', messageId, time: String(now()), topic },
        data,
      }));
    });
  }

  /** DingTalk's delivery: again and again (to any connection) until acknowledged with 200, or the time is up. */
  async function streamDeliver(topic: string, data: unknown, timeoutMs = 20_000): Promise<StreamAck> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ack = await frameOnce('CALLBACK', topic, JSON.stringify(data), 3000);
      if (ack && ack.code === 200) return ack;
      if (Date.now() > deadline) throw new Error(`stream delivery on ${topic} not acknowledged${ack ? ` (code ${ack.code})` : ''}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  url0 = () => url;

  return {
    url,
    get tokenFetches() { return state.tokenFetches; },
    get issuedTokens() { return [...state.issuedTokens]; },
    get batchSendCalls() { return state.batchSendCalls; },
    batchSends: state.batchSends,
    sessionMessages: state.sessionMessages,
    groupMessages: state.groupMessages,
    /** The organisation the contact APIs serve (edit it to move people or let them leave). */
    directory,
    groupRefusals: state.groupRefusals,
    setExpireIn(seconds: number) { state.expireIn = seconds; },
    /** Every token issued so far is refused from now on (as after DingTalk rotated it). */
    invalidateTokens() { for (const t of state.tokens.values()) t.valid = false; },
    /** The next n batchSend calls are answered with DingTalk's throttling error. */
    throttleBatchSend(n: number) { state.throttleNext = n; },
    /** A conversation's sessionWebhook, valid for ttlMs (DingTalk: about 90 minutes). */
    newSession(ttlMs = 90 * 60_000): { sessionWebhook: string; expiresAt: number; id: string } {
      const id = randomBytes(12).toString('hex');
      const expiresAt = now() + ttlMs;
      state.sessions.set(id, { expiresAt, expired: false });
      return { id, sessionWebhook: `${url}/robot/sendBySession?session=${id}`, expiresAt };
    },
    /** DingTalk reports the session expired from now on, whatever its expiry said. */
    expireSession(id: string) {
      const s = state.sessions.get(id);
      if (s) s.expired = true;
    },
    /**
     * A picture or file a user sends the robot: kept under a new downloadCode (what the
     * message's content carries) for robot/messageFiles/download.
     */
    putMessageFile(data: Buffer, name = 'image.jpg', contentType = 'image/jpeg'): string {
      const downloadCode = `dc${randomBytes(24).toString('base64url')}`;
      state.messageFiles.set(downloadCode, { name, contentType, data });
      return downloadCode;
    },
    get downloadCalls() { return state.downloadCalls; },
    /** Interactive cards delivered, by outTrackId. */
    cards: state.cards,
    cardRefusals: state.cardRefusals,
    cardRoutes: state.cardRoutes,
    /** Cards that user sees (their robot chat, or a group they are in), oldest first. */
    cardsSeenBy(userId: string): CardInstance[] {
      return [...state.cards.values()].filter((c) => (c.space === 'IM_ROBOT' ? c.target === userId : (groups.get(c.target) ?? []).includes(userId)));
    },
    /**
     * A user taps a button on a card, as in the DingTalk client: the button must be
     * on the card as it shows now (`stale`: as a client that has not yet redrawn
     * it still shows it), and the user must see the card. DingTalk posts the
     * callback to the registered URL; resolves with that answer's status.
     */
    async tapCard(outTrackId: string, userId: string, key: string, o: { stale?: Record<string, string> } = {}): Promise<number> {
      const card = state.cards.get(outTrackId);
      if (!card) throw new Error(`no card ${outTrackId}`);
      const sees = card.space === 'IM_ROBOT' ? card.target === userId : (groups.get(card.target) ?? []).includes(userId);
      if (!sees) throw new Error(`${userId} does not see card ${outTrackId}`);
      const shown = JSON.parse((o.stale ?? card.params).buttons ?? '[]') as { key: string }[];
      const index = shown.findIndex((b) => b.key === key);
      if (index < 0) throw new Error(`card ${outTrackId} shows no button ${key}`);
      const content = JSON.stringify({ cardPrivateData: { actionIds: [`button_${index}`], params: { key } } });
      const body = {
        extension: '{}', corpId: 'ding0123456789abcdef', spaceType: card.space, userIdType: 1, type: 'actionCallback',
        userId, content, spaceId: card.target, outTrackId, value: content,
      };
      if (card.callbackType === 'STREAM') return (await streamDeliver('/v1.0/card/instances/callback', body)).code;
      const route = state.cardRoutes.get(card.routeKey);
      if (!route) throw new Error(`callbackRouteKey ${card.routeKey} is not registered`);
      const req = signedCallback(route.apiSecret, body, nextTimestamp());
      const r = await fetch(route.url, { method: 'POST', headers: req.headers, body: req.body });
      await r.text();
      return r.status;
    },
    /** Stream gateway: connections opened (connections/open calls) and open now. */
    get streamOpens() { return stream.opens; },
    get streamConnections() { return stream.sockets.filter((x) => x.ws.readyState === 1).length; },
    streamAcks: stream.acks,
    streamDeliver,
    /** A robot message (the HTTP callback's body) delivered over the stream until acknowledged. */
    streamMessage: (body: unknown) => streamDeliver('/v1.0/im/bot/messages/get', body),
    /** A SYSTEM ping to one connection; resolves with its ack. */
    streamPing: () => frameOnce('SYSTEM', 'ping', JSON.stringify({ opaque: randomBytes(4).toString('hex') }), 3000),
    /** Cuts every stream connection, as a network failure would. */
    dropStreams() { for (const x of stream.sockets) x.ws.terminate(); },
    /** DingTalk answers this session's sends with `errcode` from now on (e.g. -1 busy, 130101 too fast). */
    failSession(id: string, errcode: number) {
      const s = state.sessions.get(id);
      if (s) s.failWith = errcode;
    },
    /** Forgets the per-minute counts of the group robots, and any 10-minute penalty. */
    resetGroupRate() { state.groupSent.clear(); state.groupPenalty.clear(); },
    /** Until when (epoch ms) a group robot is throttled after exceeding 20 a minute; 0 when it is not. */
    groupPenaltyUntil: (accessToken: string) => state.groupPenalty.get(accessToken) ?? 0,
    close: () => new Promise<void>((resolve, reject) => {
      for (const x of stream.sockets) x.ws.terminate();
      wss.close();
      server.closeAllConnections();
      server.close((err) => (err ? reject(err) : resolve()));
    }),
  };
}

export type DingtalkEmulator = Awaited<ReturnType<typeof startDingtalkEmulator>>;

/** The body DingTalk posts for a text a user sent the robot (fields as documented). */
export function textMessageBody(o: {
  msgId: string;
  senderStaffId: string;
  content: string;
  conversationType?: '1' | '2';
  conversationId?: string;
  sessionWebhook?: string;
  sessionWebhookExpiredTime?: number;
  createAt?: number;
}): Record<string, unknown> {
  const createAt = o.createAt ?? Date.now();
  return {
    conversationId: o.conversationId ?? `cid${o.senderStaffId}==`,
    chatbotCorpId: 'ding0123456789abcdef',
    chatbotUserId: '$:LWCP_v1:$robot',
    msgId: o.msgId,
    senderNick: '测试用户',
    isAdmin: false,
    senderStaffId: o.senderStaffId,
    sessionWebhookExpiredTime: o.sessionWebhookExpiredTime ?? createAt + 90 * 60_000,
    createAt,
    senderCorpId: 'ding0123456789abcdef',
    conversationType: o.conversationType ?? '1',
    senderId: `$:LWCP_v1:$${o.senderStaffId}`,
    isInAtList: true,
    sessionWebhook: o.sessionWebhook ?? 'https://oapi.dingtalk.com/robot/sendBySession?session=0123456789',
    text: { content: o.content },
    msgtype: 'text',
  };
}

/**
 * A callback request as DingTalk's server sends it to an enterprise robot:
 * headers timestamp (ms) and sign = Base64(HmacSHA256(appSecret, timestamp + "\n" + appSecret)).
 */
let lastTimestamp = 0;
/**
 * DingTalk's clock for a new callback: now, and never the same millisecond
 * twice in this test process (the sign depends on the timestamp alone, so two
 * callbacks in one millisecond would carry the same pair, which the server
 * refuses as a replay).
 */
export function nextTimestamp(): number {
  lastTimestamp = Math.max(Date.now(), lastTimestamp + 1);
  return lastTimestamp;
}

export function signedCallback(appSecret: string, body: unknown, timestampMs: number = nextTimestamp()): { headers: Record<string, string>; body: string } {
  const timestamp = String(Math.trunc(timestampMs));
  return {
    headers: { 'Content-Type': 'application/json; charset=utf-8', timestamp, sign: base64Sign(timestamp, appSecret) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

// ---- the contacts (通讯录) APIs ----------------------------------------------------

/**
 * The organisation served by the oapi contact APIs, as documented:
 * - POST /topapi/v2/department/listsub?access_token= {dept_id} → {errcode: 0,
 *   result: [{dept_id, name, parent_id}]}: the direct sub-departments only (root
 *   is 1), open.dingtalk.com/document/orgapp/obtain-the-department-list-v2.
 * - POST /topapi/v2/user/list?access_token= {dept_id, cursor, size} → {errcode: 0,
 *   result: {has_more, next_cursor, list: [{userid, name, mobile, dept_id_list, …}]}}:
 *   the users directly in that department, `size` at most 100, `cursor` starting at 0
 *   (open.dingtalk.com/document/orgapp/queries-the-complete-information-of-a-department-user).
 * An unknown token is errcode 40014 (不合法的access_token); a size over 100 is 40035.
 */
export interface DingtalkDirectory {
  departments: { dept_id: number; name: string; parent_id: number }[];
  users: { userid: string; name: string; mobile?: string; dept_id_list: number[]; job_number?: string }[];
  /** The largest page the API serves. */
  pageSizeCap: number;
}

function directoryAnswer(dir: DingtalkDirectory, url: URL, body: Record<string, unknown> | undefined, tokenOk: (t: string) => boolean): Record<string, unknown> {
  if (!tokenOk(url.searchParams.get('access_token') ?? '')) return { errcode: 40014, errmsg: '不合法的access_token' };
  const deptId = Number(body?.dept_id);
  if (!Number.isInteger(deptId)) return { errcode: 40035, errmsg: '缺少参数 dept_id' };
  if (url.pathname === '/topapi/v2/department/listsub') {
    return { errcode: 0, errmsg: 'ok', result: dir.departments.filter((d) => d.parent_id === deptId).map((d) => ({ ...d, auto_add_user: false, create_dept_group: false })) };
  }
  if (url.pathname === '/topapi/v2/user/list') {
    const cursor = Number(body?.cursor ?? 0);
    const size = Number(body?.size);
    if (!Number.isInteger(size) || size < 1 || size > dir.pageSizeCap) return { errcode: 40035, errmsg: `size 须在1到${dir.pageSizeCap}之间` };
    const all = dir.users.filter((u) => u.dept_id_list.includes(deptId));
    const page = all.slice(cursor, cursor + size);
    const hasMore = cursor + size < all.length;
    return { errcode: 0, errmsg: 'ok', result: { has_more: hasMore, ...(hasMore ? { next_cursor: cursor + size } : {}), list: page.map((u) => ({ ...u, active: true, admin: false, boss: false })) } };
  }
  return { errcode: 404, errmsg: 'no such API' };
}
