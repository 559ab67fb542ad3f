/**
 * Department group robots: those listed in WECOM_ROBOTS / DINGTALK_ROBOTS (which
 * take precedence) and those an admin binds from the chat (绑定群机器人), stored
 * sealed with SECRETS_KEY. `resolve` is the one place a department's robot is
 * looked up; the announcer and the senders call it at send time, so outbox
 * entries of a chat-bound robot carry only its reference (`@<部门代码>`).
 */
import { parseRobotList } from '../config';
import { findUnit, unitName } from '../domain/organisation';
import { Refusal, type Caller, type Deps } from './context';
import { requireRole } from './roles';
import { mask, sealer } from './secrets';

export type RobotPlatform = 'wecom' | 'dingtalk';

export interface RobotSettings {
  SECRETS_KEY?: string;
  WECOM_ROBOTS?: string;
  DINGTALK_ROBOTS?: string;
}

export interface ResolvedRobot {
  platform: RobotPlatform;
  department: string;
  source: 'env' | 'chat';
  /** WeCom: the webhook key; DingTalk: "access_token:secret". Never logged or shown. */
  value: string;
  /** What an outbox entry names: the name listed in the environment, or `@<code>` for a chat-bound robot. */
  ref: string;
}

/** Sends one message to the robot now (through the platform's sender); throws when the platform refuses. */
export type RobotProbe = (platform: RobotPlatform, value: string, title: string, markdown: string) => Promise<void>;

const PLATFORM_LABEL: Record<RobotPlatform, string> = { wecom: '企业微信', dingtalk: '钉钉' };

