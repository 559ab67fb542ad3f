/**
 * Scheduled reminders: an approval step that waited more than the
 * configured working days (its deciders get the card again), and in March each
 * department whose items still lack a plan this year (R12).
 */
import type { Services } from '../../src/services';
import { beijingDate, inYearlyDeadlineMonth, yearlyDeadlineWords } from '../../src/domain/calendar';
import { approvalCard, KIND_LABELS } from '../cards/approval';
import { transferCard } from '../cards/transfer';
import { coverageLines } from '../views/coverage';
import { text } from '../types';
import { JOINT_OFFICE_HOST, unitName } from '../../src/domain/organisation';
import type { Notifier } from './notices';
import type { Job } from './scheduler';

const HOUR = 3600_000;

export function reminderJobs(services: Services, notify: Notifier): Job[] {
  return [
    {
      name: 'approvals.remind',
      everyMs: HOUR,
      async run(at) {
        const limit = services.policy.remindAfterWorkingDays;
        let sent = 0;
        for (const { approval: a, deciders } of await services.approvals.overdue(at, limit)) {
          const days = services.approvals.waitedDays(a, at);
          for (const u of deciders) {
            const key = `remind:${a.subject}:${a.version}:${beijingDate(at)}:${u.userId}`;
            await notify(u.userId, text(`提醒：${KIND_LABELS[a.kind]} ${a.subject}（${a.title}）已等待您审批 ${days} 个工作日，请尽快处理。`), `${key}:t`);
            if (await notify(u.userId, { kind: 'card', card: approvalCard(a, u.userId) }, `${key}:c`)) sent++;
          }
        }
        return `reminded ${sent}`;
      },
    },
    {
      name: 'coverage.remind',
      everyMs: 6 * HOUR,
      async run(at) {
        const day = beijingDate(at);
        const year = Number(day.slice(0, 4));
        // In the deadline's month, once a year (the counter makes it once across processes): the year's plans are due (R12).
        if (!inYearlyDeadlineMonth(day) || !(await services.coverage.claimYearlyReminder(year))) return 'not due';
        let sent = 0;
        for (const row of await services.coverage.table(year)) {
          if (row.missing.length === 0) continue;
          const message = text(`依据规则 R12：${year}年度抽查计划应于${yearlyDeadlineWords(year)}前录入。${coverageLines(row, year)}。请发送“新建计划”补充。`);
          for (const u of await services.users.inDepartment(row.department, ['official', 'leader'])) {
            if (await notify(u.userId, message, `coverage:${year}:${u.userId}`)) sent++;
          }
        }
        return `reminded ${sent}`;
      },
    },
    {
      // R14: a transfer's card to the receiving department (once per person), and each open
      // follow-up's owner reminded on its due day and every working day after.
      name: 'followups.remind',
      everyMs: HOUR / 6,
      async run(at) {
        let sent = 0;
        for (const { followUp: f, userIds } of await services.results.awaitingTransfers()) {
          for (const u of userIds) if (await notify(u, { kind: 'card', card: transferCard(f) }, `fu-accept:${f.id}:${u}`)) sent++;
        }
        const day = beijingDate(at);
        for (const { followUp: f, userIds } of await services.results.dueReminders(at)) {
          const late = f.due < day ? `已超过期限 ${f.due}` : `今天（${f.due}）到期`;
          const message = text(`提醒：${f.taskNo} 第${f.n}项（${f.entityName}：${f.problem}）${late}，请复查后发送“复查 ${f.taskNo} ${f.n} <日期> <情况>”办结（R14）。`);
          for (const u of userIds) if (await notify(u, message, `fu-remind:${f.id}:${day}:${u}`)) sent++;
        }
        return `followups ${sent}`;
      },
    },
    {
      // R15: results due in 3 working days (the team), and on Mondays the overdue ones (leaders, 联席办).
      name: 'results.deadlines',
      everyMs: HOUR,
      async run(at) {
        const day = beijingDate(at);
        const { dueSoon, overdue, unknown } = await services.results.deadlineReminders(at);
        let sent = 0;
        for (const { task, due } of dueSoon) {
          const message = text(`提醒：${task.taskNo}（${task.entityName}）的检查结果应于 ${due} 前录入（检查期结束后${services.results.dueWorkingDays}个工作日），请发送“录入结果 ${task.taskNo}”。`);
          for (const no of task.officers) if (await notify(no, message, `result-due:${task.taskNo}:${day}:${no}`)) sent++;
        }
        const office = await services.users.inDepartment(JOINT_OFFICE_HOST, ['office']);
        for (const [department, list] of overdue) {
          const message = text(`${unitName(department)}逾期未录入的检查结果 ${list.length} 个（R15）：\n${list.slice(0, 20).map(({ task, due }, i) => `${i + 1}. ${task.taskNo}｜${task.entityName}｜应于${due}前录入`).join('\n')}`);
          for (const u of [...await services.users.inDepartment(department, ['leader']), ...office]) {
            if (await notify(u.userId, message, `result-overdue:${department}:${day}:${u.userId}`)) sent++;
          }
        }
        return `results ${sent}${unknown.length ? `; no holiday data for the due day of ${unknown.length} tasks` : ''}`;
      },
    },
    {
      name: 'sessions.purge',
      everyMs: HOUR,
      run: async () => `purged ${await services.conversations.purgeExpired()}`,
    },
    {
      name: 'list_pages.purge',
      everyMs: HOUR,
      run: async () => `purged ${await services.lists.purgeExpired()}`,
    },
  ];
}
