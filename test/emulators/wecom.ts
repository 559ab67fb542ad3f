/**
 * A local stand-in for WeCom's server (qyapi.weixin.qq.com), on a real HTTP port,
 * answering as WeCom documents it: errcodes, token expiry, the group robots'
 * 20-a-minute limit. It also builds callbacks the way WeCom's server sends them:
 * signed and encrypted with the application's token and EncodingAESKey.
 *
 * Every credential is random per emulator, so a test can look for it in logs.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWecomCrypto, type WecomCrypto } from '../../bot/channels/wecom/crypto';
import { buildEnvelope, cdata } from '../../bot/channels/wecom/xml';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const randomAlnum = (n: number) => Array.from(randomBytes(n), (b) => ALNUM[b % ALNUM.length]).join('');
const randomDigits = (n: number) => Array.from(randomBytes(n), (b) => String(b % 10)).join('');

/** WeCom's documented errcodes that the emulator answers. */
export const ERR = {
  busy: -1,
  invalidSecret: 40001,
  invalidUserId: 40003,
  invalidFileSize: 40006,
  invalidMediaId: 40007,
  invalidCorpId: 40013,
  invalidAccessToken: 40014,
  invalidAgentId: 40056,
  invalidParameter: 40058,
  missingAccessToken: 41001,
  accessTokenExpired: 42001,
  taskIdExists: 42014,
  freqOutOfLimit: 45009,
  invalidUsers: 81013,
  invalidWebhook: 93000,
} as const;

export interface WecomEmulatorOptions {
  corpId?: string;
  secret?: string;
  agentId?: string;
  token?: string;
  aesKey?: string;
  robotKeys?: string[];
  /** gettoken's expires_in, seconds (WeCom: 7200). */
  expiresIn?: number;
  /** Messages per minute per robot before 45009 (WeCom: 20). */
  robotRatePerMinute?: number;
  /** When set, message/send answers 81013 for anyone else. */
  knownUsers?: string[];
  /** The emulator's clock, epoch ms. */
  now?: () => number;
}

export interface SignedCallback {
  /** Path with query string, to POST to (or GET, for a URL verification). */
  path: string;
  query: { msg_signature: string; timestamp: string; nonce: string; echostr?: string };
  body: string;
  /** The decrypted XML, for the test's own checks. */
  plaintext: string;
}

export interface AppMessage {
  touser: string;
  msgtype: string;
  agentid: number;
  text?: { content: string };
  markdown?: { content: string };
  file?: { media_id: string };
  template_card?: {
    card_type: string;
    task_id: string;
    main_title?: { title?: string };
    sub_title_text?: string;
    horizontal_content_list?: { keyname: string; value?: string }[];
    button_list: { text: string; style?: number; key: string }[];
  };
}

interface IssuedToken {
  expiresAt: number;
  /** Set by expireTokens: the errcode this token now gets. */
  revoked?: number;
}

type Json = Record<string, unknown>;

export class WecomEmulator {
  readonly corpId: string;
  readonly secret: string;
  readonly agentId: string;
  readonly token: string;
  readonly aesKey: string;
  readonly robotKeys: string[];
  expiresIn: number;
  url = '';

  tokenFetches = 0;
  readonly messages: AppMessage[] = [];
  /** template_card task_ids already used (WeCom refuses a repeat with 42014). */
  readonly taskIds = new Set<string>();
  /** Text messages cut to 2,048 bytes. */
  truncated = 0;
  /** Users (lower-cased) outside the application's visible range: listed in invaliduser, sent nothing. */
  readonly outOfRange = new Set<string>();
  readonly cardUpdates: Json[] = [];
  readonly robotMessages: { key: string; body: Json }[] = [];
  readonly uploads: { key: string; mediaId: string; filename: string; contentType: string; data: Buffer }[] = [];
  /** Files uploaded by the application (media/upload) for file messages to users. */
  readonly appUploads: { mediaId: string; filename: string; contentType: string; data: Buffer }[] = [];
  /** The organisation the contact APIs serve, within the app's visible range (edit it to move people or let them leave). */
  readonly directory: WecomDirectory = { departments: [], users: [] };
  /** The app's group chats (appchat/create) and what was sent to each (appchat/send). */
  readonly appChats = new Map<string, { name: string; owner: string; members: string[]; messages: Json[] }>();
  /** Every request's method and path (no query string). */
  readonly requests: { method: string; path: string }[] = [];

