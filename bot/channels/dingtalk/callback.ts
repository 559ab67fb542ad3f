/**
 * POST /dingtalk/callback: DingTalk's enterprise robot (HTTP mode) delivers
 * what users send to the robot here. POST /dingtalk/card-callback: DingTalk
 * delivers the taps on our interactive cards here (the URL registered under
 * DINGTALK_CARD_ROUTE_KEY, see cards.ts). Both are checked the same way: the
 * `timestamp` and `sign` headers (sign = Base64(HmacSHA256(appSecret,
 * timestamp + "\n" + appSecret))), then the body (at most WEBHOOK_BODY_LIMIT_KB,
 * JSON), then the (timestamp, sign) pair is recorded once in the database: the
 * sign covers only the timestamp and the secret, not the body or the sender, so
 * a pair seen before with another body is refused (403) in every process for
 * as long as it could still pass the window. Then the message goes into the
 * inbox under its id (a DingTalk retry is a no-op) and we answer 200 `{}` at
 * once; a worker runs the command afterwards and replies through the outbox.
 *
 * Sender checks (what DingTalk states about the conversation must hold):
 * a message's conversationType is "1" (one-to-one) or "2" (group) with its
 * conversationId; a group message is one that @-mentions the robot (DingTalk
 * delivers no other); a sender from another organisation (senderCorpId not
 * the robot's chatbotCorpId) is refused. A card tap must name a card we
 * delivered (its outTrackId), one of that card's buttons, and a user who can
 * see it: for a card in one user's chat with the robot, that user; for a card
 * in a group, the group DingTalk names must be the card's. Who may decide is
 * then the approval engine's question, exactly as for a WeCom tap.
 *
 * Every rejection is a 4xx with a short plain reason and nothing recorded;
 * when DingTalk is not configured, or in Stream mode (stream.ts, where the same
 * parsers and sender checks run on what the stream delivers), the routes answer 404. Nothing secret (app
 * secret, sign, tokens) and no message content is ever logged.
 */
import { createHash } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import getRawBody from 'raw-body';
import type { Config } from '../../../src/config';
import type { Logger } from '../../../src/logger';
import type { DingtalkRepo } from '../../../store/repos/dingtalk';
import type { Inbox, InboundMessage } from '../contracts';
import { verifyCallback } from './sign';

export const DINGTALK_CALLBACK_PATH = '/dingtalk/callback';
export const DINGTALK_CARD_CALLBACK_PATH = '/dingtalk/card-callback';

export interface DingtalkCallbackDeps {
  config: Config;
  inbox: Inbox;
  /** Where (timestamp, sign) pairs and delivered cards are recorded, shared by all processes. */
  dingtalk: DingtalkRepo;
  log: Logger;
  now: () => Date;
}

/** A parsed callback, or why it is refused. */
type Parsed = { ok: true; msg: InboundMessage; msgtype: string; conversationType: string } | { ok: false; reason: string; status?: number };

const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

export function dingtalkCallback({ config, inbox, dingtalk, log, now }: DingtalkCallbackDeps) {
  const router = new Router();
  const limit = config.WEBHOOK_BODY_LIMIT_KB * 1024;

  /** The checks and the recording both routes share; `parse` turns the JSON body into a message. */
  async function receive(ctx: Context, what: string, parse: (body: unknown) => Promise<Parsed>): Promise<void> {
    const appSecret = config.DINGTALK_APP_SECRET;
    // In Stream mode nothing comes in over HTTP: the routes are closed.
    if (!config.DINGTALK_APP_KEY || !appSecret || config.DINGTALK_MODE === 'stream') {
      ctx.status = 404;
      return;
    }
    const refuse = (status: number, reason: string) => {
      log.warn(`dingtalk ${what} refused`, { status, reason });
      ctx.status = status;
      ctx.type = 'text/plain';
      ctx.body = reason;
    };
    const unavailable = (err: unknown, id?: string) => {
      // Not recorded: a 5xx makes DingTalk try again later.
      log.error(`dingtalk ${what} could not be recorded`, { msgId: id, error: err });
      ctx.status = 503;
      ctx.type = 'text/plain';
      ctx.body = 'try again later';
    };

    // The headers first: an unsigned request is refused before its body is read.
    const timestamp = ctx.get('timestamp') || undefined;
    const sign = ctx.get('sign') || undefined;
    const check = verifyCallback({ timestamp, sign }, appSecret, now().getTime(), config.CALLBACK_WINDOW_SECONDS);
    if (!check.ok) return refuse(check.status, check.reason);

    let raw: Buffer;
    try {
      raw = await getRawBody(ctx.req, { limit, length: ctx.get('content-length') || undefined });
    } catch (err) {
      const type = (err as { type?: string }).type;
      if (type === 'entity.too.large') return refuse(413, `body larger than ${config.WEBHOOK_BODY_LIMIT_KB} KB`);
      return refuse(400, 'body could not be read');
    }

    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return refuse(400, 'body is not JSON');
    }
    let parsed: Parsed;
    try {
      parsed = await parse(body);
    } catch (err) {
      return unavailable(err);
    }
    if (!parsed.ok) return refuse(parsed.status ?? 400, parsed.reason);

    // The pair once, across processes: the same request again passes (the inbox dedupes it), another body does not.
    let seen: 'new' | 'same' | 'replayed';
    try {
      seen = await dingtalk.recordSign(sha256(`${check.timestamp}\n${sign}`), sha256(raw), now());
    } catch (err) {
      return unavailable(err, parsed.msg.msgId);
    }
    if (seen === 'replayed') return refuse(403, 'timestamp and sign were already used');

    let outcome: 'new' | 'duplicate';
    try {
      outcome = await inbox.accept(parsed.msg);
    } catch (err) {
      return unavailable(err, parsed.msg.msgId);
    }
    log.info(`dingtalk ${what} received`, { msgId: parsed.msg.msgId, outcome, msgtype: parsed.msgtype, conversationType: parsed.conversationType });
    ctx.status = 200;
    ctx.body = {};
  }

  router.post(DINGTALK_CALLBACK_PATH, (ctx) => receive(ctx, 'message', async (body) => parseMessage(body)));
  router.post(DINGTALK_CARD_CALLBACK_PATH, (ctx) => receive(ctx, 'card tap', (body) => parseCardTap(body, dingtalk)));

  return router.routes();
}

