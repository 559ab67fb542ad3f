/**
 * WeCom's server API, as the outbox's Sender for WeCom payloads.
 *
 * - access_token from /cgi-bin/gettoken, cached in the tokens collection (one for
 *   every process) until 5 minutes before it expires; a call answered 40014, 42001
 *   or 42009 forgets that token, fetches a new one and is tried once more.
 * - 'app': an application message to one user (text, markdown, or a
 *   button_interaction template card); 'card_update': a decided card's buttons
 *   replaced by the outcome; 'robot_markdown' / 'robot_file': group robots.
 * - Failures become SendError: network trouble, HTTP 5xx, errcode -1 (busy) and the
 *   rate limits 45009 / 45033 (retry after a minute) may be retried; anything else
 *   (a bad user, a bad robot key, a bad card) will not get better by retrying.
 * - A template card's task_id must be unique per application: a card sent again
 *   after a send whose answer was lost (a timeout after WeCom accepted it) is
 *   answered 42014, which means it was sent. task_ids longer than 128 bytes keep
 *   a digest of the whole id, so two ids cut to the same prefix stay apart.
 * - invaliduser comes back lower-cased: our userid is compared case-insensitively.
 *
 * Neither errors nor logs carry the secret, the access_token or a robot key: errors
 * name the API path only, never the URL with its query string.
 */
import { createHash, randomBytes } from 'node:crypto';
import axios, { type AxiosInstance, type AxiosRequestConfig } from 'axios';
import { parseRobotList, type Config } from '../../../src/config';
import type { Logger } from '../../../src/logger';
import type { FileRepo } from '../../../store/repos/files';
import type { TokenRepo } from '../../../store/repos/tokens';
import type { Card, CardButton } from '../../cards/card';
import type { Reply } from '../../types';
import { MediaTooLarge, SendError, type FetchedMedia, type OutboundPayload, type Sender } from '../contracts';
import { ROBOT_MARKDOWN_MAX_BYTES, splitMarkdown } from '../markdown';

export { ROBOT_MARKDOWN_MAX_BYTES, splitMarkdown } from '../markdown';

/** A group robot's image message: the picture at most 2 MB before base64. */
export const ROBOT_IMAGE_MAX_BYTES = 2 * 1024 * 1024;
/** Application messages: text and markdown content are limited to 2,048 bytes. */
export const APP_TEXT_MAX_BYTES = 2048;
/** Token refreshes start this long before WeCom's expires_in runs out. */
const TOKEN_MARGIN_S = 300;
const RATE_LIMIT_RETRY_MS = 60_000;
const TOKEN_ERRORS = new Set([40014, 42001, 42009]);
const RATE_LIMITS = new Set([45009, 45033]);
/** message/send: the template card's task_id was used before, i.e. this card was already sent. */
const TASK_ID_EXISTS = 42014;
const TASK_ID_MAX = 128;

/**
 * WeCom's task_id for a card id: only letters, digits and _-@, at most 128 bytes.
 * An id that does not fit keeps its head and ends with a digest of the whole id,
 * so the part that made it unique (often at the end) is not cut away.
 */
export function wecomTaskId(cardId: string): string {
  const clean = cardId.replace(/[^A-Za-z0-9_@-]/g, '_');
  if (clean === cardId && clean.length <= TASK_ID_MAX && clean.length > 0) return clean;
  const digest = createHash('sha256').update(cardId, 'utf8').digest('hex').slice(0, 24);
  return `${clean.slice(0, TASK_ID_MAX - digest.length - 1)}_${digest}`;
}

export interface WecomApiDeps {
  config: Config;
  tokens: TokenRepo;
  /** Where robot_file payloads find their file. */
  files: FileRepo;
  /** Defaults to axios with WECOM_API_BASE and a 10 s timeout. */
  http?: AxiosInstance;
  now: () => Date;
  log: Logger;
  /** A chat-bound group robot (`@<部门代码>`) → its webhook key, at send time (RobotService.resolveRef). */
  resolveRobot?: (ref: string) => Promise<string | undefined>;
}

