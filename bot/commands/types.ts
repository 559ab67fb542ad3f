import type { Services } from '../../src/services';
import type { Caller } from '../../src/services/context';
import type { FlowState } from '../../src/services/conversations';
import type { Reply } from '../types';
import type { Announcer } from '../delivery/announcer';
import type { FetchedMedia } from '../channels/contracts';

export interface CommandContext {
  caller: Caller;
  services: Services;
  /** How many rows a list shows. */
  pageSize: number;
  /** Sends a message to another registered user (e.g. an approval card to 联席办). */
  notify(userId: string, reply: Reply): void;
  /** Group-chat announcements; absent where no group robot can be configured. */
  announcer?: Announcer;
  /** Starts a guided conversation: the user's next messages go to this flow until it ends. */
  begin(flow: string, state: FlowState): void;
  /** Fetches a picture or file the caller sent on their platform (absent in the shell and where the platform is not configured). */
  fetchMedia?(media: { ref: string; name?: string }, maxBytes: number): Promise<FetchedMedia>;
}

/** A guided conversation: each answer moves it on; `next` absent means it is over. */
export interface Flow {
  name: string;
  /** Words for the user, e.g. "新建计划". */
  label: string;
  answer(input: string, state: FlowState, ctx: CommandContext): Promise<{ replies: Reply[]; next?: FlowState }>;
  /**
   * True when answering `input` writes nothing outside the conversation (a step's answer, not
   * 提交): the router then skips claiming the turn, and the next step's guarded write decides.
   */
  pure?(input: string, state: FlowState): boolean;
  /** A picture or file sent during the conversation (only flows that take evidence); the conversation stays open. */
  attachment?(media: { kind: 'image' | 'file'; ref?: string; name?: string }, state: FlowState, ctx: CommandContext): Promise<{ replies: Reply[]; next?: FlowState }>;
}

export interface Command {
  /** The words that start this command; the first is shown in help. */
  names: string[];
  /** One line for 帮助. */
  usage: string;
  /** Shown in 帮助 only to users holding one of these roles (all users when absent). */
  roles?: readonly string[];
  run(args: string, ctx: CommandContext): Promise<Reply[]>;
  /** Typed alone inside a guided conversation, the word is an answer there, not this command (投诉 is also a filing reason). */
  answerWhenAlone?: boolean;
}

/** A tapped card button: `key` is "<action>:<subject>". */
export interface CardAction {
  action: string;
  /** Runs the decision; `outcome` replaces the card's buttons (e.g. "已同意（程丽华）"). */
  run(subject: string, ctx: CommandContext): Promise<{ replies: Reply[]; outcome: string }>;
}
