/**
 * Inspection results (R15: 谁检查、谁录入): who may enter a task's result and
 * for which department, each department's part of the one form, the lead
 * department's 组长 submitting the whole form for the department leader's review
 * through the approval engine, a returned result reopened for editing, an
 * approved result fixed, and a correction (with a reason) that keeps the earlier
 * version (R20). Every write is audited. Also each task's state (待检查 …
 * 已完结) and whether its result is overdue, counted in working days.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { beijingDate } from '../domain/calendar';
import { findUnit, unitName } from '../domain/organisation';
import {
  checkConsistency, checkDates, checkEvidence, DEFAULT_CATEGORIES, handlingText, lenientColumn, nextRiskClass, parseDay, parseLenientRow, riskSignal, taskState,
  type LenientEntry,
  type Category, type ItemFinding, type ResultForm, type ResultState,
} from '../domain/result';
import { addWorkingDays, isWorkingDay, MissingHolidayYear, type HolidayCalendar } from '../domain/workdays';
import type { StepSpec } from '../domain/approval';
import type { TaskDoc } from '../domain/records/task';
import type { ApprovalDoc } from '../domain/records/approval';
import type { EarlierResult, FollowUpDoc, HistoryEntry, ResultDoc, ResultPart, RiskProposalDoc } from '../domain/records/result';
import { RISK_CLASSES } from '../domain/pools';
import type { ApprovalChange, ApprovalService } from './approvals';
import { hasAny, Refusal, type Caller, type Deps } from './context';
import { FILING_NO } from './filings';
import { loadHolidayCalendar } from './holidays';

/** Results are due this many working days after the task's window ends (configurable). */
export const DEFAULT_DUE_WORKING_DAYS = 10;
/** Officials of a taking-part department may enter its part, besides the team. */
const DEPARTMENT_ROLES = ['official', 'leader'] as const;
const MIN_CORRECTION_CHARS = 4;

/** The one item of a filing's result: the filed inspection itself. */
export const FILING_ITEM = 'FILING';
export const FILING_ITEM_NAME = '备案检查事项';

/**
 * The result's review in the approval engine: the task number, or for a filing "<备案编号>-JG"
 * (the filing's own approval already has its number).
 */
export const reviewSubject = (taskNo: string) => (FILING_NO.test(taskNo) ? `${taskNo}-JG` : taskNo);
const resultOf = (subject: string) => subject.replace(/-JG$/, '');

export const RESULT_STEPS = (lead: string): StepSpec[] => [
  { role: 'leader', department: lead, label: '部门领导审核检查结果' },
];

export interface ResultOptions {
  categories?: readonly Category[];
  dueWorkingDays?: number;
  calendar?: HolidayCalendar;
}

/** What a caller may enter: which department's part of which task. */
export interface EntryScope {
  task: TaskDoc;
  department: string;
  /** The lead department fills the visit's dates, methods and overall result. */
  lead: boolean;
  /** The department's item keys, in the task's order. */
  items: string[];
  result?: ResultDoc;
  /** A correction of an approved result: its reason. */
  correction?: string;
}

/** What a department submits from the conversation. */
export interface PartDraft {
  findings: ItemFinding[];
  form?: ResultForm;
  /** Evidence received in the conversation (already stored by content; listed on the part at 提交). */
  evidence?: ResultPart['evidence'];
}

export interface SaveOutcome {
  result: ResultDoc;
  /** Sent to review now. */
  change?: ApprovalChange;
  /** Departments whose part is still missing (a joint task). */
  missing: string[];
  /** The lead's 组长 (inspector number), who submits a joint form. */
  leader?: string;
}

export interface TaskStatus {
  state: ResultState;
  /** The day the result is due ('YYYY-MM-DD'); undefined when the calendar lacks the year. */
  due?: string;
  overdue: boolean;
  /** Why `due` is missing (a year without holiday data). */
  note?: string;
}

/** A plan's tasks by state: 已审核 counts 已完结 too. */
export interface PlanProgress {
  total: number;
  reviewed: number;
  closed: number;
  pending: number;
  toEnter: number;
  toInspect: number;
  overdue: number;
}

const allFindings = (parts: Record<string, ResultPart>) => Object.values(parts).flatMap((p) => p.findings);
/**
 * Every problem found is an open follow-up until its handling is closed (R14): a result
 * with problems is 已审核, not 已完结, once approved.
 */
const openProblems = (parts: Record<string, ResultPart>) => allFindings(parts).filter((f) => f.problem).length;