  private readonly crypto: WecomCrypto;
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly responseCodes = new Map<string, 'issued' | 'used'>();
  private readonly robotSends = new Map<string, number[]>();
  private readonly media = new Map<string, string>(); // media_id -> robot key
  private readonly appMedia = new Set<string>();
  /** What users sent the application (pictures, files), by MediaId: served by media/get. */
  private readonly userMedia = new Map<string, { filename: string; contentType: string; data: Buffer }>();
  /** media/get calls answered (with the file or an errcode). */
  mediaGets = 0;
  private authFailures: { code: number; times: number } | undefined;
  private sendFailures: { code: number; times: number } | undefined;
  private readonly server: http.Server;
  private readonly now: () => number;
  private readonly robotRate: number;
  private readonly knownUsers?: Set<string>;
  /** message/send answers this long after taking the message (a slow network: the answer can be lost to a crash). */
  sendDelayMs = 0;

  constructor(opts: WecomEmulatorOptions = {}) {
    this.corpId = opts.corpId ?? `ww${randomBytes(8).toString('hex')}`;
    this.secret = opts.secret ?? randomAlnum(43);
    this.agentId = opts.agentId ?? '1000002';
    this.token = opts.token ?? randomAlnum(32);
    this.aesKey = opts.aesKey ?? randomAlnum(43);
    this.robotKeys = opts.robotKeys ?? [randomUuid()];
    this.expiresIn = opts.expiresIn ?? 7200;
    this.now = opts.now ?? Date.now;
    this.robotRate = opts.robotRatePerMinute ?? 20;
    this.knownUsers = opts.knownUsers ? new Set(opts.knownUsers) : undefined;
    this.crypto = createWecomCrypto({ token: this.token, encodingAesKey: this.aesKey, receiverId: this.corpId });
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: Error) => {
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end(err.message);
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Forgets the robots' per-minute counts (a new minute has begun). */
  resetRobotRate(): void {
    this.robotSends.clear();
  }

  /** The environment our config reads to talk to this emulator. */
  env(): Record<string, string> {
    return {
      WECOM_CORP_ID: this.corpId,
      WECOM_AGENT_ID: this.agentId,
      WECOM_SECRET: this.secret,
      WECOM_TOKEN: this.token,
      WECOM_AES_KEY: this.aesKey,
      WECOM_API_BASE: this.url,
    };
  }

  /** Every token issued so far now answers `code` (42001 expired, 40014 invalid, 42009 …). */
  expireTokens(code: number = ERR.accessTokenExpired): void {
    for (const t of this.tokens.values()) t.revoked = code;
  }

  /** The next `times` authenticated calls answer `code`, whatever their token. */
  failAuthNext(code: number, times = 1): void {
    this.authFailures = { code, times };
  }

  /** The next `times` message/send calls answer `code` (-1 busy, 45009 rate limit …). */
  failSendNext(code: number, times = 1): void {
    this.sendFailures = { code, times };
  }

  /** Every access_token issued so far (for tests that look for leaks). */
  issuedTokens(): string[] {
    return [...this.tokens.keys()];
  }

  // ---- callbacks, as WeCom's server builds them --------------------------------

  /** Signs and wraps any Encrypt value (genuine or deliberately broken) as WeCom would POST it. */
  signEnvelope(encrypt: string, opts: { timestamp?: string; nonce?: string; plaintext?: string } = {}): SignedCallback {
    const timestamp = opts.timestamp ?? String(Math.floor(this.now() / 1000));
    const nonce = opts.nonce ?? randomDigits(10);
    const query = { msg_signature: this.crypto.sign(timestamp, nonce, encrypt), timestamp, nonce };
    return {
      path: `/wecom/callback?${new URLSearchParams(query).toString()}`,
      query,
      body: buildEnvelope({ toUserName: this.corpId, encrypt, agentId: this.agentId }),
      plaintext: opts.plaintext ?? '',
    };
  }

  /** Encrypts a plaintext message XML and signs it. */
  callback(plaintext: string, opts: { timestamp?: string; nonce?: string } = {}): SignedCallback {
    return this.signEnvelope(this.crypto.encrypt(plaintext, randomBytes(16)), { ...opts, plaintext });
  }

  /** A user's text message to the application. */
  textCallback(m: { from: string; content: string; msgId?: string; createTime?: number; timestamp?: string }): SignedCallback {
    const createTime = m.createTime ?? Math.floor(this.now() / 1000);
    const xml =
      `<xml><ToUserName>${cdata(this.corpId)}</ToUserName><FromUserName>${cdata(m.from)}</FromUserName>` +
      `<CreateTime>${createTime}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>${cdata(m.content)}</Content>` +
      `<MsgId>${m.msgId ?? randomDigits(19)}</MsgId><AgentID>${this.agentId}</AgentID></xml>`;
    return this.callback(xml, { timestamp: m.timestamp });
  }

  /**
   * A picture or a file a user sends the application (接收消息: 图片消息 with PicUrl and MediaId;
   * 文件消息 with MediaId). With `data`, the file is kept under that MediaId for media/get
   * (temporary media live three days; `filename` is what Content-disposition names).
   */
  mediaCallback(m: { from: string; type: 'image' | 'file'; msgId?: string; createTime?: number; data?: Buffer; filename?: string; contentType?: string }): SignedCallback & { mediaId: string } {
    const createTime = m.createTime ?? Math.floor(this.now() / 1000);
    const mediaId = randomAlnum(40);
    if (m.data) {
      const filename = m.filename ?? `${mediaId}.${m.type === 'image' ? 'jpg' : 'bin'}`;
      this.userMedia.set(mediaId, { filename, contentType: m.contentType ?? (m.type === 'image' ? 'image/jpeg' : 'application/octet-stream'), data: m.data });
    }
    const extra = m.type === 'image' ? `<PicUrl>${cdata(`${this.url}/media/${randomAlnum(12)}.jpg`)}</PicUrl>` : '';
    const xml =
      `<xml><ToUserName>${cdata(this.corpId)}</ToUserName><FromUserName>${cdata(m.from)}</FromUserName>` +
      `<CreateTime>${createTime}</CreateTime><MsgType>${cdata(m.type)}</MsgType>${extra}<MediaId>${cdata(mediaId)}</MediaId>` +
      `<MsgId>${m.msgId ?? randomDigits(19)}</MsgId><AgentID>${this.agentId}</AgentID></xml>`;
    return { ...this.callback(xml), mediaId };
  }

  /** A tap on a template card's button; the ResponseCode it carries can update that card once. */
  cardEventCallback(e: { from: string; taskId: string; eventKey: string; createTime?: number; responseCode?: string }): SignedCallback & { responseCode: string } {
    const createTime = e.createTime ?? Math.floor(this.now() / 1000);
    const responseCode = e.responseCode ?? randomAlnum(40);
    if (!this.responseCodes.has(responseCode)) this.responseCodes.set(responseCode, 'issued');
    const xml =
      `<xml><ToUserName>${cdata(this.corpId)}</ToUserName><FromUserName>${cdata(e.from)}</FromUserName>` +
      `<CreateTime>${createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType>` +
      `<Event><![CDATA[template_card_event]]></Event><EventKey>${cdata(e.eventKey)}</EventKey>` +
      `<TaskId>${cdata(e.taskId)}</TaskId><CardType><![CDATA[button_interaction]]></CardType>` +
      `<ResponseCode>${cdata(responseCode)}</ResponseCode><AgentID>${this.agentId}</AgentID>` +
      `<SelectedItems></SelectedItems></xml>`;
    return { ...this.callback(xml), responseCode };
  }

  /** The GET WeCom sends when an administrator saves the callback URL. */
  verification(echo = randomDigits(19)): SignedCallback {
    const timestamp = String(Math.floor(this.now() / 1000));
    const nonce = randomDigits(10);
    const echostr = this.crypto.encrypt(echo, randomBytes(16));
    const query = { msg_signature: this.crypto.sign(timestamp, nonce, echostr), timestamp, nonce, echostr };
    return { path: `/wecom/callback?${new URLSearchParams(query).toString()}`, query, body: '', plaintext: echo };
  }

  // ---- the API ----------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (this.sendDelayMs > 0 && req.url?.startsWith('/cgi-bin/message/send?')) {
      const end = res.end.bind(res) as (...a: unknown[]) => void;
      const delay = this.sendDelayMs;
      res.end = ((...a: unknown[]) => { setTimeout(() => end(...a), delay); return res; }) as typeof res.end;
    }
    const url = new URL(req.url ?? '/', 'http://emulator');
    const body = await readAll(req);
    this.requests.push({ method: req.method ?? '', path: url.pathname });
    const answer = (json: Json) => {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(json));
    };
    const error = (errcode: number, errmsg: string) => answer({ errcode, errmsg });
    const route = `${req.method} ${url.pathname}`;

    if (route === 'GET /cgi-bin/gettoken') return answer(this.getToken(url.searchParams));
    if (route === 'GET /cgi-bin/media/get') {
      // 获取临时素材 (developer.work.weixin.qq.com/document/path/90254): the file itself, with
      // Content-Type and Content-disposition; a bad media_id is 40007 as JSON.
      this.mediaGets++;
      const auth = this.authenticate(url.searchParams.get('access_token'));
      if (auth) return answer(auth);
      const media = this.userMedia.get(url.searchParams.get('media_id') ?? '') ?? [...this.appUploads].reverse().find((u) => u.mediaId === url.searchParams.get('media_id'));
      if (!media) return error(ERR.invalidMediaId, 'invalid media_id');
      res.writeHead(200, {
        'Content-Type': media.contentType, 'Content-Length': String(media.data.length),
        'Content-disposition': `attachment; filename="${media.filename.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(media.filename)}`,
      }).end(media.data);
      return;
    }
    if (route === 'POST /cgi-bin/webhook/send') return answer(this.webhookSend(url.searchParams, body));
    if (route === 'GET /cgi-bin/department/list' || route === 'GET /cgi-bin/user/list') return answer(this.authenticate(url.searchParams.get('access_token')) ?? wecomDirectoryAnswer(this.directory, route, url.searchParams));
    if (route === 'POST /cgi-bin/appchat/create' || route === 'POST /cgi-bin/appchat/send') return answer(this.authenticate(url.searchParams.get('access_token')) ?? appChatAnswer(this.appChats, route, body, this.knownUsers));
    if (route === 'POST /cgi-bin/webhook/upload_media') return answer(this.uploadMedia(url.searchParams, req.headers['content-type'] ?? '', body));
    if (route === 'POST /cgi-bin/media/upload') {
      const auth = this.authenticate(url.searchParams.get('access_token'));
      return answer(auth ?? this.uploadAppMedia(url.searchParams, req.headers['content-type'] ?? '', body));
    }

    if (route === 'POST /cgi-bin/message/send' || route === 'POST /cgi-bin/message/update_template_card') {
      const auth = this.authenticate(url.searchParams.get('access_token'));
      if (auth) return answer(auth);
      let json: Json;
      try {
        json = JSON.parse(body.toString('utf8')) as Json;
      } catch {
        return error(ERR.invalidParameter, 'invalid json');
      }
      return answer(route.endsWith('/send') ? this.messageSend(json) : this.updateCard(json));
    }
    res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ errcode: 404, errmsg: 'not found' }));
  }

  private getToken(q: URLSearchParams): Json {
    if (q.get('corpid') !== this.corpId) return { errcode: ERR.invalidCorpId, errmsg: 'invalid corpid' };
    if (q.get('corpsecret') !== this.secret) return { errcode: ERR.invalidSecret, errmsg: 'invalid credential' };
    this.tokenFetches++;
    const token = randomAlnum(64);
    this.tokens.set(token, { expiresAt: this.now() + this.expiresIn * 1000 });
    return { errcode: 0, errmsg: 'ok', access_token: token, expires_in: this.expiresIn };
  }

  private authenticate(token: string | null): Json | undefined {
    if (this.authFailures && this.authFailures.times > 0) {
      this.authFailures.times--;
      return { errcode: this.authFailures.code, errmsg: 'access_token rejected' };
    }
    if (!token) return { errcode: ERR.missingAccessToken, errmsg: 'access_token missing' };
    const t = this.tokens.get(token);
    if (!t) return { errcode: ERR.invalidAccessToken, errmsg: 'invalid access_token' };
    if (t.revoked) return { errcode: t.revoked, errmsg: 'access_token expired' };
    if (t.expiresAt <= this.now()) return { errcode: ERR.accessTokenExpired, errmsg: 'access_token expired' };
    return undefined;
  }

  private messageSend(m: Json): Json {
    if (this.sendFailures && this.sendFailures.times > 0) {
      this.sendFailures.times--;
      return { errcode: this.sendFailures.code, errmsg: this.sendFailures.code === ERR.busy ? 'system busy' : 'api freq out of limit' };
    }
    if (m.agentid !== Number(this.agentId)) return { errcode: ERR.invalidAgentId, errmsg: 'invalid agentid' };
    const users = typeof m.touser === 'string' ? m.touser.split('|') : [];
    if (users.length === 0 || users.some((u) => !/^[A-Za-z0-9_.@-]{1,64}$/.test(u))) return { errcode: ERR.invalidUserId, errmsg: 'invalid userid' };
    if (this.knownUsers && users.every((u) => !this.knownUsers!.has(u))) {
      return { errcode: ERR.invalidUsers, errmsg: 'user & party & tag all invalid' };
    }
    // WeCom userids are case-insensitive, and invaliduser lists them lower-cased (发送应用消息, 返回结果):
    // unknown users, and users outside the application's visible range.
    const unreachable = (u: string) => (this.knownUsers ? !this.knownUsers.has(u) : false) || this.outOfRange.has(u.toLowerCase());
    const invalid = users.filter(unreachable).map((u) => u.toLowerCase());
    const problem = this.checkContent(m);
    if (problem) return { errcode: ERR.invalidParameter, errmsg: problem };
    // template_card.task_id: "同一个应用任务id不能重复" (发送应用消息, 模板卡片消息); a repeat is refused.
    const taskId = m.msgtype === 'template_card' ? (m.template_card as AppMessage['template_card'])?.task_id : undefined;
    if (taskId !== undefined) {
      if (this.taskIds.has(taskId)) return { errcode: ERR.taskIdExists, errmsg: 'task_id exists' };
      this.taskIds.add(taskId);
    }
    // text.content: "最长不超过2048个字节，超过将截断" (发送应用消息, 文本消息): cut, not refused.
    if (m.msgtype === 'text') {
      const t = m.text as Json;
      const raw = Buffer.from(String(t.content), 'utf8');
      if (raw.length > 2048) {
        t.content = new TextDecoder('utf-8', { fatal: false }).decode(raw.subarray(0, 2048)).replace(/\uFFFD+$/, '');
        this.truncated++;
      }
    }
    if (invalid.length < users.length) this.messages.push(m as unknown as AppMessage);
    return { errcode: 0, errmsg: 'ok', invaliduser: invalid.join('|'), msgid: randomAlnum(24) };
  }

  private checkContent(m: Json): string | undefined {
    const bytes = (s: unknown) => (typeof s === 'string' ? Buffer.byteLength(s, 'utf8') : -1);
    if (m.msgtype === 'text') {
      const n = bytes((m.text as Json | undefined)?.content);
      return n <= 0 ? 'text.content missing' : undefined;
    }
    if (m.msgtype === 'markdown') {
      const n = bytes((m.markdown as Json | undefined)?.content);
      return n <= 0 ? 'markdown.content missing' : n > 2048 ? 'markdown.content exceed max length 2048' : undefined;
    }
    if (m.msgtype === 'template_card') {
      const c = m.template_card as AppMessage['template_card'];
      if (!c || c.card_type !== 'button_interaction') return 'template_card.card_type must be button_interaction';
      if (!c.main_title?.title && !c.sub_title_text) return 'template_card needs main_title.title or sub_title_text';
      if (typeof c.task_id !== 'string' || !/^[A-Za-z0-9_\-@]{1,128}$/.test(c.task_id)) return 'invalid task_id';
      if (!Array.isArray(c.button_list) || c.button_list.length < 1 || c.button_list.length > 6) return 'button_list must have 1 to 6 buttons';
      if (c.button_list.some((b) => !b.text || !b.key || bytes(b.key) > 1024)) return 'invalid button';
      if ((c.horizontal_content_list ?? []).length > 6 || (c.horizontal_content_list ?? []).some((h) => !h.keyname)) return 'invalid horizontal_content_list';
      return undefined;
    }
    if (m.msgtype === 'file') {
      const id = (m.file as Json | undefined)?.media_id;
      return typeof id === 'string' && this.appMedia.has(id) ? undefined : 'invalid media_id';
    }
    return `msgtype ${String(m.msgtype)} not supported here`;
  }

  /** The application's temporary media (media/upload): what a file message refers to by media_id. */
  private uploadAppMedia(q: URLSearchParams, contentType: string, raw: Buffer): Json {
    if (!['file', 'image', 'voice', 'video'].includes(q.get('type') ?? '')) return { errcode: 40004, errmsg: 'invalid media type' };
    const part = parseMultipart(contentType, raw).find((p) => p.name === 'media');
    if (!part || !part.filename) return { errcode: ERR.invalidParameter, errmsg: 'media part missing' };
    if (part.data.length <= 5 || part.data.length > 20 * 1024 * 1024) return { errcode: ERR.invalidFileSize, errmsg: 'invalid file size' };
    const mediaId = randomAlnum(48);
    this.appMedia.add(mediaId);
    this.appUploads.push({ mediaId, filename: part.filename, contentType: part.contentType, data: part.data });
    return { errcode: 0, errmsg: 'ok', type: 'file', media_id: mediaId, created_at: String(Math.floor(this.now() / 1000)) };
  }

  private updateCard(m: Json): Json {
    if (m.agentid !== Number(this.agentId)) return { errcode: ERR.invalidAgentId, errmsg: 'invalid agentid' };
    const code = typeof m.response_code === 'string' ? m.response_code : '';
    if (this.responseCodes.get(code) !== 'issued') return { errcode: ERR.invalidParameter, errmsg: 'invalid response_code' };
    if (!(m.button as Json | undefined)?.replace_name && !m.template_card) return { errcode: ERR.invalidParameter, errmsg: 'button.replace_name or template_card required' };
    this.responseCodes.set(code, 'used');
    this.cardUpdates.push(m);
    return { errcode: 0, errmsg: 'ok', invaliduser: [] };
  }

  private robot(q: URLSearchParams): string | undefined {
    const key = q.get('key') ?? '';
    return this.robotKeys.includes(key) ? key : undefined;
  }

  private webhookSend(q: URLSearchParams, raw: Buffer): Json {
    const key = this.robot(q);
    if (!key) return { errcode: ERR.invalidWebhook, errmsg: 'invalid webhook url' };
    const now = this.now();
    const recent = (this.robotSends.get(key) ?? []).filter((t) => t > now - 60_000);
    if (recent.length >= this.robotRate) {
      this.robotSends.set(key, recent);
      return { errcode: ERR.freqOutOfLimit, errmsg: 'api freq out of limit' };
    }
    let m: Json;
    try {
      m = JSON.parse(raw.toString('utf8')) as Json;
    } catch {
      return { errcode: ERR.invalidParameter, errmsg: 'invalid json' };
    }
    if (m.msgtype === 'markdown') {
      const content = (m.markdown as Json | undefined)?.content;
      if (typeof content !== 'string' || !content) return { errcode: ERR.invalidParameter, errmsg: 'markdown.content missing' };
      if (Buffer.byteLength(content, 'utf8') > 4096) return { errcode: ERR.invalidParameter, errmsg: 'markdown.content exceed max length 4096' };
    } else if (m.msgtype === 'file') {
      const id = (m.file as Json | undefined)?.media_id;
      if (typeof id !== 'string' || this.media.get(id) !== key) return { errcode: ERR.invalidMediaId, errmsg: 'invalid media_id' };
    } else if (m.msgtype === 'text') {
      if (!(m.text as Json | undefined)?.content) return { errcode: ERR.invalidParameter, errmsg: 'text.content missing' };
    } else if (m.msgtype === 'image') {
      // As WeCom documents it: base64 of a JPG or PNG of at most 2 MB, and the MD5 of the picture before encoding.
      const img = m.image as Json | undefined;
      const data = typeof img?.base64 === 'string' ? Buffer.from(img.base64, 'base64') : Buffer.alloc(0);
      if (data.length === 0) return { errcode: ERR.invalidParameter, errmsg: 'image.base64 missing' };
      if (data.length > 2 * 1024 * 1024) return { errcode: ERR.invalidParameter, errmsg: 'image size exceed 2M' };
      const png = data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      const jpg = data[0] === 0xff && data[1] === 0xd8;
      if (!png && !jpg) return { errcode: ERR.invalidParameter, errmsg: 'image must be jpg or png' };
      if (img?.md5 !== createHash('md5').update(data).digest('hex')) return { errcode: ERR.invalidParameter, errmsg: 'image md5 mismatch' };
    } else {
      return { errcode: ERR.invalidParameter, errmsg: `msgtype ${String(m.msgtype)} not supported here` };
    }
    recent.push(now);
    this.robotSends.set(key, recent);
    this.robotMessages.push({ key, body: m });
    return { errcode: 0, errmsg: 'ok' };
  }

  private uploadMedia(q: URLSearchParams, contentType: string, raw: Buffer): Json {
    const key = this.robot(q);
    if (!key) return { errcode: ERR.invalidWebhook, errmsg: 'invalid webhook url' };
    if (q.get('type') !== 'file' && q.get('type') !== 'voice') return { errcode: 40004, errmsg: 'invalid media type' };
    const part = parseMultipart(contentType, raw).find((p) => p.name === 'media');
    if (!part || !part.filename) return { errcode: ERR.invalidParameter, errmsg: 'media part missing' };
    if (part.data.length <= 5 || part.data.length > 20 * 1024 * 1024) return { errcode: ERR.invalidFileSize, errmsg: 'invalid file size' };
    const mediaId = randomAlnum(48);
    this.media.set(mediaId, key);
    this.uploads.push({ key, mediaId, filename: part.filename, contentType: part.contentType, data: part.data });
    return { errcode: 0, errmsg: 'ok', type: 'file', media_id: mediaId, created_at: String(Math.floor(this.now() / 1000)) };
  }
}

