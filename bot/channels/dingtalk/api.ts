/**
 * The DingTalk Sender: delivers the outbox's dingtalk payloads.
 *
 * - 'session': POST the robot message (text / markdown / actionCard) to the
 *   conversation's sessionWebhook while it is valid; once it has expired, or
 *   DingTalk answers it with any failure, the same reply goes to that user
 *   through the robot API (only a send with no answer at all is retried as is).
 * - Cards, with DINGTALK_CARDS=interactive (the default): an interactive card
 *   instance (cards.ts), POST {DINGTALK_API_BASE}/v1.0/card/instances/createAndDeliver,
 *   into the user's chat with the robot, or into the group a 'session' reply
 *   answers; recorded first in dingtalk_cards so its taps can be checked.
 *   'card_update' shows a decision on it: PUT /v1.0/card/instances.
 *   With DINGTALK_CARDS=actioncard, cards are ActionCards (see tapUrl).
 * - 'robot_user': the enterprise robot's one-to-one message,
 *   POST {DINGTALK_API_BASE}/v1.0/robot/oToMessages/batchSend with the app's
 *   access token (header x-acs-dingtalk-access-token).
 * - 'group_markdown': the department's custom group robot (加签),
 *   POST {DINGTALK_OAPI_BASE}/robot/send?access_token=…&timestamp=…&sign=….
 *   Group robots cannot send files, so full lists go as a markdown link to a
 *   signed download of our stored file (signedDownloadUrl, served by download.ts).
 *
 * The access token comes from POST {DINGTALK_API_BASE}/v1.0/oauth2/accessToken
 * and is kept in the tokens collection (key "dingtalk:<appKey>"), shared by all
 * processes, until five minutes before it expires; a token DingTalk rejects is
 * dropped and fetched again, once per send.
 *
 * Failures are SendErrors: network trouble, HTTP 5xx and DingTalk's throttling
 * answers are retryable (throttling after a minute); any other refusal is not.
 * Error messages and logs never carry secrets, signs, tokens or query strings.
 */
import axios, { type AxiosInstance } from 'axios';
import type { Card } from '../../cards/card';
import type { Config } from '../../../src/config';
import { parseRobotList } from '../../../src/config';
import type { Logger } from '../../../src/logger';
import type { FileRepo } from '../../../store/repos/files';
import type { TokenRepo } from '../../../store/repos/tokens';
import type { DingtalkRepo } from '../../../store/repos/dingtalk';
import { markdownSafe, type Reply } from '../../types';
import { MediaTooLarge, SendError, type FetchedMedia, type OutboundPayload, type Sender } from '../contracts';
import { signedRobotUrl, withoutQuery } from './sign';
import { downloadLink } from '../downloadLinks';
import { cardParams, cardTrackId, decidedParams, openSpaceId, type CardSpace } from './cards';
import { DINGTALK_CARD_CALLBACK_PATH } from './callback';

export interface DingtalkApiDeps {
  config: Config;
  tokens: TokenRepo;
  files: FileRepo;
  /** Where delivered interactive cards are recorded (for checking their taps). */
  dingtalk: DingtalkRepo;
  /** Defaults to an axios instance with a 10 s timeout. */
  http?: AxiosInstance;
  now: () => Date;
  log: Logger;
  /** A chat-bound group robot (`@<部门代码>`) → "access_token:secret", at send time (RobotService.resolveRef). */
  resolveRobot?: (ref: string) => Promise<string | undefined>;
}

/** A cached token is used until this long before it expires. */
export const TOKEN_MARGIN_MS = 5 * 60_000;
/** How long to wait after DingTalk says we send too fast. */
export const RATE_LIMIT_RETRY_MS = 60_000;
/**
 * A custom group robot that sends more than 20 messages a minute is throttled
 * for 10 minutes (DingTalk's custom robot documentation: 每个机器人每分钟最多发送20条
 * 消息到群里，如果超过20条，会限流10分钟): errcode 130101 asks for a 10-minute pause.
 */
