/**
 * Oversight jobs (R21): approved circulars delivered to every member unit's group
 * chats (text, the figures as xlsx, the chart as a picture), and the quarterly
 * circular drafted on the 5th working day of the next quarter for 联席办 to review.
 */
import type { Services } from '../../src/services';
import type { Circular } from '../../src/domain/circular';
import { XLSX_TYPE } from '../../src/services/statsWorkbook';
import { markdownSafe, text } from '../types';
import type { Announcer } from './announcer';
import type { Notifier } from './notices';
import type { Job } from './scheduler';

/** Sends one approved circular to every member unit's group chats; returns how many messages were queued. */
export async function deliverCircular(services: Services, announcer: Announcer, c: Circular) {
  return services.circulars.deliver(c, (department, parts) => announcer.announce(department, {
    title: parts.title,
    // Each line made safe for markdown (a title or remark someone typed), the line breaks kept.
    markdown: parts.text.split('\n').map(markdownSafe).join('\n'),
    file: { name: `${c.docNo}统计表.xlsx`, contentType: XLSX_TYPE, data: parts.xlsx },
    image: { name: `${c.docNo}图表.png`, data: parts.png },
  }));
}

export function oversightJobs(services: Services, announcer: Announcer | undefined, notify: Notifier): Job[] {
  return [
    {
      name: 'circulars.send',
      everyMs: 60_000,
      async run() {
        if (!announcer) return 'no group robots';
        let sent = 0;
        for (const c of await services.circulars.approvedUnsent()) {
          await deliverCircular(services, announcer, c);
          sent++;
        }
        return `sent ${sent}`;
      },
    },
    {
      name: 'circulars.quarterly',
      everyMs: 3600_000,
      async run(at) {
        const c = await services.circulars.draftQuarterly(at);
        if (!c) return 'not due';
        let told = 0;
        for (const u of await services.users.withRole('office')) {
          const message = text(`依据规则 R21：已自动起草${c.periodLabel}督查通报 ${c.circularNo}（数据截至 ${c.stats.today}）。请发送“修改通报 ${c.circularNo}”审阅、修改后提交，由另一位联席办人员或司法局审核后发各成员单位。`);
          if (await notify(u.userId, message, `circular-auto:${c.circularNo}:${u.userId}`)) told++;
        }
        return `drafted ${c.circularNo}, told ${told}`;
      },
    },
  ];
}
