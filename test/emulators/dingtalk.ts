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
 *   20 messages a minute per robot; records.
 *
 * Plus signedCallback(): a callback request (headers and JSON body) signed
 * as DingTalk's server signs what it delivers to an enterprise robot.
 */
import { createHmac, randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

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
    sessions: new Map<string, { expiresAt: number; expired: boolean }>(),
    sessionMessages: [] as SessionRecord[],
    groupMessages: [] as GroupRecord[],
    groupSent: new Map<string, number[]>(),
    /** Robots throttled after exceeding the rate: until when (epoch ms). */
    groupPenalty: new Map<string, number>(),
    groupRefusals: [] as { accessToken: string; errcode: number }[],
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
    if (req.method !== 'POST') return send(res, 405, { code: 'MethodNotAllowed', message: 'POST only' });
    const body = await readJson(req);

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
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    get tokenFetches() { return state.tokenFetches; },
    get issuedTokens() { return [...state.issuedTokens]; },
    get batchSendCalls() { return state.batchSendCalls; },
    batchSends: state.batchSends,
    sessionMessages: state.sessionMessages,
    groupMessages: state.groupMessages,
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
    /** Forgets the per-minute counts of the group robots. */
    resetGroupRate() { state.groupSent.clear(); },
    close: () => new Promise<void>((resolve, reject) => {
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
export function signedCallback(appSecret: string, body: unknown, timestampMs: number = Date.now()): { headers: Record<string, string>; body: string } {
  const timestamp = String(Math.trunc(timestampMs));
  return {
    headers: { 'Content-Type': 'application/json; charset=utf-8', timestamp, sign: base64Sign(timestamp, appSecret) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}
