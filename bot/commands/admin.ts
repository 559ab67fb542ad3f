/** Admin commands over the outbox's dead-letter list. */
import { Refusal } from '../../src/services/context';
import { requireRole } from '../../src/services/roles';
import { beijingTime } from '../../src/domain/calendar';
import { findUnit, MEMBER_UNITS } from '../../src/domain/organisation';
import { text } from '../types';
import type { Command, CommandContext } from './types';
import { longList } from './format';

/** Dead letters 发送失败 reads at most (更多 pages through them). */
const DEAD_LISTED = 200;

const KIND_LABELS: Record<string, string> = {
  app: '企业微信应用消息', card_update: '企业微信卡片更新', robot_markdown: '企业微信群机器人', robot_file: '企业微信群文件', robot_image: '企业微信群图片', appchat_markdown: '企业微信应用群聊',
  session: '钉钉会话回复', robot_user: '钉钉机器人单聊', group_markdown: '钉钉群机器人',
};

export const deadLetters: Command = {
  names: ['发送失败', '死信'],
  usage: '发送失败 — 查看多次重试仍未发出的消息（管理员）',
  roles: ['admin'],
  async run(_args, ctx) {
    const dead = await ctx.services.deliveries.dead(ctx.caller, DEAD_LISTED);
    if (dead.length === 0) return [text('没有发送失败的消息。')];
    const lines = dead.map((d, i) => `${i + 1}. 编号 ${d.id}｜${KIND_LABELS[d.payload.kind] ?? d.payload.kind}｜${beijingTime(d.createdAt).slice(5)}｜尝试${d.attempts}次｜${d.lastError.slice(0, 60)}`);
    return longList(ctx, {
      title: '发送失败的消息', head: `发送失败的消息 ${dead.length}${dead.length === DEAD_LISTED ? '+' : ''} 条（发送“重发 <编号>”重新发送）：`, lines, shown: ctx.pageSize,
      columns: ['编号', '类型', '时间', '尝试次数', '错误'],
    });
  },
};

export const resend: Command = {
  names: ['重发'],
  usage: '重发 <编号> — 重新发送一条发送失败的消息（管理员）',
  roles: ['admin'],
  async run(args, ctx) {
    if (!args.trim()) throw new Refusal('请输入要重发的消息编号，如：重发 5f2c…；发送“发送失败”查看编号。');
    await ctx.services.deliveries.resend(ctx.caller, args);
    return [text(`已重新排入发送队列：${args.trim()}`)];
  },
};

/** Words for "every member unit" in 通知. */
const EVERY_UNIT = new Set(['全部', '全体', '所有', '所有单位', '全部单位', '各单位', '各成员单位', '全体成员单位']);

/** What to do about a missing group robot: an administrator sets it up; anyone else asks one. */
const robotHint = (ctx: CommandContext) => (ctx.caller.roles.includes('admin')
  ? '请发送“绑定群机器人 <部门> <webhook地址>”绑定（或在 WECOM_ROBOTS / DINGTALK_ROBOTS 中添加后重启服务）'
  : '请系统管理员发送“绑定群机器人 <部门> <webhook地址>”绑定');

export const announce: Command = {
  names: ['通知', '群通知'],
  usage: '通知 <部门|全部> <内容> — 发到该部门（或全部成员单位）的工作群（联席办、管理员）',
  roles: ['office', 'admin'],
  async run(args, ctx) {
    requireRole(ctx.caller, ['office', 'admin'], '发工作群通知');
    const [deptName, ...rest] = args.split(/\s+/).filter(Boolean);
    const body = rest.join(' ');
    if (!deptName || !body) throw new Refusal('请按格式输入：通知 <部门|全部> <内容>，例如：通知 县市管局 6月联合抽查名单已公示，请各组长查收');
    if (EVERY_UNIT.has(deptName)) {
      const announcer = ctx.announcer;
      const has = announcer ? await Promise.all(MEMBER_UNITS.map((u) => announcer.channelsOf(u.code))) : [];
      const reached = MEMBER_UNITS.filter((_u, i) => has[i] && (has[i].wecom || has[i].dingtalk));
      if (!announcer || reached.length === 0) return [text(`还没有任何成员单位配置工作群机器人，${robotHint(ctx)}。`)];
      let n = 0;
      for (const u of reached) n += await announcer.announce(u.code, { title: `${ctx.caller.name}的通知`, markdown: body });
      const missing = MEMBER_UNITS.filter((u) => !reached.includes(u));
      return [text(`已排入发送队列（${n}条），将发到${reached.length}个成员单位的工作群。${missing.length ? `${missing.map((u) => u.name).join('、')}未配置群机器人，未发出，${robotHint(ctx)}。` : ''}`)];
    }
    const unit = findUnit(deptName);
    if (!unit) throw new Refusal(`部门“${deptName}”不是联席会议成员单位（R19），请用如“县市管局”的名称；发给全部成员单位请写“通知 全部 <内容>”`, 'R19');
    const has = await ctx.announcer?.channelsOf(unit.code);
    if (!ctx.announcer || !has || (!has.wecom && !has.dingtalk)) return [text(`${unit.name}还没有配置工作群机器人，${robotHint(ctx)}。`)];
    const n = await ctx.announcer.announce(unit.code, { title: `${ctx.caller.name}的通知`, markdown: body });
    return [text(`已排入发送队列（${n}条），将发到${unit.name}的${[has.wecom && '企业微信群', has.dingtalk && '钉钉群'].filter(Boolean).join('和')}。`)];
  },
};
