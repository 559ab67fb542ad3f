/**
 * DINGTALK_MODE=stream: instead of DingTalk calling our public URL, the server
 * connects out to DingTalk's Stream gateway and receives robot messages and
 * card taps over a WebSocket (for a county server on an intranet that cannot
 * expose a public HTTPS callback). The documented Stream protocol, as the
 * official dingtalk-stream SDKs speak it (their endpoint is fixed to DingTalk's
 * host, so they cannot be pointed at a test gateway):
 *
 * 1. POST {DINGTALK_API_BASE}/v1.0/gateway/connections/open
 *    {clientId: AppKey, clientSecret: AppSecret, subscriptions: [{type:'CALLBACK', topic}…], ua, localIp}
 *    → {endpoint, ticket}.
 * 2. WebSocket to `<endpoint>?ticket=<ticket>`.
 * 3. Frames are JSON {specVersion, type: SYSTEM|EVENT|CALLBACK, headers: {messageId, topic, …}, data: "<JSON>"}.
 *    Each is acknowledged with {code: 200, headers: {contentType, messageId}, message: 'OK', data: "<JSON>"};
 *    SYSTEM `ping` is answered with its own data; SYSTEM `disconnect` means: connect again.
 *    CALLBACK `/v1.0/im/bot/messages/get` carries the robot message (the HTTP callback's body),
 *    CALLBACK `/v1.0/card/instances/callback` a card tap (the HTTP card callback's body).
 *
 * A message is acknowledged only once the inbox has recorded it (by msgId, so a
 * redelivery, to this or any other process holding a stream, is processed
 * once); when the database cannot record it the frame is answered 500 and
 * DingTalk delivers it again. The connection is opened again after any close,
 * with a backoff from 1 s doubling to 60 s (reset once a connection opens).
 * The frames are not signed: the connection itself is authenticated by the
 * ticket, which the gateway hands out only for the app's own key and secret.
 * Nothing secret (secret, ticket) and no message content is ever logged.
 */
import os from 'node:os';
import axios from 'axios';
import WebSocket from 'ws';
import type { Config } from '../../../src/config';
import type { Logger } from '../../../src/logger';
import type { DingtalkRepo } from '../../../store/repos/dingtalk';
import type { Inbox } from '../contracts';
import { parseCardTap, parseMessage } from './callback';

export const ROBOT_TOPIC = '/v1.0/im/bot/messages/get';
export const CARD_TOPIC = '/v1.0/card/instances/callback';
const MIN_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 60_000;

export interface DingtalkStreamDeps {
  config: Config;
  inbox: Inbox;
  dingtalk: DingtalkRepo;
  log: Logger;
}

interface Frame {
  specVersion?: string;
  type?: string;
  headers?: Record<string, string>;
  data?: string;
}