function randomUuid(): string {
  const h = randomBytes(16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function readAll(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A small multipart/form-data reader: enough for upload_media. */
export function parseMultipart(contentType: string, body: Buffer): { name: string; filename?: string; contentType: string; data: Buffer }[] {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!/^multipart\/form-data/i.test(contentType) || !m) return [];
  const delimiter = Buffer.from(`--${m[1] ?? m[2]}`);
  const parts = [];
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next === -1) break;
    const chunk = body.subarray(start + delimiter.length + 2, next - 2); // skip CRLF after the delimiter and before the next
    const split = chunk.indexOf('\r\n\r\n');
    if (split !== -1) {
      const head = chunk.subarray(0, split).toString('utf8');
      const name = /[;\s]name="([^"]*)"/i.exec(head)?.[1] ?? '';
      const filename = /filename="([^"]*)"/i.exec(head)?.[1];
      const type = /content-type:\s*([^\r\n]+)/i.exec(head)?.[1] ?? 'application/octet-stream';
      parts.push({ name, filename, contentType: type, data: Buffer.from(chunk.subarray(split + 4)) });
    }
    start = next;
  }
  return parts;
}

// ---- the contacts (通讯录) APIs ----------------------------------------------------

/**
 * The organisation within the application's visible range, served as documented:
 * - GET /cgi-bin/department/list?access_token=&id= → {errcode: 0, department: [{id,
 *   name, parentid, order, department_leader}]}: the department and all below it,
 *   or everything visible without id (developer.work.weixin.qq.com/document/path/90208).
 * - GET /cgi-bin/user/list?access_token=&department_id= → {errcode: 0, userlist: [{userid,
 *   name, department, main_department, mobile, status, …}]}: the members directly in
 *   that department; status 1 active, 2 disabled, 4 not activated, 5 left
 *   (developer.work.weixin.qq.com/document/path/90201). WeCom does not page this
 *   answer (fetch_child is no longer honoured); an unknown department is 60003.
 */
