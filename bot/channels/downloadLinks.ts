/**
 * Signed, expiring links to the files we send (full lists as xlsx): made for
 * DingTalk groups, whose robots cannot send files, and checked by the file route.
 */
import { createHmac } from 'node:crypto';
import type { Config } from '../../src/config';

/** Hex HMAC-SHA256(secret, id + "." + exp) of a download link; exp is epoch seconds. */
export function downloadSignature(secret: string, fileId: string, expSeconds: number): string {
  return createHmac('sha256', secret).update(`${fileId}.${expSeconds}`, 'utf8').digest('hex');
}

/**
 * `${PUBLIC_BASE_URL}/files/<id>?exp=<epoch s>&sig=<hex HMAC-SHA256(DOWNLOAD_SECRET, id + "." + exp)>`,
 * valid for DOWNLOAD_TTL_HOURS from `now`. The link is a credential: do not log it.
 */
export function downloadLink(config: Pick<Config, 'PUBLIC_BASE_URL' | 'DOWNLOAD_SECRET' | 'DOWNLOAD_TTL_HOURS'>, fileId: string, now: Date): string {
  if (!config.PUBLIC_BASE_URL || !config.DOWNLOAD_SECRET) throw new Error('PUBLIC_BASE_URL and DOWNLOAD_SECRET are needed for download links');
  const exp = Math.floor(now.getTime() / 1000) + config.DOWNLOAD_TTL_HOURS * 3600;
  return `${trimSlash(config.PUBLIC_BASE_URL)}/files/${encodeURIComponent(fileId)}?exp=${exp}&sig=${downloadSignature(config.DOWNLOAD_SECRET, fileId, exp)}`;
}

const trimSlash = (s: string) => s.replace(/\/+$/, '');
