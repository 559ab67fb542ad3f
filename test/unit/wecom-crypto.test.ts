/**
 * WXBizMsgCrypt against WeCom's own published sample vectors (the official
 * WXBizMsgCrypt samples), plus every way a ciphertext can be wrong; the callback
 * XML; and the markdown splitter and card renderer of the WeCom sender.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import {
  createWecomCrypto, decodeAesKey, decryptMessage, encryptMessage, pad32, signature, signatureMatches, WecomCryptoError,
} from '../../bot/channels/wecom/crypto';
import { buildEncryptedReply, buildEnvelope, cdata, parseEncryptedReply, parseEnvelope, parseMessage, WecomXmlError } from '../../bot/channels/wecom/xml';
import { renderCard, splitMarkdown } from '../../bot/channels/wecom/api';

// WeCom's sample application (Sample.cpp / Sample.py / Sample.php / Sample.cs).
const SAMPLE = { token: 'QDG6eK', corpId: 'wx5823bf96d3bd56c7', aesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
const VERIFY_URL = {
  msgSignature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3',
  timestamp: '1409659589',
  nonce: '263014780',
  echostr: 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==',
  plaintext: '1616140317555161061',
};
const DECRYPT_MSG = {
  msgSignature: '477715d11cdb4164915debcba66cb864d751f3e6',
  timestamp: '1409659813',
  nonce: '1372623149',
  encrypt:
    'RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==',
  plaintext:
    '<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n' +
    '<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n' +
    '<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>',
};
// The official Java sample's EncryptMsg test (WXBizMsgCryptTest: "pamtest", random "aaaabbbbccccdddd").
const ENCRYPT_MSG = {
  aesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  appId: 'wxb11529c136998cb6',
  random: Buffer.from('aaaabbbbccccdddd'),
  cases: [
    { message: '我是中文abcd123', encrypt: 'jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==' },
    {
      message:
        '<xml><ToUserName><![CDATA[oia2Tj我是中文jewbmiOUlr6X-1crbLOvLw]]></ToUserName><FromUserName><![CDATA[gh_7f083739789a]]></FromUserName>' +
        '<CreateTime>1407743423</CreateTime><MsgType><![CDATA[video]]></MsgType><Video><MediaId><![CDATA[eYJ1MbwPRJtOvIEabaxHs7TX2D-HV71s79GUxqdUkjm6Gs2Ed1KF3ulAOA9H1xG0]]></MediaId>' +
        '<Title><![CDATA[testCallBackReplyVideo]]></Title><Description><![CDATA[testCallBackReplyVideo]]></Description></Video></xml>',
      encrypt:
        'jn1L23DB+6ELqJ+6bruv23M2GmYfkv0xBh2h+XTBOKVKcgDFHle6gqcZ1cZrk3e1qjPQ1F4RsLWzQRG9udbKWesxlkupqcEcW7ZQweImX9+wLMa0GaUzpkycA8+IamDBxn5loLgZpnS7fVAbExOkK5DYHBmv5tptA9tklE/fTIILHR8HLXa5nQvFb3tYPKAlHF3rtTeayNf0QuM+UW/wM9enGIDIJHF7CLHiDNAYxr+r+OrJCmPQyTy8cVWlu9iSvOHPT/77bZqJucQHQ04sq7KZI27OcqpQNSto2OdHCoTccjggX5Z9Mma0nMJBU+jLKJ38YB1fBIz+vBzsYjrTmFQ44YfeEuZ+xRTQwr92vhA9OxchWVINGC50qE/6lmkwWTwGX9wtQpsJKhP+oS7rvTY8+VdzETdfakjkwQ5/Xka042OlUb1/slTwo4RscuQ+RdxSGvDahxAJ6+EAjLt9d8igHngxIbf6YyqqROxuxqIeIch3CssH/LqRs+iAcILvApYZckqmA7FNERspKA5f8GoJ9sv8xmGvZ9Yrf57cExWtnX8aCMMaBropU/1k+hKP5LVdzbWCG0hGwx/dQudYR/eXp3P0XxjlFiy+9DMlaFExWUZQDajPkdPrEeOwofJb',
    },
  ],
};

const sample = createWecomCrypto({ token: SAMPLE.token, encodingAesKey: SAMPLE.aesKey, receiverId: SAMPLE.corpId });
const key = decodeAesKey(SAMPLE.aesKey);

/** Encrypts raw plaintext bytes exactly as given (no padding added): for building bad ciphertexts. */
function rawEncrypt(plain: Buffer): string {
  const c = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  c.setAutoPadding(false);
  return Buffer.concat([c.update(plain), c.final()]).toString('base64');
}

