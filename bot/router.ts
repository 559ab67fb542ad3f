/**
 * The command router every channel uses: identify the sender, pick the command
 * by its first word (or the card action by its key), run it, and turn refusals
 * and failures into short Chinese replies. It returns what to send: replies to
 * the sender, notices to other users, and the outcome to show on a tapped card.
 */
import { randomBytes } from 'node:crypto';
import type { Services } from '../src/app';
import type { Logger } from '../src/logger';
import { Refusal, type Caller } from '../src/services/context';
import { announce, deadLetters, resend } from './commands/admin';
import type { Announcer } from './delivery/announcer';
import { helpCommand, whoami } from './commands/help';
import { placeInPool, poolCardActions } from './commands/pools';
import { listInspectors, listItems, lookupEntity, queryPool } from './commands/registry';
import type { CardAction, Command, CommandContext } from './commands/types';
import { text, type BotEvent, type Reply } from './types';

export const MAX_INPUT_CHARS = 2000;
/** The word that taps a card button by typing (shell, and DingTalk ActionCard buttons send it). */
export const TAP_WORD = '点';

export interface RouterOptions {
  services: Services;
  log: Logger;
  pageSize: number;
  announcer?: Announcer;
}

export interface Outcome {
  replies: Reply[];
  notices: { userId: string; reply: Reply }[];
  /** For a card tap: what the card shows instead of its buttons. */
  cardOutcome?: string;
}

const only = (replies: Reply[]): Outcome => ({ replies, notices: [] });

export function createRouter({ services, log, pageSize, announcer }: RouterOptions) {
  const commands: Command[] = [];
  commands.push(helpCommand(() => commands), whoami, queryPool, lookupEntity, listInspectors, listItems, placeInPool, announce, deadLetters, resend);
  const actions = new Map<string, CardAction>(poolCardActions.map((a) => [a.action, a]));
  // Longest names first, so "查询" wins over "查".
  const byName = commands
    .flatMap((c) => c.names.map((n) => ({ n: n.toLowerCase(), c })))
    .sort((a, b) => b.n.length - a.n.length);

  function match(input: string): { command: Command; args: string } | undefined {
    const lower = input.toLowerCase();
    for (const { n, c } of byName) {
      if (lower === n) return { command: c, args: '' };
      if (lower.startsWith(n) && /[\s:：]/.test(input.charAt(n.length))) return { command: c, args: input.slice(n.length + 1).trim() };
    }
    // "查华达" with no space: the lookup command takes the rest as its query.
    if (input.startsWith('查') && !input.startsWith('查询') && input.length > 1) return { command: lookupEntity, args: input.slice(1).trim() };
    return undefined;
  }

  async function identify(event: Pick<BotEvent, 'channel' | 'senderId'>): Promise<Caller | undefined> {
    const platform = event.channel === 'wecom' || event.channel === 'dingtalk' ? event.channel : 'shell';
    const user = await services.users.identify(platform, event.senderId);
    return user && { userId: user.userId, name: user.name, department: user.department, roles: user.roles, channel: event.channel };
  }

  const NOT_REGISTERED = text('您好，您尚未在监管助手中登记（或账号已停用），暂不能使用。请联系联席办或系统管理员登记单位和角色后再试。');

  async function guarded(caller: Caller, what: string, run: (ctx: CommandContext) => Promise<Outcome>): Promise<Outcome> {
    const notices: Outcome['notices'] = [];
    const ctx: CommandContext = { caller, services, pageSize, announcer, notify: (userId, reply) => notices.push({ userId, reply }) };
    try {
      const out = await run(ctx);
      return { ...out, notices: [...out.notices, ...notices] };
    } catch (err) {
      if (err instanceof Refusal) return only([text(err.message)]);
      const ref = randomBytes(4).toString('hex');
      log.error('command failed', { ref, command: what, user: caller.userId, error: (err as Error).message });
      return only([text(`系统暂时出错，请稍后再试。如仍有问题，请把编号 ${ref} 告诉系统管理员。`)]);
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
    const caller = await identify(event);
    if (!caller) return only([NOT_REGISTERED]);
    if (!input) return only([text('请输入命令，发送“帮助”查看可用命令。')]);
    if (input.length > MAX_INPUT_CHARS) return only([text(`消息过长（${input.length}字），请控制在${MAX_INPUT_CHARS}字以内。`)]);
    const hit = match(input);
    if (!hit) return only([text(`没有“${input.slice(0, 10)}${input.length > 10 ? '…' : ''}”这个命令。发送“帮助”查看可用命令。`)]);
    return guarded(caller, hit.command.names[0], async (ctx) => only(await hit.command.run(hit.args, ctx)));
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
