/**
 * GET /files/:id?exp=&sig=: a stored file (a full list sent to a DingTalk
 * group as a link, since group robots cannot send files), for whoever holds a
 * link signed by api.ts's signedDownloadUrl. The signature is checked in
 * constant time before anything else, then the link's expiry, then the file:
 * a forged or mangled link → 403, an expired one → 410, an unknown or purged
 * file → 404. When DOWNLOAD_SECRET is not configured the route answers 404.
 */
import Router from '@koa/router';
import type { Config } from '../../../src/config';
import type { FileRepo } from '../../../store/repos/files';
import { downloadSignature } from '../downloadLinks';
import { safeEqual } from './sign';

export interface DownloadRouteDeps {
  config: Pick<Config, 'DOWNLOAD_SECRET'>;
  files: FileRepo;
  now: () => Date;
}

/**
 * A Content-Disposition for a file name in any script: an ASCII fallback for
 * old clients and the exact name as RFC 5987 `filename*=UTF-8''…`.
 */
export function contentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_') || 'download';
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

export function downloadRoute({ config, files, now }: DownloadRouteDeps) {
  const router = new Router();
  router.get('/files/:id', async (ctx) => {
    const secret = config.DOWNLOAD_SECRET;
    if (!secret) {
      ctx.status = 404;
      return;
    }
    const refuse = (status: number, reason: string) => {
      ctx.status = status;
      ctx.type = 'text/plain';
      ctx.body = reason;
    };
    const id = ctx.params.id;
    const exp = typeof ctx.query.exp === 'string' ? ctx.query.exp : '';
    const sig = typeof ctx.query.sig === 'string' ? ctx.query.sig : '';
    if (!/^\d{1,12}$/.test(exp) || !/^[0-9a-f]{64}$/.test(sig) || id.length > 64) return refuse(403, 'invalid link');
    if (!safeEqual(sig, downloadSignature(secret, id, Number(exp)))) return refuse(403, 'invalid link');
    const at = now().getTime();
    if (at > Number(exp) * 1000) return refuse(410, 'link expired');
    const file = await files.get(id);
    if (!file) return refuse(404, 'file not found');
    if (file.expiresAt.getTime() < at) return refuse(410, 'file expired');

    ctx.status = 200;
    // A picture (a circular's chart in a DingTalk markdown message) is shown where it is linked.
    ctx.set('Content-Disposition', file.contentType === 'image/png' ? 'inline' : contentDisposition(file.name));
    ctx.set('Cache-Control', 'private, no-store');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.body = file.data;
    ctx.type = file.contentType;
  });
  return router.routes();
}
