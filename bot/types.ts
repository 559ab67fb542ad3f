/** The conversation layer's own types: every channel turns its traffic into a BotEvent. */
import type { Channel } from '../src/domain/audit';
import type { Card } from './cards/card';

export interface BotEvent {
  channel: Channel;
  /** The sender's id on that platform (WeCom userid, DingTalk staffId, or our user id in the shell). */
  senderId: string;
  text: string;
  /** A picture or a file was sent instead of words. */
  attachment?: 'image' | 'file';
}

export type Reply =
  | { kind: 'text'; text: string }
  | { kind: 'markdown'; title: string; text: string }
  | { kind: 'card'; card: Card };

export const text = (t: string): Reply => ({ kind: 'text', text: t });
export const markdown = (title: string, t: string): Reply => ({ kind: 'markdown', title, text: t });

/** Plain-text rendering, for the shell and for platforms' text fallbacks. */
export function replyText(r: Reply): string {
  if (r.kind === 'text') return r.text;
  if (r.kind === 'markdown') return `【${r.title}】\n${r.text}`;
  const c = r.card;
  const fields = c.fields.map((f) => `${f.label}：${f.value}`);
  const buttons = c.buttons.map((b) => `[${b.label}] 发送“点 ${b.key}”`);
  return [`【${c.title}】`, c.description, ...fields, ...buttons].filter(Boolean).join('\n');
}
