/**
 * R15: on working days, each lead department's officials and leaders are warned of the
 * results whose publication deadline is 5 working days away and not yet public; on
 * Mondays 联席办 gets the list of those past their deadline. Each message once per person
 * and day (the notifier's key), whichever process runs the job.
 */
import type { Services } from '../../src/services';
import { beijingDate } from '../../src/domain/calendar';
import { unitName } from '../../src/domain/organisation';
import { PUBLICATION_WORKING_DAYS, WARN_WORKING_DAYS } from '../../src/domain/publication';
import { text } from '../types';
import type { Notifier } from './notices';
import type { Job } from './scheduler';

const HOUR = 3600_000;

export function publicationReminderJob(services: Services, notify: Notifier): Job {
  return {
    name: 'publication.remind',
    everyMs: HOUR,
    async run(at) {
      const day = beijingDate(at);
      const { warnings, late, lateDay, unknown } = await services.publication.reminders(at);
      const how = services.publication.mode === 'manual' ? '审核通过后请发送“公示 <任务编号>”' : '审核通过即自动公示，请尽快录入并送审';
      let sent = 0;
      for (const [department, rows] of warnings) {
        const message = text(`提醒（R15）：${unitName(department)}有 ${rows.length} 个检查结果的公示期限还剩${WARN_WORKING_DAYS}个工作日（检查完成后${PUBLICATION_WORKING_DAYS}个工作日内公示），${how}：\n${rows.slice(0, 20).map((r, i) => `${i + 1}. ${r.taskNo}｜${r.entityName}｜期限 ${r.deadline}`).join('\n')}`);
        for (const u of await services.publication.recipients(department)) if (await notify(u, message, `pub-warn:${department}:${day}:${u}`)) sent++;
      }
      if (lateDay && late.length) {
        const message = text(`逾期未公示的检查结果 ${late.length} 个（R15：检查完成后${PUBLICATION_WORKING_DAYS}个工作日内公示）：\n${late.slice(0, 30).map((r, i) => `${i + 1}. ${unitName(r.department)}｜${r.taskNo}｜${r.entityName}｜期限 ${r.deadline}`).join('\n')}${late.length > 30 ? `\n……另有 ${late.length - 30} 个，发送“公示情况”查看` : ''}`);
        for (const u of await services.publication.recipients()) if (await notify(u, message, `pub-late:${day}:${u}`)) sent++;
      }
      return `publication ${sent}${unknown.length ? `; no holiday data for ${unknown.length} deadlines` : ''}`;
    },
  };
}
