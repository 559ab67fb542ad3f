/**
 * POST /dingtalk/callback: DingTalk's enterprise robot (HTTP mode) delivers
 * what users send to the robot here. We check the `timestamp` and `sign`
 * headers, read at most WEBHOOK_BODY_LIMIT_KB, parse the JSON, record the
 * message in the inbox under its msgId (a DingTalk retry is a no-op) and
 * answer 200 `{}` at once; a worker runs the command afterwards and replies
 * through the outbox (the sessionWebhook while it is valid, else the robot API).
 *
 * Card taps. Our cards are DingTalk ActionCards whose buttons are links of the
 * form `dtmd://dingtalkclient/sendMessage?content=<URL-encoded "点 <button key>">`.
 * Tapping one makes the user's own client send "点 <key>" to the robot, so it
 * reaches us here as an ordinary text message (kind 'text'), and the router
 * treats "点 <key>" like the tap it was; a user may also type it. We chose this
 * over DingTalk's interactive cards (互动卡片), whose taps come back on a
 * separate card-callback route and which need a card template registered in
 * the developer console for each card shape: ActionCards need no registration,
 * work in the session webhook and the robot API alike, leave a visible trace of
 * who tapped what in the chat, and need no second signed route. The price: the
 * card itself cannot be updated to show the outcome (the bot answers with a
 * message instead), and in a group chat the tapped text does not @ the robot,
 * so taps only reach us from one-to-one chats with the robot, where approval
 * cards are sent.
 *
 * Every rejection is a 4xx with a short plain reason and nothing recorded;
 * when DingTalk is not configured the route answers 404. Nothing secret (app
 * secret, sign, tokens) and no message content is ever logged.
 */
import Router from '@koa/router';
import getRawBody from 'raw-body';
import type { Config } from '../../../src/config';
import type { Logger } from '../../../src/logger';
import type { Inbox, InboundMessage } from '../contracts';
import { verifyCallback } from './sign';

export const DINGTALK_CALLBACK_PATH = '/dingtalk/callback';

export interface DingtalkCallbackDeps {
  config: Config;
  inbox: Inbox;
  log: Logger;
  now: () => Date;
}

/** A parsed callback, or why it is refused. */
type Parsed = { ok: true; msg: InboundMessage; msgtype: string; conversationType: string } | { ok: false; reason: string };

export function dingtalkCallback({ config, inbox, log, now }: DingtalkCallbackDeps) {
  const router = new Router();
  const limit = config.WEBHOOK_BODY_LIMIT_KB * 1024;

  router.post(DINGTALK_CALLBACK_PATH, async (ctx) => {
    const appSecret = config.DINGTALK_APP_SECRET;
    if (!config.DINGTALK_APP_KEY || !appSecret) {
      ctx.status = 404;
      return;
    }
    const refuse = (status: number, reason: string) => {
      log.warn('dingtalk callback refused', { status, reason });
      ctx.status = status;
      ctx.type = 'text/plain';
      ctx.body = reason;
    };

    // The headers first: an unsigned request is refused before its body is read.
    const check = verifyCallback(
      { timestamp: ctx.get('timestamp') || undefined, sign: ctx.get('sign') || undefined },
      appSecret, now().getTime(), config.CALLBACK_WINDOW_SECONDS,
    );
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
    const parsed = parseMessage(body);
    if (!parsed.ok) return refuse(400, parsed.reason);

    let outcome: 'new' | 'duplicate';
    try {
      outcome = await inbox.accept(parsed.msg);
    } catch (err) {
      // Not recorded: a 5xx makes DingTalk try again later.
      log.error('dingtalk callback could not be recorded', { msgId: parsed.msg.msgId, error: err });
      ctx.status = 503;
      ctx.type = 'text/plain';
      ctx.body = 'try again later';
      return;
    }
    log.info('dingtalk message received', { msgId: parsed.msg.msgId, outcome, msgtype: parsed.msgtype, conversationType: parsed.conversationType });
    ctx.status = 200;
    ctx.body = {};
  });

  return router.routes();
}

const str = (v: unknown, max: number): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;

/**
 * DingTalk's message body → InboundMessage. Required: msgtype, msgId,
 * senderStaffId (absent for people outside the organisation, whom the bot
 * does not serve), and for text its content. Other message types (pictures,
 * files…) are recorded with what text they carry (rich text's words, a voice
 * message's recognition) or none, so the bot can answer that it reads text.
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
      sessionWebhook: webhook || undefined,
      sessionWebhookExpiresAt: webhook ? expiresAt : undefined,
      conversationId: (b.conversationId as string | undefined) || undefined,
    },
  };
}

/** The words in a non-text message, where DingTalk gives them. */
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