/** The plaintext layout: 16 random bytes, 4-byte length, message, receiver id. */
function layout(message: string, receiver: string, lengthField?: number): Buffer {
  const body = Buffer.from(message);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(lengthField ?? body.length);
  return Buffer.concat([randomBytes(16), len, body, Buffer.from(receiver)]);
}

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof WecomCryptoError) return err.reason;
    throw err;
  }
  return 'accepted';
}

describe('WXBizMsgCrypt interoperates with WeCom’s published samples', () => {
  it('VerifyURL: the sample echostr’s signature verifies and it decrypts to the sample plaintext', () => {
    const v = VERIFY_URL;
    expect(signature(SAMPLE.token, v.timestamp, v.nonce, v.echostr)).toBe(v.msgSignature);
    expect(sample.verifyUrl(v.msgSignature, v.timestamp, v.nonce, v.echostr)).toBe(v.plaintext);
  });

  it('DecryptMsg: the sample message’s signature verifies and it decrypts to the sample XML', () => {
    const d = DECRYPT_MSG;
    expect(sample.sign(d.timestamp, d.nonce, d.encrypt)).toBe(d.msgSignature);
    expect(() => sample.verify(d.msgSignature, d.timestamp, d.nonce, d.encrypt)).not.toThrow();
    expect(sample.decrypt(d.encrypt)).toBe(d.plaintext);
    const parsed = parseMessage(sample.decrypt(d.encrypt));
    expect(parsed).toEqual({
      kind: 'message',
      message: { platform: 'wecom', msgId: '4561255354251345929', senderId: 'mycreate', kind: 'text', text: 'hello' },
    });
  });

  it('EncryptMsg: the same random bytes reproduce the sample ciphertexts exactly, and they decrypt back', () => {
    const k = decodeAesKey(ENCRYPT_MSG.aesKey);
    for (const c of ENCRYPT_MSG.cases) {
      expect(encryptMessage(k, ENCRYPT_MSG.appId, c.message, ENCRYPT_MSG.random)).toBe(c.encrypt);
      expect(decryptMessage(k, c.encrypt)).toEqual({ message: c.message, receiverId: ENCRYPT_MSG.appId });
    }
  });
});

describe('WXBizMsgCrypt round trips', () => {
  it('encrypts and decrypts messages of every length around the 32-byte block, including Chinese', () => {
    for (let n = 0; n < 70; n++) {
      const msg = '监管'.repeat(n % 5) + 'x'.repeat(n);
      const enc = sample.encrypt(msg, randomBytes(16));
      expect(Buffer.from(enc, 'base64').length % 32).toBe(0);
      expect(sample.decrypt(enc)).toBe(msg);
    }
  });

  it('pads with 1 to 32 bytes, never 0: a full block gets a whole block of 32s', () => {
    expect(pad32(Buffer.alloc(31)).subarray(31)).toEqual(Buffer.from([1]));
    expect(pad32(Buffer.alloc(32))).toEqual(Buffer.concat([Buffer.alloc(32), Buffer.alloc(32, 32)]));
    expect(pad32(Buffer.alloc(16)).length).toBe(32);
  });

  it('encrypt is pure: same random bytes, same ciphertext; and it insists on 16 of them', () => {
    const r = Buffer.alloc(16, 7);
    expect(sample.encrypt('同一条', r)).toBe(sample.encrypt('同一条', r));
    expect(() => sample.encrypt('x', Buffer.alloc(15))).toThrow(RangeError);
  });

  it('signatures compare in constant time and only on equal length', () => {
    const d = DECRYPT_MSG;
    expect(signatureMatches(d.msgSignature, d.msgSignature.toUpperCase())).toBe(true);
    expect(signatureMatches(d.msgSignature, d.msgSignature.slice(0, 39))).toBe(false);
    expect(signatureMatches(d.msgSignature, `${d.msgSignature.slice(0, 39)}0`)).toBe(d.msgSignature.endsWith('0'));
  });
});