export interface WecomDirectory {
  departments: { id: number; name: string; parentid: number; order?: number }[];
  users: { userid: string; name: string; department: number[]; main_department?: number; mobile?: string; status?: number }[];
}

function wecomDirectoryAnswer(dir: WecomDirectory, route: string, q: URLSearchParams): Json {
  if (route === 'GET /cgi-bin/department/list') {
    const id = q.get('id');
    if (!id) return { errcode: 0, errmsg: 'ok', department: dir.departments.map((d) => ({ order: 0, department_leader: [], ...d })) };
    const under = new Set([Number(id)]);
    for (let grown = true; grown;) {
      grown = false;
      for (const d of dir.departments) if (under.has(d.parentid) && !under.has(d.id)) { under.add(d.id); grown = true; }
    }
    return { errcode: 0, errmsg: 'ok', department: dir.departments.filter((d) => under.has(d.id)).map((d) => ({ order: 0, department_leader: [], ...d })) };
  }
  const deptId = Number(q.get('department_id'));
  if (!dir.departments.some((d) => d.id === deptId)) return { errcode: 60003, errmsg: 'department not found' };
  const userlist = dir.users.filter((u) => u.department.includes(deptId)).map((u) => ({ status: 1, main_department: u.department[0], ...u }));
  return { errcode: 0, errmsg: 'ok', userlist };
}

