/**
 * The command router every channel uses: identify the sender, pick the command
 * by its first word, run it, and turn refusals and failures into short Chinese replies.
 */
import { randomBytes } from 'node:crypto';
import type { Services } from '../src/app';
import type { Logger } from '../src/logger';
import { Refusal, type Caller } from '../src/services/context';
import { helpCommand, whoami } from './commands/help';
import { listInspectors, listItems, lookupEntity, queryPool } from './commands/registry';
import type { Command } from './commands/types';
import { text, type BotEvent, type Reply } from './types';

export const MAX_INPUT_CHARS = 2000;

export interface RouterOptions {
  services: Services;
  log: Logger;
  pageSize: number;
}

export function createRouter({ services, log, pageSize }: RouterOptions) {
  const commands: Command[] = [];
  commands.push(helpCommand(() => commands), whoami, queryPool, lookupEntity, listInspectors, listItems);
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

  return {
    commands,
    async handle(event: BotEvent): Promise<Reply[]> {
      const platform = event.channel === 'wecom' || event.channel === 'dingtalk' ? event.channel : 'shell';
      const user = await services.users.identify(platform, event.senderId);
      if (!user) {
        return [text('您好，您尚未在监管助手中登记（或账号已停用），暂不能使用。请联系联席办或系统管理员登记单位和角色后再试。')];
      }
      const caller: Caller = { userId: user.userId, name: user.name, department: user.department, roles: user.roles, channel: event.channel };
      const input = event.text.trim();
      if (!input) return [text('请输入命令，发送“帮助”查看可用命令。')];
      if (input.length > MAX_INPUT_CHARS) return [text(`消息过长（${input.length}字），请控制在${MAX_INPUT_CHARS}字以内。`)];
      const hit = match(input);
      if (!hit) return [text(`没有“${input.slice(0, 10)}${input.length > 10 ? '…' : ''}”这个命令。发送“帮助”查看可用命令。`)];
      try {
        return await hit.command.run(hit.args, { caller, services, pageSize });
      } catch (err) {
        if (err instanceof Refusal) return [text(err.message)];
        const ref = randomBytes(4).toString('hex');
        log.error('command failed', { ref, command: hit.command.names[0], user: caller.userId, error: (err as Error).message });
        return [text(`系统暂时出错，请稍后再试。如仍有问题，请把编号 ${ref} 告诉系统管理员。`)];
      }
    },
  };
}

export type Router = ReturnType<typeof createRouter>;
