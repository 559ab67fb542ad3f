/**
 * GET|POST /wecom/callback — WeCom's receiver.
 *
 * GET verifies the URL: check the signature of echostr, decrypt it, answer the plaintext.
 * POST receives a message: read the body (bounded), check the timestamp window and the
 * signature, decrypt, check the receiver id, parse, record it in the inbox, and answer
 * 200 with an empty body ("no passive reply") at once; the command runs later, in the
 * worker. WeCom waits 5 s before it retries; a retry finds the message already recorded.
 *
 * Every refusal is a 4xx with a short plain-text reason, and nothing reaches the inbox.
 * Logs never carry the token, the AES key, the message text or the ciphertext.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import getRawBody from 'raw-body';
import type { Config } from '../../../src/config';
import type { Logger } from '../../../src/logger';
import type { Inbox } from '../contracts';
import { createWecomCrypto, WecomCryptoError, type WecomCrypto, type WecomCryptoFailure } from './crypto';
import { parseEnvelope, parseMessage, WecomXmlError } from './xml';

export const WECOM_CALLBACK_PATH = '/wecom/callback';

export interface WecomCallbackDeps {
  config: Config;
  inbox: Inbox;
  log: Logger;
  now: () => Date;
}

/** A refusal: the status and the short reason sent back (and logged). */
class Rejection extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const CRYPTO_STATUS: Record<WecomCryptoFailure, [number, string]> = {
  bad_key: [500, 'server misconfigured'],
  bad_signature: [401, 'bad signature'],
  bad_base64: [400, 'ciphertext is not base64'],
  bad_length: [400, 'ciphertext has a bad length'],
  bad_padding: [400, 'ciphertext has bad padding'],
  truncated: [400, 'ciphertext is truncated'],
  bad_utf8: [400, 'plaintext is not UTF-8'],
  wrong_receiver: [403, 'ciphertext is for another corp'],
};

/** One query parameter, present once and non-empty. */
function param(ctx: Context, name: string): string {
  const v = ctx.query[name];
  if (typeof v !== 'string' || v === '') throw new Rejection(400, `missing ${name}`);
  if (v.length > 512) throw new Rejection(400, `${name} is too long`);
  return v;
}

function signedParams(ctx: Context) {
  const timestamp = param(ctx, 'timestamp');
  if (!/^\d{1,12}$/.test(timestamp)) throw new Rejection(400, 'timestamp must be seconds since 1970');
  return { msgSignature: param(ctx, 'msg_signature'), timestamp, nonce: param(ctx, 'nonce') };
}

function asRejection(err: unknown): Rejection | undefined {
  if (err instanceof Rejection) return err;
  if (err instanceof WecomCryptoError) {
    const [status, reason] = CRYPTO_STATUS[err.reason];
    return new Rejection(status, reason);
  }
  if (err instanceof WecomXmlError) return new Rejection(400, 'malformed XML');
  return undefined;
}

async function readBody(ctx: Context, limitKb: number): Promise<string> {
  try {
    return await getRawBody(ctx.req, { limit: limitKb * 1024, length: ctx.get('content-length') || undefined, encoding: 'utf-8' });
  } catch (err) {
    const e = err as { type?: string; status?: number };
    if (e.type === 'entity.too.large') {
      // Do not read the rest: close the connection once the answer is out.
      ctx.set('Connection', 'close');
      throw new Rejection(413, `body over ${limitKb} KB`);
    }
    throw new Rejection(e.status && e.status >= 400 && e.status < 500 ? e.status : 400, 'unreadable body');
  }
}

/**
 * The router for GET and POST /wecom/callback. Mount with
 * `app.use(r.routes()).use(r.allowedMethods())`. When WeCom is not configured
 * both routes answer 404.
 */
export function wecomCallback(deps: WecomCallbackDeps): Router {
  const { config, inbox, log, now } = deps;
  const router = new Router();
  const corpId = config.WECOM_CORP_ID;
  const crypto: WecomCrypto | undefined =
    corpId && config.WECOM_TOKEN && config.WECOM_AES_KEY
      ? createWecomCrypto({ token: config.WECOM_TOKEN, encodingAesKey: config.WECOM_AES_KEY, receiverId: corpId })
      : undefined;

  const refuse = (ctx: Context, err: unknown, started: number) => {
    const r = asRejection(err);
    if (!r) throw err;
    ctx.status = r.status;
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = r.message;
    log.warn('wecom callback refused', { method: ctx.method, status: r.status, reason: r.message, ip: ctx.ip, ms: Date.now() - started });
  };

  const notConfigured = (ctx: Context) => {
    ctx.status = 404;
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = 'WeCom is not configured';
  };

  router.get(WECOM_CALLBACK_PATH, async (ctx) => {
    if (!crypto) return notConfigured(ctx);
    const started = Date.now();
    try {
      const { msgSignature, timestamp, nonce } = signedParams(ctx);
      const echostr = param(ctx, 'echostr');
      const plain = crypto.verifyUrl(msgSignature, timestamp, nonce, echostr);
      ctx.status = 200;
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = plain;
      log.info('wecom callback URL verified', { ms: Date.now() - started });
    } catch (err) {
      refuse(ctx, err, started);
    }
  });

  router.post(WECOM_CALLBACK_PATH, async (ctx) => {
    if (!crypto) return notConfigured(ctx);
    const started = Date.now();
    try {
      const { msgSignature, timestamp, nonce } = signedParams(ctx);
      const skew = Math.abs(now().getTime() / 1000 - Number(timestamp));
      if (skew > config.CALLBACK_WINDOW_SECONDS) throw new Rejection(401, 'timestamp outside the allowed window');
      const body = await readBody(ctx, config.WEBHOOK_BODY_LIMIT_KB);
      const envelope = parseEnvelope(body);
      crypto.verify(msgSignature, timestamp, nonce, envelope.encrypt);
      const parsed = parseMessage(crypto.decrypt(envelope.encrypt));
      if (parsed.kind === 'ignored') {
        log.info('wecom callback ignored', { msgType: parsed.msgType, event: parsed.event, ms: Date.now() - started });
      } else {
        const m = parsed.message;
        const result = await inbox.accept(m);
        log.info('wecom callback accepted', { kind: m.kind, msgId: m.msgId, senderId: m.senderId, result, ms: Date.now() - started });
      }
      // 200 with an empty body: WeCom's "no passive reply".
      ctx.status = 200;
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = '';
    } catch (err) {
      if (asRejection(err)) return refuse(ctx, err, started);
      // Not the sender's fault (the database, most likely): 503 so that WeCom tries again.
      log.error('wecom callback failed', { error: err instanceof Error ? err.message : String(err), ms: Date.now() - started });
      ctx.status = 503;
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = 'temporarily unavailable';
    }
  });

  return router;
}
