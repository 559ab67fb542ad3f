/**
 * The command router every channel uses: identify the sender, pick the command
 * by its first word (or the card action by its key), run it, and turn refusals
 * and failures into short Chinese replies. It returns what to send: replies to
 * the sender, notices to other users, and the outcome to show on a tapped card.
 */
import { randomBytes } from 'node:crypto';
import type { Services } from '../src/services';
import type { Logger } from '../src/logger';
import { Refusal, renderRefusal, type Caller } from '../src/services/context';
import { announce, deadLetters, resend } from './commands/admin';
import type { Announcer } from './delivery/announcer';
import { helpCommand, whoami } from './commands/help';
import { moreCommand } from './commands/format';
import { placeInPool, poolCardActions } from './commands/pools';
import { listInspectors, listItems, listValues, lookupEntity, queryPool } from './commands/lookup';
import { approvalCardActions, approve, reject, todo } from './commands/approvals';
import { planCommands, planFlow } from './commands/plans';
import { drawCommands } from './commands/draws';
import { filingCommands, filingFlow } from './commands/filings';
import { setupCommands } from './commands/setup';
import { followUpActions, resultCommands, resultFlow, riskActions } from './commands/results';
import { complaintActions, complaintCommands } from './commands/complaints';
import { auditCommands } from './commands/audit';
import { circularFlow, oversightCommands } from './commands/oversight';
import { publicityCommands } from './commands/publicity';
import { cJointCommand } from './commands/cJoint';
import { poolYearActions, poolYearCommands } from './commands/poolYear';
import type { CardAction, Command, CommandContext, Flow } from './commands/types';
import type { MediaFetcher } from './channels/contracts';
import { CANCEL_WORDS } from './commands/flow';
import type { FlowState } from '../src/services/conversations';
import type { SessionDoc } from '../src/domain/records/session';
import { text, type BotEvent, type Reply } from './types';

export const MAX_INPUT_CHARS = 2000;
/** How many senders' identities a process remembers (the oldest is forgotten first). */
const MAX_REMEMBERED_SENDERS = 10_000;
/** The word that taps a card button by typing (shell, and DingTalk ActionCard buttons send it). */
export const TAP_WORD = '点';

export interface RouterOptions {
  services: Services;
  log: Logger;
  pageSize: number;
  announcer?: Announcer;
  /** Guided conversations (新建计划, 备案) by name. */
  flows?: Flow[];
  /** More commands and card actions (plans, filings). */
  extraCommands?: Command[];
  extraActions?: CardAction[];
  /** Fetches a picture or file a user sent, per platform (evidence in 录入结果). */
  media?: Partial<Record<'wecom' | 'dingtalk', MediaFetcher>>;
}

/**
 * A picture or file sent outside 录入结果: what it is for and how to send it so that it counts.
 * Nothing is downloaded or kept.
 */
const ATTACHMENT_REPLY = {
  image: '已收到您发送的图片，未保存。现场照片是检查结果的证据：请先发送“录入结果 <任务编号>”，在录入过程中（提交前）发送照片，提交后随检查结果保存。单个文件不超过10MB，可为JPEG/PNG图片、PDF或docx/xlsx文件。发送“我的任务”查看任务编号。',
  file: '已收到您发送的文件，未保存。检查证据（照片、文件）请在“录入结果 <任务编号>”过程中（提交前）发送，提交后随检查结果保存。单个文件不超过10MB，可为JPEG/PNG图片、PDF或docx/xlsx文件。发送“我的任务”查看任务编号。',
} as const;


export interface Outcome {
  replies: Reply[];
  notices: { userId: string; reply: Reply }[];
  /** For a card tap: what the card shows instead of its buttons. */
  cardOutcome?: string;
}

const only = (replies: Reply[]): Outcome => ({ replies, notices: [] });
/** A message to take again with its conversation read from the database (see `attempt`). */
const STALE = Symbol('stale conversation copy');

