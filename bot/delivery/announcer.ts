/**
 * Announcements to a department's group chats: its WeCom group robot
 * (WECOM_ROBOTS) and its DingTalk custom group robot (DINGTALK_ROBOTS). Markdown
 * is split to fit WeCom's 4,096 bytes; a file goes to WeCom as a file and to
 * DingTalk (whose group robots cannot send files) as a signed, expiring link.
 * Everything is queued in the outbox, which holds each robot to its rate limit.
 * Robots an admin bound from the chat (绑定群机器人) are found through
 * RobotService.resolve at announce time; their entries carry only `@<部门代码>`,
 * which the senders resolve at send time.
 */
import { parseRobotList, type Config } from '../../src/config';
import { findUnit } from '../../src/domain/organisation';
import type { Repos } from '../../store/repos';
import type { RobotProbe, RobotService } from '../../src/services/robots';
import { outgoing, type Sender } from '../channels/contracts';
import { splitMarkdown } from '../channels/markdown';
import { downloadLink } from '../channels/downloadLinks';

export interface Announcement {
  title: string;
  markdown: string;
  file?: { name: string; contentType: string; data: Buffer };
  /** A picture (PNG): an image message to WeCom robots; to DingTalk robots, shown in the markdown from a signed, expiring link. */
  image?: { name: string; data: Buffer };
}

/** Department code → the robot as listed in the configuration. */
function robotsByDepartment(list: string | undefined, withSecret: boolean): Map<string, { listed: string; value: string }> {
  const out = new Map<string, { listed: string; value: string }>();
  for (const [listed, value] of parseRobotList(list ?? '', withSecret)) {
    const unit = findUnit(listed);
    if (unit) out.set(unit.code, { listed, value });
  }
  return out;
}

export interface AnnouncerDeps {
  config: Config;
  repos: Repos;
  now: () => Date;
  /** Robots bound from the chat; without it, only the environment's. */
  robots?: RobotService;
  /** Where a binding's test message goes out at once; without them, robots cannot be bound here. */
  senders?: { wecom?: Sender & { createAppChat?(name: string, owner: string, members: string[]): Promise<string>; robotMarkdown?(key: string, markdown: string): Promise<void> }; dingtalk?: { groupMarkdown(entry: string, title: string, markdown: string): Promise<void> } };
}

export function createAnnouncer({ config, repos, now, robots, senders }: AnnouncerDeps) {
  const wecom = robotsByDepartment(config.WECOM_ROBOTS, false);
  const dingtalk = robotsByDepartment(config.DINGTALK_ROBOTS, true);
  const fileTtlMs = config.DOWNLOAD_TTL_HOURS * 3600_000;
  /** A robot bound from the chat, named in the outbox only by its reference. */
  const chatBound = async (platform: 'wecom' | 'dingtalk', department: string) => {
    const r = await robots?.resolve(platform, department);
    return r ? { listed: r.ref, value: r.ref } : undefined;
  };

  return {
    /** Which platforms have a group robot for this department. */
    async channelsOf(department: string): Promise<{ wecom: boolean; dingtalk: boolean }> {
      if (robots) return robots.channelsOf(department);
      return { wecom: wecom.has(department), dingtalk: dingtalk.has(department) };
    },

    /** Sends a binding's test message now, so the admin learns at once whether the group received it. */
    probe: senders && (async (platform, value, title, markdown) => {
      if (platform === 'wecom') {
        if (!senders.wecom?.robotMarkdown) throw new Error('WeCom is not configured');
        await senders.wecom.robotMarkdown(value, `**${title}**\n${markdown}`);
      } else {
        if (!senders.dingtalk) throw new Error('DingTalk is not configured');
        await senders.dingtalk.groupMarkdown(value, title, markdown);
      }
    }) as RobotProbe | undefined,

    /** Creates a WeCom application group chat (建群); absent where WeCom is not connected. */
    createAppChat: senders?.wecom?.createAppChat?.bind(senders.wecom),

    /** Queues the announcement; returns how many messages were queued. */
    async announce(department: string, a: Announcement): Promise<number> {
      const at = now();
      let queued = 0;
      let fileId: string | undefined;
      if (a.file) fileId = await repos.files.put({ ...a.file, createdAt: at, expiresAt: new Date(at.getTime() + fileTtlMs) });
      const imageId = a.image && await repos.files.put({ name: a.image.name, contentType: 'image/png', data: a.image.data, createdAt: at, expiresAt: new Date(at.getTime() + fileTtlMs) });
      const w = wecom.get(department) ?? (await chatBound('wecom', department));
      if (w) {
        for (const part of splitMarkdown(`**${a.title}**\n${a.markdown}`)) {
          await repos.outbox.enqueue(outgoing({ platform: 'wecom', kind: 'robot_markdown', robot: w.listed, markdown: part }), at);
          queued++;
        }
        if (fileId) {
          await repos.outbox.enqueue(outgoing({ platform: 'wecom', kind: 'robot_file', robot: w.listed, fileId }), at);
          queued++;
        }
        if (imageId) {
          await repos.outbox.enqueue(outgoing({ platform: 'wecom', kind: 'robot_image', robot: w.listed, fileId: imageId }), at);
          queued++;
        }
      }
      const chat = w ? undefined : await robots?.appChat(department);
      if (chat) {
        // The app's own group chat (建群), where the department has no WeCom robot (text only; files go to robots).
        for (const part of splitMarkdown(`**${a.title}**\n${a.markdown}`)) {
          await repos.outbox.enqueue(outgoing({ platform: 'wecom', kind: 'appchat_markdown', chatId: chat.chatId, markdown: part }), at);
          queued++;
        }
      }
      const d = dingtalk.get(department) ?? (await chatBound('dingtalk', department));
      if (d) {
        const link = fileId && a.file ? `\n\n[${a.file.name.replace(/[[\]]/g, '')}](${downloadLink(config, fileId, at)})（${config.DOWNLOAD_TTL_HOURS}小时内有效）` : '';
        const picture = imageId && a.image ? `\n\n![${a.image.name.replace(/[[\]]/g, '')}](${downloadLink(config, imageId, at)})` : '';
        // DingTalk's markdown limit is about 5,000 characters: split the same way.
        for (const part of splitMarkdown(`${a.markdown}${link}${picture}`, 4000)) {
          await repos.outbox.enqueue(outgoing({ platform: 'dingtalk', kind: 'group_markdown', robot: d.listed, title: a.title, markdown: part }), at);
          queued++;
        }
      }
      return queued;
    },
  };
}

export type Announcer = ReturnType<typeof createAnnouncer>;
