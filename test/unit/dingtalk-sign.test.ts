/**
 * DingTalk's signatures against values computed independently (openssl dgst
 * -sha256 -hmac … | base64), and the callback check's window and refusals.
 */
import { downloadSignature, hmacSign, robotSign, safeEqual, signedRobotUrl, verifyCallback, withoutQuery } from '../../bot/channels/dingtalk/sign';

const TS = '1577262236757';
const SECRET = 'this is secret';
/** printf '1577262236757\nthis is secret' | openssl dgst -sha256 -hmac 'this is secret' -binary | base64 */
const EXPECTED = 'hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM=';
const HOUR = 3600;

describe('DingTalk signatures', () => {
  it('signs timestamp + "\\n" + secret with HmacSHA256 in Base64, as openssl does', () => {
    expect(hmacSign(TS, SECRET)).toBe(EXPECTED);
    expect(hmacSign(Number(TS), SECRET)).toBe(EXPECTED);
  });

  it('URL-encodes the 加签 sign, so "+" survives the query string', () => {
    expect(robotSign(Number(TS), SECRET)).toBe('hmPWwU%2B7lVdm3ZZz0r9tSfx0L4Q26jWOZr9%2BGs6EZQM%3D');
    const url = new URL(signedRobotUrl('https://oapi.dingtalk.com/', 'tok en', SECRET, Number(TS)));
    expect(url.pathname).toBe('/robot/send');
    expect(url.searchParams.get('access_token')).toBe('tok en');
    expect(url.searchParams.get('timestamp')).toBe(TS);
    expect(url.searchParams.get('sign')).toBe(EXPECTED);
  });

  it('signs download links as hex HMAC-SHA256 of id.exp, as openssl does', () => {
    // printf '65f0c0ffee0123456789abcd.1767225600' | openssl dgst -sha256 -hmac 'download-secret-0123456789abcdef0123'
    expect(downloadSignature('download-secret-0123456789abcdef0123', '65f0c0ffee0123456789abcd', 1767225600))
      .toBe('e20df7567802b506c01bacc57da521b1e9dc400cc01e95e95f5f31d90dcd4475');
  });

  it('compares strings of any length without throwing', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('', 'x'.repeat(1000))).toBe(false);
  });

  it('strips query strings and fragments from URLs for logs and errors', () => {
    expect(withoutQuery('https://oapi.dingtalk.com/robot/send?access_token=t&sign=s#x')).toBe('https://oapi.dingtalk.com/robot/send');
  });
});

describe('verifyCallback', () => {
  const now = Number(TS);
  const check = (headers: { timestamp?: string; sign?: string }, at = now) => verifyCallback(headers, SECRET, at, HOUR);

  it('accepts DingTalk\'s sign within one hour either way', () => {
    expect(check({ timestamp: TS, sign: EXPECTED })).toEqual({ ok: true, timestamp: now });
    expect(check({ timestamp: TS, sign: EXPECTED }, now + HOUR * 1000).ok).toBe(true);
    expect(check({ timestamp: TS, sign: EXPECTED }, now - HOUR * 1000).ok).toBe(true);
  });

  it('refuses a timestamp more than an hour off with 403, even when correctly signed', () => {
    expect(check({ timestamp: TS, sign: EXPECTED }, now + HOUR * 1000 + 1)).toMatchObject({ ok: false, status: 403 });
    expect(check({ timestamp: TS, sign: EXPECTED }, now - HOUR * 1000 - 1)).toMatchObject({ ok: false, status: 403 });
  });

  it('refuses a sign made with another secret, or for another timestamp, with 403', () => {
    expect(check({ timestamp: TS, sign: hmacSign(TS, 'another secret') })).toMatchObject({ ok: false, status: 403, reason: 'sign does not match' });
    expect(check({ timestamp: String(now + 1), sign: EXPECTED })).toMatchObject({ ok: false, status: 403 });
    expect(check({ timestamp: TS, sign: EXPECTED.slice(0, -2) })).toMatchObject({ ok: false, status: 403 });
  });

  it('refuses missing or malformed headers with 401, naming no secret', () => {
    for (const h of [{}, { timestamp: TS }, { sign: EXPECTED }, { timestamp: '', sign: EXPECTED }, { timestamp: '15772622e3', sign: EXPECTED }, { timestamp: TS, sign: 'x'.repeat(300) }]) {
      const r = check(h);
      expect(r).toMatchObject({ ok: false, status: 401 });
      expect(JSON.stringify(r)).not.toContain(SECRET);
    }
  });
});