// ---- the application's group chats (群聊会话) -------------------------------------------

/**
 * As documented (developer.work.weixin.qq.com/document/path/90245, /90248):
 * POST /cgi-bin/appchat/create {name, owner, userlist, chatid?} → {errcode: 0, chatid}:
 * userlist holds 2 to 2000 members (86216 otherwise), unknown members are 60111,
 * an owner outside the list is 86215; POST /cgi-bin/appchat/send {chatid, msgtype,
 * text|markdown|file…}: an unknown chatid is 86003.
 */
function appChatAnswer(chats: Map<string, { name: string; owner: string; members: string[]; messages: Json[] }>, route: string, raw: Buffer, known?: Set<string>): Json {
  let m: Json;
  try {
    m = JSON.parse(raw.toString('utf8')) as Json;
  } catch {
    return { errcode: ERR.invalidParameter, errmsg: 'invalid json' };
  }
  if (route === 'POST /cgi-bin/appchat/create') {
    const members = Array.isArray(m.userlist) ? (m.userlist as unknown[]).map(String) : [];
    if (members.length < 2 || members.length > 2000) return { errcode: 86216, errmsg: 'invalid chat member count' };
    if (known && members.some((u) => !known.has(u))) return { errcode: 60111, errmsg: 'userid not found' };
    const owner = typeof m.owner === 'string' && m.owner ? m.owner : members[0]!;
    if (!members.includes(owner)) return { errcode: 86215, errmsg: 'chat owner not in member list' };
    const chatid = typeof m.chatid === 'string' && m.chatid ? m.chatid : randomBytes(8).toString('hex');
    chats.set(chatid, { name: String(m.name ?? ''), owner, members, messages: [] });
    return { errcode: 0, errmsg: 'ok', chatid };
  }
  const chat = chats.get(String(m.chatid ?? ''));
  if (!chat) return { errcode: 86003, errmsg: 'chat not exist' };
  const content = (m.markdown as Json | undefined)?.content ?? (m.text as Json | undefined)?.content;
  if (typeof content !== 'string' || !content) return { errcode: ERR.invalidParameter, errmsg: 'content missing' };
  chat.messages.push(m);
  return { errcode: 0, errmsg: 'ok' };
}
