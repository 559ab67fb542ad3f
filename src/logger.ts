/**
 * A one-line JSON logger. Values under keys that look secret are never written,
 * at any depth, and credentials inside URIs are removed from every string.
 */
type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
/** Words that make a key secret wherever they appear in it (corpSecret, access_token, encodingAESKey). */
const SECRET_PART = /secret|token|password|passwd|pwd|aeskey|credential|authorization|cookie/i;
/** Words that make a key secret only as a whole word of it (sign, msg_signature — not signal or design). */
const SECRET_WORD = new Set(['sign', 'signature', 'msgsignature']);

/** True for a field or query-parameter name that carries a credential. */
export function isSecretName(name: string): boolean {
  if (SECRET_PART.test(name) || /key$/i.test(name)) return true;
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  return words.some((w) => SECRET_WORD.has(w));
}
/** Nesting beyond this is cut: a log line is not a dump. */
const MAX_DEPTH = 6;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/**
 * Removes credentials from every URI in a text, such as mongodb://user:pass@host/.
 * Everything up to the last '@' of the authority goes, so a password with an
 * unescaped '@' leaves nothing behind.
 */
export function redactUri(text: string): string {
  return text.replace(/\/\/[^/\s]*@/g, '//***@');
}

/** Query parameters that carry credentials, as in WeCom's ?access_token= or ?corpsecret=. */
const QUERY_PARAM = /([?&])([^=&\s#]+)=([^&#\s]*)/g;

/** A text with credentials removed from URIs and their query strings. */
export function redactText(text: string): string {
  return redactUri(text).replace(QUERY_PARAM, (all, sep: string, name: string) => (isSecretName(name) ? `${sep}${name}=[redacted]` : all));
}

/** A copy of a value that is safe to print: secrets redacted, URIs cleaned, errors and cycles handled. */
function scrub(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value;
  if (value instanceof Error) return redactText(`${value.name}: ${value.message}`);
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[…]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1, seen));
    const out = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of Object.entries(value)) out[k] = isSecretName(k) ? '[redacted]' : scrub(v, depth + 1, seen);
    return out;
  } finally {
    seen.delete(value);
  }
}

export function createLogger(level: Level = 'info', write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Logger {
  const log = (l: Level) => (msg: string, fields: Record<string, unknown> = {}) => {
    if (ORDER[l] < ORDER[level]) return;
    const line: Record<string, unknown> = { t: new Date().toISOString(), level: l, msg: redactText(msg) };
    // A field never overwrites the time, level or message: it is kept as _t, _level, _msg.
    for (const [k, v] of Object.entries(scrub(fields, 0, new WeakSet()) as Record<string, unknown>)) line[Object.hasOwn(line, k) ? `_${k}` : k] = v;
    write(JSON.stringify(line));
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
