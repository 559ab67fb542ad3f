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
  /** The attachment's platform reference (WeCom MediaId, DingTalk downloadCode) and file name, if given. */
  media?: { ref: string; name?: string };
}

export type Reply =
  | { kind: 'text'; text: string }
  | { kind: 'markdown'; title: string; text: string }
  | { kind: 'card'; card: Card }
  // A stored file (a long list as xlsx) for this user: a file message on WeCom, a signed download link on DingTalk.
  | { kind: 'file'; fileId: string; name: string };

export const text = (t: string): Reply => ({ kind: 'text', text: t });

const MARKDOWN_LOOKALIKES: Record<string, string> = {
  '*': '＊', '_': '＿', '`': '｀', '[': '［', ']': '］', '<': '＜', '>': '＞', '#': '＃', '~': '～', '|': '｜', '\\': '＼',
};

/**
 * A value (an entity's name, a reason someone typed) made safe to put inside a markdown
 * message on one line: line breaks become spaces, and markdown or HTML characters become
 * their full-width look-alikes — both platforms' markdown dialects differ on escapes, and
 * WeCom renders <font> tags, so the characters are replaced rather than escaped.
 */
export function markdownSafe(value: string): string {
  return value.replace(/\s*[\r\n\u2028\u2029]+\s*/g, ' ').replace(/[*_`[\]<>#~|\\]/g, (c) => MARKDOWN_LOOKALIKES[c]);
}
export const markdown = (title: string, t: string): Reply => ({ kind: 'markdown', title, text: t });

/** Plain-text rendering, for the shell and for platforms' text fallbacks. */
export function replyText(r: Reply): string {
  if (r.kind === 'text') return r.text;
  if (r.kind === 'markdown') return `【${r.title}】\n${r.text}`;
  if (r.kind === 'file') return `【文件】${r.name}（企业微信中为文件，钉钉中为下载链接）`;
  const c = r.card;
  const fields = c.fields.map((f) => `${f.label}：${f.value}`);
  const buttons = c.buttons.map((b) => `[${b.label}] 发送“点 ${b.key}”`);
  return [`【${c.title}】`, c.description, ...fields, ...buttons].filter(Boolean).join('\n');
}