export function resultService({ repos, now, policy }: Deps, approvals: ApprovalService, opts: ResultOptions = {}) {
  const categories = opts.categories ?? DEFAULT_CATEGORIES;
  const dueDays = opts.dueWorkingDays ?? policy?.resultDueWorkingDays ?? DEFAULT_DUE_WORKING_DAYS;
  let calendar = opts.calendar;
  const cal = () => (calendar ??= loadHolidayCalendar());
  const today = () => beijingDate(now());

  /** The lead department's 组长 of a task (inspector number). */
  const leaderOf = (t: TaskDoc): string | undefined =>
    t.parts.flatMap((p) => p.officers).find((o) => o.leader && o.department === t.lead)?.inspectorNo
    ?? t.parts.flatMap((p) => p.officers).find((o) => o.leader)?.inspectorNo;

  const itemsOf = (t: TaskDoc, department: string) => t.items.filter((k) => k.startsWith(`${department}:`));

  /**
   * An approved 备案 is an inspection too: its result is entered like a task's, with the
   * filing's date as the window, its officers as the team (the first as 组长) and one item,
   * the filed inspection itself.
   */
  async function filingAsTask(filingNo: string): Promise<TaskDoc> {
    const f = await repos.filings.get(filingNo.toUpperCase());
    if (!f) throw new Refusal(`没有编号为“${filingNo.slice(0, 20)}”的备案，请核对编号（发送“备案列表”查看）`);
    const a = await approvals.get(f.filingNo);
    if (a?.status !== 'approved') throw new Refusal(`备案 ${f.filingNo} 尚未完成审批，审批通过后才能录入检查结果（R11）`, 'R11');
    const people = await Promise.all(f.officers.map((no) => repos.inspectors.get(no)));
    const officers = f.officers.map((no, i) => ({ inspectorNo: no, name: people[i]?.name ?? no, department: f.department, leader: i === 0, expert: people[i]?.kind === 'expert' }));
    const window = { from: f.plannedDate, to: f.plannedDate };
    const items = [`${f.department}:${FILING_ITEM}`];
    return {
      taskNo: f.filingNo, year: Number(f.plannedDate.slice(0, 4)), issuer: f.department, lead: f.department, departments: [f.department],
      creditCode: f.creditCode, entityName: f.entityName, drawNos: [], planNos: [], officers: f.officers, items, window,
      parts: [{ drawNo: '', planNo: '', departments: [f.department], officers, items, window, at: f.createdAt.toISOString() }],
      status: 'open', createdAt: f.createdAt, updatedAt: f.createdAt, cancelReason: '', version: 1,
    };
  }

  async function loadTask(taskNo: string): Promise<TaskDoc> {
    if (FILING_NO.test(taskNo.trim())) return filingAsTask(taskNo.trim());
    const t = await repos.tasks.get(taskNo.trim());
    if (!t) throw new Refusal(`没有编号为“${taskNo.trim().slice(0, 40)}”的检查任务，请核对编号（发送“我的任务”查看）`);
    if (t.status === 'cancelled') throw new Refusal(`${t.taskNo} 已取消（${t.cancelReason}），不需录入检查结果`);
    return t;
  }

  /**
   * Which department's part the caller enters (R15: 谁检查、谁录入): an officer on the
   * task's team enters their own department's; an official or leader of a taking-part
   * department enters theirs. Anyone else is refused.
   */
  async function departmentFor(caller: Caller, t: TaskDoc): Promise<string> {
    const me = t.officers.includes(caller.userId) ? await repos.inspectors.get(caller.userId) : undefined;
    if (me && t.departments.includes(me.department)) return me.department;
    if (hasAny(caller, DEPARTMENT_ROLES) && t.departments.includes(caller.department)) return caller.department;
    throw new Refusal(
      `依据规则 R15（谁检查、谁录入）：${t.taskNo} 的检查结果只能由该任务检查组成员或参加部门（${t.departments.map(unitName).join('、')}）的工作人员录入，您不能录入`, 'R15');
  }

  async function audit(caller: Caller, action: string, r: ResultDoc, from: string, to: string, note = ''): Promise<void> {
    await repos.audit.append({
      at: now(), actor: caller.userId, channel: caller.channel, action, target: `result:${r.taskNo}`,
      changes: [{ field: 'status', from: JSON.stringify(from), to: JSON.stringify(to) }], note,
    });
  }

  // The leader's decision moves the result: approved is fixed, returned reopens it for editing.
  approvals.onDecide('result', async (caller, a, approve, comment) => {
    const r = await repos.results.get(resultOf(a.subject));
    if (!r || r.status !== 'pending') throw new Refusal(`检查结果 ${a.subject} 当前不在待审核状态，无需审核`);
    const at = now();
    let open = r.openFollowUps;
    if (approve) {
      for (const f of await repos.followUps.createMissing(followUpsOf(r, a.requestedBy, at))) {
        // R14: every transfer is audited (to a member unit, or to the judicial organs).
        if (f.handling.kind !== 'transfer' && f.handling.kind !== 'judicial') continue;
        await repos.audit.append({
          at, actor: a.requestedBy, channel: caller.channel, action: 'followup.transfer', target: `followup:${f.id}`,
          changes: [{ field: 'owner', from: JSON.stringify(f.department), to: JSON.stringify(f.handling.kind === 'transfer' ? f.owner : f.handling.organ) }],
          note: handlingText(f.handling, unitName),
        });
      }
      open = (await repos.followUps.forTask(r.taskNo)).filter((f) => f.status !== 'closed').length;
    }
    const next: ResultDoc = { ...r, status: approve ? 'approved' : 'returned', approvedAt: approve ? at : r.approvedAt, openFollowUps: open, updatedAt: at, version: r.version + 1 };
    if (!(await repos.results.replace(next, r.version))) throw new Refusal(`检查结果 ${a.subject} 刚被他人修改，请重新查看后再审核`);
    if (approve && r.form) {
      await repos.history.record(r.creditCode, {
        taskNo: r.taskNo, source: r.source, lead: r.lead, departments: r.departments, start: r.form.start, end: r.form.end, categories: r.form.categories, round: r.round,
        lenient: allFindings(r.parts).flatMap((f) => (f.handling?.kind === 'rectify' && f.handling.lenient ? [f.handling.lenient] : [])),
      });
    }
    if (approve && r.form) await proposeRisk(r, r.form, at);
    await audit(caller, approve ? 'result.approve' : 'result.return', r, r.status, next.status, comment);
  });

  /** R17: a result that should move the entity's credit-risk class becomes a proposal for 联席办. */
  async function proposeRisk(r: ResultDoc, form: ResultForm, at: Date): Promise<void> {
    const handlings = allFindings(r.parts).flatMap((f) => (f.handling ? [f.handling] : []));
    const signal = riskSignal(form.categories, handlings, await repos.history.get(r.creditCode), form.end);
    if (!signal) return;
    const entity = await repos.entities.get(r.creditCode);
    if (!entity) return;
    const to = nextRiskClass(RISK_CLASSES, entity.riskClass, signal.direction);
    if (!to) return;
    await repos.riskProposals.create({
      id: `${r.creditCode}:${r.taskNo}`, creditCode: r.creditCode, entityName: r.entityName, taskNo: r.taskNo, direction: signal.direction,
      from: entity.riskClass, to, reason: signal.reason, status: 'pending', createdAt: at, decidedBy: '', version: 1,
    });
  }

  /** Every problem's handling as a follow-up (R14); a transfer to the judicial organs is recorded, closed. */
  function followUpsOf(r: ResultDoc, by: string, at: Date): FollowUpDoc[] {
    let n = 0;
    const out: FollowUpDoc[] = [];
    for (const d of r.departments) {
      for (const f of r.parts[d]?.findings ?? []) {
        if (!f.problem || !f.handling) continue;
        n++;
        const h = f.handling;
        const closed = h.kind === 'judicial';
        out.push({
          id: `${r.taskNo}/${n}`, taskNo: r.taskNo, n, creditCode: r.creditCode, entityName: r.entityName, department: d, itemKey: f.key,
          problem: f.problem, handling: h, owner: h.kind === 'transfer' ? h.to : d,
          status: closed ? 'closed' : h.kind === 'transfer' ? 'awaiting' : 'open',
          due: h.kind === 'rectify' ? h.deadline : '', extended: false, extensionReason: '', acceptedBy: '',
          closedBy: closed ? by : '', closedAt: closed ? at : undefined, remindedOn: '', createdAt: at, updatedAt: at, version: 1,
        });
      }
    }
    return out;
  }

  /** Recounts a result's open follow-ups after one changed (guarded; retried when the result moved). */
  async function recount(taskNo: string): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const r = await repos.results.get(taskNo);
      if (!r) return;
      const open = (await repos.followUps.forTask(taskNo)).filter((f) => f.status !== 'closed').length;
      if (open === r.openFollowUps) return;
      if (await repos.results.replace({ ...r, openFollowUps: open, updatedAt: now(), version: r.version + 1 }, r.version)) return;
    }
  }

  async function loadFollowUp(taskNo: string, n: string): Promise<FollowUpDoc> {
    const f = /^\d+$/.test(n) ? await repos.followUps.get(`${taskNo.trim()}/${Number(n)}`) : undefined;
    if (!f) throw new Refusal(`${taskNo.trim().slice(0, 40)} 没有第${n.slice(0, 5)}项待处置问题，请发送“待处置”查看编号`);
    return f;
  }

  /** Officials and leaders of the owning department, and its inspectors on the task's team, act on a follow-up. */
  async function mayAct(caller: Caller, f: FollowUpDoc): Promise<void> {
    if (caller.department === f.owner && hasAny(caller, ['official', 'leader', 'inspector'])) return;
    throw new Refusal(`依据规则 R14：该问题由${unitName(f.owner)}处理，您无权操作`, 'R14');
  }

  async function writeFollowUp(caller: Caller, before: FollowUpDoc, next: FollowUpDoc, action: string, note: string): Promise<FollowUpDoc> {
    if (!(await repos.followUps.replace(next, before.version))) throw new Refusal('该问题刚被他人处理，请发送“待处置”重新查看');
    await repos.audit.append({
      at: now(), actor: caller.userId, channel: caller.channel, action, target: `followup:${next.id}`,
      changes: [{ field: 'status', from: JSON.stringify(before.status), to: JSON.stringify(next.status) }], note,
    });
    await recount(next.taskNo);
    return next;
  }

  /** Opens the result for review (or for a new round after a return or a correction). */
  async function sendForReview(caller: Caller, r: ResultDoc, correction: boolean): Promise<ApprovalChange> {
    const states = r.form?.categories.join('、') ?? '';
    const req = {
      kind: 'result' as const,
      subject: reviewSubject(r.taskNo),
      title: `${r.entityName}检查结果`,
      requester: caller,
      steps: RESULT_STEPS(r.lead),
      fields: [
        { label: '主体', value: `${r.entityName}（${r.creditCode}）` },
        { label: '检查日期', value: r.form ? `${r.form.start}至${r.form.end}` : '' },
        { label: '检查结果', value: states },
        ...(correction ? [{ label: '更正理由', value: r.correctionReason }] : []),
      ],
    };
    const existing = await approvals.get(reviewSubject(r.taskNo));
    return existing ? approvals.reopen(req, { afterApproval: correction }) : approvals.open(req);
  }

  return {
    categories,
    dueWorkingDays: dueDays,
    today,
    calendar: cal,

    /**
     * May the caller enter (or, with `correction`, correct) this task's result now?
     * Returns their department's scope with what is already entered.
     */
    async scope(caller: Caller, taskNo: string, correction?: string): Promise<EntryScope> {
      const task = await loadTask(taskNo);
      const department = await departmentFor(caller, task);
      const result = await repos.results.get(task.taskNo);
      const t = today();
      if (t < task.window.from) throw new Refusal(`${task.taskNo} 的检查期从 ${task.window.from} 开始，检查后才能录入结果`, 'R15');
      if (correction !== undefined) {
        if (!result || result.status !== 'approved') {
          throw new Refusal(`${task.taskNo} 的检查结果尚未审核通过，不需更正；请发送“录入结果 ${task.taskNo}”修改`);
        }
        if (correction.trim().length < MIN_CORRECTION_CHARS) {
          throw new Refusal(`依据规则 R20：更正已审核的检查结果须写明理由（至少${MIN_CORRECTION_CHARS}个字），例如：更正结果 ${task.taskNo} 检查日期录入有误`, 'R20');
        }
      } else if (result?.status === 'pending') {
        throw new Refusal(`${task.taskNo} 的检查结果已提交，正在等待部门领导审核，不能重复提交；如需修改，请联系部门领导退回`);
      } else if (result?.status === 'approved') {
        throw new Refusal(`依据规则 R20：${task.taskNo} 的检查结果已审核通过，不能直接修改；如需更正，请发送“更正结果 ${task.taskNo} <理由>”，原结果将保留可查`, 'R20');
      }
      return { task, department, lead: department === task.lead, items: itemsOf(task, department), result, correction: correction?.trim() };
    },

    /** Checks the visit's dates against the task's window and today (R15). */
    dates(window: { from: string; to: string }, input: string) {
      return checkDates(input, window, today());
    },

    /** The findings entered so far by every other department (for the consistency check). */
    otherFindings(scope: EntryScope): ItemFinding[] {
      return Object.entries(scope.result?.parts ?? {}).filter(([d]) => d !== scope.department).flatMap(([, p]) => p.findings);
    },

    /**
     * Saves the caller's department's part (提交 in the conversation). A single-department
     * task, a correction, or a joint task whose parts are all in and whose lead 组长 submits,
     * goes to review; otherwise the part waits for the others.
     */
    async save(caller: Caller, taskNo: string, draft: PartDraft, correction?: string): Promise<SaveOutcome> {
      const scope = await this.scope(caller, taskNo, correction);
      const { task, department } = scope;
      const keys = scope.items;
      if (draft.findings.length !== keys.length || draft.findings.some((f, i) => f.key !== keys[i])) {
        throw new Refusal(`${task.taskNo} 的检查事项已变化，请发送“取消”后重新录入`);
      }
      const unhandled = draft.findings.findIndex((f) => f.problem && !f.handling);
      if (unhandled >= 0) throw new Refusal(`依据规则 R14：第${unhandled + 1}项发现的问题还没有处置方式（责令改正、移送、移送司法机关或立案查处）`, 'R14');
      for (const f of draft.findings) {
        if (f.handling?.kind === 'rectify' && f.handling.lenient) await this.firstViolation(task.creditCode, f.handling.lenient, task.taskNo);
      }
      if (scope.lead) {
        if (!draft.form) throw new Refusal('牵头部门须填写检查日期、核查方式和检查结果');
        const d = checkDates(`${draft.form.start}至${draft.form.end}`, task.window, today());
        if (!d.ok) throw new Refusal(d.reason, d.rule);
      }
      const at = now();
      const before = scope.result;
      const kept = before?.parts[department]?.evidence ?? [];
      const added = (draft.evidence ?? []).filter((e) => !kept.some((k) => k.sha256 === e.sha256));
      const part: ResultPart = { findings: draft.findings, by: caller.userId, byName: caller.name, at: at.toISOString(), evidence: [...kept, ...added] };
      const parts = { ...(before?.parts ?? {}), [department]: part };
      const form = scope.lead ? draft.form : before?.form;
      const missing = task.departments.filter((d) => !parts[d]);
      const leader = leaderOf(task);
      const submits = missing.length === 0 && (!!correction || task.departments.length === 1 || caller.userId === leader);
      if (submits || scope.lead) {
        const c = submits
          ? checkConsistency(form!.categories, allFindings(parts), categories)
          : checkConsistency(form!.categories, [...draft.findings, ...this.otherFindings(scope)], categories, true);
        if (!c.ok) throw new Refusal(c.reason, c.rule);
      }
      const earlier: EarlierResult[] = correction && before
        ? [...before.earlier, {
          round: before.round, form: before.form, parts: before.parts, approvedAt: before.approvedAt?.toISOString(),
          correctedBy: caller.userId, correctedAt: at.toISOString(), reason: correction,
        }]
        : before?.earlier ?? [];
      const next: ResultDoc = {
        taskNo: task.taskNo, source: FILING_NO.test(task.taskNo) ? 'filing' : 'task', lead: task.lead, departments: task.departments, creditCode: task.creditCode,
        entityName: task.entityName, window: task.window, form, parts, earlier,
        status: submits ? 'pending' : before?.status === 'returned' ? 'returned' : 'draft',
        correctionReason: correction ?? before?.correctionReason ?? '',
        round: correction && before ? before.round + 1 : before?.round ?? 1,
        submittedBy: submits ? caller.userId : before?.submittedBy ?? '', submittedAt: submits ? at : before?.submittedAt,
        approvedAt: before?.approvedAt, openFollowUps: openProblems(parts),
        createdAt: before?.createdAt ?? at, updatedAt: at, version: (before?.version ?? 0) + 1,
      };
      if (submits) {
        // R20: the request must be decidable before anything is written.
        await approvals.ensureStaffed(RESULT_STEPS(task.lead), caller);
      }
      const written = before ? await repos.results.replace(next, before.version) : await repos.results.create(next);
      if (!written) throw new Refusal(`${task.taskNo} 的检查结果刚被他人修改或提交，请发送“结果 ${task.taskNo}”查看后再录入`);
      await audit(caller, correction ? 'result.correct' : submits ? 'result.submit' : 'result.part', next, before?.status ?? '', next.status,
        correction ? `更正理由：${correction}` : `${unitName(department)}：${draft.findings.length}项`);
      const change = submits ? await sendForReview(caller, next, !!correction) : undefined;
      return { result: next, change, missing, leader };
    },

    /**
     * Stores an evidence file by its SHA-256 (size and kind checked first); the conversation
     * lists it on the department's part at 提交. Storing the same file again writes nothing new.
     */
    async addEvidence(name: string, data: Buffer): Promise<ResultPart['evidence'][number]> {
      const ok = checkEvidence(name, data);
      if (!ok.ok) throw new Refusal(`${ok.reason}，未保存`);
      const sha256 = createHash('sha256').update(data).digest('hex');
      await repos.evidence.put(sha256, data);
      return { name: name.slice(0, 100), sha256, bytes: data.length };
    },

    evidenceFile: (sha256: string) => repos.evidence.get(sha256),

    /** The lead 组长 submits a joint form whose parts are all in (提交结果). */
    async submit(caller: Caller, taskNo: string): Promise<SaveOutcome> {
      const task = await loadTask(taskNo);
      const r = await repos.results.get(task.taskNo);
      const leader = leaderOf(task);
      if (caller.userId !== leader) {
        throw new Refusal(`依据规则 R15：联合检查的检查表由牵头部门（${unitName(task.lead)}）的检查组长（${leader ?? '未指定'}）提交`, 'R15');
      }
      if (!r) throw new Refusal(`${task.taskNo} 尚未录入检查结果，请先发送“录入结果 ${task.taskNo}”`);
      if (r.status === 'pending') throw new Refusal(`${task.taskNo} 的检查结果已提交，正在等待部门领导审核，不能重复提交`);
      if (r.status === 'approved') throw new Refusal(`依据规则 R20：${task.taskNo} 的检查结果已审核通过；如需更正，请发送“更正结果 ${task.taskNo} <理由>”`, 'R20');
      const missing = task.departments.filter((d) => !r.parts[d]);
      if (missing.length) throw new Refusal(`${task.taskNo} 还有${missing.map(unitName).join('、')}的检查事项未录入，录入后才能提交`);
      if (!r.form) throw new Refusal(`${task.taskNo} 的检查日期、核查方式和检查结果尚未填写，请发送“录入结果 ${task.taskNo}”`);
      const c = checkConsistency(r.form.categories, allFindings(r.parts), categories);
      if (!c.ok) throw new Refusal(`${c.reason}。请发送“录入结果 ${task.taskNo}”修改后再提交`, c.rule);
      await approvals.ensureStaffed(RESULT_STEPS(task.lead), caller);
      const at = now();
      const next: ResultDoc = { ...r, status: 'pending', submittedBy: caller.userId, submittedAt: at, updatedAt: at, version: r.version + 1 };
      if (!(await repos.results.replace(next, r.version))) throw new Refusal(`${task.taskNo} 的检查结果刚被他人修改，请重新查看后再提交`);
      await audit(caller, 'result.submit', next, r.status, 'pending');
      return { result: next, change: await sendForReview(caller, next, false), missing: [], leader };
    },

    /**
     * The one form for the visit (进一次门、填一张表、查多项事): the task, its team (组长 first)
     * and every taking-part department's items with their legal basis. For the team and the
     * departments' staff (R15).
     */
    async form(caller: Caller, taskNo: string): Promise<{ task: TaskDoc; team: { inspectorNo: string; name: string; department: string; leader: boolean }[]; items: { key: string; department: string; name: string; legalBasis: string }[] }> {
      const task = await loadTask(taskNo);
      await departmentFor(caller, task);
      const officers = [...new Map(task.parts.flatMap((p) => p.officers).map((o) => [o.inspectorNo, o])).values()];
      const team = [...officers.filter((o) => o.leader && o.department === task.lead), ...officers.filter((o) => !(o.leader && o.department === task.lead))];
      const byKey = new Map<string, { name: string; legalBasis: string }>();
      for (const d of task.departments) for (const i of await repos.items.byDepartment(d)) byKey.set(`${d}:${i.itemCode}`, { name: i.name, legalBasis: i.legalBasis });
      const items = task.items.map((key) => ({ key, department: key.split(':')[0], name: byKey.get(key)?.name ?? key, legalBasis: byKey.get(key)?.legalBasis ?? '' }));
      return { task, team: team.map(({ inspectorNo, name, department, leader }) => ({ inspectorNo, name, department, leader })), items };
    },

    /** A task's result with its review, for anyone who may see the task. */
    async view(taskNo: string): Promise<{ task: TaskDoc; result?: ResultDoc; approval?: ApprovalDoc; status: TaskStatus; names: Map<string, string> }> {
      const t = FILING_NO.test(taskNo.trim()) ? await filingAsTask(taskNo.trim()) : await repos.tasks.get(taskNo.trim());
      if (!t) throw new Refusal(`没有编号为“${taskNo.trim().slice(0, 40)}”的检查任务，请核对编号（发送“我的任务”查看）`);
      const result = await repos.results.get(t.taskNo);
      const approval = result ? await approvals.get(reviewSubject(t.taskNo)) : undefined;
      const names = new Map<string, string>();
      for (const d of t.departments) for (const i of await repos.items.byDepartment(d)) names.set(`${d}:${i.itemCode}`, i.name);
      for (const k of t.items) if (k.endsWith(`:${FILING_ITEM}`)) names.set(k, FILING_ITEM_NAME);
      return { task: t, result, approval, status: this.statusOf(t, result), names };
    },

    /** A task's state, its due day (working days after the window) and whether it is overdue. */
    statusOf(t: Pick<TaskDoc, 'window'>, r: Pick<ResultDoc, 'status' | 'openFollowUps'> | undefined): TaskStatus {
      const state = taskState(t.window, r, today());
      try {
        const due = addWorkingDays(t.window.to, dueDays, cal());
        return { state, due, overdue: (state === '待检查' || state === '待录入') && today() > due };
      } catch (err) {
        if (err instanceof MissingHolidayYear) return { state, overdue: false, note: err.message };
        throw err;
      }
    },

    /** A plan's progress: its drawn tasks (cancelled ones left out) counted by state. */
    async planProgress(planNo: string): Promise<PlanProgress> {
      const tasks: TaskDoc[] = [];
      for (const d of await repos.draws.forPlan(planNo)) tasks.push(...(await repos.tasks.forDraw(d.drawNo)).filter((t) => t.status === 'open'));
      const unique = [...new Map(tasks.map((t) => [t.taskNo, t])).values()];
      const states = await this.statuses(unique);
      const by = (s: ResultState) => [...states.values()].filter((x) => x.state === s).length;
      return {
        total: unique.length, reviewed: by('已审核') + by('已完结'), closed: by('已完结'), pending: by('待审核'),
        toEnter: by('待录入'), toInspect: by('待检查'), overdue: [...states.values()].filter((x) => x.overdue).length,
      };
    },

    /** 待处置: the follow-ups the caller's department must act on (transfers to accept first). */
    async toHandle(caller: Caller): Promise<FollowUpDoc[]> {
      const list = await repos.followUps.unclosed(caller.department);
      return [...list.filter((f) => f.status === 'awaiting'), ...list.filter((f) => f.status === 'open')];
    },

    followUps: (taskNo: string) => repos.followUps.forTask(taskNo.trim()),

    /** The receiving department accepts a transfer (R14): the case is now theirs; audited. */
    async accept(caller: Caller, taskNo: string, n: string): Promise<FollowUpDoc> {
      const f = await loadFollowUp(taskNo, n);
      if (f.status !== 'awaiting') throw new Refusal(`该移送已${f.status === 'closed' ? '办结' : `由${f.acceptedBy}接收`}，无需重复操作`);
      if (caller.department !== f.owner || !hasAny(caller, ['official', 'leader'])) throw new Refusal(`依据规则 R14：该问题移送给${unitName(f.owner)}，由其工作人员或领导接收`, 'R14');
      const at = now();
      return writeFollowUp(caller, f, { ...f, status: 'open', acceptedBy: caller.userId, acceptedAt: at, updatedAt: at, version: f.version + 1 }, 'followup.accept', `${unitName(f.department)} → ${unitName(f.owner)}`);
    },

    /**
     * 复查: the re-inspection that closes a follow-up — "<日期>[至<日期>] <情况>" — or, once,
     * "延期 <新期限> <理由>" for a correction deadline.
     */
    async review(caller: Caller, taskNo: string, n: string, input: string): Promise<FollowUpDoc> {
      const f = await loadFollowUp(taskNo, n);
      await mayAct(caller, f);
      if (f.status === 'closed') throw new Refusal(`${f.id} 已办结，无需重复复查`);
      if (f.status === 'awaiting') throw new Refusal(`${f.id} 尚待${unitName(f.owner)}接收，接收后才能复查`);
      const t = today();
      const at = now();
      const ext = /^延期\s+(\S+)\s*(.*)$/.exec(input.trim());
      if (ext) {
        if (f.handling.kind !== 'rectify') throw new Refusal('只有责令改正的期限可以延期');
        if (f.extended) throw new Refusal(`${f.id} 已延期一次（${f.extensionReason}），不能再次延期；请复查后办结`, 'R14');
        const due = parseDay(ext[1], t);
        if (!due || due <= f.due) throw new Refusal(`新的期限须晚于原期限 ${f.due}，例如：复查 ${f.taskNo} ${f.n} 延期 2026-12-31 企业申请延期改造`);
        if (ext[2].trim().length < 4) throw new Refusal('延期须写明理由（至少4个字）', 'R20');
        return writeFollowUp(caller, f, { ...f, due, extended: true, extensionReason: ext[2].trim(), remindedOn: '', updatedAt: at, version: f.version + 1 }, 'followup.extend', `${f.due} → ${due}：${ext[2].trim()}`);
      }
      const m = /^(\S+?)(?:\s*(?:至|到)\s*(\S+))?\s+(.+)$/.exec(input.trim());
      const start = m ? parseDay(m[1], t) : undefined;
      const end = m ? (m[2] ? parseDay(m[2], t) : start) : undefined;
      if (!m || !start || !end) throw new Refusal(`请写明复查日期和情况，例如：复查 ${f.taskNo} ${f.n} ${t} 已整改到位`);
      if (end > t) throw new Refusal(`复查日期 ${end} 晚于今天，请在复查后再记录`, 'R14');
      if (start > end || start < beijingDate(f.createdAt)) throw new Refusal(`复查日期须在该问题登记（${beijingDate(f.createdAt)}）之后`, 'R14');
      const outcome = m[3].trim().slice(0, 500);
      if (outcome.length < 2) throw new Refusal('请写明复查情况，例如：已整改到位');
      return writeFollowUp(caller, f, {
        ...f, status: 'closed', review: { start, end, outcome, by: caller.userId, byName: caller.name }, closedBy: caller.userId, closedAt: at, updatedAt: at, version: f.version + 1,
      }, 'followup.close', outcome);
    },

    /**
     * Follow-ups due today or earlier, on a working day, not yet reminded today (marked so
     * no other process reminds again), with who to tell: the owning department's officials.
     */
    async dueReminders(at: Date): Promise<{ followUp: FollowUpDoc; userIds: string[] }[]> {
      const t = beijingDate(at);
      if (!isWorkingDay(t, cal())) return [];
      const out: { followUp: FollowUpDoc; userIds: string[] }[] = [];
      for (const f of await repos.followUps.unclosed()) {
        if (f.status !== 'open' || !f.due || f.due > t || f.remindedOn === t) continue;
        if (!(await repos.followUps.replace({ ...f, remindedOn: t, version: f.version + 1 }, f.version))) continue;
        const users = (await repos.org.users()).filter((u) => u.active && u.department === f.owner && u.roles.some((r) => r === 'official' || r === 'leader'));
        out.push({ followUp: f, userIds: users.map((u) => u.userId) });
      }
      return out;
    },

    /** Transfers waiting for acceptance, with the receiving department's officials (for the accept card). */
    async awaitingTransfers(): Promise<{ followUp: FollowUpDoc; userIds: string[] }[]> {
      const users = await repos.org.users();
      return (await repos.followUps.unclosed()).filter((f) => f.status === 'awaiting').map((f) => ({
        followUp: f,
        userIds: users.filter((u) => u.active && u.department === f.owner && u.roles.some((r) => r === 'official' || r === 'leader')).map((u) => u.userId),
      }));
    },

    /**
     * R16: the entity's approved inspections from every department, newest first, each with
     * its open follow-ups (one `_id` read for the history, one per result).
     */
    async history(creditCode: string): Promise<{ entry: HistoryEntry; openFollowUps: number }[]> {
      const entries = (await repos.history.get(creditCode)).sort((a, b) => (a.end < b.end ? 1 : a.end > b.end ? -1 : 0));
      const results = await repos.results.many(entries.map((e) => e.taskNo));
      return entries.map((entry) => ({ entry, openFollowUps: results.get(entry.taskNo)?.openFollowUps ?? 0 }));
    },

    /**
     * Result deadlines (R15), for the daily job on working days: teams whose result is due in
     * 3 working days (their officers' user ids are the inspector numbers), and on Mondays each
     * lead department's overdue tasks for its leaders and 联席办. Tasks whose due day falls in
     * a year without holiday data are reported as `unknown`, never guessed.
     */
    async deadlineReminders(at: Date): Promise<{ dueSoon: { task: TaskDoc; due: string }[]; overdue: Map<string, { task: TaskDoc; due: string }[]>; unknown: string[] }> {
      const t = beijingDate(at);
      const empty = { dueSoon: [], overdue: new Map(), unknown: [] };
      if (!isWorkingDay(t, cal())) return empty;
      const year = Number(t.slice(0, 4));
      const tasks = [...await repos.tasks.forYear(year - 1), ...await repos.tasks.forYear(year)].filter((x) => x.status === 'open' && x.window.from <= t);
      const results = await repos.results.many(tasks.map((x) => x.taskNo));
      const soon = addWorkingDays(t, 3, cal());
      const monday = new Date(`${t}T00:00:00Z`).getUTCDay() === 1;
      const out = { dueSoon: [] as { task: TaskDoc; due: string }[], overdue: new Map<string, { task: TaskDoc; due: string }[]>(), unknown: [] as string[] };
      for (const task of tasks) {
        const r = results.get(task.taskNo);
        if (r && r.status !== 'draft' && r.status !== 'returned') continue;
        let due: string;
        try {
          due = addWorkingDays(task.window.to, dueDays, cal());
        } catch (err) {
          if (err instanceof MissingHolidayYear) { out.unknown.push(task.taskNo); continue; }
          throw err;
        }
        if (due === soon) out.dueSoon.push({ task, due });
        if (monday && t > due) out.overdue.set(task.lead, [...(out.overdue.get(task.lead) ?? []), { task, due }]);
      }
      return out;
    },

    /**
     * Imports a 免罚清单 (R18) from .xlsx or .csv: every row checked, good rows upserted by
     * (department, 序号), bad rows reported with their row number. Admins import any
     * department's; an official only their own.
     */
    async importLenient(caller: Caller, file: string): Promise<{ imported: number; rejected: { row: number; reason: string }[] }> {
      if (!hasAny(caller, ['admin', 'official', 'leader'])) throw new Refusal('免罚清单由各部门工作人员或系统管理员导入');
      const wb = new ExcelJS.Workbook();
      const ws = file.toLowerCase().endsWith('.csv') ? await wb.csv.readFile(file) : (await wb.xlsx.readFile(file), wb.worksheets[0]);
      if (!ws) throw new Refusal(`文件“${path.basename(file)}”没有工作表`);
      const header: (keyof LenientEntry | undefined)[] = [];
      ws.getRow(1).eachCell((c, i) => { header[i] = lenientColumn(String(c.value ?? '')); });
      const good: LenientEntry[] = [];
      const rejected: { row: number; reason: string }[] = [];
      ws.eachRow((row, n) => {
        if (n === 1) return;
        const rec: Partial<Record<keyof LenientEntry, string>> = {};
        row.eachCell((c, i) => { const k = header[i]; if (k) rec[k] = String(c.value ?? '').trim(); });
        const parsed = parseLenientRow(rec, findUnit);
        if (!parsed.ok) rejected.push({ row: n, reason: parsed.reason });
        else if (!hasAny(caller, ['admin']) && parsed.value.department !== caller.department) rejected.push({ row: n, reason: `只能导入本单位（${unitName(caller.department)}）的免罚清单` });
        else good.push(parsed.value);
      });
      await repos.lenient.upsert(good, caller.userId, now());
      await repos.audit.append({ at: now(), actor: caller.userId, channel: caller.channel, action: 'lenient.import', target: `lenient:${path.basename(file)}`, changes: [], note: `${good.length}条，拒绝${rejected.length}条` });
      return { imported: good.length, rejected };
    },

    lenientList: (department: string) => repos.lenient.byDepartment(department),

    /** The department's 免罚清单 entries that may apply to a problem under this item ('DEPT:code'). */
    async lenientFor(itemKey: string): Promise<LenientEntry[]> {
      const [department, itemCode] = itemKey.split(':');
      return (await repos.lenient.byDepartment(department)).filter((e) => !e.itemCode || e.itemCode === itemCode);
    },

    /**
     * 首违不罚 (R18): only for a first violation — refused when the entity already has an
     * approved result recording a violation of the same entry.
     */
    async firstViolation(creditCode: string, entry: string, taskNo: string): Promise<void> {
      const earlier = (await repos.history.get(creditCode)).find((e) => e.taskNo !== taskNo && e.lenient?.includes(entry));
      if (earlier) {
        throw new Refusal(`依据规则 R18：该主体在 ${earlier.end}（${earlier.taskNo}）已有同一违法行为（免罚清单第${entry.split(':')[1]}条）的记录，不属首次违法，不能适用首违不罚；请选择其他处置方式`, 'R18');
      }
    },

    /**
     * R16: another department's approved inspections of the entity in the last `months` months
     * (default 12), for a department about to plan or file a check of it.
     */
    async recentByOthers(creditCode: string, department: string, months = 12): Promise<HistoryEntry[]> {
      const t = today();
      const since = new Date(Date.UTC(Number(t.slice(0, 4)), Number(t.slice(5, 7)) - 1 - months, Number(t.slice(8, 10)))).toISOString().slice(0, 10);
      return (await repos.history.get(creditCode)).filter((e) => e.end >= since && e.departments.some((d) => d !== department));
    },

    /** R17: proposals waiting for 联席办. */
    async riskProposals(caller: Caller): Promise<RiskProposalDoc[]> {
      if (!hasAny(caller, ['office', 'admin'])) throw new Refusal('依据规则 R17：信用风险分类调整建议由联席办审定', 'R17');
      return repos.riskProposals.pending();
    },

    /**
     * 联席办 applies or rejects a proposal (R17): applying moves the entity's risk class only if
     * it is still the class the proposal started from; the change is audited with its
     * provenance (the result that caused it).
     */
    async decideRisk(caller: Caller, id: string, apply: boolean): Promise<RiskProposalDoc> {
      if (!hasAny(caller, ['office'])) throw new Refusal('依据规则 R17：信用风险分类调整建议由联席办审定', 'R17');
      const p = await repos.riskProposals.get(id);
      if (!p) throw new Refusal(`没有编号为“${id.slice(0, 60)}”的风险分类调整建议，请发送“风险建议”查看`);
      if (p.status !== 'pending') throw new Refusal(`该建议已${p.status === 'applied' ? '采纳' : '不予采纳'}（${p.decidedBy}），无需重复操作`);
      const at = now();
      if (apply) {
        const e = await repos.entities.get(p.creditCode);
        if (!e || e.riskClass !== p.from) throw new Refusal(`${p.entityName}的信用风险分类已不是“${p.from}”（现为“${e?.riskClass ?? '-'}”），该建议不再适用，请不予采纳`, 'R17');
        if (!(await repos.entities.writer.updateIfUnchanged(p.creditCode, e.rowHash, { riskClass: p.to, updatedAt: at, updatedBy: caller.userId }))) {
          throw new Refusal(`${p.entityName}刚被修改，请重新查看后再审定`);
        }
      }
      if (!(await repos.riskProposals.decide(p, apply ? 'applied' : 'rejected', caller.userId, at))) throw new Refusal('该建议刚被他人处理，请发送“风险建议”重新查看');
      await repos.audit.append({
        at, actor: caller.userId, channel: caller.channel, action: apply ? 'risk.apply' : 'risk.reject', target: `entity:${p.creditCode}`,
        changes: apply ? [{ field: 'riskClass', from: JSON.stringify(p.from), to: JSON.stringify(p.to) }] : [],
        note: `R17：${p.reason}（${p.taskNo}）`,
      });
      return { ...p, status: apply ? 'applied' : 'rejected', decidedBy: caller.userId, decidedAt: at, version: p.version + 1 };
    },

    /** Each task's status (one `_id` read per task). */
    async statuses(tasks: TaskDoc[]): Promise<Map<string, TaskStatus>> {
      const results = await repos.results.many(tasks.map((t) => t.taskNo));
      return new Map(tasks.map((t) => [t.taskNo, this.statusOf(t, results.get(t.taskNo))]));
    },
  };
}

export type ResultService = ReturnType<typeof resultService>;