describe('WXBizMsgCrypt refuses, with a typed error, every malformed ciphertext', () => {
  const good = layout('<xml/>', SAMPLE.corpId);

  it('a forged signature', () => {
    const d = DECRYPT_MSG;
    expect(reasonOf(() => sample.verify('0'.repeat(40), d.timestamp, d.nonce, d.encrypt))).toBe('bad_signature');
    expect(reasonOf(() => sample.verify(d.msgSignature, String(Number(d.timestamp) + 1), d.nonce, d.encrypt))).toBe('bad_signature');
    expect(reasonOf(() => sample.verify('', d.timestamp, d.nonce, d.encrypt))).toBe('bad_signature');
  });

  it('bad Base64: foreign characters, a wrong length, non-canonical trailing bits, empty', () => {
    const enc = sample.encrypt('hello', randomBytes(16));
    expect(reasonOf(() => sample.decrypt(`${enc.slice(0, -4)}*AA=`))).toBe('bad_base64');
    expect(reasonOf(() => sample.decrypt(enc.slice(0, -1)))).toBe('bad_base64');
    expect(reasonOf(() => sample.decrypt(enc.replace(/=+$/, '')))).toBe('bad_base64');
    expect(reasonOf(() => sample.decrypt('QR=='))).toBe('bad_base64');
    expect(reasonOf(() => sample.decrypt(''))).toBe('bad_base64');
  });

  it('a length that is not a multiple of 32 (16 will not do: WeCom pads to 32)', () => {
    expect(reasonOf(() => sample.decrypt(Buffer.alloc(48).toString('base64')))).toBe('bad_length');
    expect(reasonOf(() => sample.decrypt(Buffer.alloc(33).toString('base64')))).toBe('bad_length');
    // 44 bytes padded to 16 (48) instead of 32 (64): what a plain PKCS#7 library would send.
    expect(good.length).toBe(44);
    expect(reasonOf(() => sample.decrypt(rawEncrypt(Buffer.concat([good, Buffer.alloc(4, 4)]))))).toBe('bad_length');
  });

  it('pad byte 0, pad byte over 32, and pad bytes that differ (a re-padded ciphertext)', () => {
    const fill = 20; // 44 + 20 = 64
    const withPad = (pad: Buffer) => rawEncrypt(Buffer.concat([good, pad]));
    expect(reasonOf(() => sample.decrypt(withPad(Buffer.alloc(fill, fill))))).toBe('accepted');
    expect(reasonOf(() => sample.decrypt(withPad(Buffer.alloc(fill, 0))))).toBe('bad_padding');
    expect(reasonOf(() => sample.decrypt(withPad(Buffer.alloc(fill + 32, 33))))).toBe('bad_padding');
    const mixed = Buffer.alloc(fill, fill);
    mixed[0] = fill - 1;
    expect(reasonOf(() => sample.decrypt(withPad(mixed)))).toBe('bad_padding');
    // Padded twice (PKCS#7 over an already padded plaintext) decrypts to a wrong layout, never silently.
    const twice = pad32(pad32(good));
    expect(reasonOf(() => sample.decrypt(rawEncrypt(twice)))).not.toBe('accepted');
  });

  it('a length field beyond the buffer (truncated), and a plaintext shorter than its header', () => {
    expect(reasonOf(() => sample.decrypt(rawEncrypt(pad32(layout('<xml/>', SAMPLE.corpId, 5000)))))).toBe('truncated');
    expect(reasonOf(() => sample.decrypt(rawEncrypt(pad32(randomBytes(10)))))).toBe('truncated');
  });

  it('a receiver id that is not the configured corp id', () => {
    expect(reasonOf(() => sample.decrypt(rawEncrypt(pad32(layout('<xml/>', 'wwsomeoneelse')))))).toBe('wrong_receiver');
    expect(reasonOf(() => sample.decrypt(rawEncrypt(pad32(layout('<xml/>', '')))))).toBe('wrong_receiver');
    expect(reasonOf(() => sample.decrypt(rawEncrypt(pad32(layout('<xml/>', SAMPLE.corpId)))))).toBe('accepted');
  });

  it('a plaintext that is not UTF-8', () => {
    const bad = Buffer.concat([layout('', SAMPLE.corpId).subarray(0, 16), Buffer.from([0, 0, 0, 2, 0xc3, 0x28]), Buffer.from(SAMPLE.corpId)]);
    expect(reasonOf(() => sample.decrypt(rawEncrypt(pad32(bad))))).toBe('bad_utf8');
  });

  it('an EncodingAESKey that is not 43 letters and digits', () => {
    expect(reasonOf(() => decodeAesKey('short'))).toBe('bad_key');
    expect(reasonOf(() => decodeAesKey(`${SAMPLE.aesKey.slice(0, 42)}+`))).toBe('bad_key');
  });
});

