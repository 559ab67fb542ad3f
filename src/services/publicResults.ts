/**
 * The public site's results tab (一公开, R15): an approved result is a notice with the
 * national publicity system's columns; a corrected one shows the earlier text and why.
 * Only approved results; never officers, evidence, handling or follow-ups.
 */
import { beijingDate } from '../domain/calendar';
import { unitName } from '../domain/organisation';
import type { Repos } from '../../store/repos';
import type { ResultDoc } from '../domain/records/result';
import type { PublicResultNotice, PublicResults } from './publicity';

const categories = (r: Pick<ResultDoc, 'form'>) => (r.form?.categories ?? []).join('、') || '—';

function noticeOf(r: ResultDoc, planNo: string): PublicResultNotice {
  const authority = r.departments.map(unitName).join('、');
  return {
    title: `${unitName(r.lead)}${r.taskNo}${r.source === 'filing' ? '备案检查' : '抽查任务'}检查结果公告`,
    taskNo: r.taskNo,
    department: unitName(r.lead),
    publishedOn: r.approvedAt ? beijingDate(r.approvedAt) : '',
    rows: [{
      planNo, planName: planNo ? `${planNo}抽查计划` : '', taskNo: r.taskNo, taskName: `${r.entityName}检查`,
      kind: r.source === 'filing' ? '备案检查' : r.departments.length > 1 ? '双随机联合抽查' : '双随机抽查',
      authority, completedOn: r.form?.end ?? '', entityName: r.entityName, creditCode: r.creditCode, result: categories(r), remark: '',
    }],
    corrections: r.earlier.map((e) => ({ date: e.correctedAt.slice(0, 10), reason: e.reason, earlier: categories(e) })),
  };
}

export function publicResults(repos: Repos): PublicResults {
  async function notices(taskNos: string[], planOf: (taskNo: string) => string): Promise<PublicResultNotice[]> {
    const states = await repos.results.many(taskNos);
    const approved = taskNos.filter((n) => states.get(n)?.status === 'approved');
    const docs = await Promise.all(approved.map((n) => repos.results.get(n)));
    return docs.filter((r): r is ResultDoc => r !== undefined && r.status === 'approved').map((r) => noticeOf(r, planOf(r.taskNo)));
  }
  return {
    async list(year) {
      const tasks = await repos.tasks.forYear(year);
      const plans = new Map(tasks.map((t) => [t.taskNo, t.planNos[0] ?? '']));
      return notices(tasks.map((t) => t.taskNo), (n) => plans.get(n) ?? '');
    },
    async forEntity(creditCode) {
      const entries = await repos.history.get(creditCode);
      return notices(entries.map((e) => e.taskNo), () => '');
    },
  };
}