export const GROUP_ROBOT_PENALTY_MS = 600_000;
export const HTTP_TIMEOUT_MS = 10_000;
/** The robot API's ActionCard keys take at most five buttons. */
const MAX_ROBOT_BUTTONS = 5;

/** oapi errcodes meaning "too fast": 130101 send too fast (20 a minute per group robot), 660026, 90018 QPS limit. */
const RATE_LIMIT_ERRCODES = new Set([130101, 660026, 90018]);
/** api.dingtalk.com error codes meaning throttling. */
const THROTTLED_CODE = /throttl|qpslimit|toofast|too\.fast|flowcontrol|ratelimit/i;

/**
 * The ActionCard fallback's button link: meant to make the user's DingTalk client
 * send "点 <key>" to the robot, which the router treats as the tap. DingTalk does
 * not document this link for ActionCard buttons, and a tapped text in a group
 * does not @ the robot; interactive cards (cards.ts) are the default for that reason.
 */
export function tapUrl(key: string): string {
  return `dtmd://dingtalkclient/sendMessage?content=${encodeURIComponent(`点 ${key}`)}`;
}

export interface ActionCard {
  title: string;
  text: string;
  /** '0' side by side (two buttons), '1' stacked. */
  btnOrientation: '0' | '1';
  btns: { title: string; actionURL: string }[];
}

/** The markdown body of a card: its title, description and fields; buttons past `shown` are listed as words to send. */
function cardText(card: Card, shown = card.buttons.length): string {
  const lines = [`### ${markdownSafe(card.title)}`];
  if (card.description) lines.push('', markdownSafe(card.description));
  if (card.fields.length) lines.push('', ...card.fields.map((f) => `- **${f.label}**：${markdownSafe(f.value)}`));
  const rest = card.buttons.slice(shown);
  if (rest.length) lines.push('', ...rest.map((b) => `- ${b.label}：发送“点 ${b.key}”`));
  return lines.join('\n');
}

/** A Card as DingTalk's robot ActionCard message (the sessionWebhook's `actionCard`). */
export function renderActionCard(card: Card): ActionCard {
  return {
    title: card.title,
    text: cardText(card),
    btnOrientation: card.buttons.length === 2 ? '0' : '1',
    btns: card.buttons.map((b) => ({ title: b.label, actionURL: tapUrl(b.key) })),
  };
}

/** A reply as the robot message JSON that sessionWebhook and /robot/send take. */
export function robotMessageBody(reply: Reply): Record<string, unknown> {
  if (reply.kind === 'text') return { msgtype: 'text', text: { content: reply.text } };
  if (reply.kind === 'markdown') return { msgtype: 'markdown', markdown: { title: reply.title, text: reply.text } };
  // Files are turned into download links before sending (the sender's `linked`); the name alone is the fallback.
  if (reply.kind === 'file') return { msgtype: 'text', text: { content: `文件：${reply.name}` } };
  return { msgtype: 'actionCard', actionCard: renderActionCard(reply.card) };
}

/**
 * A reply as the robot API's message template: sampleText, sampleMarkdown, or
 * the ActionCard key for its number of buttons (sampleActionCard: one;
 * sampleActionCard6: two side by side; sampleActionCard3..5: three to five stacked).
 */