describe('WeCom callback XML', () => {
  it('reads the envelope, with or without CDATA and whitespace', () => {
    expect(parseEnvelope(buildEnvelope({ toUserName: 'ww1', encrypt: 'abc=', agentId: '218' }))).toEqual({ toUserName: 'ww1', encrypt: 'abc=', agentId: '218' });
    expect(parseEnvelope('<?xml version="1.0"?>\n<xml>\n <ToUserName>ww1</ToUserName>\n <Encrypt>\n  <![CDATA[abc=]]>\n </Encrypt>\n</xml>').encrypt).toBe('abc=');
  });

  it('refuses malformed XML, a DTD (no entity expansion), a missing or repeated Encrypt, and a second root', () => {
    for (const bad of [
      '<xml><Encrypt>abc</xml>',
      '<xml><Encrypt>abc</Encrypt>',
      'not xml',
      '',
      '<!DOCTYPE xml [<!ENTITY e "boom">]><xml><Encrypt>&e;</Encrypt></xml>',
      '<xml><ToUserName>x</ToUserName></xml>',
      '<xml><Encrypt>a</Encrypt><Encrypt>b</Encrypt></xml>',
      '<xml><Encrypt>a</Encrypt></xml><xml><Encrypt>b</Encrypt></xml>',
      '<xml><Encrypt><x>a</x></Encrypt></xml>',
      '<xml><__proto__>x</__proto__><Encrypt>a</Encrypt></xml>',
    ]) {
      expect(() => parseEnvelope(bad)).toThrow(WecomXmlError);
    }
  });

  it('keeps values as strings (a 19-digit MsgId survives) and CDATA verbatim, including "]]>" and markup', () => {
    const content = 'a]]>b <c> &amp; 查询 B类';
    const xml = `<xml><FromUserName>${cdata('LiWx')}</FromUserName><MsgType>text</MsgType><Content>${cdata(content)}</Content><MsgId>9223372036854775807</MsgId></xml>`;
    expect(parseMessage(xml)).toEqual({
      kind: 'message',
      message: { platform: 'wecom', msgId: '9223372036854775807', senderId: 'LiWx', kind: 'text', text: content },
    });
  });

  it('turns a template_card_event into a card action whose id is the same on a retry', () => {
    const xml = (createTime: string) =>
      `<xml><ToUserName>ww1</ToUserName><FromUserName>ZhaoWx</FromUserName><CreateTime>${createTime}</CreateTime><MsgType>event</MsgType>` +
      '<Event>template_card_event</Event><EventKey>pool.confirm:91361129MA35XXXX0X</EventKey><TaskId>pool_X_1</TaskId>' +
      '<CardType>button_interaction</CardType><ResponseCode>RC1</ResponseCode><AgentID>1</AgentID></xml>';
    const a = parseMessage(xml('1700000000'));
    const later = parseMessage(xml('1700000001'));
    expect(a).toEqual({
      kind: 'message',
      message: {
        platform: 'wecom', msgId: 'card:ZhaoWx:pool_X_1:1700000000:pool.confirm:91361129MA35XXXX0X', senderId: 'ZhaoWx',
        kind: 'card_action', text: '', actionKey: 'pool.confirm:91361129MA35XXXX0X', cardId: 'pool_X_1', responseCode: 'RC1',
      },
    });
    expect(parseMessage(xml('1700000000'))).toEqual(a);
    // A second tap (another CreateTime) is a new action, recorded on its own.
    expect(later.kind === 'message' && later.message.msgId).toBe('card:ZhaoWx:pool_X_1:1700000001:pool.confirm:91361129MA35XXXX0X');
  });

  it('turns a picture or a file into a message to answer, and ignores other message and event types', () => {
    expect(parseMessage('<xml><FromUserName>u</FromUserName><MsgType>image</MsgType><MsgId>1</MsgId></xml>')).toEqual({
      kind: 'message', message: { platform: 'wecom', msgId: '1', senderId: 'u', kind: 'text', text: '', attachment: 'image' },
    });
    expect(parseMessage('<xml><FromUserName>u</FromUserName><MsgType>voice</MsgType><MsgId>2</MsgId></xml>')).toEqual({ kind: 'ignored', msgType: 'voice', event: '' });
    expect(parseMessage('<xml><FromUserName>u</FromUserName><MsgType>event</MsgType><Event>enter_agent</Event></xml>')).toEqual({ kind: 'ignored', msgType: 'event', event: 'enter_agent' });
  });

  it('refuses a text message without MsgId or sender', () => {
    expect(() => parseMessage('<xml><MsgType>text</MsgType><FromUserName>u</FromUserName><Content>x</Content></xml>')).toThrow(WecomXmlError);
    expect(() => parseMessage('<xml><MsgType>text</MsgType><MsgId>1</MsgId><Content>x</Content></xml>')).toThrow(WecomXmlError);
  });

  it('builds the encrypted reply envelope (EncryptMsg output) that parses and verifies', () => {
    const enc = sample.encrypt('<xml><Content>回复</Content></xml>', randomBytes(16));
    const xml = buildEncryptedReply({ encrypt: enc, msgSignature: sample.sign('1409659813', '1372623149', enc), timestamp: '1409659813', nonce: '1372623149' });
    const r = parseEncryptedReply(xml);
    expect(() => sample.verify(r.msgSignature, r.timestamp, r.nonce, r.encrypt)).not.toThrow();
    expect(sample.decrypt(r.encrypt)).toBe('<xml><Content>回复</Content></xml>');
  });
});

