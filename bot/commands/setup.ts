/** Setting up a county from the chat (admins): roles, group robots. */
import { Refusal } from '../../src/services/context';
import { ROLE_LABELS, unitName } from '../../src/domain/organisation';
import { text } from '../types';
import type { Command } from './types';

const words = (args: string) => args.split(/\s+/).filter(Boolean);
const PLATFORM = { wecom: '企业微信', dingtalk: '钉钉' } as const;
const HOW = { platform: '账号一致', mobile: '手机号一致', name: '同名同部门' } as const;

export const grantRole: Command = {
  names: ['授权'],
  usage: '授权 <姓名或账号> <角色> [部门] — 授予角色，如：授权 王伟 部门领导（管理员）',
  roles: ['admin'],
  async run(args, ctx) {
    const [who, role, dept] = words(args);
    if (!who || !role) throw new Refusal('请按格式输入：授权 <姓名或账号> <角色> [部门]，例如：授权 王伟 部门领导；角色可选：经办人、部门领导、联席办、司法局审核、执法检查人员、系统管理员');
    const { user, changed } = await ctx.services.roles.grant(ctx.caller, who, role, dept);
    const roles = user.roles.map((r) => ROLE_LABELS[r]).join('、');
    return [text(changed
      ? `已授权：${user.name}（${user.userId}，${unitName(user.department)}）现有角色：${roles}。已记录在案。`
      : `${user.name}（${user.userId}）已有该角色，未作改动。现有角色：${roles}`)];
  },
};

export const revokeRole: Command = {
  names: ['撤销', '撤销授权'],
  usage: '撤销 <姓名或账号> <角色> [部门] — 撤销角色（管理员）',
  roles: ['admin'],
  async run(args, ctx) {
    const [who, role, dept] = words(args);
    if (!who || !role) throw new Refusal('请按格式输入：撤销 <姓名或账号> <角色> [部门]，例如：撤销 王伟 部门领导');
    const { user, changed } = await ctx.services.roles.revoke(ctx.caller, who, role, dept);
    const roles = user.roles.map((r) => ROLE_LABELS[r]).join('、') || '无';
    return [text(changed
      ? `已撤销：${user.name}（${user.userId}，${unitName(user.department)}）现有角色：${roles}。已记录在案。`
      : `${user.name}（${user.userId}）没有该角色，未作改动。现有角色：${roles}`)];
  },
};

export const listRoles: Command = {
  names: ['角色'],
  usage: '角色 [部门] — 各部门人员的角色（管理员、联席办）',
  roles: ['admin', 'office'],
  async run(args, ctx) {
    const [dept] = words(args);
    const users = await ctx.services.roles.list(ctx.caller, dept);
    if (users.length === 0) return [text(`${dept ? `${dept}` : '全县'}还没有登记的在岗人员；请同步通讯录或用 user add 登记。`)];
    const byDept = new Map<string, string[]>();
    for (const u of users) {
      const line = `${u.name}（${u.userId}）：${u.roles.map((r) => ROLE_LABELS[r]).join('、') || '无角色'}`;
      byDept.set(u.department, [...(byDept.get(u.department) ?? []), line]);
    }
    const lines = [...byDept].flatMap(([d, ls]) => [`【${unitName(d)}】`, ...ls]);
    return [text(`在岗人员 ${users.length} 人：\n${lines.join('\n')}`)];
  },
};

export const bindRobot: Command = {
  names: ['绑定群机器人'],
  usage: '绑定群机器人 <部门> <webhook地址> [钉钉加签密钥] — 绑定部门工作群的机器人，会先发一条测试消息（管理员）',
  roles: ['admin'],
  async run(args, ctx) {
    const [dept, address, secret] = words(args);
    if (!dept || !address) throw new Refusal('请按格式输入：绑定群机器人 <部门> <webhook地址> [钉钉加签密钥]，地址在群设置 → 群机器人中复制。');
    const r = await ctx.services.robots.bind(ctx.caller, dept, address, secret, ctx.announcer?.probe);
    return [text(`已绑定${unitName(r.department)}的${PLATFORM[r.platform]}群机器人（${r.hint}），测试消息已发到群里，今后该部门的公告将发到这个群。密钥已加密保存，请删除聊天中含地址的消息。`)];
  },
};

export const listRobots: Command = {
  names: ['群机器人'],
  usage: '群机器人 — 哪些部门已有工作群机器人（管理员、联席办）',
  roles: ['admin', 'office'],
  async run(_args, ctx) {
    const list = await ctx.services.robots.list(ctx.caller);
    if (list.length === 0) return [text('还没有部门绑定工作群机器人。发送“绑定群机器人 <部门> <webhook地址>”绑定。')];
    const lines = list.map((r) => `${r.name}：${PLATFORM[r.platform]}（${r.hint}，${{ env: '服务器环境变量', chat: '聊天中绑定', appchat: '建群' }[r.source]}）`);
    return [text(`已有工作群机器人的部门 ${new Set(list.map((r) => r.department)).size} 个：\n${lines.join('\n')}`)];
  },
};