const str = (v: unknown, max: number): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;

/**
 * DingTalk's message body → InboundMessage. Required: msgtype, msgId,
 * senderStaffId (absent for people outside the organisation, whom the bot
 * does not serve), and for text its content. Other message types are recorded
 * with what text they carry (rich text's words, a voice message's recognition)
 * or none; a picture or a file is marked as such, so the bot answers what it
 * can do with one.
 */
export function parseMessage(body: unknown): Parsed {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, reason: 'body must be a JSON object' };
  const b = body as Record<string, unknown>;
  if (!str(b.msgtype, 64)) return { ok: false, reason: 'msgtype is missing' };
  if (!str(b.msgId, 256)) return { ok: false, reason: 'msgId is missing' };
  if (!str(b.senderStaffId, 256)) return { ok: false, reason: 'senderStaffId is missing' };
  for (const k of ['conversationId', 'conversationType', 'sessionWebhook'] as const) {
    if (b[k] !== undefined && typeof b[k] !== 'string') return { ok: false, reason: `${k} must be a string` };
  }
  const expiresRaw = b.sessionWebhookExpiredTime;
  let expiresAt: number | undefined;
  if (expiresRaw !== undefined) {
    expiresAt = typeof expiresRaw === 'string' && /^\d{1,16}$/.test(expiresRaw) ? Number(expiresRaw) : (expiresRaw as number);
    if (typeof expiresAt !== 'number' || !Number.isSafeInteger(expiresAt) || expiresAt < 0) return { ok: false, reason: 'sessionWebhookExpiredTime must be epoch milliseconds' };
  }
  const webhook = b.sessionWebhook as string | undefined;
  if (webhook !== undefined && (webhook.length > 2048 || !/^https?:\/\/\S+$/.test(webhook))) return { ok: false, reason: 'sessionWebhook must be an http(s) URL' };
  const sender = senderProblem(b);
  if (sender) return { ok: false, status: 403, reason: sender };

  let text: string;
  if (b.msgtype === 'text') {
    const t = b.text as { content?: unknown } | undefined;
    if (typeof t !== 'object' || t === null || typeof t.content !== 'string') return { ok: false, reason: 'text.content is missing' };
    text = t.content;
  } else {
    text = otherText(b);
  }

  return {
    ok: true,
    msgtype: b.msgtype,
    conversationType: typeof b.conversationType === 'string' ? b.conversationType : '',
    msg: {
      platform: 'dingtalk',
      msgId: b.msgId,
      senderId: b.senderStaffId,
      kind: 'text',
      // In a group DingTalk leaves a space where the @robot was.
      text: text.trim(),
      ...(b.msgtype === 'picture' ? { attachment: 'image' as const } : b.msgtype === 'file' ? { attachment: 'file' as const } : {}),
      ...mediaOf(b),
      sessionWebhook: webhook || undefined,
      sessionWebhookExpiresAt: webhook ? expiresAt : undefined,
      conversationId: (b.conversationId as string | undefined) || undefined,
      conversationType: b.conversationType as '1' | '2',
    },
  };
}

