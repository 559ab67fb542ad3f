/**
 * Complaint deliveries (R22): the card to the department (or the notice to 联席办) for a
 * complaint from the public site, a daily reminder of unacknowledged ones, 联席办's weekly
 * list of overdue complaints (Mondays, Beijing time), and the public form's hourly counters purged.
 * Keys make each message once across processes and runs.
 */
import type { Services } from '../../src/services';
import { beijingDate } from '../../src/domain/calendar';
import type { Complaint } from '../../src/domain/complaint';
import { unitName } from '../../src/domain/organisation';
import type { UserDoc } from '../../src/domain/records/org';
import { complaintCard, complaintLine, routeNotice } from '../cards/complaint';
import { text } from '../types';
import type { Notifier } from './notices';
import type { Job } from './scheduler';

const HOUR = 3600_000;

/** Tells whoever must act on a newly received complaint (the public form's callback). */
export function announceComplaint(notify: Notifier) {
  return async (c: Complaint, recipients: UserDoc[]): Promise<void> => {
    for (const u of recipients) {
      await notify(u.userId, c.department ? { kind: 'card', card: complaintCard(c) } : routeNotice(c), `cp-new:${c.complaintNo}:${c.version}:${u.userId}`);
    }
  };
}

export function complaintJobs(services: Services, notify: Notifier): Job[] {
  return [
    {
      // Each working day: the department is reminded (with the card again) of complaints it has not acknowledged in time; 联席办 of unrouted ones.
      name: 'complaints.remind',
      everyMs: HOUR,
      async run(at) {
        const day = beijingDate(at);
        if (!services.complaints.isWorkingDay(day)) return 'not a working day';
        let sent = 0;
        for (const { complaint: c, overdue } of await services.complaints.overdueList(at)) {
          if (overdue !== 'ack') continue;
          for (const u of await services.complaints.recipients(c)) {
            const key = `cp-remind:${c.complaintNo}:${c.version}:${day}:${u.userId}`;
            const message = c.department
              ? text(`提醒：投诉举报 ${c.complaintNo}（${c.entityName}）应于 ${c.ackDue} 前受理，已逾期（R22）。请点卡片“受理”或发送“受理投诉 ${c.complaintNo}”；不属本单位职责的发送“退回投诉 ${c.complaintNo} <理由>”。`)
              : routeNotice(c);
            if (await notify(u.userId, message, `${key}:t`)) sent++;
            if (c.department) await notify(u.userId, { kind: 'card', card: complaintCard(c) }, `${key}:c`);
          }
        }
        return `reminded ${sent}`;
      },
    },
    {
      // Mondays: 联席办 gets every overdue complaint in one list, by department.
      name: 'complaints.weekly',
      everyMs: HOUR,
      async run(at) {
        const day = beijingDate(at);
        if (new Date(`${day}T00:00:00Z`).getUTCDay() !== 1) return 'not monday';
        const list = await services.complaints.overdueList(at);
        if (list.length === 0) return 'none overdue';
        const byDept = [...list].sort((a, b) => a.complaint.department.localeCompare(b.complaint.department) || a.complaint.complaintNo.localeCompare(b.complaint.complaintNo));
        const counts = new Map<string, number>();
        for (const { complaint: c } of list) counts.set(c.department, (counts.get(c.department) ?? 0) + 1);
        const summary = [...counts].map(([d, n]) => `${d ? unitName(d) : '待分派'} ${n} 件`).join('，');
        const message = text(`本周逾期的投诉举报 ${list.length} 件（R22）：${summary}。\n${byDept.slice(0, 50).map(({ complaint, overdue }, i) => complaintLine(complaint, overdue, i)).join('\n')}\n发送“查看投诉 <编号>”查看详情，“分派投诉 <编号> <部门>”改派。`);
        let sent = 0;
        for (const u of await services.complaints.officeMembers()) if (await notify(u.userId, message, `cp-weekly:${day}:${u.userId}`)) sent++;
        return `weekly list to ${sent}`;
      },
    },
    {
      name: 'complaint_gate.purge',
      everyMs: HOUR,
      run: async () => `purged ${await services.complaints.purgeGate()}`,
    },
  ];
}
