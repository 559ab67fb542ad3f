/** Words the result commands share: an item's finding, a task's state, a plan's progress, a follow-up line. */
import { unitName } from '../../src/domain/organisation';
import { handlingText, type ItemFinding } from '../../src/domain/result';
import type { PlanProgress, TaskStatus } from '../../src/services/results';
import type { FollowUpDoc } from '../../src/domain/records/result';


export const findingText = (f: ItemFinding | null | undefined): string =>
  !f ? '未填' : !f.checked ? `未检查（${f.reason}）` : f.problem ? `发现问题：${f.problem}${f.handling ? `；处置：${handlingText(f.handling, unitName)}` : ''}` : '未发现问题';

export function statusText(s: TaskStatus | undefined): string {
  if (!s) return '';
  const due = s.due ? `，${s.overdue ? '已逾期，应于' : '结果应于'}${s.due}前录入` : '';
  const open = s.state === '待检查' || s.state === '待录入';
  return `${s.state}${open ? due : ''}${open && s.note ? `（${s.note.split('，')[0]}，截止日暂无法计算）` : ''}`;
}

/** "任务 5 个：已审核 2（已完结 1），待审核 1，待录入 1（逾期 1），待检查 1". */
export function progressText(p: PlanProgress): string {
  if (p.total === 0) return '尚无检查任务';
  const parts = [
    `已审核 ${p.reviewed}${p.closed ? `（已完结 ${p.closed}）` : ''}`,
    p.pending ? `待审核 ${p.pending}` : '',
    p.toEnter ? `待录入 ${p.toEnter}` : '',
    p.toInspect ? `待检查 ${p.toInspect}` : '',
    p.overdue ? `逾期 ${p.overdue}` : '',
  ].filter(Boolean);
  return `任务 ${p.total} 个：${parts.join('，')}`;
}

const FU_STATUS = { open: '处理中', awaiting: '待接收', closed: '已办结' } as const;

export function followUpLine(f: FollowUpDoc, i: number): string {
  const due = f.due ? `｜期限${f.due}${f.extended ? '（已延期）' : ''}` : '';
  const from = f.owner !== f.department ? `｜${unitName(f.department)}移送` : '';
  return `${i + 1}. ${f.taskNo} 第${f.n}项｜${f.entityName}｜${f.problem}｜${handlingText(f.handling, unitName)}${from}${due}｜${FU_STATUS[f.status]}`;
}

