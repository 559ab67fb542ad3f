/** The card a decider taps to approve or return a request (同意 / 退回), sent by commands and by reminders. */
import type { ApprovalDoc } from '../../src/domain/records/approval';
import { STEP_WORDS } from '../../src/domain/status';
import type { Card } from './card';

export const KIND_LABELS = { plan: '抽查计划', filing: '备案', pool: '调库', result: '检查结果', circular: '督查通报', cjoint: 'C类联合检查安排', jointList: 'A类联合检查事项清单报送' } as const;

export const OUTCOME_LABELS = STEP_WORDS;

/** WeCom's task_id allows letters, digits and _-@ only, at most 128. */
const cardId = (a: ApprovalDoc, userId: string) =>
  `ap_${a.subject}_${a.current}_${userId}_${Date.now().toString(36)}`.replace(/[^A-Za-z0-9_@-]/g, '_').slice(0, 128);

export function approvalCard(a: ApprovalDoc, userId: string): Card {
  const step = a.steps[a.current];
  return {
    cardId: cardId(a, userId),
    title: `${KIND_LABELS[a.kind]}待审批：${a.subject}`,
    description: `${a.title}｜第${a.current + 1}/${a.steps.length}步：${step.label}`,
    fields: [
      ...a.fields,
      ...a.flags.map((f) => ({ label: '请注意', value: f })),
      // A resubmitted request: why the last round was returned, so the decider sees what was to be fixed.
      ...(a.earlier ?? []).filter((s) => s.outcome === 'rejected').slice(-1)
        .map((s) => ({ label: `第${s.round}轮退回`, value: `${s.label}（${s.byName ?? s.by ?? ''}${s.comment ? `：${s.comment}` : ''}）` })),
      ...a.steps.slice(0, a.current).map((s, i) => ({ label: `第${i + 1}步`, value: `${s.label} ${OUTCOME_LABELS[s.outcome]}（${s.byName ?? s.by ?? ''}${s.comment ? `：${s.comment}` : ''}）` })),
      { label: '附意见', value: `回复“同意 ${a.subject} 意见”或“退回 ${a.subject} 理由”` },
    ],
    buttons: [
      { key: `ap.yes:${a.subject}#${a.current}`, label: '同意', style: 'primary' },
      { key: `ap.no:${a.subject}#${a.current}`, label: '退回', style: 'danger' },
    ],
  };
}