/** The platform and secret a pasted webhook address stands for, or a Chinese reason. */
export function parseWebhook(address: string, secret?: string): { platform: RobotPlatform; value: string } | string {
  let url: URL;
  try {
    url = new URL(address.trim());
  } catch {
    return '群机器人地址无效：请粘贴完整的 webhook 地址（以 https:// 开头）';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return '群机器人地址应以 https:// 开头';
  if (url.pathname.endsWith('/cgi-bin/webhook/send')) {
    const key = url.searchParams.get('key') ?? '';
    if (!/^[A-Za-z0-9-]{8,64}$/.test(key)) return '企业微信群机器人地址缺少有效的 key=…，请在群设置 → 群机器人中复制完整地址';
    return { platform: 'wecom', value: key };
  }
  if (url.pathname.endsWith('/robot/send')) {
    const token = url.searchParams.get('access_token') ?? '';
    if (!/^[A-Za-z0-9]{8,128}$/.test(token)) return '钉钉群机器人地址缺少有效的 access_token=…，请复制完整地址';
    if (!secret || !/^SEC[A-Za-z0-9]{8,128}$/.test(secret)) return '钉钉群机器人需要“加签”密钥（以 SEC 开头），请在地址后加上：绑定群机器人 <部门> <地址> <SEC…>';
    return { platform: 'dingtalk', value: `${token}:${secret}` };
  }
  return '无法识别的群机器人地址：企业微信应为 …/cgi-bin/webhook/send?key=…，钉钉应为 …/robot/send?access_token=…';
}

export function robotService({ repos, now, settings = {} }: Deps & { settings?: RobotSettings }) {
  const fromEnv = (platform: RobotPlatform): Map<string, string> => {
    const out = new Map<string, string>();
    const list = platform === 'wecom' ? settings.WECOM_ROBOTS : settings.DINGTALK_ROBOTS;
    for (const [listed] of parseRobotList(list ?? '', platform === 'dingtalk')) {
      const unit = findUnit(listed);
      if (unit) out.set(unit.code, listed);
    }
    return out;
  };
  const envLists = { wecom: fromEnv('wecom'), dingtalk: fromEnv('dingtalk') };
  const envValues = {
    wecom: parseRobotList(settings.WECOM_ROBOTS ?? '', false),
    dingtalk: parseRobotList(settings.DINGTALK_ROBOTS ?? '', true),
  };
  const box = settings.SECRETS_KEY ? sealer(settings.SECRETS_KEY) : undefined;

  /** A department's robot on a platform: the environment's first, then one bound from the chat. */
  async function resolve(platform: RobotPlatform, department: string): Promise<ResolvedRobot | undefined> {
    const listed = envLists[platform].get(department);
    if (listed) return { platform, department, source: 'env', value: envValues[platform].get(listed)!, ref: listed };
    if (!box) return undefined;
    const stored = await repos.robots.get(platform, department);
    if (!stored) return undefined;
    return { platform, department, source: 'chat', value: box.open(stored.sealed), ref: `@${department}` };
  }

  return {
    resolve,
    /** The secret behind an outbox entry's reference (`@<code>`), at send time; undefined when none is bound. */
    async resolveRef(platform: RobotPlatform, ref: string): Promise<string | undefined> {
      if (!ref.startsWith('@')) return undefined;
      return (await resolve(platform, ref.slice(1)))?.value;
    },

    /** Which platforms have a robot for this department (environment or chat). */
    async channelsOf(department: string): Promise<{ wecom: boolean; dingtalk: boolean }> {
      const wecom = Boolean(await resolve('wecom', department)) || Boolean(await repos.robots.appChat(department));
      return { wecom, dingtalk: Boolean(await resolve('dingtalk', department)) };
    },

    /** The department's WeCom application group chat, used where it has no WeCom robot. */
    appChat: (department: string) => repos.robots.appChat(department),

    /** 建群: the app's own group chat of the department's active people on WeCom (at least two), for its announcements. */
    async createAppChat(by: Caller, deptWord: string, create: ((name: string, owner: string, members: string[]) => Promise<string>) | undefined): Promise<{ department: string; members: number }> {
      requireRole(by, ['admin'], '建立部门工作群');
      const unit = findUnit(deptWord);
      if (!unit) throw new Refusal(`部门“${deptWord}”不是联席会议成员单位，请用如“县市管局”的名称`, 'R19');
      if (!create) throw new Refusal('本环境没有连接企业微信，无法建群；请在接入企业微信的服务器上操作。');
      const people = (await repos.org.users()).filter((u) => u.active && u.department === unit.code && u.wecomUserId);
      if (people.length < 2) throw new Refusal(`${unit.name}在企业微信中登记的在岗人员不足2人（企业微信群聊至少2人），请先同步通讯录。`);
      const me = await repos.org.user(by.userId);
      const members = people.map((u) => u.wecomUserId!);
      const owner = me?.wecomUserId && members.includes(me.wecomUserId) ? me.wecomUserId : members[0]!;
      let chatId: string;
      try {
        chatId = await create(`${unit.name}工作群`, owner, members);
      } catch {
        throw new Refusal(`企业微信没有建成${unit.name}的工作群；请确认应用的可见范围包含这些人员后再试。`);
      }
      const at = now();
      await repos.robots.saveAppChat(unit.code, { chatId, members: members.length, by: by.userId, at });
      await repos.audit.append({ at, actor: by.userId, channel: by.channel, action: 'appchat.create', target: `appchat:${unit.code}`, changes: [{ field: 'chatId', from: '', to: JSON.stringify(chatId) }], note: `${members.length}人` });
      return { department: unit.code, members: members.length };
    },

    /** 绑定群机器人: checks the address, sends the test message the group sees, then stores it sealed. */
    async bind(by: Caller, deptWord: string, address: string, secret: string | undefined, probe: RobotProbe | undefined): Promise<{ platform: RobotPlatform; department: string; hint: string }> {
      requireRole(by, ['admin'], '绑定群机器人');
      const unit = findUnit(deptWord);
      if (!unit) throw new Refusal(`部门“${deptWord}”不是联席会议成员单位，请用如“县市管局”的名称`, 'R19');
      const parsed = parseWebhook(address, secret);
      if (typeof parsed === 'string') throw new Refusal(parsed);
      const label = PLATFORM_LABEL[parsed.platform];
      const envName = parsed.platform === 'wecom' ? 'WECOM_ROBOTS' : 'DINGTALK_ROBOTS';
      if (envLists[parsed.platform].has(unit.code)) {
        throw new Refusal(`${unit.name}的${label}群机器人已在服务器环境变量 ${envName} 中配置，环境变量优先；如要改用聊天中绑定的机器人，请先从 ${envName} 中删除该部门。`);
      }
      if (!box) throw new Refusal('服务器未设置 SECRETS_KEY，群机器人地址无法加密保存；请系统管理员在 .env 中设置后重启。');
      if (!probe) throw new Refusal(`本环境没有连接${label}，无法发送测试消息；请在接入${label}的服务器上绑定。`);
      const hint = mask(parsed.value.split(':')[0]!);
      try {
        await probe(parsed.platform, parsed.value, '群机器人绑定测试', `监管助手：本群已绑定为**${unit.name}**的工作群，今后的抽查公告将发到这里。（${by.name}操作）`);
      } catch {
        // The platform's reason may quote the address: only our own words go back.
        throw new Refusal(`测试消息没有发出，${label}拒绝了这个群机器人地址（${hint}）；请在群设置中重新复制地址（钉钉还需加签密钥）后再试。`);
      }
      const at = now();
      const before = await repos.robots.get(parsed.platform, unit.code);
      await repos.robots.save({ platform: parsed.platform, department: unit.code, sealed: box.seal(parsed.value), hint, boundBy: by.userId, boundAt: at });
      await repos.audit.append({
        at, actor: by.userId, channel: by.channel, action: before ? 'robot.rebind' : 'robot.bind',
        target: `robot:${parsed.platform}:${unit.code}`,
        changes: [{ field: 'hint', from: before ? JSON.stringify(before.hint) : '', to: JSON.stringify(hint) }], note: '',
      });
      return { platform: parsed.platform, department: unit.code, hint };
    },

    /** 群机器人: every department with a robot, where it comes from, and its masked key. */
    async list(by: Caller): Promise<{ department: string; name: string; platform: RobotPlatform; source: 'env' | 'chat' | 'appchat'; hint: string }[]> {
      requireRole(by, ['admin', 'office'], '查看群机器人');
      const out: { department: string; name: string; platform: RobotPlatform; source: 'env' | 'chat' | 'appchat'; hint: string }[] = [];
      for (const platform of ['wecom', 'dingtalk'] as const) {
        for (const [code, listed] of envLists[platform]) out.push({ department: code, name: unitName(code), platform, source: 'env', hint: mask(envValues[platform].get(listed)!.split(':')[0]!) });
      }
      for (const r of await repos.robots.all()) {
        if (envLists[r.platform].has(r.department)) continue;
        out.push({ department: r.department, name: unitName(r.department), platform: r.platform, source: 'chat', hint: r.hint });
      }
      for (const c of await repos.robots.appChats()) out.push({ department: c.department, name: unitName(c.department), platform: 'wecom', source: 'appchat', hint: '应用群聊' });
      return out;
    },
  };
}

export type RobotService = ReturnType<typeof robotService>;
