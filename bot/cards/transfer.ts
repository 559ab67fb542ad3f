/** The card a receiving department taps to accept a transfer (R14), sent by 录入结果's approval and by reminders. */
import { createHash } from 'node:crypto';
import { unitName } from '../../src/domain/organisation';
import type { FollowUpDoc } from '../../src/domain/records/result';
import type { Card } from './card';

/** The card a receiving department taps to accept a transfer (R14). */
export function transferCard(f: FollowUpDoc): Card {
  return {
    cardId: `fu-${createHash('sha256').update(f.id).digest('hex').slice(0, 24)}`,
    title: `移送待接收：${f.entityName}`,
    description: `${unitName(f.department)}在检查中发现属贵单位职责的问题，依据规则 R14 移送贵单位处理。`,
    fields: [
      { label: '任务', value: `${f.taskNo} 第${f.n}项` },
      { label: '主体', value: `${f.entityName}（${f.creditCode}）` },
      { label: '问题', value: f.problem },
    ],
    buttons: [{ key: `fu.accept:${f.id}`, label: '接收', style: 'primary' }],
  };
}
