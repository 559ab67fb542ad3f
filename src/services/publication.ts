/**
 * Publication of results (一公开, R15: 谁检查、谁录入、谁公开): each result's deadline (20
 * working days after the inspection's end, on the State Council's calendar), the day it
 * went public — at approval (`auto`, the default) or when the lead department sends
 * `公示 <任务编号>` (`manual`, PUBLICATION_MODE) — the warnings before a deadline, the late
 * ones for 联席办, `公示情况` (each department's on-time rate), and `更正` (a correction of a
 * published notice, at the entity's objection: 企业信息公示暂行条例 第十二条).
 */
import { beijingDate } from '../domain/calendar';
import { unitName } from '../domain/organisation';
import {
  departmentRates, isWarningDay, publicationDeadline, timeliness,
  type DepartmentRate, type Publication, type PublicationMode, type PublicationRow,
} from '../domain/publication';
import { parseTaskNumber } from '../domain/task';
import { isWorkingDay, MissingHolidayYear, type HolidayCalendar } from '../domain/workdays';
import type { ResultDoc } from '../domain/records/result';
import type { TaskDoc } from '../domain/records/task';
import { hasAny, Refusal, type Caller, type Deps } from './context';
import { loadHolidayCalendar } from './holidays';

const MIN_REASON_CHARS = 4;

export interface PublicationOptions {
  mode?: PublicationMode;
  calendar?: HolidayCalendar;
}

/** The first time the result was approved (ISO), whatever corrections came after. */
export function firstApproval(r: Pick<ResultDoc, 'earlier' | 'approvedAt' | 'status'>): string | undefined {
  const earlier = r.earlier.find((e) => e.approvedAt)?.approvedAt;
  if (earlier) return earlier;
  return r.status === 'approved' && r.approvedAt ? new Date(r.approvedAt).toISOString() : undefined;
}

/** The inspection's end: the completion date entered, else the window's last day. */
const endOf = (t: Pick<TaskDoc, 'window'>, r?: Pick<ResultDoc, 'form' | 'earlier'>): string =>
  r?.form?.end ?? [...(r?.earlier ?? [])].reverse().find((e) => e.form)?.form?.end ?? t.window.to;

export interface Reminders {
  /** Lead department → results whose deadline is WARN_WORKING_DAYS working days away, unpublished. */
  warnings: Map<string, PublicationRow[]>;
  /** Unpublished results past their deadline (for 联席办, Mondays). */
  late: PublicationRow[];
  /** Whether today is the day 联席办 gets the late list. */
  lateDay: boolean;
  /** Tasks whose deadline falls in a year without holiday data (never guessed). */
  unknown: string[];
}