export function robotApiMessage(reply: Reply): { msgKey: string; msgParam: Record<string, string> } {
  if (reply.kind === 'text') return { msgKey: 'sampleText', msgParam: { content: reply.text } };
  if (reply.kind === 'markdown') return { msgKey: 'sampleMarkdown', msgParam: { title: reply.title, text: reply.text } };
  if (reply.kind === 'file') return { msgKey: 'sampleText', msgParam: { content: `文件：${reply.name}` } };
  const card = reply.card;
  const buttons = card.buttons.slice(0, MAX_ROBOT_BUTTONS);
  const base = { title: card.title, text: cardText(card, buttons.length) };
  if (buttons.length === 0) return { msgKey: 'sampleMarkdown', msgParam: base };
  if (buttons.length === 1) return { msgKey: 'sampleActionCard', msgParam: { ...base, singleTitle: buttons[0].label, singleURL: tapUrl(buttons[0].key) } };
  if (buttons.length === 2) {
    return {
      msgKey: 'sampleActionCard6',
      msgParam: { ...base, buttonTitle1: buttons[0].label, buttonUrl1: tapUrl(buttons[0].key), buttonTitle2: buttons[1].label, buttonUrl2: tapUrl(buttons[1].key) },
    };
  }
  const msgParam: Record<string, string> = { ...base };
  buttons.forEach((b, i) => {
    msgParam[`actionTitle${i + 1}`] = b.label;
    msgParam[`actionURL${i + 1}`] = tapUrl(b.key);
  });
  return { msgKey: `sampleActionCard${buttons.length}`, msgParam };
}

const trimSlash = (s: string) => s.replace(/\/+$/, '');

interface HttpAnswer {
  status: number;
  data: Record<string, unknown>;
}

/** Words for a failed request that name no URL, token or secret. */
function networkReason(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT') return 'timed out';
  return e.code ? `network error ${e.code}` : 'network error';
}