export const mapDepartment: Command = {
  names: ['部门映射'],
  usage: '部门映射 [<通讯录部门> <成员单位>] — 把通讯录中的部门对应到成员单位；不带参数列出已有映射（管理员）',
  roles: ['admin'],
  async run(args, ctx) {
    const w = words(args);
    if (w.length === 0) {
      const list = await ctx.services.directory.mappings();
      if (list.length === 0) return [text('还没有部门映射。名称与成员单位相同的通讯录部门会自动对应；其他的请发送“部门映射 <通讯录部门> <成员单位>”。')];
      return [text(`部门映射 ${list.length} 条：\n${list.map((m) => `${m.platformDept} → ${unitName(m.unit)}`).join('\n')}`)];
    }
    if (w.length < 2) throw new Refusal('请按格式输入：部门映射 <通讯录部门> <成员单位>，例如：部门映射 综合执法大队 县市管局');
    const unitWord = w[w.length - 1]!;
    const platformDept = w.slice(0, -1).join(' ');
    const r = await ctx.services.directory.map(ctx.caller, platformDept, unitWord);
    return [text(`已设置：通讯录部门“${platformDept}”的人员属于${unitName(r.unit)}${r.before ? `（原为${unitName(r.before)}）` : ''}。下次同步通讯录时生效（npm run cli -- directory sync，或每日自动同步）。`)];
  },
};

export const linkInspectors: Command = {
  names: ['关联检查人员'],
  usage: '关联检查人员 [确认 | <人员编号> <账号>] — 把检查人员名录与登记用户对应，才能收到检查任务（管理员）',
  roles: ['admin', 'office'],
  async run(args, ctx) {
    const w = words(args);
    if (w.length === 2) {
      const r = await ctx.services.inspectorLinks.linkOne(ctx.caller, w[0]!, w[1]!);
      return [text(`已关联：检查人员${r.name}（${w[0]}）→ 用户${r.userName}（${w[1]}），其检查任务将发给该用户。`)];
    }
    const confirm = w[0] === '确认';
    if (w.length > 0 && !confirm) throw new Refusal('请按格式输入：关联检查人员（查看建议）、关联检查人员 确认（按建议关联），或 关联检查人员 <人员编号> <账号>');
    const p = confirm ? await ctx.services.inspectorLinks.apply(ctx.caller) : await ctx.services.inspectorLinks.propose(ctx.caller);
    if (p.alreadyLinked + p.proposed.length + p.ambiguous.length + p.unlinked.length === 0) {
      return [text('还没有在岗的执法检查人员：请先导入名录（npm run cli -- import inspectors <文件>）。')];
    }
    const show = <T,>(list: T[], f: (x: T) => string) => list.slice(0, ctx.pageSize).map(f).join('\n') + (list.length > ctx.pageSize ? `\n…共${list.length}人` : '');
    const lines = [confirm ? `已按平台账号、手机号或姓名+部门关联 ${p.proposed.length} 名检查人员（已关联的 ${p.alreadyLinked} 名不变）。` : `已关联 ${p.alreadyLinked} 名；可唯一对应的 ${p.proposed.length} 名${p.proposed.length ? '（发送“关联检查人员 确认”后生效）：' : '。'}`];
    if (!confirm && p.proposed.length) lines.push(show(p.proposed, (m) => `${m.name}（${m.inspectorNo}，${unitName(m.department)}）→ ${m.userId}（${HOW[m.how]}）`));
    if (p.ambiguous.length) lines.push(`同名需人工确认 ${p.ambiguous.length} 名（发送“关联检查人员 <人员编号> <账号>”）：`, show(p.ambiguous, (a) => `${a.name}（${a.inspectorNo}，${unitName(a.department)}）：${a.candidates.join('、')}`));
    if (p.unlinked.length) lines.push(`没有对应用户、收不到检查任务的 ${p.unlinked.length} 名（请先同步通讯录）：`, show(p.unlinked, (u) => `${u.name}（${u.inspectorNo}，${unitName(u.department)}）`));
    return [text(lines.join('\n'))];
  },
};

export const setupCheck: Command = {
  names: ['部署检查'],
  usage: '部署检查 — 全年运行还缺什么，以及补上的命令（管理员）',
  roles: ['admin'],
  async run(_args, ctx) {
    const gaps = await ctx.services.checklist.gaps(ctx.caller);
    if (gaps.length === 0) return [text('部署检查通过：各部门有领导、经办人和工作群机器人，联席办和司法局各至少2人，事项都有权力清单编码，执法人员证件有效且都已关联用户。')];
    const lines = gaps.map((g, i) => `${i + 1}. ${g.what}${g.rule ? `（${g.rule}）` : ''}\n   补上：${g.fix}`);
    return [text(`部署检查发现 ${gaps.length} 项缺口：\n${lines.join('\n')}`)];
  },
};

export const createGroupChat: Command = {
  names: ['建群'],
  usage: '建群 <部门> — 用企业微信应用建立该部门的工作群（不用群机器人时），公告发到这个群（管理员）',
  roles: ['admin'],
  async run(args, ctx) {
    const [dept] = words(args);
    if (!dept) throw new Refusal('请按格式输入：建群 <部门>，例如：建群 县消防救援大队');
    const r = await ctx.services.robots.createAppChat(ctx.caller, dept, ctx.announcer?.createAppChat);
    return [text(`已建立${unitName(r.department)}工作群（${r.members}人）；该部门没有企业微信群机器人时，公告将发到这个群。`)];
  },
};

export const setupCommands: Command[] = [createGroupChat, grantRole, revokeRole, listRoles, bindRobot, listRobots, mapDepartment, linkInspectors, setupCheck];