/** What DingTalk states about the conversation, checked against the sender; undefined when it holds. */
function senderProblem(b: Record<string, unknown>): string | undefined {
  if (b.conversationType !== '1' && b.conversationType !== '2') return 'conversationType must be "1" (one-to-one) or "2" (group)';
  if (!str(b.conversationId, 256)) return 'conversationId is missing';
  // In a group DingTalk delivers to the robot only the messages that @ it.
  if (b.conversationType === '2' && b.isInAtList === false) return 'a group message that does not @ the robot';
  if (typeof b.senderCorpId === 'string' && typeof b.chatbotCorpId === 'string' && b.senderCorpId !== b.chatbotCorpId) return 'sender is outside the organisation';
  return undefined;
}

/**
 * A tap on one of our interactive cards, as DingTalk posts it: `outTrackId`
 * (the card), `userId` (who tapped, a staffId since we deliver with
 * userIdType 1), `content` (or `value`): a JSON string whose
 * `cardPrivateData.params.key` is the tapped button's key (our template's
 * buttons send it), and for a group card `spaceType` IM_GROUP with `spaceId`
 * the conversation. Checked against the card as we recorded it on delivery.
 */
export async function parseCardTap(body: unknown, dingtalk: Pick<DingtalkRepo, 'card'>): Promise<Parsed> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, reason: 'body must be a JSON object' };
  const b = body as Record<string, unknown>;
  if (!str(b.outTrackId, 128)) return { ok: false, reason: 'outTrackId is missing' };
  if (!str(b.userId, 256)) return { ok: false, reason: 'userId is missing' };
  const rawContent = str(b.content, 8192) ? b.content : str(b.value, 8192) ? b.value : undefined;
  if (!rawContent) return { ok: false, reason: 'content is missing' };
  let key: unknown;
  try {
    key = (JSON.parse(rawContent) as { cardPrivateData?: { params?: { key?: unknown } } })?.cardPrivateData?.params?.key;
  } catch {
    return { ok: false, reason: 'content is not JSON' };
  }
  if (!str(key, 128)) return { ok: false, reason: 'cardPrivateData.params.key is missing' };
  const card = await dingtalk.card(b.outTrackId);
  if (!card) return { ok: false, status: 404, reason: 'no such card' };
  if (!card.keys.includes(key)) return { ok: false, reason: 'no such button on this card' };
  if (card.space === 'IM_ROBOT' && b.userId !== card.target) return { ok: false, status: 403, reason: 'the card was not sent to this user' };
  if (card.space === 'IM_GROUP' && typeof b.spaceId === 'string' && b.spaceId && b.spaceId !== card.target) return { ok: false, status: 403, reason: 'the card is not in this group' };
  return {
    ok: true,
    msgtype: 'cardTap',
    conversationType: card.space === 'IM_GROUP' ? '2' : '1',
    msg: {
      platform: 'dingtalk',
      // One decision per user, card and button: DingTalk sending the same tap again is a duplicate.
      msgId: `card:${sha256(`${b.outTrackId}\n${b.userId}\n${key}`).slice(0, 40)}`,
      senderId: b.userId,
      kind: 'card_action',
      text: '',
      actionKey: key,
      cardId: b.outTrackId,
      conversationId: card.space === 'IM_GROUP' ? card.target : undefined,
      conversationType: card.space === 'IM_GROUP' ? '2' : '1',
    },
  };
}

/** The words in a non-text message, where DingTalk gives them. */
/** A picture's or file's downloadCode (and a file's name): fetched through the robot file API when it is evidence. */
function mediaOf(b: Record<string, unknown>): { mediaRef?: string; mediaName?: string } {
  if (b.msgtype !== 'picture' && b.msgtype !== 'file') return {};
  const content = b.content as Record<string, unknown> | undefined;
  if (typeof content !== 'object' || content === null) return {};
  const code = str(content.downloadCode, 4096) ? content.downloadCode : str(content.pictureDownloadCode, 4096) ? content.pictureDownloadCode : undefined;
  if (!code) return {};
  return { mediaRef: code as string, ...(str(content.fileName, 1000) ? { mediaName: (content.fileName as string).slice(0, 200) } : {}) };
}

function otherText(b: Record<string, unknown>): string {
  const content = b.content as Record<string, unknown> | undefined;
  if (typeof content !== 'object' || content === null) return '';
  if (b.msgtype === 'richText' && Array.isArray(content.richText)) {
    return content.richText
      .map((part) => (typeof part === 'object' && part !== null && typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : ''))
      .join('');
  }
  if (b.msgtype === 'audio' && typeof content.recognition === 'string') return content.recognition;
  return '';
}