export function startDingtalkStream({ config, inbox, dingtalk, log }: DingtalkStreamDeps) {
  const apiBase = config.DINGTALK_API_BASE.replace(/\/+$/, '');
  let socket: WebSocket | undefined;
  let stopped = false;
  let backoff = MIN_BACKOFF_MS;
  let timer: NodeJS.Timeout | undefined;
  let connections = 0;

  function ack(ws: WebSocket, messageId: string, code: number, data: unknown): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(JSON.stringify({ code, headers: { contentType: 'application/json', messageId }, message: code === 200 ? 'OK' : 'error', data: JSON.stringify(data) }));
  }

  async function onFrame(ws: WebSocket, raw: string): Promise<void> {
    let frame: Frame;
    try {
      frame = JSON.parse(raw) as Frame;
    } catch {
      log.warn('dingtalk stream frame is not JSON');
      return;
    }
    const headers = frame.headers ?? {};
    const messageId = String(headers.messageId ?? '');
    const topic = String(headers.topic ?? '');
    if (frame.type === 'SYSTEM') {
      if (topic === 'ping') return ack(ws, messageId, 200, safeJson(frame.data));
      if (topic === 'disconnect') {
        log.info('dingtalk stream asked to reconnect');
        ws.close();
      }
      return;
    }
    if (frame.type !== 'CALLBACK' || (topic !== ROBOT_TOPIC && topic !== CARD_TOPIC)) {
      // Not ours to handle: acknowledged, so the gateway does not keep resending it.
      return ack(ws, messageId, 200, { response: null });
    }
    const body = safeJson(frame.data);
    try {
      const parsed = topic === ROBOT_TOPIC ? parseMessage(body) : await parseCardTap(body, dingtalk);
      if (!parsed.ok) {
        log.warn('dingtalk stream message refused', { topic, reason: parsed.reason });
        return ack(ws, messageId, 400, { response: null });
      }
      const outcome = await inbox.accept(parsed.msg);
      log.info('dingtalk stream message received', { topic, msgId: parsed.msg.msgId, outcome });
      ack(ws, messageId, 200, { response: topic === CARD_TOPIC ? {} : null });
    } catch (err) {
      // Not recorded: DingTalk delivers it again.
      log.error('dingtalk stream message could not be recorded', { topic, error: err });
      ack(ws, messageId, 500, { response: null });
    }
  }

  async function open(): Promise<{ endpoint: string; ticket: string }> {
    const r = await axios.post(
      `${apiBase}/v1.0/gateway/connections/open`,
      {
        clientId: config.DINGTALK_APP_KEY,
        clientSecret: config.DINGTALK_APP_SECRET,
        subscriptions: [{ type: 'CALLBACK', topic: ROBOT_TOPIC }, { type: 'CALLBACK', topic: CARD_TOPIC }],
        ua: 'wannian-supervision-bot',
        localIp: localIp(),
      },
      { timeout: 10_000, validateStatus: () => true, headers: { 'Content-Type': 'application/json' } },
    );
    const data = (r.data ?? {}) as { endpoint?: unknown; ticket?: unknown; code?: unknown };
    if (r.status !== 200 || typeof data.endpoint !== 'string' || typeof data.ticket !== 'string') {
      throw new Error(`connections/open: HTTP ${r.status}${typeof data.code === 'string' ? ` ${data.code}` : ''}`);
    }
    return { endpoint: data.endpoint, ticket: data.ticket };
  }

  function again(reason: string): void {
    socket = undefined;
    if (stopped) return;
    log.warn(`dingtalk stream: ${reason}; connecting again in ${Math.round(backoff / 1000)} s`);
    timer = setTimeout(() => void connect(), backoff);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }

  async function connect(): Promise<void> {
    if (stopped) return;
    let target: { endpoint: string; ticket: string };
    try {
      target = await open();
    } catch (err) {
      return again((err as Error).message);
    }
    const ws = new WebSocket(`${target.endpoint}?ticket=${encodeURIComponent(target.ticket)}`, { handshakeTimeout: 10_000 });
    socket = ws;
    let opened = false;
    ws.on('open', () => {
      opened = true;
      connections++;
      backoff = MIN_BACKOFF_MS;
      log.info('dingtalk stream connected');
    });
    ws.on('message', (data) => void onFrame(ws, data.toString()));
    ws.on('error', (err) => log.warn(`dingtalk stream error: ${err.message}`));
    ws.on('close', () => again(opened ? 'connection closed' : 'connection refused'));
  }

  void connect();

  return {
    /** How many times a connection was opened (for tests and logs). */
    connections: () => connections,
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      const ws = socket;
      if (ws && ws.readyState !== WebSocket.CLOSED) {
        await new Promise<void>((resolve) => {
          ws.once('close', () => resolve());
          ws.close();
          setTimeout(() => { ws.terminate(); resolve(); }, 2000).unref();
        });
      }
    },
  };
}

function safeJson(s: unknown): unknown {
  if (typeof s !== 'string') return {};
  try {
    return JSON.parse(s);
  } catch {
    return {};
  }
}

function localIp(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export type DingtalkStream = ReturnType<typeof startDingtalkStream>;