export function dingtalkApi({ config, tokens, files, dingtalk, http, now, log, resolveRobot }: DingtalkApiDeps) {
  const interactive = config.DINGTALK_CARDS === 'interactive';
  const client = http ?? axios.create({ timeout: HTTP_TIMEOUT_MS });
  const apiBase = trimSlash(config.DINGTALK_API_BASE);
  const oapiBase = trimSlash(config.DINGTALK_OAPI_BASE);
  const appKey = config.DINGTALK_APP_KEY;
  const robotCode = config.DINGTALK_ROBOT_CODE || appKey;
  const tokenKey = `dingtalk:${appKey ?? ''}`;
  const robots = parseRobotList(config.DINGTALK_ROBOTS ?? '', true);
  let fetching: Promise<string> | undefined;

  async function post(url: string, body: unknown, headers: Record<string, string>, what: string, method: 'POST' | 'PUT' = 'POST'): Promise<HttpAnswer> {
    try {
      const r = await client.request({
        url, method, data: body,
        headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
        timeout: HTTP_TIMEOUT_MS,
        validateStatus: () => true,
        maxRedirects: 0,
      });
      const data = typeof r.data === 'object' && r.data !== null ? (r.data as Record<string, unknown>) : {};
      return { status: r.status, data };
    } catch (err) {
      throw new SendError(`${what}: ${networkReason(err)}`, true);
    }
  }

  // ---- access token -------------------------------------------------------

  async function fetchToken(): Promise<string> {
    if (!appKey || !config.DINGTALK_APP_SECRET) throw new SendError('DingTalk is not configured (DINGTALK_APP_KEY, DINGTALK_APP_SECRET)', false);
    const r = await post(`${apiBase}/v1.0/oauth2/accessToken`, { appKey, appSecret: config.DINGTALK_APP_SECRET }, {}, 'DingTalk access token');
    const token = r.data.accessToken;
    const expireIn = Number(r.data.expireIn);
    if (r.status === 200 && typeof token === 'string' && token && expireIn > 0) {
      const at = now();
      await tokens.put(tokenKey, token, new Date(at.getTime() + expireIn * 1000), at);
      log.info('dingtalk access token fetched', { expiresInSeconds: expireIn });
      return token;
    }
    const code = typeof r.data.code === 'string' ? r.data.code : '';
    const retryable = r.status >= 500 || r.status === 429 || THROTTLED_CODE.test(code);
    throw new SendError(`DingTalk access token refused: HTTP ${r.status}${code ? ` ${code}` : ''}`, retryable, retryable && r.status < 500 ? RATE_LIMIT_RETRY_MS : undefined);
  }

  /** The shared token, fetched when there is none valid for five more minutes (one fetch at a time in this process). */
  async function accessToken(): Promise<string> {
    const cached = await tokens.get(tokenKey);
    if (cached && cached.expiresAt.getTime() - TOKEN_MARGIN_MS > now().getTime()) return cached.value;
    fetching ??= fetchToken().finally(() => {
      fetching = undefined;
    });
    return fetching;
  }

  const tokenRejected = (r: HttpAnswer) => r.status === 401 || r.data.code === 'InvalidAuthentication' || r.data.errcode === 40014 || r.data.errcode === 42001;

  /** Calls with the token; when DingTalk rejects it, drops it and tries once more with a fresh one. */
  async function withToken(call: (token: string) => Promise<HttpAnswer>, what: string): Promise<HttpAnswer> {
    const token = await accessToken();
    const r = await call(token);
    if (!tokenRejected(r)) return r;
    log.warn('dingtalk access token rejected; fetching a new one', { api: what });
    await tokens.invalidate(tokenKey, token);
    const again = await call(await accessToken());
    if (tokenRejected(again)) throw new SendError(`${what}: DingTalk rejected a freshly fetched access token`, true);
    return again;
  }

  // ---- sends ------------------------------------------------------------

  /** The enterprise robot's one-to-one message through the robot API. */
  async function sendToUser(toUser: string, reply: Reply): Promise<void> {
    if (reply.kind === 'card' && interactive) return deliverCard(reply.card, 'IM_ROBOT', toUser);
    const what = 'DingTalk robot API';
    if (!robotCode) throw new SendError('DingTalk is not configured (DINGTALK_ROBOT_CODE or DINGTALK_APP_KEY)', false);
    const { msgKey, msgParam } = robotApiMessage(reply);
    const body = { robotCode, userIds: [toUser], msgKey, msgParam: JSON.stringify(msgParam) };
    const r = await withToken(
      (token) => post(`${apiBase}/v1.0/robot/oToMessages/batchSend`, body, { 'x-acs-dingtalk-access-token': token }, what),
      what,
    );
    if (r.status >= 200 && r.status < 300) {
      const listed = (k: string) => Array.isArray(r.data[k]) && (r.data[k] as unknown[]).includes(toUser);
      if (listed('flowControlledStaffIdList')) throw new SendError(`${what}: recipient is flow-controlled`, true, RATE_LIMIT_RETRY_MS);
      if (listed('invalidStaffIdList')) throw new SendError(`${what}: recipient is not a user this robot can reach`, false);
      log.debug('dingtalk robot message sent', { template: msgKey });
      return;
    }
    const code = typeof r.data.code === 'string' ? r.data.code : '';
    const reason = `${what}: HTTP ${r.status}${code ? ` ${code}` : ''}`;
    if (r.status === 429 || THROTTLED_CODE.test(code)) throw new SendError(reason, true, RATE_LIMIT_RETRY_MS);
    throw new SendError(reason, r.status >= 500);
  }

  /** An api.dingtalk.com answer that is not a success, as a SendError (throttling and 5xx retryable). */
  function apiFailure(r: HttpAnswer, what: string): SendError {
    const code = typeof r.data.code === 'string' ? r.data.code : '';
    const reason = `${what}: HTTP ${r.status}${code ? ` ${code}` : ''}`;
    if (r.status === 429 || THROTTLED_CODE.test(code)) return new SendError(reason, true, RATE_LIMIT_RETRY_MS);
    return new SendError(reason, r.status >= 500);
  }

  /** Creates an interactive card instance and delivers it to one user's robot chat or to a group (cards.ts). */
  async function deliverCard(card: Card, space: CardSpace, target: string): Promise<void> {
    const what = 'DingTalk card API';
    if (!robotCode || !config.DINGTALK_CARD_TEMPLATE_ID) throw new SendError('DingTalk cards are not configured (DINGTALK_CARD_TEMPLATE_ID)', false);
    const outTrackId = cardTrackId(card.cardId, space, target);
    await dingtalk.putCard({ outTrackId, space, target, keys: card.buttons.map((b) => b.key), createdAt: now() });
    const body: Record<string, unknown> = {
      cardTemplateId: config.DINGTALK_CARD_TEMPLATE_ID,
      outTrackId,
      // Taps come back where our messages come in: to the registered URL, or over the stream.
      ...(config.DINGTALK_MODE === 'stream' ? { callbackType: 'STREAM' } : { callbackType: 'HTTP', callbackRouteKey: config.DINGTALK_CARD_ROUTE_KEY }),
      cardData: { cardParamMap: cardParams(card) },
      openSpaceId: openSpaceId(space, target),
      userIdType: 1,
      ...(space === 'IM_GROUP'
        ? { imGroupOpenSpaceModel: { supportForward: false }, imGroupOpenDeliverModel: { robotCode } }
        : { imRobotOpenSpaceModel: { supportForward: false }, imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT', robotCode } }),
    };
    const r = await withToken((token) => post(`${apiBase}/v1.0/card/instances/createAndDeliver`, body, { 'x-acs-dingtalk-access-token': token }, what), what);
    // A resend after a send whose answer was lost: the card with this outTrackId is there already.
    if (r.status === 400 && /outTrackId/i.test(String(r.data.code ?? '')) && /exist/i.test(String(r.data.code ?? ''))) {
      log.info('dingtalk card was already delivered', { space });
      return;
    }
    if (r.status < 200 || r.status >= 300) throw apiFailure(r, what);
    const result = (r.data.result ?? {}) as { deliverResults?: { success?: boolean; errorMsg?: string }[] };
    const failed = (result.deliverResults ?? []).find((d) => d.success === false);
    if (r.data.success === false || failed) throw new SendError(`${what}: not delivered${failed?.errorMsg ? ` (${String(failed.errorMsg).slice(0, 120)})` : ''}`, false);
    log.debug('dingtalk card delivered', { space });
  }

  /**
   * Shows a decision on a delivered card (for everyone who sees it) and takes its
   * buttons away; likewise on every other card carrying the same decision (sent
   * to another approver, or into a group), so nobody can tap it again anywhere.
   */
  async function updateCard(p: Extract<OutboundPayload, { platform: 'dingtalk'; kind: 'card_update' }>): Promise<void> {
    const what = 'DingTalk card update';
    for (const outTrackId of await dingtalk.sameDecision(p.outTrackId)) {
      const body = { outTrackId, cardData: { cardParamMap: decidedParams(p.outcome.label) }, cardUpdateOptions: { updateCardDataByKey: true } };
      const r = await withToken((token) => post(`${apiBase}/v1.0/card/instances`, body, { 'x-acs-dingtalk-access-token': token }, what, 'PUT'), what);
      if (r.status < 200 || r.status >= 300) throw apiFailure(r, what);
      if (r.data.success === false) throw new SendError(`${what}: refused`, false);
    }
    log.debug('dingtalk card updated');
  }

  /** Registers our card callback URL under DINGTALK_CARD_ROUTE_KEY (taps are signed with the app secret). */
  async function registerCardCallback(publicBaseUrl: string): Promise<void> {
    const what = 'DingTalk card callback registration';
    const body = {
      callbackRouteKey: config.DINGTALK_CARD_ROUTE_KEY,
      callbackUrl: `${trimSlash(publicBaseUrl)}${DINGTALK_CARD_CALLBACK_PATH}`,
      apiSecret: config.DINGTALK_APP_SECRET,
      forceUpdate: true,
    };
    const r = await withToken((token) => post(`${apiBase}/v1.0/card/callbacks/register`, body, { 'x-acs-dingtalk-access-token': token }, what), what);
    if (r.status < 200 || r.status >= 300) throw apiFailure(r, what);
    log.info('dingtalk card callback registered', { routeKey: config.DINGTALK_CARD_ROUTE_KEY });
  }

  /** An oapi answer ({errcode, errmsg}) as a SendError, or undefined when it is a success. */
  function oapiFailure(r: HttpAnswer, what: string): SendError | undefined {
    if (r.status >= 500) return new SendError(`${what}: HTTP ${r.status}`, true);
    const errcode = Number(r.data.errcode);
    if (r.status === 200 && errcode === 0) return undefined;
    const errmsg = typeof r.data.errmsg === 'string' ? ` (${withoutQuery(r.data.errmsg).slice(0, 120)})` : '';
    const reason = `${what}: ${Number.isFinite(errcode) ? `errcode ${errcode}` : `HTTP ${r.status}`}${errmsg}`;
    if (RATE_LIMIT_ERRCODES.has(errcode) || r.status === 429) return new SendError(reason, true, RATE_LIMIT_RETRY_MS);
    // -1: DingTalk's "system busy".
    return new SendError(reason, errcode === -1);
  }

  /** Only DingTalk's own host is ever sent a session webhook (the URL comes from a callback body). */
  function isDingtalkSession(url: string): boolean {
    try {
      return new URL(url).origin === new URL(oapiBase).origin;
    } catch {
      return false;
    }
  }

  async function sendSession(p: Extract<OutboundPayload, { kind: 'session' }>): Promise<void> {
    if (p.reply.kind === 'card' && interactive) {
      // A card answers where it was asked for: in the group, or in the user's chat with the robot.
      if (p.conversationType === '2' && p.conversationId) return deliverCard(p.reply.card, 'IM_GROUP', p.conversationId);
      return deliverCard(p.reply.card, 'IM_ROBOT', p.toUser);
    }
    if (now().getTime() >= p.expiresAt) {
      log.debug('dingtalk session webhook expired; using the robot API');
      return sendToUser(p.toUser, p.reply);
    }
    if (!isDingtalkSession(p.sessionWebhook)) {
      log.warn('dingtalk session webhook is not on DINGTALK_OAPI_BASE; using the robot API', { webhook: withoutQuery(p.sessionWebhook) });
      return sendToUser(p.toUser, p.reply);
    }
    const what = 'DingTalk session webhook';
    const r = await post(p.sessionWebhook, robotMessageBody(p.reply), {}, what);
    const failure = oapiFailure(r, what);
    if (!failure) {
      log.debug('dingtalk session reply sent');
      return;
    }
    // Any failure answer (expired early, revoked, throttled, busy, an errcode we do not know):
    // the robot API reaches the same user, so the reply is not held up behind a dead session.
    log.info('dingtalk session webhook refused; using the robot API', { reason: failure.message });
    return sendToUser(p.toUser, p.reply);
  }

  async function sendGroup(p: Extract<OutboundPayload, { kind: 'group_markdown' }>): Promise<void> {
    const what = `DingTalk group robot ${p.robot}`;
    const entry = robots.get(p.robot) ?? (p.robot.startsWith('@') ? await resolveRobot?.(p.robot) : undefined);
    if (!entry) throw new SendError(`${what}: not configured in DINGTALK_ROBOTS nor bound from the chat`, false);
    return sendGroupTo(entry, p.title, p.markdown, what);
  }

  /** One markdown message to a custom group robot given as "access_token:secret" (also the binding's test message). */
  async function sendGroupTo(entry: string, title: string, markdown: string, what = 'DingTalk group robot'): Promise<void> {
    const colon = entry.indexOf(':');
    const url = signedRobotUrl(oapiBase, entry.slice(0, colon), entry.slice(colon + 1), now().getTime());
    const r = await post(url, { msgtype: 'markdown', markdown: { title, text: markdown } }, {}, what);
    const failure = oapiFailure(r, what);
    if (failure && Number(r.data.errcode) === 130101) throw new SendError(failure.message, true, GROUP_ROBOT_PENALTY_MS);
    if (failure) throw failure;
    log.debug('dingtalk group message sent', { robot: what });
  }

  /** A file for one user goes as a markdown link to its signed download (a robot cannot send files). */
  async function linked(reply: Reply): Promise<Reply> {
    if (reply.kind !== 'file') return reply;
    if (!config.PUBLIC_BASE_URL || !config.DOWNLOAD_SECRET) throw new SendError('DingTalk file: PUBLIC_BASE_URL and DOWNLOAD_SECRET are needed for download links', false);
    const f = await files.get(reply.fileId);
    if (!f) throw new SendError(`DingTalk file: file ${reply.fileId} is gone`, false);
    const label = f.name.replace(/[[\]]/g, '');
    return { kind: 'markdown', title: label, text: `[${label}](${downloadLink(config, reply.fileId, now())})（链接 ${config.DOWNLOAD_TTL_HOURS} 小时内有效）` };
  }

  const sender: Sender = {
    async send(payload: OutboundPayload): Promise<void> {
      if (payload.platform !== 'dingtalk') throw new SendError(`not a DingTalk payload: ${payload.platform}`, false);
      if (payload.kind === 'session') return sendSession({ ...payload, reply: await linked(payload.reply) });
      if (payload.kind === 'robot_user') return sendToUser(payload.toUser, await linked(payload.reply));
      if (payload.kind === 'group_markdown') return sendGroup(payload);
      if (payload.kind === 'card_update') return updateCard(payload);
      throw new SendError(`unknown DingTalk payload kind: ${(payload as { kind: string }).kind}`, false);
    },
  };

  /**
   * A picture or file a user sent the robot: its downloadCode → POST /v1.0/robot/messageFiles/download
   * {downloadCode, robotCode} → a short-lived downloadUrl, fetched. Not read past `maxBytes`.
   */
  async function fetchMedia(downloadCode: string, maxBytes: number, name?: string): Promise<FetchedMedia> {
    const what = 'DingTalk robot file download';
    if (!robotCode) throw new SendError('DingTalk is not configured (DINGTALK_ROBOT_CODE or DINGTALK_APP_KEY)', false);
    const r = await withToken((token) => post(`${apiBase}/v1.0/robot/messageFiles/download`, { downloadCode, robotCode }, { 'x-acs-dingtalk-access-token': token }, what), what);
    if (r.status < 200 || r.status >= 300) throw apiFailure(r, what);
    const url = r.data.downloadUrl;
    if (typeof url !== 'string' || !/^https?:\/\//.test(url)) throw new SendError(`${what}: answer without downloadUrl`, false);
    let res;
    try {
      res = await client.request<ArrayBuffer>({ url, method: 'GET', responseType: 'arraybuffer', maxContentLength: maxBytes, timeout: HTTP_TIMEOUT_MS, validateStatus: () => true, maxRedirects: 3 });
    } catch (err) {
      if (/maxContentLength/i.test((err as Error).message)) throw new MediaTooLarge(maxBytes);
      throw new SendError(`${what}: ${networkReason(err)}`, true);
    }
    if (res.status < 200 || res.status >= 300) throw new SendError(`${what}: HTTP ${res.status}`, res.status >= 500);
    const data = Buffer.from(res.data);
    if (data.length > maxBytes) throw new MediaTooLarge(maxBytes, data.length);
    let path = '';
    try {
      path = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
    } catch {
      // no name from the link
    }
    return { name: name || path || 'media', contentType: String(res.headers['content-type'] ?? 'application/octet-stream'), data };
  }

  return {
    ...sender,
    fetchMedia,
    /** The shared access token (fetched if needed). */
    accessToken,
    registerCardCallback,
    groupMarkdown: (entry: string, title: string, markdown: string) => sendGroupTo(entry, title, markdown),
    /** A signed download link to a stored file, valid DOWNLOAD_TTL_HOURS from `now`. */
    signedDownloadUrl: (fileId: string, at: Date = now()) => downloadLink(config, fileId, at),
    /** A markdown line linking to a stored file for a group robot message, or undefined when the file is gone. */
    async fileLinkMarkdown(fileId: string, at: Date = now()): Promise<string | undefined> {
      const f = await files.get(fileId);
      if (!f) return undefined;
      const label = f.name.replace(/[[\]]/g, '');
      return `[${label}](${downloadLink(config, fileId, at)})（链接 ${config.DOWNLOAD_TTL_HOURS} 小时内有效）`;
    },
  };
}

export type DingtalkApi = ReturnType<typeof dingtalkApi>;
