/**
 * Reminders of the pools' year: C-pool coverage (R4) — at the start of each
 * quarter to each unit with uncovered C entities, every week from 1 November
 * with the remaining list (and its xlsx), and a year-end summary to 联席办.
 * The March deadlines (R8, R9): from 1 March, weekly until done, 联席办 until the
 * joint inspector pool is confirmed and each member unit until its A-pool joint
 * items are filed and acknowledged (R12's plan reminder is in reminders.ts).
 * Each reminder period is claimed once across all processes (a counter keyed
 * by the period), and each message has its own outbox key as well.
 */
import type { Services } from '../../src/services';
import { beijingDate } from '../../src/domain/calendar';
import { marchDeadline, marchReminderWeek } from '../../src/domain/marchDeadlines';
import { coverageRemindersDue, type CCoverageRow, type CoverageReminder } from '../../src/domain/cCoverage';
import { JOINT_OFFICE_HOST, unitName } from '../../src/domain/organisation';
import { C_COVERAGE_HEADERS, cCoverageLine, cCoverageRows, workbook, XLSX } from '../views/cCoverage';
import { text, type Reply } from '../types';
import type { Notifier } from './notices';
import type { Job } from './scheduler';

const HOUR = 3600_000;
/** Entities listed in a reminder's text; the xlsx has them all. */
const LISTED = 30;

function unitMessage(r: CCoverageRow, due: CoverageReminder): string {
  const head = due.kind === 'quarter'
    ? `依据规则 R4：C类主体每年至少检查一次。${unitName(r.department)}负责的 ${r.total} 户C类主体中，${due.year}年尚未覆盖 ${r.uncovered.length} 户（已列入任务 ${r.planned.length} 户）`
    : `依据规则 R4：距年底还有不到两个月，${unitName(r.department)}仍有 ${r.uncovered.length} 户C类主体${due.year}年尚未检查也未列入任务`;
  const list = r.uncovered.slice(0, LISTED).map((e, i) => `${i + 1}. ${e.name}（${e.code}）`);
  const more = r.uncovered.length > LISTED ? [`……共 ${r.uncovered.length} 户，完整名单见 xlsx`] : [];
  return [`${head}：`, ...list, ...more, '请发送“新建计划”制定C类计划安排检查，发送“C类覆盖”查看详情。'].join('\n');
}

export function yearReminderJobs(services: Services, notify: Notifier): Job[] {
  async function file(name: string, rows: CCoverageRow[]): Promise<Reply> {
    const data = await workbook(name.replace(/\.xlsx$/, ''), C_COVERAGE_HEADERS, cCoverageRows(rows));
    return { kind: 'file', fileId: await services.lists.storeFile(name, XLSX, data), name };
  }

  return [
    {
      name: 'c-coverage.remind',
      everyMs: 6 * HOUR,
      async run(at) {
        const day = beijingDate(at);
        let sent = 0;
        for (const due of coverageRemindersDue(day)) {
          if (!(await services.cCoverage.claimReminder(due.key))) continue;
          const rows = await services.cCoverage.table(due.year);
          if (due.kind === 'summary') {
            const total = rows.reduce((n, r) => n + r.total, 0);
            const left = rows.reduce((n, r) => n + r.uncovered.length + r.planned.length, 0);
            const message = text([`依据规则 R4：${due.year}年C类主体覆盖年终汇总：共 ${total} 户次，未完成检查 ${left} 户次。`, ...rows.map(cCoverageLine)].join('\n'));
            const attachment = rows.length ? await file(`${due.year}年C类主体覆盖汇总.xlsx`, rows) : undefined;
            for (const u of await services.users.inDepartment(JOINT_OFFICE_HOST, ['office'])) {
              if (await notify(u.userId, message, `${due.key}:${u.userId}`)) sent++;
              if (attachment) await notify(u.userId, attachment, `${due.key}:${u.userId}:f`);
            }
            continue;
          }
          for (const r of rows) {
            if (r.uncovered.length === 0) continue;
            const message = text(unitMessage(r, due));
            const attachment = r.uncovered.length > LISTED ? await file(`${unitName(r.department)}${due.year}年未覆盖C类主体.xlsx`, [{ ...r, planned: [], inspected: [] }]) : undefined;
            for (const u of await services.users.inDepartment(r.department, ['official', 'leader'])) {
              if (await notify(u.userId, message, `${due.key}:${u.userId}`)) sent++;
              if (attachment) await notify(u.userId, attachment, `${due.key}:${u.userId}:f`);
            }
          }
        }
        return `c-coverage ${sent}`;
      },
    },
    {
      name: 'march.deadlines',
      everyMs: 6 * HOUR,
      async run(at) {
        const week = marchReminderWeek(beijingDate(at));
        if (!week || !(await services.march.claimReminder(week.key))) return 'not due';
        const c = await services.march.checklist(week.year);
        const due = marchDeadline(week.year);
        let sent = 0;
        if (c.jointPool.state !== 'done') {
          const message = text(`依据规则 R8：联席办应于${due}前更新并确认${week.year}年度联合检查人员库${c.jointPool.state === 'late' ? '，现已逾期' : ''}。请审核人员名录后发送“联合人员库确认 ${week.year}”。`);
          for (const u of await services.users.inDepartment(JOINT_OFFICE_HOST, ['office'])) if (await notify(u.userId, message, `${week.key}:r8:${u.userId}`)) sent++;
        }
        for (const l of c.jointLists) {
          if (l.state === 'done' || l.status === 'pending') continue;
          const message = text(`依据规则 R9：${unitName(l.department)}应于${due}前向联席办和司法局报送${week.year}年度A类联合检查事项清单（${l.items}项）${l.state === 'late' ? '，现已逾期' : ''}${l.status === 'rejected' ? '（上次报送被退回）' : ''}。请发送“报送联合清单 ${week.year}”。`);
          for (const u of await services.users.inDepartment(l.department, ['official', 'leader'])) if (await notify(u.userId, message, `${week.key}:r9:${u.userId}`)) sent++;
        }
        return `march ${sent}`;
      },
    },
  ];
}