export function publicationService({ repos, now, policy }: Deps, opts: PublicationOptions = {}) {
  const mode: PublicationMode = opts.mode ?? policy?.publicationMode ?? 'auto';
  let calendar = opts.calendar;
  const cal = () => (calendar ??= loadHolidayCalendar());
  const today = () => beijingDate(now());

  /** The day the result went public, or undefined. */
  function publishedOn(r: ResultDoc | undefined, p: Publication | undefined): string | undefined {
    if (!r) return undefined;
    if (mode === 'manual') return p ? beijingDate(p.publishedAt) : undefined;
    const first = firstApproval(r);
    return first ? beijingDate(new Date(first)) : undefined;
  }

  const taskNoOf = (caller: Caller, typed: string): string =>
    parseTaskNumber(typed, { department: caller.department, year: Number(today().slice(0, 4)) }) ?? typed.trim();

  async function loadResult(caller: Caller, typed: string): Promise<ResultDoc> {
    const taskNo = taskNoOf(caller, typed);
    const r = (await repos.results.get(taskNo)) ?? (taskNo !== typed.trim() ? await repos.results.get(typed.trim()) : undefined);
    if (!r) throw new Refusal(`${taskNo.slice(0, 40)} 没有检查结果，请核对任务编号（发送“我的任务”查看），检查结果审核通过后才能公示或更正`);
    return r;
  }

  /** R15 (谁检查、谁公开): the lead department's officials and leaders publish and correct its results. */
  function mayPublish(caller: Caller, r: ResultDoc, what: string): void {
    if (caller.department === r.lead && hasAny(caller, ['official', 'leader'])) return;
    throw new Refusal(`依据规则 R15（谁检查、谁公开）：${r.taskNo} 的检查结果由牵头部门${unitName(r.lead)}的工作人员或领导${what}，您不能${what}`, 'R15');
  }

  /** One row per task of the year whose inspection has ended or whose result is public. */
  async function rows(year: number, t0 = today()): Promise<{ rows: PublicationRow[]; unknown: string[] }> {
    const tasks = (await repos.tasks.forYear(year)).filter((t) => t.status === 'open');
    const states = await repos.results.many(tasks.map((t) => t.taskNo));
    const docs = new Map<string, ResultDoc>();
    for (const t of tasks) {
      if (!states.has(t.taskNo)) continue;
      const r = await repos.results.get(t.taskNo);
      if (r) docs.set(t.taskNo, r);
    }
    const pubs = mode === 'manual' ? await repos.publications.many([...docs.keys()]) : new Map<string, Publication>();
    const out: PublicationRow[] = [];
    const unknown: string[] = [];
    for (const t of tasks) {
      const r = docs.get(t.taskNo);
      const end = endOf(t, r);
      const on = publishedOn(r, pubs.get(t.taskNo));
      if (!on && end > t0) continue;
      let deadline: string;
      try {
        deadline = publicationDeadline(end, cal());
      } catch (err) {
        if (err instanceof MissingHolidayYear) { unknown.push(t.taskNo); continue; }
        throw err;
      }
      out.push({ taskNo: t.taskNo, department: t.lead, entityName: t.entityName, end, deadline, publishedOn: on, state: timeliness(deadline, on, t0) });
    }
    return { rows: out, unknown };
  }

  return {
    mode,

    /** A result's deadline and publication day, for the notice and the chat. */
    deadlineOf(end: string): string | undefined {
      try {
        return publicationDeadline(end, cal());
      } catch (err) {
        if (err instanceof MissingHolidayYear) return undefined;
        throw err;
      }
    },

    /** `公示 <任务编号>` (manual mode): the lead department makes an approved result public; audited. */
    async publish(caller: Caller, typed: string): Promise<{ publication: Publication; deadline?: string; late: boolean }> {
      const r = await loadResult(caller, typed);
      mayPublish(caller, r, '公示');
      if (mode === 'auto') {
        throw new Refusal(`本县设置为检查结果审核通过后自动公示，${r.taskNo} ${firstApproval(r) ? '已公示' : '审核通过后即自动公示'}，无需手动公示`, 'R15');
      }
      if (!firstApproval(r)) {
        throw new Refusal(`依据规则 R15：${r.taskNo} 的检查结果尚未经部门领导审核通过，审核通过后才能公示（发送“结果 ${r.taskNo}”查看）`, 'R15');
      }
      const existing = await repos.publications.get(r.taskNo);
      if (existing) throw new Refusal(`${r.taskNo} 的检查结果已于 ${beijingDate(existing.publishedAt)} 公示，无需重复公示`);
      const at = now();
      const round = r.status === 'approved' ? r.round : r.earlier[r.earlier.length - 1].round;
      const publication: Publication = { taskNo: r.taskNo, department: r.lead, creditCode: r.creditCode, entityName: r.entityName, round, publishedAt: at, publishedBy: caller.userId, version: 1 };
      if (!(await repos.publications.create(publication))) throw new Refusal(`${r.taskNo} 的检查结果刚由他人公示，无需重复公示`);
      const deadline = this.deadlineOf(endOf(r, r));
      const late = deadline !== undefined && beijingDate(at) > deadline;
      await repos.audit.append({
        at, actor: caller.userId, channel: caller.channel, action: 'result.publish', target: `result:${r.taskNo}`,
        changes: [{ field: 'published', from: 'false', to: 'true' }], note: deadline ? `公示期限 ${deadline}${late ? '（逾期）' : ''}` : '',
      });
      return { publication, deadline, late };
    },

    /**
     * `更正 <任务编号> <理由>`: the lead department corrects a published notice (an entity's
     * objection, 企业信息公示暂行条例 第十二条). Checks and audits the request; the corrected
     * content is then entered and reviewed like any correction (R20), and the public notice
     * shows it with the earlier text and the reason once approved, "更正中" until then.
     */
    async correct(caller: Caller, typed: string, reason: string): Promise<ResultDoc> {
      const r = await loadResult(caller, typed);
      mayPublish(caller, r, '更正');
      const published = mode === 'manual' ? await repos.publications.get(r.taskNo) : firstApproval(r);
      if (!published) throw new Refusal(`${r.taskNo} 的检查结果尚未公示，不需更正公示；修改检查结果请发送“${r.status === 'approved' ? `更正结果 ${r.taskNo} <理由>` : `录入结果 ${r.taskNo}`}”`);
      if (r.status !== 'approved') throw new Refusal(`${r.taskNo} 的检查结果正在更正或审核中（${r.correctionReason || '待审核'}），审核完成后才能再次更正`);
      if (reason.trim().length < MIN_REASON_CHARS) {
        throw new Refusal(`依据规则 R20：更正公示须写明理由（至少${MIN_REASON_CHARS}个字），例如：更正 ${r.taskNo} 企业提出异议，经核实检查结果录入有误`, 'R20');
      }
      await repos.audit.append({
        at: now(), actor: caller.userId, channel: caller.channel, action: 'publication.correct', target: `result:${r.taskNo}`,
        changes: [], note: `更正公示：${reason.trim().slice(0, 200)}`,
      });
      return r;
    },

    /** `公示情况 [年度]`: each department's results by timeliness and its on-time rate. */
    async report(year: number): Promise<{ rates: DepartmentRate[]; late: PublicationRow[]; unknown: string[] }> {
      const { rows: all, unknown } = await rows(year);
      return { rates: departmentRates(all), late: all.filter((r) => r.state === 'overdue' || r.state === 'late'), unknown };
    },

    rows: (year: number) => rows(year),

    /**
     * On working days: each lead department's unpublished results due in WARN_WORKING_DAYS working
     * days, and (Mondays) the unpublished ones past their deadline for 联席办.
     */
    async reminders(at: Date): Promise<Reminders> {
      const t = beijingDate(at);
      const out: Reminders = { warnings: new Map(), late: [], lateDay: false, unknown: [] };
      try {
        if (!isWorkingDay(t, cal())) return out;
      } catch (err) {
        if (err instanceof MissingHolidayYear) return out;
        throw err;
      }
      out.lateDay = new Date(`${t}T00:00:00Z`).getUTCDay() === 1;
      const year = Number(t.slice(0, 4));
      for (const y of [year - 1, year]) {
        const { rows: all, unknown } = await rows(y, t);
        out.unknown.push(...unknown);
        for (const r of all) {
          if (r.state === 'overdue') out.late.push(r);
          if (r.state !== 'waiting') continue;
          let warn = false;
          try {
            warn = isWarningDay(t, r.deadline, cal());
          } catch (err) {
            if (!(err instanceof MissingHolidayYear)) throw err;
          }
          if (warn) out.warnings.set(r.department, [...(out.warnings.get(r.department) ?? []), r]);
        }
      }
      return out;
    },

    /** Who hears of it: the department's officials and leaders; without a department, 联席办. */
    async recipients(department?: string): Promise<string[]> {
      const users = await repos.org.users();
      return users.filter((u) => u.active && (department === undefined
        ? u.roles.includes('office')
        : u.department === department && u.roles.some((r) => r === 'official' || r === 'leader'))).map((u) => u.userId);
    },
  };
}

export type PublicationService = ReturnType<typeof publicationService>;
