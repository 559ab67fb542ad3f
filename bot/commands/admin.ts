/** Admin commands over the outbox's dead-letter list. */
import { beijingTime } from '../../src/domain/calendar';
import { findUnit } from '../../src/domain/organisation';
import { text } from '../types';
import type { Command } from './types';

const KIND_LABELS: Record<string, string> = {
  app: '企业微信应用消息', card_update: '企业微信卡片更新', robot_markdown: '企业微信群机器人', robot_file: '企业微信群文件', appchat_markdown: '企业微信应用群聊',
  session: '钉钉会话回复', robot_user: '钉钉机器人单聊', group_markdown: '钉钉群机器人',
};

export const deadLetters: Command = {
  names: ['发送失败', '死信'],
  usage: '发送失败 — 查看多次重试仍未发出的消息（管理员）',
  roles: ['admin'],
  async run(_args, ctx) {
    const dead = await ctx.services.deliveries.dead(ctx.caller, ctx.pageSize);
    if (dead.length === 0) return [text('没有发送失败的消息。')];
    const lines = dead.map((d, i) => `${i + 1}. 编号 ${d.id}｜${KIND_LABELS[d.payload.kind] ?? d.payload.kind}｜${beijingTime(d.createdAt).slice(5)}｜尝试${d.attempts}次｜${d.lastError.slice(0, 60)}`);
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

export const announce: Command = {
  names: ['通知', '群通知'],
  usage: '通知 <部门> <内容> — 发到该部门的工作群（联席办、管理员）',
  roles: ['office', 'admin'],
  async run(args, ctx) {
    if (!ctx.caller.roles.some((r) => r === 'office' || r === 'admin')) return [text('只有联席办或系统管理员可以发工作群通知。')];
    const [deptName, ...rest] = args.split(/\s+/).filter(Boolean);
    const body = rest.join(' ');
    if (!deptName || !body) return [text('请按格式输入：通知 <部门> <内容>，例如：通知 县市管局 6月联合抽查名单已公示，请各组长查收')];
    const unit = findUnit(deptName);
    if (!unit) return [text(`部门“${deptName}”不是联席会议成员单位（R19），请用如“县市管局”的名称`)];
    const has = await ctx.announcer?.channelsOf(unit.code);
    if (!ctx.announcer || !has || (!has.wecom && !has.dingtalk)) return [text(`${unit.name}还没有配置工作群机器人，请系统管理员发送“绑定群机器人 ${unit.name} <webhook地址>”绑定。`)];
    const n = await ctx.announcer.announce(unit.code, { title: `${ctx.caller.name}的通知`, markdown: body });
    return [text(`已排入发送队列（${n}条），将发到${unit.name}的${[has.wecom && '企业微信群', has.dingtalk && '钉钉群'].filter(Boolean).join('和')}。`)];
  },
};