export function createRouter({ services, log, pageSize, announcer, flows = [], extraCommands = [], extraActions = [], media = {} }: RouterOptions) {
  const commands: Command[] = [];
  commands.push(helpCommand(() => commands), whoami, queryPool, listValues, lookupEntity, listInspectors, listItems, placeInPool,
    todo, approve, reject, ...planCommands, ...drawCommands, ...filingCommands, ...setupCommands, ...resultCommands, ...publicityCommands, ...complaintCommands, ...auditCommands, ...oversightCommands, cJointCommand, ...poolYearCommands, ...extraCommands, moreCommand, announce, deadLetters, resend);
  const actions = new Map<string, CardAction>([...poolCardActions, ...approvalCardActions, ...followUpActions, ...riskActions, ...complaintActions, ...poolYearActions, ...extraActions].map((a) => [a.action, a]));
  const flowsByName = new Map([planFlow, filingFlow, resultFlow, circularFlow, ...flows].map((f) => [f.name, f]));
  // Longest names first, so "查询" wins over "查".
  const byName = commands
    .flatMap((c) => c.names.map((n) => ({ n: n.toLowerCase(), c })))
    .sort((a, b) => b.n.length - a.n.length);

  /**
   * The command a message starts with. `strict` (inside a guided conversation): only a command word
   * alone or followed by a space, so answers such as "人员：王伟" or "查看消防通道" stay answers.
   */
  function match(input: string, strict = false): { command: Command; args: string } | undefined {
    const lower = input.toLowerCase();
    for (const { n, c } of byName) {
      // A one-character word alone ("查", "?") is too short to be told from an answer.
      if (lower === n) {
        if (strict && (n.length === 1 || c.answerWhenAlone)) continue;
        return { command: c, args: '' };
      }
      if (lower.startsWith(n) && (strict ? /\s/ : /[\s:：]/).test(input.charAt(n.length))) return { command: c, args: input.slice(n.length + 1).trim() };
    }
    if (strict) return undefined;
    // "查华达" with no space: the lookup command takes the rest as its query.
    if (input.startsWith('查') && !input.startsWith('查询') && input.length > 1) return { command: lookupEntity, args: input.slice(1).trim() };
    return undefined;
  }

  /** Each sender as last identified by this process, for answers that act on nothing but their own conversation. */
  const lastIdentified = new Map<string, Caller>();
  const senderKey = (event: Pick<BotEvent, 'channel' | 'senderId'>) => `${event.channel}\u0000${event.senderId}`;

  async function identify(event: Pick<BotEvent, 'channel' | 'senderId'>): Promise<Caller | undefined> {
    const platform = event.channel === 'wecom' || event.channel === 'dingtalk' ? event.channel : 'shell';
    const user = await services.users.identify(platform, event.senderId);
    const key = senderKey(event);
    lastIdentified.delete(key);
    if (!user) return undefined;
    const caller: Caller = { userId: user.userId, name: user.name, department: user.department, roles: user.roles, channel: event.channel };
    lastIdentified.set(key, caller);
    if (lastIdentified.size > MAX_REMEMBERED_SENDERS) lastIdentified.delete(lastIdentified.keys().next().value as string);
    return caller;
  }

  /**
   * The sender, without reading the directory, when this message answers the conversation this
   * process holds for them (under the sender id) with an answer that writes nothing but the
   * conversation's next step. Such an answer acts on nothing anyone else sees, and the turn that
   * does act (提交, any claimed step) identifies the sender again, so an account stopped
   * mid-conversation can move only its own conversation, never save it. Else undefined.
   */
  function rememberedFor(event: BotEvent, input: string): Caller | undefined {
    if (event.attachment) return undefined;
    const caller = lastIdentified.get(senderKey(event));
    const held = caller?.userId === event.senderId ? services.conversations.held(event.senderId) : undefined;
    const flow = held && flowsByName.get(held.flow);
    if (!held || !flow || CANCEL_WORDS.has(input) || match(input, true)) return undefined;
    return answersPurely(held, flow, input) ? caller : undefined;
  }

  /** Whether `input` answers conversation `s` writing nothing but its next step (so needing no claim). */
  const answersPurely = (s: SessionDoc, flow: Flow, input: string): boolean =>
    !s.busyUntil && !!flow.pure?.(input, { step: s.step, data: s.data });

  const NOT_REGISTERED = text('您好，您尚未在监管助手中登记（或账号已停用），暂不能使用。请联系联席办或系统管理员登记单位和角色后再试。');

  async function guarded(caller: Caller, what: string, run: (ctx: CommandContext) => Promise<Outcome>): Promise<Outcome> {
    const notices: Outcome['notices'] = [];
    let started: { flow: string; state: FlowState } | undefined;
    const fetcher = caller.channel === 'wecom' || caller.channel === 'dingtalk' ? media[caller.channel] : undefined;
    const ctx: CommandContext = {
      caller, services, pageSize, announcer,
      ...(fetcher ? { fetchMedia: (m: { ref: string; name?: string }, maxBytes: number) => fetcher(m.ref, maxBytes, m.name) } : {}),
      notify: (userId, reply) => notices.push({ userId, reply }),
      begin: (flow, state) => { started = { flow, state }; },
    };
    try {
      const out = await run(ctx);
      if (started && !(await services.conversations.begin(caller.userId, started.flow, started.state))) {
        return only([text('您有一项未完成的操作，请先完成或发送“取消”后再开始新的。')]);
      }
      return { ...out, notices: [...out.notices, ...notices] };
    } catch (err) {
      if (err instanceof Refusal) return only([text(renderRefusal(err))]);
      const ref = randomBytes(4).toString('hex');
      log.error('command failed', { ref, command: what, user: caller.userId, error: (err as Error).message });
      // An administrator is the one to look: where, not whom to ask.
      return only([text(caller.roles.includes('admin')
        ? `系统暂时出错，请稍后再试。服务日志中编号 ${ref} 的一行（command failed）记有原因。`
        : `系统暂时出错，请稍后再试。如仍有问题，请把编号 ${ref} 告诉系统管理员。`)]);
    }
  }

  /** A card button tapped (WeCom template_card_event, or "点 <key>" typed or sent by a DingTalk button). */
  async function tap(event: Pick<BotEvent, 'channel' | 'senderId'>, key: string): Promise<Outcome> {
    const caller = await identify(event);
    if (!caller) return only([NOT_REGISTERED]);
    const sep = key.indexOf(':');
    const action = sep > 0 ? actions.get(key.slice(0, sep)) : undefined;
    if (!action) return only([text('这个按钮已失效，请发送“帮助”查看可用命令。')]);
    return guarded(caller, action.action, async (ctx) => {
      const r = await action.run(key.slice(sep + 1), ctx);
      return { replies: r.replies, notices: [], cardOutcome: r.outcome };
    });
  }

  async function respond(event: BotEvent): Promise<Outcome> {
    const input = event.text.trim();
    if (input.startsWith(`${TAP_WORD} `)) return tap(event, input.slice(TAP_WORD.length + 1).trim());
    // This process's copy of the sender's conversation first; taken again from the database when
    // the copy turns out to be stale (another process moved the conversation on).
    const out = await attempt(event, input, true);
    return out === STALE ? (await attempt(event, input, false)) as Outcome : out;
  }

  /**
   * One message, with the sender's conversation as this process last saw it (`trustKnown`) or as
   * stored. A reply that rests on the copy is given only once a write over the copy's version has
   * succeeded; where it would not be (or that write fails for the copy's being stale), STALE:
   * nothing has been done, and the message is to be taken again from what is stored.
   */
  async function attempt(event: BotEvent, input: string, trustKnown: boolean): Promise<Outcome | typeof STALE> {
    // Else the conversation is read with the sender, under the sender id: it is the user id in the shell
    // and for users the directory registered by platform id; under any other user id it is read again.
    const remembered = trustKnown ? rememberedFor(event, input) : undefined;
    const early = trustKnown && services.conversations.held(event.senderId) ? undefined : services.conversations.peek(event.senderId);
    early?.catch(() => undefined); // awaited below when used; otherwise dropped
    const caller = remembered ?? await identify(event);
    if (!caller) return only([NOT_REGISTERED]);
    if (!input && !event.attachment) return only([text('请输入命令，发送“帮助”查看可用命令。')]);
    if (input.length > MAX_INPUT_CHARS) return only([text(`消息过长（${input.length}字），请控制在${MAX_INPUT_CHARS}字以内。`)]);
    const conv = await services.conversations.current(caller.userId, { read: caller.userId === event.senderId ? early : undefined, trustKnown });
    const expiredNote = conv.expired
      ? [text(`您未完成的“${flowsByName.get(conv.expired.flow)?.label ?? '操作'}”超过${services.conversations.minutes()}分钟未回复，已作废，没有保存任何内容。`)]
      : [];
    const session = conv.session;
    const flow = session && flowsByName.get(session.flow);
    const clash = only([text('这条回复与您的另一条消息同时到达，已忽略，请按最新提示重新回复。')]);
    /** A write over `s` failed: a copy taken unread was stale (take the message again), or another message won. */
    const lost = (s: SessionDoc, reply = clash) => (services.conversations.lost(s) === 'stale' && conv.known ? STALE : reply);
    if (event.attachment) {
      // Evidence for the conversation that takes it (录入结果); anywhere else, what to do with it.
      const takes = session && flow?.attachment ? { session, flow, handle: flow.attachment } : undefined;
      if (!takes) {
        if (conv.known) return STALE; // the note below would rest on the copy alone
        const busy = session && flow ? `（您正在进行“${flow.label}”，它不接收图片或文件，请继续回答上一个问题。）` : '';
        return only([...expiredNote, text(`${ATTACHMENT_REPLY[event.attachment]}${busy}`)]);
      }
      const mine = await services.conversations.claim(takes.session);
      if (!mine) return lost(takes.session, only([text('这条消息与您的另一条消息同时到达，已忽略，请重新发送。')]));
      let settled = false;
      const out = await guarded(caller, takes.flow.name, async (ctx) => {
        const turn = await takes.handle({ kind: event.attachment!, ...(event.media ?? {}) }, { step: mine.step, data: mine.data }, ctx);
        await services.conversations.advance(mine, turn.next ?? { step: mine.step, data: mine.data });
        settled = true;
        return only(turn.replies);
      });
      if (!settled) await services.conversations.release(mine);
      return out;
    }
    if (session && flow) {
      if (CANCEL_WORDS.has(input)) {
        if (!(await services.conversations.end(session))) return lost(session);
        return only([text(`已取消“${flow.label}”，没有保存任何内容。`)]);
      }
      // A command typed mid-conversation runs as a command; the conversation waits, untouched.
      const typed = match(input, true);
      if (typed) {
        if (conv.known) return STALE; // run once, with the conversation as stored
        const out = await guarded(caller, typed.command.names[0], async (ctx) => only(await typed.command.run(typed.args, ctx)));
        return { ...out, replies: [...out.replies, text(`（已执行“${typed.command.names[0]}”；您的“${flow.label}”仍在等待回复，可接着回答上一个问题，或发送“取消”放弃。）`)] };
      }
      // An answer that writes nothing outside the conversation needs no claim: its one write is the
      // next step, guarded by the version read, so of two messages at once only one moves it on.
      if (answersPurely(session, flow, input)) {
        let wrote: boolean | undefined; // undefined: the turn stopped before its write (a refusal)
        const out = await guarded(caller, flow.name, async (ctx) => {
          const turn = await flow.answer(input, { step: session.step, data: session.data }, ctx);
          wrote = turn.next ? !!(await services.conversations.advance(session, turn.next)) : await services.conversations.end(session);
          return only(turn.replies);
        });
        if (wrote === undefined) return conv.known ? STALE : out;
        return wrote ? out : lost(session);
      }
      // Claim the turn first (a guarded write that holds the conversation until this turn ends),
      // so two messages at once can never both act on it.
      const mine = await services.conversations.claim(session);
      if (!mine) return lost(session);
      let settled = false;
      const out = await guarded(caller, flow.name, async (ctx) => {
        const turn = await flow.answer(input, { step: mine.step, data: mine.data }, ctx);
        if (turn.next) await services.conversations.advance(mine, turn.next);
        else await services.conversations.end(mine);
        settled = true;
        return only(turn.replies);
      });
      if (!settled) await services.conversations.release(mine);
      return out;
    }
    const hit = match(input);
    if (!hit) return only([...expiredNote, text(`没有“${input.slice(0, 10)}${input.length > 10 ? '…' : ''}”这个命令。发送“帮助”查看可用命令。`)]);
    const out = await guarded(caller, hit.command.names[0], async (ctx) => only(await hit.command.run(hit.args, ctx)));
    return { ...out, replies: [...expiredNote, ...out.replies] };
  }

  return {
    commands,
    respond,
    tap,
    /** Only the replies to the sender. */
    async handle(event: BotEvent): Promise<Reply[]> {
      return (await respond(event)).replies;
    },
  };
}

export type Router = ReturnType<typeof createRouter>;