export interface WecomApi extends Sender {
  /** A valid access_token, from the shared cache or freshly fetched. */
  accessToken(): Promise<string>;
  /** Creates the app's group chat (appchat/create) of these members (at least two); returns its chatid. */
  createAppChat(name: string, owner: string, members: string[]): Promise<string>;
  /** One markdown message to a robot given by its key, at once (the test message of 绑定群机器人). */
  robotMarkdown(key: string, markdown: string): Promise<void>;
  /** A picture or file a user sent (its MediaId), from media/get; MediaTooLarge past `maxBytes`. */
  fetchMedia(mediaId: string, maxBytes: number, name?: string): Promise<FetchedMedia>;
}

interface WecomBody {
  errcode: number;
  errmsg?: string;
  [k: string]: unknown;
}

/** button_interaction styles (1–4): 1 is the default, filled button; 3 the warning one. */
const BUTTON_STYLE: Record<CardButton['style'], number> = { primary: 1, default: 2, danger: 3 };
const MAX_FIELDS = 6;
const MAX_BUTTONS = 6;

/** A Card as WeCom's button_interaction template_card (task_id from cardId, see wecomTaskId). */
export function renderCard(card: Card) {
  if (card.buttons.length === 0 || card.buttons.length > MAX_BUTTONS) {
    throw new RangeError(`a WeCom button card needs 1 to ${MAX_BUTTONS} buttons, not ${card.buttons.length}`);
  }
  // WeCom shows at most six label/value rows; the rest go under the description.
  const extra = card.fields.slice(MAX_FIELDS).map((f) => `${f.label}：${f.value}`);
  const sub = [card.description, ...extra].filter(Boolean).join('\n');
  return {
    card_type: 'button_interaction' as const,
    main_title: { title: card.title },
    ...(sub ? { sub_title_text: sub } : {}),
    horizontal_content_list: card.fields.slice(0, MAX_FIELDS).map((f) => ({ keyname: f.label, value: f.value })),
    task_id: wecomTaskId(card.cardId),
    button_list: card.buttons.map((b) => ({ text: b.label, style: BUTTON_STYLE[b.style], key: b.key })),
  };
}

/** WeCom application markdown has no title field: the title leads as a bold line unless the text starts with it. */
function markdownContent(title: string, text: string): string {
  const first = text.split('\n', 1)[0];
  return title && !first.includes(title) ? `**${title}**\n${text}` : text;
}

