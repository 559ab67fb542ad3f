/** Admin commands over the outbox's dead-letter list. */
import dayjs from 'dayjs';
import { text } from '../types';
import type { Command } from './types';

const KIND_LABELS: Record<string, string> = {
  app: '企业微信应用消息', card_update: '企业微信卡片更新', robot_markdown: '企业微信群机器人', robot_file: '企业微信群文件',
  session: '钉钉会话回复', robot_user: '钉钉机器人单聊', group_markdown: '钉钉群机器人',
};

export const deadLetters: Command = {
  names: ['发送失败', '死信'],
  usage: '发送失败 — 查看多次重试仍未发出的消息（管理员）',
  roles: ['admin'],
  async run(_args, ctx) {
    const dead = await ctx.services.deliveries.dead(ctx.caller, ctx.pageSize);
    if (dead.length === 0) return [text('没有发送失败的消息。')];
    const lines = dead.map((d, i) => `${i + 1}. 编号 ${d.id}｜${KIND_LABELS[d.payload.kind] ?? d.payload.kind}｜${dayjs(d.createdAt).format('MM-DD HH:mm')}｜尝试${d.attempts}次｜${d.lastError.slice(0, 60)}`);
    return [text(`发送失败的消息 ${dead.length} 条（发送“重发 <编号>”重新发送）：\n${lines.join('\n')}`)];
  },
};

export const resend: Command = {
  names: ['重发'],
  usage: '重发 <编号> — 重新发送一条发送失败的消息（管理员）',
  roles: ['admin'],
  async run(args, ctx) {
    if (!args.trim()) return [text('请输入要重发的消息编号，如：重发 5f2c…；发送“发送失败”查看编号。')];
    await ctx.services.deliveries.resend(ctx.caller, args);
    return [text(`已重新排入发送队列：${args.trim()}`)];
  },
};
