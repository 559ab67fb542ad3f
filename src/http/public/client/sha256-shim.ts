/**
 * Stands in for `node:crypto` in the browser bundle. The draw's domain code asks
 * for SHA-256 synchronously; WebCrypto answers asynchronously. So the browser
 * runs the domain's verification, notes every text it had no digest for
 * (answering a placeholder), computes those with WebCrypto, and runs again until
 * nothing is missing (see verify.ts). Only SHA-256 over UTF-8 text, hex output.
 */
const known = new Map<string, string>();
const missing = new Set<string>();

const PLACEHOLDER = '0'.repeat(64);

export function createHash(algorithm: string) {
  if (algorithm !== 'sha256') throw new Error(`unsupported hash ${algorithm}`);
  let text = '';
  const h = {
    update(s: string) {
      text += s;
      return h;
    },
    digest() {
      const d = known.get(text);
      if (d !== undefined) return d;
      missing.add(text);
      return PLACEHOLDER;
    },
  };
  return h;
}

async function sha256Hex(text: string): Promise<string> {
  const buf = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Computes the digests the last run asked for; false when none were missing. */
export async function fillMissing(): Promise<boolean> {
  if (missing.size === 0) return false;
  const texts = [...missing];
  missing.clear();
  for (const t of texts) known.set(t, await sha256Hex(t));
  return true;
}

export function forget(): void {
  known.clear();
  missing.clear();
}

export default { createHash };
