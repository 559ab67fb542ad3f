/**
 * WeCom's callback encryption (WXBizMsgCrypt), byte for byte:
 *
 * - signature: SHA-1 hex of the dictionary-sorted concatenation of
 *   token, timestamp, nonce and the Base64 ciphertext;
 * - AES-256-CBC, key = Base64(EncodingAESKey + "="), IV = the key's first 16 bytes;
 * - plaintext = 16 random bytes + 4-byte big-endian message length + message (UTF-8)
 *   + receiver id (the corp id), PKCS#7-padded to a multiple of 32 bytes (not 16).
 *
 * Everything here is pure: the caller passes the random bytes to encrypt.
 * Anything that does not decrypt to exactly that shape throws WecomCryptoError.
 */
import { createCipheriv, createDecipheriv, createHash, timingSafeEqual } from 'node:crypto';

/** WeCom pads to 32-byte blocks, not AES's 16. */
const PAD_BLOCK = 32;
const RANDOM_BYTES = 16;
const LENGTH_BYTES = 4;
const HEADER = RANDOM_BYTES + LENGTH_BYTES;

export type WecomCryptoFailure =
  | 'bad_key'
  | 'bad_signature'
  | 'bad_base64'
  | 'bad_length'
  | 'bad_padding'
  | 'truncated'
  | 'bad_utf8'
  | 'wrong_receiver';

/** Why a ciphertext or signature was refused; the message never contains key material. */
export class WecomCryptoError extends Error {
  constructor(readonly reason: WecomCryptoFailure, message: string) {
    super(message);
    this.name = 'WecomCryptoError';
  }
}

/** The 32-byte AES key from the 43-character EncodingAESKey. */
export function decodeAesKey(encodingAesKey: string): Buffer {
  if (!/^[A-Za-z0-9]{43}$/.test(encodingAesKey)) throw new WecomCryptoError('bad_key', 'EncodingAESKey must be 43 letters and digits');
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) throw new WecomCryptoError('bad_key', 'EncodingAESKey does not decode to 32 bytes');
  return key;
}

/** msg_signature: SHA-1 hex of the sorted, concatenated token, timestamp, nonce and ciphertext. */
export function signature(token: string, timestamp: string, nonce: string, encrypted: string): string {
  const joined = [token, timestamp, nonce, encrypted].sort().join('');
  return createHash('sha1').update(joined, 'utf8').digest('hex');
}

/** Compares a received signature with the expected one in constant time. */
export function signatureMatches(expected: string, received: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(received.toLowerCase(), 'utf8');
  // Both are 40 hex characters when genuine; a different length is refused without comparing.
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

/** Strict Base64: the canonical alphabet, length a multiple of 4, and it re-encodes to itself. */
function decodeBase64Strictly(text: string): Buffer {
  if (text.length === 0 || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) {
    throw new WecomCryptoError('bad_base64', 'ciphertext is not Base64');
  }
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) throw new WecomCryptoError('bad_base64', 'ciphertext is not canonical Base64');
  return bytes;
}

/** PKCS#7 to a multiple of 32: 1 to 32 bytes, each holding the pad length. */
export function pad32(data: Buffer): Buffer {
  const n = PAD_BLOCK - (data.length % PAD_BLOCK);
  return Buffer.concat([data, Buffer.alloc(n, n)]);
}

function unpad32(data: Buffer): Buffer {
  const n = data[data.length - 1];
  if (n === 0 || n > PAD_BLOCK || n > data.length) throw new WecomCryptoError('bad_padding', 'padding byte out of range');
  for (let i = data.length - n; i < data.length; i++) {
    if (data[i] !== n) throw new WecomCryptoError('bad_padding', 'padding bytes differ');
  }
  return data.subarray(0, data.length - n);
}

/**
 * Encrypts a message for `receiverId` with the given 16 random bytes (the
 * caller passes crypto.randomBytes(16); tests pass fixed bytes). Returns Base64.
 */
