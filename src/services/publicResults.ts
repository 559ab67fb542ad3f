/**
 * The public site's results tab (一公开, R15): a published result is a notice with the
 * national publicity system's columns, its publication day and deadline (20 working days
 * after the inspection's end); a corrected one shows the earlier text, when and why; one
 * being corrected shows the published version marked 更正中. Published: approved (`auto`)
 * or sent out by the department with 公示 (`manual`). Never officers, evidence, handling
 * or follow-ups.
 */
import { beijingDate } from '../domain/calendar';
import { unitName } from '../domain/organisation';
import type { PublicationMode } from '../domain/publication';
import { publicationDeadline } from '../domain/publication';
import { MissingHolidayYear, type HolidayCalendar } from '../domain/workdays';
import type { Repos } from '../../store/repos';
import type { EarlierResult, ResultDoc } from '../domain/records/result';
import { loadHolidayCalendar } from './holidays';
import { firstApproval } from './publication';
import type { PublicCorrection, PublicResultNotice, PublicResults } from './publicity';

type Version = Pick<EarlierResult, 'form' | 'round'>;

const categories = (v: Version) => (v.form?.categories ?? []).join('、') || '—';
const versionText = (v: Version) => `${categories(v)}${v.form?.end ? `（检查完成日期 ${v.form.end}）` : ''}`;

/** "县市管局抽查〔2026〕12号" → "县市管局2026年度第12号抽查任务检查结果公告". */
export function noticeTitle(r: Pick<ResultDoc, 'taskNo' | 'lead' | 'source'>): string {
  const m = /^(.*)抽查〔(\d{4})〕(\d+)号$/.exec(r.taskNo);
  if (m) return `${m[1]}${m[2]}年度第${m[3]}号抽查任务检查结果公告`;
  return `${unitName(r.lead)}${r.taskNo}${r.source === 'filing' ? '备案检查' : '抽查任务'}检查结果公告`;
}

/** The approved versions in order (the earlier ones, then the current one when approved). */
function approvedVersions(r: ResultDoc): { version: Version; approvedAt?: string }[] {
  const out: { version: Version; approvedAt?: string }[] = r.earlier.map((e) => ({ version: e, approvedAt: e.approvedAt }));
  if (r.status === 'approved') out.push({ version: r, approvedAt: r.approvedAt ? new Date(r.approvedAt).toISOString() : undefined });
  return out;
}

export function noticeOf(r: ResultDoc, planNo: string, publishedOn: string, deadline: string): PublicResultNotice {
  const authority = r.departments.map(unitName).join('、');
  const versions = approvedVersions(r);
  const shown = versions[versions.length - 1].version;
  // Each correction that replaced a published version: the day its replacement was approved, the reason and the earlier text.
  const corrections: PublicCorrection[] = r.earlier.flatMap((e, i) => {
    const next = versions[i + 1];
    if (!next) return [];
    return [{ date: next.approvedAt ? beijingDate(new Date(next.approvedAt)) : e.correctedAt.slice(0, 10), reason: e.reason, earlier: versionText(e) }];
  });
  const correcting = r.status !== 'approved' && r.earlier.length > 0 ? r.earlier[r.earlier.length - 1].reason : '';
  return {
    title: noticeTitle(r),
    taskNo: r.taskNo,
    department: unitName(r.lead),
    publishedOn,
    deadline,
    rows: [{
      planNo, planName: planNo ? `${planNo}抽查计划` : '', taskNo: r.taskNo, taskName: `${r.entityName}检查`,
      kind: r.source === 'filing' ? '备案检查' : r.departments.length > 1 ? '双随机联合抽查' : '双随机抽查',
      authority, completedOn: shown.form?.end ?? '', entityName: r.entityName, creditCode: r.creditCode, result: categories(shown),
      remark: corrections.length ? `${corrections[corrections.length - 1].date}更正：${corrections[corrections.length - 1].reason}` : '',
    }],
    corrections,
    correcting,
  };
}

export interface PublicResultsOptions {
  mode?: PublicationMode;
  calendar?: HolidayCalendar;
}

export function publicResults(repos: Repos, opts: PublicResultsOptions = {}): PublicResults {
  const mode = opts.mode ?? 'auto';
  let calendar = opts.calendar;
  const deadlineOf = (end: string): string => {
    try {
      return publicationDeadline(end, (calendar ??= loadHolidayCalendar()));
    } catch (err) {
      if (err instanceof MissingHolidayYear) return '';
      throw err;
    }
  };

  async function notices(taskNos: string[], planOf: (taskNo: string) => string): Promise<PublicResultNotice[]> {
    const states = await repos.results.many(taskNos);
    // Approved, or being corrected (a correction keeps the published version visible meanwhile).
    const candidates = taskNos.filter((n) => states.has(n) && states.get(n)?.status !== 'draft');
    const docs = (await Promise.all(candidates.map((n) => repos.results.get(n)))).filter((r): r is ResultDoc => r !== undefined && firstApproval(r) !== undefined);
    const pubs = mode === 'manual' ? await repos.publications.many(docs.map((r) => r.taskNo)) : undefined;
    return docs.flatMap((r) => {
      const on = pubs ? pubs.get(r.taskNo)?.publishedAt : new Date(firstApproval(r)!);
      if (!on) return [];
      const end = approvedVersions(r)[0]?.version.form?.end ?? r.window.to;
      return [noticeOf(r, planOf(r.taskNo), beijingDate(on), deadlineOf(end))];
    });
  }
  return {
    async list(year) {
      const tasks = await repos.tasks.forYear(year);
      const plans = new Map(tasks.map((t) => [t.taskNo, t.planNos[0] ?? '']));
      return notices(tasks.map((t) => t.taskNo), (n) => plans.get(n) ?? '');
    },
    async forEntity(creditCode) {
      const entries = await repos.history.get(creditCode);
      const tasks = await repos.tasks.forEntity(creditCode);
      const plans = new Map(tasks.map((t) => [t.taskNo, t.planNos[0] ?? '']));
      return notices([...new Set(entries.map((e) => e.taskNo))], (n) => plans.get(n) ?? '');
    },
  };
}
