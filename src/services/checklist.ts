/**
 * 部署检查: what a county still lacks to run a full year, each gap with the
 * command that fixes it. Departments without a leader or an official (R19), or
 * without a group robot; 联席办 and 司法局 with fewer than two people, so nobody
 * has to approve their own request (R20); items without a power-list code (R9);
 * enforcement officers whose certificate has lapsed (R8a) or who have no linked
 * user (they cannot receive tasks); the current year without holiday data
 * (deadlines count working days, R15).
 */
import { beijingDate } from '../domain/calendar';
import { certificateValidOn, isEnforcementOfficer } from '../domain/inspector';
import { JOINT_OFFICE_HOST, JUSTICE_DEPT, MEMBER_UNITS, type Role } from '../domain/organisation';
import type { InspectorDoc } from '../domain/records/directory';
import type { Deps } from './context';
import { usersOfInspectors } from './inspectorLinks';
import { loadHolidayCalendar } from './holidays';
import { requireRole } from './roles';
import type { RobotService } from './robots';

export interface Gap {
  what: string;
  rule?: string;
  fix: string;
}

export function checklistService(deps: Deps, robots: RobotService) {
  const { repos, now } = deps;
  return {
    async gaps(by: Parameters<typeof requireRole>[0]): Promise<Gap[]> {
      requireRole(by, ['admin'], '做部署检查');
      const today = beijingDate(now());
      const users = (await repos.org.users()).filter((u) => u.active);
      const holders = (dept: string, role: Role) => users.filter((u) => u.department === dept && u.roles.includes(role));
      const out: Gap[] = [];
      // Nobody but admins yet: the people come first (the directory, or a spreadsheet), then their roles.
      if (!users.some((u) => !u.roles.includes('admin'))) out.push({ what: '除系统管理员外还没有登记人员', rule: 'R19', fix: 'npm run cli -- directory sync --dry-run，看过后 npm run cli -- directory sync（或 npm run cli -- import users <人员表.xlsx>）' });
      const noLeader: string[] = [];
      const noOfficial: string[] = [];
      const noRobot: string[] = [];
      const unreadable: string[] = [];
      for (const u of MEMBER_UNITS) {
        if (holders(u.code, 'leader').length === 0) noLeader.push(u.name);
        if (holders(u.code, 'official').length === 0) noOfficial.push(u.name);
        // A robot sealed under another SECRETS_KEY cannot be opened: it counts as missing, and is named below.
        const ch = await robots.channelsOf(u.code).catch(() => { unreadable.push(u.name); return { wecom: false, dingtalk: false }; });
        if (!ch.wecom && !ch.dingtalk) noRobot.push(u.name);
      }
      const list = (names: string[]) => names.slice(0, 8).join('、') + (names.length > 8 ? ` 等${names.length}个` : '');
      if (noLeader.length) out.push({ what: `没有部门领导的部门：${list(noLeader)}`, rule: 'R19', fix: `授权 <姓名> 部门领导 ${noLeader[0]}` });
      if (noOfficial.length) out.push({ what: `没有经办人的部门：${list(noOfficial)}`, rule: 'R19', fix: `授权 <姓名> 经办人 ${noOfficial[0]}` });
      const sealed = deps.settings?.SECRETS_KEY ? 0 : (await repos.robots.all()).length;
      if (sealed) out.push({ what: `聊天中绑定的${sealed}个群机器人无法使用：服务器未设置 SECRETS_KEY`, fix: '在 .env 中设置绑定时所用的 SECRETS_KEY 后重启；如已丢失，请重新“绑定群机器人”' });
      if (unreadable.length) out.push({ what: `群机器人无法解密的部门（SECRETS_KEY 与绑定时不同）：${list(unreadable)}`, fix: `改回绑定时所用的 SECRETS_KEY 后重启，或重新“绑定群机器人 ${unreadable[0]} <webhook地址>”` });
      if (noRobot.length) out.push({ what: `没有工作群机器人的部门：${list(noRobot)}`, fix: `绑定群机器人 ${noRobot[0]} <webhook地址>` });
      const office = users.filter((u) => u.roles.includes('office') && u.department === JOINT_OFFICE_HOST).length;
      if (office < 2) out.push({ what: `联席办只有${office}人（至少需2人，以免有人审批自己的申请）`, rule: 'R20', fix: '授权 <姓名> 联席办（须为县市管局人员）' });
      const justice = users.filter((u) => u.roles.includes('justice') && u.department === JUSTICE_DEPT).length;
      if (justice < 2) out.push({ what: `司法局审核只有${justice}人（至少需2人，司法局自己的申请才有人审核）`, rule: 'R20', fix: '授权 <姓名> 司法局审核（须为县司法局人员）' });
      const items = await repos.items.all();
      if (items.length === 0) out.push({ what: '还没有导入检查事项清单', rule: 'R9', fix: 'npm run cli -- import items <检查事项清单.xlsx>' });
      const noCode = items.filter((i) => !i.powerListCode?.trim());
      if (noCode.length) out.push({ what: `${noCode.length}项检查事项没有权力清单编码（如 ${noCode[0]!.department}:${noCode[0]!.itemCode}）`, rule: 'R9', fix: 'npm run cli -- import items <补全“权力清单编码”列的文件>' });
      const inspectors: InspectorDoc[] = [];
      for (const u of MEMBER_UNITS) inspectors.push(...(await repos.inspectors.byDepartment(u.code, { activeOnly: true })));
      if (inspectors.length === 0) out.push({ what: '还没有导入执法检查人员名录', rule: 'R7', fix: 'npm run cli -- import inspectors <执法检查人员名录.xlsx>' });
      const lapsed = inspectors.filter((i) => isEnforcementOfficer(i) && !certificateValidOn(i, today));
      if (lapsed.length) out.push({ what: `${lapsed.length}名执法人员执法证已过期或未填有效期（如 ${lapsed[0]!.name}，${lapsed[0]!.inspectorNo}）`, rule: 'R8a', fix: 'npm run cli -- import inspectors <更新“执法证有效期至”列的文件>' });
      const linked = await usersOfInspectors(repos, inspectors.map((i) => i.inspectorNo));
      const unlinked = inspectors.filter((i) => !linked.has(i.inspectorNo));
      const year = Number(today.slice(0, 4));
      if (!loadHolidayCalendar().years.has(year)) out.push({ what: `${year}年的节假日安排尚未录入，结果期限等按工作日计算的日期无法确定`, rule: 'R15', fix: `在 config/holidays.json（或 HOLIDAYS_FILE 指定的文件）中录入国务院公布的${year}年节假日和调休上班日` });
      if (unlinked.length) out.push({ what: `${unlinked.length}名检查人员没有对应的用户，收不到检查任务（如 ${unlinked[0]!.name}，${unlinked[0]!.inspectorNo}）`, fix: '关联检查人员（先同步通讯录：npm run cli -- directory sync）' });
      return out;
    },
  };
}

export type ChecklistService = ReturnType<typeof checklistService>;
