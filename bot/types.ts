/** The conversation layer's own types: every channel turns its traffic into a BotEvent. */
import type { Channel } from '../src/domain/audit';

export interface BotEvent {
  channel: Channel;
  /** The sender's id on that platform (WeCom userid, DingTalk staffId, or our user id in the shell). */
  senderId: string;
  text: string;
}

export type Reply =
  | { kind: 'text'; text: string }
  | { kind: 'markdown'; title: string; text: string };

export const text = (t: string): Reply => ({ kind: 'text', text: t });
export const markdown = (title: string, t: string): Reply => ({ kind: 'markdown', title, text: t });

/** What a channel adapter must do to deliver replies; transport-specific details stay inside it. */
export interface ChannelAdapter {
  readonly name: Channel;
  send(recipient: string, replies: Reply[]): Promise<void>;
}