/** A multipart/form-data body with one file part, in the shape WeCom's upload_media documents. */
function multipartFile(field: string, filename: string, contentType: string, data: Buffer) {
  const boundary = `----wecom${randomBytes(12).toString('hex')}`;
  const name = filename.replace(/["\\\r\n]/g, '_');
  const head =
    `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${name}"; filelength=${data.length}\r\n` +
    `Content-Type: ${contentType.replace(/[\r\n]/g, '')}\r\n\r\n`;
  return {
    body: Buffer.concat([Buffer.from(head, 'utf8'), data, Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8')]),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

export function wecomApi(deps: WecomApiDeps): WecomApi {
  const { config, tokens, files, now, log } = deps;
  const http = deps.http ?? axios.create({ baseURL: config.WECOM_API_BASE, timeout: 10_000 });
  const corpId = config.WECOM_CORP_ID ?? '';
  const agentId = config.WECOM_AGENT_ID ?? '';
  const cacheKey = `wecom:${corpId}:${agentId}`;
  /** Secrets that must never leave in an error message, even if WeCom echoes them. */
  const known = new Set<string>();
  if (config.WECOM_SECRET) known.add(config.WECOM_SECRET);
  /** Group robots by the name listed in WECOM_ROBOTS; payloads carry the name, the key stays here. */
  const robots = parseRobotList(config.WECOM_ROBOTS ?? '', false);
  for (const key of robots.values()) known.add(key);
  const clean = (text: string) => {
    let t = text.split(/[,，]/, 1)[0].slice(0, 80);
    for (const s of known) if (s) t = t.split(s).join('[redacted]');
    return t;
  };

  /** One HTTP exchange; anything but a JSON answer with an errcode becomes a SendError. */
  async function exchange(label: string, req: AxiosRequestConfig): Promise<WecomBody> {
    let res;
    try {
      res = await http.request({ ...req, validateStatus: () => true });
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'network error';
      throw new SendError(`wecom ${label}: ${code}`, true);
    }
    if (res.status === 429) throw new SendError(`wecom ${label}: HTTP 429`, true, RATE_LIMIT_RETRY_MS);
    if (res.status >= 500) throw new SendError(`wecom ${label}: HTTP ${res.status}`, true);
    if (res.status >= 400) throw new SendError(`wecom ${label}: HTTP ${res.status}`, false);
    const body = res.data as WecomBody | undefined;
    if (!body || typeof body !== 'object' || typeof body.errcode !== 'number') {
      throw new SendError(`wecom ${label}: answer without an errcode`, true);
    }
    return body;
  }

  function failure(label: string, body: WecomBody): SendError {
    const code = body.errcode;
    const what = `wecom ${label}: errcode ${code}${body.errmsg ? ` (${clean(String(body.errmsg))})` : ''}`;
    if (RATE_LIMITS.has(code)) return new SendError(what, true, RATE_LIMIT_RETRY_MS);
    // -1: WeCom is busy; a token error after a fresh token: try again later.
    if (code === -1 || TOKEN_ERRORS.has(code)) return new SendError(what, true);
    return new SendError(what, false);
  }

  let fetching: Promise<string> | undefined;

  async function fetchToken(): Promise<string> {
    if (!corpId || !config.WECOM_SECRET) throw new SendError('wecom: WECOM_CORP_ID and WECOM_SECRET are not configured', false);
    const body = await exchange('gettoken', { method: 'GET', url: '/cgi-bin/gettoken', params: { corpid: corpId, corpsecret: config.WECOM_SECRET } });
    const token = body.access_token;
    if (body.errcode !== 0 || typeof token !== 'string' || !token) throw failure('gettoken', body);
    known.add(token);
    const expiresIn = Number(body.expires_in) || 7200;
    const at = now();
    await tokens.put(cacheKey, token, new Date(at.getTime() + Math.max(0, expiresIn - TOKEN_MARGIN_S) * 1000), at);
    log.info('wecom access_token fetched', { corpId, agentId, validForS: expiresIn });
    return token;
  }

  async function accessToken(): Promise<string> {
    const cached = await tokens.get(cacheKey);
    if (cached && cached.expiresAt.getTime() > now().getTime()) {
      known.add(cached.value);
      return cached.value;
    }
    // One fetch at a time in this process; other processes find it in the cache.
    fetching ??= fetchToken().finally(() => {
      fetching = undefined;
    });
    return fetching;
  }

  /** An API call with the access_token; a rejected token is replaced once and the call repeated. */
  async function call(label: string, data: unknown, accept: number[] = []): Promise<WecomBody> {
    const post = (token: string) => exchange(label, { method: 'POST', url: `/cgi-bin/${label}`, params: { access_token: token }, data });
    const token = await accessToken();
    let body = await post(token);
    if (TOKEN_ERRORS.has(body.errcode)) {
      log.warn('wecom access_token rejected; fetching a new one', { api: label, errcode: body.errcode });
      await tokens.invalidate(cacheKey, token);
      body = await post(await accessToken());
    }
    if (body.errcode !== 0 && !accept.includes(body.errcode)) throw failure(label, body);
    return body;
  }

  async function robot(label: 'send' | 'upload_media', ref: string, req: AxiosRequestConfig): Promise<WecomBody> {
    // A robot bound from the chat is '@<department code>' (its key sealed in the database); one listed in WECOM_ROBOTS, its name.
    const robotKey = ref.startsWith('@') ? await deps.resolveRobot?.(ref) : robots.get(ref);
    if (!robotKey) throw new SendError(`wecom webhook/${label}: robot ${ref} is neither configured in WECOM_ROBOTS nor bound`, false);
    known.add(robotKey);
    const body = await exchange(`webhook/${label}`, { ...req, method: 'POST', url: `/cgi-bin/webhook/${label}`, params: { ...req.params, key: robotKey } });
    if (body.errcode !== 0) throw failure(`webhook/${label}`, body);
    return body;
  }

  /** Uploads a stored file as the app's temporary media (media/upload, valid three days); returns its media_id. */
  async function uploadAppFile(fileId: string): Promise<string> {
    const file = await files.get(fileId);
    if (!file) throw new SendError(`wecom media/upload: file ${fileId} is gone`, false);
    const form = multipartFile('media', file.name, file.contentType, file.data);
    const upload = async (token: string) => exchange('media/upload', {
      method: 'POST', url: '/cgi-bin/media/upload', params: { access_token: token, type: 'file' }, data: form.body, headers: { 'Content-Type': form.contentType },
    });
    const token = await accessToken();
    let body = await upload(token);
    if (TOKEN_ERRORS.has(body.errcode)) {
      await tokens.invalidate(cacheKey, token);
      body = await upload(await accessToken());
    }
    if (body.errcode !== 0) throw failure('media/upload', body);
    if (typeof body.media_id !== 'string' || !body.media_id) throw new SendError('wecom media/upload: answer without media_id', true);
    return body.media_id;
  }

  async function sendApp(toUser: string, reply: Reply): Promise<void> {
    const agentid = Number(agentId);
    const base = { touser: toUser, agentid };
    const messages: Record<string, unknown>[] = [];
    if (reply.kind === 'text') {
      for (const content of splitMarkdown(reply.text, APP_TEXT_MAX_BYTES)) messages.push({ ...base, msgtype: 'text', text: { content } });
    } else if (reply.kind === 'markdown') {
      for (const content of splitMarkdown(markdownContent(reply.title, reply.text), APP_TEXT_MAX_BYTES)) {
        messages.push({ ...base, msgtype: 'markdown', markdown: { content } });
      }
    } else if (reply.kind === 'file') {
      messages.push({ ...base, msgtype: 'file', file: { media_id: await uploadAppFile(reply.fileId) } });
    } else {
      let card;
      try {
        card = renderCard(reply.card);
      } catch (err) {
        throw new SendError(`wecom message/send: ${(err as Error).message}`, false);
      }
      messages.push({ ...base, msgtype: 'template_card', template_card: card });
    }
    for (const m of messages) {
      const body = await call('message/send', m, m.msgtype === 'template_card' ? [TASK_ID_EXISTS] : []);
      if (body.errcode === TASK_ID_EXISTS) {
        log.info('wecom card was already sent (task_id exists)', { api: 'message/send' });
        continue;
      }
      // WeCom lists invalid users lower-cased, whatever case the userid was sent in.
      const invalid = String(body.invaliduser ?? '').split('|').map((u) => u.toLowerCase());
      if (invalid.includes(toUser.toLowerCase())) throw new SendError('wecom message/send: the user cannot receive messages from this app', false);
    }
  }

  async function send(p: OutboundPayload): Promise<void> {
    if (p.platform !== 'wecom') throw new SendError(`wecom sender cannot send a ${p.platform} payload`, false);
    switch (p.kind) {
      case 'app':
        return sendApp(p.toUser, p.reply);
      case 'card_update':
        await call('message/update_template_card', {
          userids: [p.toUser],
          agentid: Number(agentId),
          response_code: p.responseCode,
          button: { replace_name: p.outcome.label },
        });
        return;
      case 'robot_markdown': {
        const bytes = Buffer.byteLength(p.markdown, 'utf8');
        if (bytes > ROBOT_MARKDOWN_MAX_BYTES) {
          throw new SendError(`wecom webhook/send: markdown of ${bytes} bytes is over ${ROBOT_MARKDOWN_MAX_BYTES}; split it with splitMarkdown`, false);
        }
        await robot('send', p.robot, { data: { msgtype: 'markdown', markdown: { content: p.markdown } } });
        return;
      }
      case 'appchat_markdown':
        await call('appchat/send', { chatid: p.chatId, msgtype: 'markdown', markdown: { content: p.markdown } });
        return;
      case 'robot_image': {
        const file = await files.get(p.fileId);
        if (!file) throw new SendError(`wecom webhook/send: image ${p.fileId} is gone`, false);
        if (file.data.length > ROBOT_IMAGE_MAX_BYTES) throw new SendError(`wecom webhook/send: image of ${file.data.length} bytes is over ${ROBOT_IMAGE_MAX_BYTES}`, false);
        const md5 = createHash('md5').update(file.data).digest('hex');
        await robot('send', p.robot, { data: { msgtype: 'image', image: { base64: file.data.toString('base64'), md5 } } });
        return;
      }
      case 'robot_file': {
        const file = await files.get(p.fileId);
        if (!file) throw new SendError(`wecom webhook/upload_media: file ${p.fileId} is gone`, false);
        const form = multipartFile('media', file.name, file.contentType, file.data);
        const uploaded = await robot('upload_media', p.robot, {
          params: { type: 'file' },
          data: form.body,
          headers: { 'Content-Type': form.contentType },
        });
        const mediaId = uploaded.media_id;
        if (typeof mediaId !== 'string' || !mediaId) throw new SendError('wecom webhook/upload_media: answer without media_id', true);
        await robot('send', p.robot, { data: { msgtype: 'file', file: { media_id: mediaId } } });
        return;
      }
    }
  }

  async function createAppChat(name: string, owner: string, members: string[]): Promise<string> {
    const body = await call('appchat/create', { name: name.slice(0, 50), owner, userlist: members });
    if (typeof body.chatid !== 'string' || !body.chatid) throw new SendError('wecom appchat/create: answer without chatid', false);
    return body.chatid;
  }

  async function robotMarkdown(key: string, markdown: string): Promise<void> {
    known.add(key);
    const body = await exchange('webhook/send', { method: 'POST', url: '/cgi-bin/webhook/send', params: { key }, data: { msgtype: 'markdown', markdown: { content: markdown } } });
    if (body.errcode !== 0) throw failure('webhook/send', body);
  }

  /**
   * 获取临时素材 (GET /cgi-bin/media/get?access_token=&media_id=): the file's bytes with its
   * Content-Type and Content-disposition filename, or a JSON errcode. A larger file than
   * `maxBytes` is not read past the limit (its Content-Length, else the bytes as they come).
   */
  async function fetchMedia(mediaId: string, maxBytes: number, name?: string): Promise<FetchedMedia> {
    const get = async (token: string) => {
      try {
        return await http.request<ArrayBuffer>({
          method: 'GET', url: '/cgi-bin/media/get', params: { access_token: token, media_id: mediaId },
          responseType: 'arraybuffer', maxContentLength: maxBytes, validateStatus: () => true,
        });
      } catch (err) {
        if (/maxContentLength/i.test((err as Error).message)) throw new MediaTooLarge(maxBytes);
        throw new SendError(`wecom media/get: ${(err as { code?: string }).code ?? 'network error'}`, true);
      }
    };
    const jsonOf = (r: { headers: Record<string, unknown>; data: ArrayBuffer }): WecomBody | undefined => {
      if (!/json|text\/plain/i.test(String(r.headers['content-type'] ?? ''))) return undefined;
      try {
        return JSON.parse(Buffer.from(r.data).toString('utf8')) as WecomBody;
      } catch {
        return undefined;
      }
    };
    const token = await accessToken();
    let res = await get(token);
    let err = jsonOf(res);
    if (err && TOKEN_ERRORS.has(err.errcode)) {
      await tokens.invalidate(cacheKey, token);
      res = await get(await accessToken());
      err = jsonOf(res);
    }
    if (res.status >= 400) throw new SendError(`wecom media/get: HTTP ${res.status}`, res.status >= 500);
    if (err) throw failure('media/get', err);
    const data = Buffer.from(res.data);
    if (data.length > maxBytes) throw new MediaTooLarge(maxBytes, data.length);
    const disposition = String(res.headers['content-disposition'] ?? '');
    const filename = /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1] ?? /filename="?([^";]+)"?/i.exec(disposition)?.[1];
    let decoded = filename;
    try {
      decoded = filename ? decodeURIComponent(filename) : undefined;
    } catch {
      // a name that is not percent-encoded stays as sent
    }
    return { name: name || decoded || 'media', contentType: String(res.headers['content-type'] ?? 'application/octet-stream'), data };
  }

  return { send, accessToken, createAppChat, robotMarkdown, fetchMedia };
}
