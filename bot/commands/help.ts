/** 帮助 and 我是谁. */
import { ROLE_LABELS, unitName } from '../../src/domain/organisation';
import { text } from '../types';
import type { Command } from './types';

export function helpCommand(all: () => Command[]): Command {
  return {
    names: ['帮助', 'help', '?', '？', '菜单'],
    usage: '帮助 — 显示本说明',
    async run(_args, ctx) {
      const mine = all().filter((c) => !c.roles || ctx.caller.roles.some((r) => c.roles!.includes(r)));
      const lines = mine.map((c) => `· ${c.usage}`);
      return [text(`“双随机、一公开、一集中”监管助手，可用命令：\n${lines.join('\n')}`)];
    },
  };
}

export const whoami: Command = {
  names: ['我是谁', '我的信息', 'whoami'],
  usage: '我是谁 — 查看本人登记的单位和角色',
  async run(_args, ctx) {
    const c = ctx.caller;
    return [text(`${c.name}（${c.userId}），${unitName(c.department)}，角色：${c.roles.map((r) => ROLE_LABELS[r]).join('、')}`)];
  },
};