export function encryptMessage(aesKey: Buffer, receiverId: string, message: string, random: Buffer): string {
  if (random.length !== RANDOM_BYTES) throw new RangeError('encrypt needs exactly 16 random bytes');
  const body = Buffer.from(message, 'utf8');
  const length = Buffer.alloc(LENGTH_BYTES);
  length.writeUInt32BE(body.length, 0);
  const plain = pad32(Buffer.concat([random, length, body, Buffer.from(receiverId, 'utf8')]));
  const cipher = createCipheriv('aes-256-cbc', aesKey, aesKey.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

/** Decrypts a Base64 ciphertext into the message and the receiver id it names. */
export function decryptMessage(aesKey: Buffer, encrypted: string): { message: string; receiverId: string } {
  const data = decodeBase64Strictly(encrypted);
  if (data.length === 0 || data.length % PAD_BLOCK !== 0) {
    throw new WecomCryptoError('bad_length', `ciphertext length ${data.length} is not a multiple of ${PAD_BLOCK}`);
  }
  const decipher = createDecipheriv('aes-256-cbc', aesKey, aesKey.subarray(0, 16));
  decipher.setAutoPadding(false);
  const plain = unpad32(Buffer.concat([decipher.update(data), decipher.final()]));
  if (plain.length < HEADER) throw new WecomCryptoError('truncated', 'plaintext shorter than its header');
  const length = plain.readUInt32BE(RANDOM_BYTES);
  if (length > plain.length - HEADER) throw new WecomCryptoError('truncated', 'message length runs past the plaintext');
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  try {
    return {
      message: utf8.decode(plain.subarray(HEADER, HEADER + length)),
      receiverId: utf8.decode(plain.subarray(HEADER + length)),
    };
  } catch {
    throw new WecomCryptoError('bad_utf8', 'plaintext is not UTF-8');
  }
}

export interface WecomCryptoOptions {
  token: string;
  encodingAesKey: string;
  /** The corp id: every ciphertext we accept must name it, and every one we make does. */
  receiverId: string;
}

/** WXBizMsgCrypt for one WeCom application. */
export interface WecomCrypto {
  sign(timestamp: string, nonce: string, encrypted: string): string;
  /** Throws WecomCryptoError('bad_signature') unless the signature is right. */
  verify(msgSignature: string, timestamp: string, nonce: string, encrypted: string): void;
  encrypt(message: string, random: Buffer): string;
  /** Decrypts and checks the receiver id; throws WecomCryptoError on anything else. */
  decrypt(encrypted: string): string;
  /** VerifyURL: verify the echostr's signature, decrypt it, return the plaintext to answer. */
  verifyUrl(msgSignature: string, timestamp: string, nonce: string, echostr: string): string;
}

export function createWecomCrypto(opts: WecomCryptoOptions): WecomCrypto {
  const key = decodeAesKey(opts.encodingAesKey);
  const sign = (timestamp: string, nonce: string, encrypted: string) => signature(opts.token, timestamp, nonce, encrypted);
  const verify = (msgSignature: string, timestamp: string, nonce: string, encrypted: string) => {
    if (!signatureMatches(sign(timestamp, nonce, encrypted), msgSignature)) {
      throw new WecomCryptoError('bad_signature', 'signature does not match');
    }
  };
  const decrypt = (encrypted: string) => {
    const { message, receiverId } = decryptMessage(key, encrypted);
    if (receiverId !== opts.receiverId) throw new WecomCryptoError('wrong_receiver', 'ciphertext is for another receiver');
    return message;
  };
  return {
    sign,
    verify,
    encrypt: (message, random) => encryptMessage(key, opts.receiverId, message, random),
    decrypt,
    verifyUrl(msgSignature, timestamp, nonce, echostr) {
      verify(msgSignature, timestamp, nonce, echostr);
      return decrypt(echostr);
    },
  };
}
