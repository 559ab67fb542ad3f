/**
 * The seams between the platform adapters (bot/channels/wecom, bot/channels/dingtalk)
 * and the rest: what a verified webhook hands in, and what the outbox hands out.
 *
 * Inbound: a webhook verifies, decrypts and parses, turns the request into an
 * InboundMessage and calls Inbox.accept — which records it under its platform
 * message id (a retry is a no-op) — then answers at once. A worker processes
 * the message after the answer.
 *
 * Outbound: everything we send is an OutboundPayload stored in the outbox; the
 * outbox worker hands it to the platform's Sender, retrying with backoff.
 */
import type { CardOutcome } from '../cards/card';
import type { Reply } from '../types';

export type Platform = 'wecom' | 'dingtalk';

export interface InboundMessage {
  platform: Platform;
  /** WeCom MsgId (or, for a card event, a key built from its EventKey+TaskId+CreateTime+FromUserName); DingTalk msgId. */
  msgId: string;
  /** WeCom userid / DingTalk senderStaffId. */
  senderId: string;
  kind: 'text' | 'card_action';
  /** The text typed (kind 'text'), or '' for a card action. */
  text: string;
  /** For card_action: the tapped button's key and the card's id. */
  actionKey?: string;
  cardId?: string;
  /** WeCom ResponseCode of a template_card_event, needed to update that card. */
  responseCode?: string;
  /** DingTalk: where to answer while it is valid. */
  sessionWebhook?: string;
  sessionWebhookExpiresAt?: number; // epoch ms
  /** DingTalk conversation id (group or 1:1). */
  conversationId?: string;
  /** A picture or a file the user sent (its text is ''): answered, never ignored. */
  attachment?: 'image' | 'file';
  /** The attachment's platform reference: WeCom MediaId, DingTalk downloadCode (fetched only when it is evidence). */
  mediaRef?: string;
  /** The attachment's file name, where the platform gives one (DingTalk file messages). */
  mediaName?: string;
  /** DingTalk: '1' one-to-one, '2' group, as DingTalk states it. */
  conversationType?: '1' | '2';
}

export interface Inbox {
  /** Records the message once; 'duplicate' for a platform retry (in any process). */
  accept(msg: InboundMessage): Promise<'new' | 'duplicate'>;
}

/** What one outbox entry asks a platform to do. JSON-serialisable. */
export type OutboundPayload =
  // WeCom application message to one user (text, markdown or a button_interaction card).
  | { platform: 'wecom'; kind: 'app'; toUser: string; reply: Reply }
  // WeCom: make a decided card's buttons unclickable, showing the outcome
  // (update_template_card with the ResponseCode and button.replace_name).
  | { platform: 'wecom'; kind: 'card_update'; responseCode: string; outcome: CardOutcome; toUser: string }
  // WeCom group robot: markdown (already split to fit 4,096 bytes) or a file by id in our files collection.
  // `robot` is the robot's name as listed in WECOM_ROBOTS: its key is looked up at send time, never stored.
  | { platform: 'wecom'; kind: 'robot_markdown'; robot: string; markdown: string }
  | { platform: 'wecom'; kind: 'robot_file'; robot: string; fileId: string }
  // WeCom group robot: a picture (PNG/JPG, at most 2 MB) by id in our files collection, sent as base64 with its MD5.
  | { platform: 'wecom'; kind: 'robot_image'; robot: string; fileId: string }
  // WeCom: the app's own group chat of a department (appchat/send), where a county prefers it to a robot.
  | { platform: 'wecom'; kind: 'appchat_markdown'; chatId: string; markdown: string }
  // DingTalk: answer in the conversation through its sessionWebhook (falls back to robot_user when it fails);
  // an interactive card goes to the conversation (a group's, when conversationType is '2') through the card API.
  | { platform: 'dingtalk'; kind: 'session'; sessionWebhook: string; expiresAt: number; toUser: string; reply: Reply; conversationId?: string; conversationType?: '1' | '2' }
  // DingTalk enterprise robot one-to-one message through the robot API.
  | { platform: 'dingtalk'; kind: 'robot_user'; toUser: string; reply: Reply }
  // DingTalk: show a decided interactive card's outcome, for everyone who sees it, with no buttons left.
  | { platform: 'dingtalk'; kind: 'card_update'; outTrackId: string; outcome: CardOutcome }
  // DingTalk custom group robot (加签): markdown, or a link to a signed download of a file.
  | { platform: 'dingtalk'; kind: 'group_markdown'; robot: string; title: string; markdown: string };

/** A failed send; `retryable` false sends it straight to the dead-letter list. */
export class SendError extends Error {
  constructor(message: string, readonly retryable: boolean, readonly retryAfterMs?: number) {
    super(message);
  }
}

export interface Sender {
  send(payload: OutboundPayload): Promise<void>;
}

/**
 * The rate-limit bucket of a payload: group robots accept about 20 messages a
 * minute each, so each robot is its own bucket; other sends share one per platform.
 */
export function rateKey(p: OutboundPayload): string | undefined {
  if (p.platform === 'wecom' && (p.kind === 'robot_markdown' || p.kind === 'robot_file' || p.kind === 'robot_image')) return `wecom-robot:${p.robot}`;
  if (p.platform === 'dingtalk' && p.kind === 'group_markdown') return `dingtalk-robot:${p.robot}`;
  return undefined;
}

/** Whose messages must arrive in the order queued: one user (or conversation), one group robot. */
export function recipientKey(p: OutboundPayload): string {
  const q = p as { toUser?: string; robot?: string };
  return `${p.platform}:${q.toUser ?? q.robot ?? ''}`;
}

/** A picture or file a user sent, fetched from the platform (WeCom media/get, DingTalk robot/messageFiles/download). */
export interface FetchedMedia {
  name: string;
  contentType: string;
  data: Buffer;
}

/** The platform's file is larger than we accept: not downloaded beyond the limit. */
export class MediaTooLarge extends Error {
  constructor(readonly limit: number, readonly bytes?: number) {
    super(`media larger than ${limit} bytes`);
  }
}

/** Fetches an attachment by its platform reference, refusing anything over `maxBytes`. */
export type MediaFetcher = (ref: string, maxBytes: number, name?: string) => Promise<FetchedMedia>;

/** A payload as the outbox queues it: with its rate bucket ('' = none) and its recipient (sent in queue order). */
export interface Outgoing {
  payload: OutboundPayload;
  rateKey: string;
  to: string;
}

/** The delivery policy of a payload, decided here so the outbox only stores it. */
export const outgoing = (payload: OutboundPayload): Outgoing => ({ payload, rateKey: rateKey(payload) ?? '', to: recipientKey(payload) });