describe('splitMarkdown', () => {
  const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

  it('keeps text that fits in one part, and gives nothing for empty text', () => {
    expect(splitMarkdown('### 标题\n内容')).toEqual(['### 标题\n内容']);
    expect(splitMarkdown('')).toEqual([]);
  });

  it('splits on line boundaries, every part within the byte limit, no line lost', () => {
    const lines = Array.from({ length: 400 }, (_, i) => `- 第${i}户 万年县华达食品有限公司 陈营镇`);
    const parts = splitMarkdown(lines.join('\n'), 4096);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(bytes(p)).toBeLessThanOrEqual(4096);
    expect(parts.join('\n')).toBe(lines.join('\n'));
  });

  it('cuts a single overlong line between characters, never inside a UTF-8 sequence or surrogate pair', () => {
    const line = '监'.repeat(3000) + '😀'.repeat(10);
    const parts = splitMarkdown(line, 4096);
    for (const p of parts) {
      expect(bytes(p)).toBeLessThanOrEqual(4096);
      expect(p).not.toContain('\uFFFD');
      expect(Buffer.from(p, 'utf8').toString('utf8')).toBe(p);
    }
    expect(parts.join('')).toBe(line);
    expect(splitMarkdown('ab😀c', 4)).toEqual(['ab', '😀', 'c']);
  });
});

describe('renderCard', () => {
  it('renders a Card as a button_interaction template card', () => {
    const card = {
      cardId: 'pool_X_1', title: 'C类重点监管库调整待确认', description: '县市管局 李经办 提出',
      fields: [{ label: '主体', value: '万年县华达食品有限公司' }],
      buttons: [{ key: 'pool.confirm:X', label: '同意', style: 'primary' as const }, { key: 'pool.reject:X', label: '退回', style: 'danger' as const }],
    };
    expect(renderCard(card)).toEqual({
      card_type: 'button_interaction',
      main_title: { title: 'C类重点监管库调整待确认' },
      sub_title_text: '县市管局 李经办 提出',
      horizontal_content_list: [{ keyname: '主体', value: '万年县华达食品有限公司' }],
      task_id: 'pool_X_1',
      button_list: [{ text: '同意', style: 1, key: 'pool.confirm:X' }, { text: '退回', style: 3, key: 'pool.reject:X' }],
    });
    const many = { ...card, fields: Array.from({ length: 8 }, (_, i) => ({ label: `项${i}`, value: `值${i}` })) };
    const r = renderCard(many);
    expect(r.horizontal_content_list).toHaveLength(6);
    expect(r.sub_title_text).toContain('项6：值6');
    expect(() => renderCard({ ...card, buttons: [] })).toThrow(RangeError);
  });
});
