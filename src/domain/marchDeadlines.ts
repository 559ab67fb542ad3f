/**
 * The March deadlines (R8, R9, R12), pure: by 31 March 联席办 confirms the joint
 * inspector pool (R8), each member unit files its A-pool joint items with 联席办
 * and 司法局 (R9), and each department has its plans (R12). From 1 March the
 * reminders come weekly until done; after 31 March what is not done is late.
 */
import { yearlyDeadline } from './calendar';

/** The deadline of the year's March tasks (R8, R9, R12): the one yearly deadline. */
export const marchDeadline = (year: number): string => yearlyDeadline(year);

/** The weekly reminder period a Beijing date falls in (weeks counted from 1 March); none before March. */
export function marchReminderWeek(day: string): { year: number; key: string } | undefined {
  const year = Number(day.slice(0, 4));
  if (day < `${year}-03-01`) return undefined;
  const days = Math.floor((Date.parse(`${day}T00:00:00Z`) - Date.parse(`${year}-03-01T00:00:00Z`)) / 86400_000);
  return { year, key: `march:${year}-W${Math.floor(days / 7) + 1}` };
}

export type MarchState = 'done' | 'pending' | 'late';

/** Whether a task is done, still open before the deadline, or late. */
export function marchState(done: boolean, day: string, year: number): MarchState {
  if (done) return 'done';
  return day > marchDeadline(year) ? 'late' : 'pending';
}

export const MARCH_STATE_WORDS: Record<MarchState, string> = { done: '已完成', pending: '未完成', late: '已逾期' };
