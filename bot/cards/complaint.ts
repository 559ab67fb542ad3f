/** What a complaint looks like in the chat (R22): the acknowledgement card, 联席办's routing notice, a list line. */
import { createHash } from 'node:crypto';
import type { Card } from './card';
import { beijingDate } from '../../src/domain/calendar';
import { COMPLAINT_STATUS_LABELS, type Complaint, type Overdue } from '../../src/domain/complaint';
import { unitName } from '../../src/domain/organisation';
import { text, type Reply } from '../types';

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);

/** The card the responsible department taps to acknowledge (受理) a complaint within 1 working day. */
export function complaintCard(c: Complaint): Card {
  return {
    cardId: `cp-${createHash('sha256').update(`${c.complaintNo}:${c.department}:${c.version}`).digest('hex').slice(0, 24)}`,
    title: `投诉举报待受理：${c.entityName}`,
    description: `依据规则 R22，请于 ${c.ackDue} 前受理（1个工作日内）；如不属本单位职责，请发送“退回投诉 ${c.complaintNo} <理由>”由联席办改派。`,
    fields: [
      { label: '编号', value: c.complaintNo },
      { label: '被投诉主体', value: c.creditCode ? `${c.entityName}（${c.creditCode}）` : `${c.entityName}（不在检查对象库中）` },
      { label: '事项', value: c.matter || '未识别' },
      { label: '内容', value: clip(c.content, 300) },
      ...(c.contact ? [{ label: '联系方式', value: c.contact }] : []),
      { label: '分派依据', value: c.routeNote },
    ],
    buttons: [{ key: `cp.ack:${c.complaintNo}`, label: '受理', style: 'primary' }],
  };
}

/** What 联席办 reads when it must route a complaint. */
export function routeNotice(c: Complaint): Reply {
  return text(`投诉举报 ${c.complaintNo} 待联席办分派（R22）：${c.entityName}｜${c.matter || '未识别事项'}｜${clip(c.content, 100)}\n${c.routeNote}。\n请发送“分派投诉 ${c.complaintNo} <部门> [理由]”。`);
}

export const overdueText = (o: Overdue) => (o === 'ack' ? '｜逾期未受理' : o === 'close' ? '｜逾期未办结' : '');

export function complaintLine(c: Complaint, o: Overdue, i: number): string {
  return `${i + 1}. ${c.complaintNo}｜${beijingDate(c.receivedAt)}｜${c.entityName}｜${c.matter || '未识别事项'}｜${c.department ? unitName(c.department) : '待分派'}｜${COMPLAINT_STATUS_LABELS[c.status]}${overdueText(o)}`;
}
