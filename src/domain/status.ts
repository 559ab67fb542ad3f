/**
 * The words for where a request stands, one vocabulary for plans, filings, C
 * placements and results: a request is 审批中, 已通过 (a filing: 已备案) or
 * 已退回; each step of it 待前序, 待审批, 已同意 or 已退回.
 */
import type { Approval, Step } from './approval';

export type ApprovalStatus = Approval['status'];

/** A request as a whole. */
export const STATUS_WORDS: Readonly<Record<ApprovalStatus, string>> = Object.freeze({ pending: '审批中', approved: '已通过', rejected: '已退回' });

/** A filing is not permitted but recorded (R2, R11): approved is 已备案. */
export const FILING_STATUS_WORDS: Readonly<Record<ApprovalStatus, string>> = Object.freeze({ ...STATUS_WORDS, approved: '已备案' });

/** One decider's step, as it is decided. */
export const DECISION_WORDS = Object.freeze({ approved: '已同意', rejected: '已退回' } as const);

/** One step of a request. */
export const STEP_WORDS: Readonly<Record<Step['outcome'], string>> = Object.freeze({ waiting: '待前序', pending: '待审批', ...DECISION_WORDS });

/** "审批中（第2/4步：联席办审核）", or the finished status in words; `none` when there is no request. */
export function statusWords(
  a: Pick<Approval, 'status' | 'current' | 'steps'> | undefined,
  words: Readonly<Record<ApprovalStatus, string>> = STATUS_WORDS,
  none = '未送审',
): string {
  if (!a) return none;
  if (a.status === 'pending') return `${words.pending}（第${a.current + 1}/${a.steps.length}步：${a.steps[a.current]?.label ?? ''}）`;
  return words[a.status];
}

/** Why a request that is not returned cannot be edited: "已审批通过" or "正在审批中". */
export function notEditableWords(status: ApprovalStatus, approved = '已审批通过'): string {
  return status === 'approved' ? approved : `正在${STATUS_WORDS.pending}`;
}
