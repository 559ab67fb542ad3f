/**
 * DingTalk signatures, as pure functions (no clock, no I/O: time comes in).
 *
 * - Enterprise robot callback: DingTalk sends headers `timestamp` (epoch ms)
 *   and `sign` = Base64(HmacSHA256(key = appSecret, data = timestamp + "\n" + appSecret)).
 *   A request is DingTalk's when the sign matches and the timestamp is within
 *   the window of our clock (DingTalk's rule: one hour either way).
 * - Custom group robot 加签: the webhook URL carries &timestamp=<ms>&sign=<URL-encoded
 *   Base64(HmacSHA256(key = secret, data = timestamp + "\n" + secret))>.
 * - Our own download links: hex HMAC-SHA256(DOWNLOAD_SECRET, id + "." + exp).
 *
 * Comparisons run in constant time whatever the lengths, so a forger learns
 * nothing from how long a rejection takes.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Base64(HmacSHA256(secret, timestamp + "\n" + secret)): the sign of a callback and of 加签 alike. */
export function hmacSign(timestamp: string | number, secret: string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64');
}

/** Equal strings, compared in constant time (both sides are hashed first, so lengths leak nothing). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

export type CallbackCheck =
  | { ok: true; timestamp: number }
  | { ok: false; status: 401 | 403; reason: string };

/**
 * Checks the `timestamp` and `sign` headers of an enterprise robot callback.
 * 401 when they are missing or not shaped like DingTalk's; 403 when the
 * timestamp is outside the window or the sign does not match. The reason is
 * short, plain and safe to send back (it never echoes what was sent).
 */
export function verifyCallback(
  headers: { timestamp?: string | string[]; sign?: string | string[] },
  appSecret: string,
  nowMs: number,
  windowSeconds: number,
): CallbackCheck {
  const timestamp = single(headers.timestamp);
  const sign = single(headers.sign);
  if (!timestamp || !sign) return { ok: false, status: 401, reason: 'missing timestamp or sign header' };
  if (!/^\d{1,16}$/.test(timestamp)) return { ok: false, status: 401, reason: 'timestamp must be epoch milliseconds' };
  if (sign.length > 256) return { ok: false, status: 401, reason: 'sign is malformed' };
  const ts = Number(timestamp);
  // The sign is checked first and whatever the timestamp, so timing does not tell which check failed.
  const signOk = safeEqual(sign, hmacSign(timestamp, appSecret));
  if (Math.abs(nowMs - ts) > windowSeconds * 1000) return { ok: false, status: 403, reason: 'timestamp outside the allowed window' };
  if (!signOk) return { ok: false, status: 403, reason: 'sign does not match' };
  return { ok: true, timestamp: ts };
}

/** The 加签 sign of a custom group robot, URL-encoded as it goes into the query string. */
export function robotSign(timestampMs: number, secret: string): string {
  return encodeURIComponent(hmacSign(timestampMs, secret));
}

/**
 * A custom group robot's send URL with 加签:
 * `<oapiBase>/robot/send?access_token=…&timestamp=…&sign=…`.
 * The result holds credentials: it must never be logged or put in an error.
 */
export function signedRobotUrl(oapiBase: string, accessToken: string, secret: string, nowMs: number): string {
  const ts = Math.trunc(nowMs);
  return `${oapiBase.replace(/\/+$/, '')}/robot/send?access_token=${encodeURIComponent(accessToken)}&timestamp=${ts}&sign=${robotSign(ts, secret)}`;
}

/** Our own download links' signature (kept with the links, bot/channels/downloadLinks.ts). */
export { downloadSignature } from '../downloadLinks';

/** A URL without its query string and fragment: safe to log or to put in an error. */
export function withoutQuery(url: string): string {
  return url.replace(/[?#].*$/s, '');
}

function single(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined ? undefined : s.trim();
}
