/**
 * Inspection results (R15: 谁检查、谁录入): who may enter a task's result and
 * for which department, each department's part of the one form, the lead
 * department's 组长 submitting the whole form for the department leader's review
 * through the approval engine, a returned result reopened for editing, an
 * approved result fixed, and a correction (with a reason) that keeps the earlier
 * version (R20). Every write is audited. The service is composed of its parts:
 * follow-ups (resultFollowUps, R14), the record it leaves (resultRecords: history,
 * 免罚清单, risk proposals; R16–R18), task states and deadlines (resultStatus, R15)
 * and recognition across departments (resultRecognition, R16).
 */
import { createHash } from 'node:crypto';
import { beijingDate } from '../domain/calendar';
import { unitName } from '../domain/organisation';
import { checkConsistency, checkDates, checkEvidence, DEFAULT_CATEGORIES, type Category, type ItemFinding, type ResultForm } from '../domain/result';
import type { HolidayCalendar } from '../domain/workdays';
import type { StepSpec } from '../domain/approval';
import type { TaskDoc } from '../domain/records/task';
import type { ApprovalDoc } from '../domain/records/approval';
import type { EarlierResult, ResultDoc, ResultPart } from '../domain/records/result';
import type { UserDoc } from '../domain/records/org';
import type { AuditEntry } from '../domain/audit';
import type { ApprovalChange, ApprovalService } from './approvals';
import { hasAny, Refusal, type Caller, type Deps } from './context';
import { FILING_NO } from './filings';
import { loadHolidayCalendar } from './holidays';
import { resultRecognition } from './resultRecognition';
import { resultFollowUps } from './resultFollowUps';
import { resultRecords } from './resultRecords';
import { resultStatus, type TaskStatus } from './resultStatus';

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
  /**
   * The task had no result when the conversation started: it is not read again at 提交, the
   * result's insert finds one entered meanwhile (then it is read and the save done over it).
   */
  fresh?: boolean;
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

export type { TaskStatus, PlanProgress } from './resultStatus';
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

  const auditEntry = (caller: Caller, action: string, r: ResultDoc, from: string, to: string, note = ''): AuditEntry => ({
    at: now(), actor: caller.userId, channel: caller.channel, action, target: `result:${r.taskNo}`,
    changes: [{ field: 'status', from: JSON.stringify(from), to: JSON.stringify(to) }], note,
  });
  async function audit(caller: Caller, action: string, r: ResultDoc, from: string, to: string, note = ''): Promise<void> {
    await repos.audit.append(auditEntry(caller, action, r, from, to, note));
  }

  const records = resultRecords({ repos, now, policy });
  const followUps = resultFollowUps({ repos, now, policy }, cal);
  const status = resultStatus({ repos, now, policy }, { cal, dueDays });

  // The leader's decision moves the result: approved is fixed, returned reopens it for editing.
  approvals.onDecide('result', async (caller, a, approve, comment) => {
    const r = await repos.results.get(resultOf(a.subject));
    if (!r || r.status !== 'pending') throw new Refusal(`检查结果 ${a.subject} 当前不在待审核状态，无需审核`);
    const at = now();
    let open = r.openFollowUps;
    if (approve) {
      await followUps.reconcile(caller, r, a.requestedBy, at);
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
    // R4: the entity counts as inspected on the inspection's last day (Beijing), for 排除近N个月已检查.
    if (approve && r.form) await repos.entities.markInspected(r.creditCode, new Date(`${r.form.end}T00:00:00+08:00`));
    if (approve && r.form) await records.proposeRisk(r, r.form, at);
    await audit(caller, approve ? 'result.approve' : 'result.return', r, r.status, next.status, comment);
  });

  /**
   * Opens the result for review (or for a new round after a return or a correction). A first
   * submission passes the users list R20 was just checked against and its own audit entry, which
   * is written with the review's in one insert.
   */
  async function sendForReview(caller: Caller, r: ResultDoc, correction: boolean, first?: { staffed: readonly UserDoc[]; audit: AuditEntry }): Promise<ApprovalChange> {
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
    // A result written for the first time has never been reviewed: no review to look up.
    if (first) return approvals.open(req, { staffed: first.staffed, audit: [first.audit] });
    const existing = await approvals.get(reviewSubject(r.taskNo));
    return existing ? approvals.reopen(req, { afterApproval: correction }) : approvals.open(req);
  }

  return {
    ...resultRecognition({ repos, now, policy }),
    ...records.api,
    ...followUps.api,
    ...status,
    categories,
    dueWorkingDays: dueDays,
    today,
    calendar: cal,

    /**
     * May the caller enter (or, with `correction`, correct) this task's result now?
     * Returns their department's scope with what is already entered.
     */
    async scope(caller: Caller, taskNo: string, correction?: string, opts: { assumeNone?: boolean } = {}): Promise<EntryScope> {
      // The task and its result are read at once, the result by the number as typed (a filing's in
      // capitals); read again only when the task's own number differs. `assumeNone`: the caller
      // writes by an insert, which finds a result if there is one; nothing is read.
      const key = FILING_NO.test(taskNo.trim()) ? taskNo.trim().toUpperCase() : taskNo.trim();
      const none = Promise.resolve(undefined);
      const [task, typed] = await Promise.all([loadTask(taskNo), opts.assumeNone ? none : repos.results.get(key)]);
      const department = await departmentFor(caller, task);
      const result = opts.assumeNone ? undefined : task.taskNo === key ? typed : await repos.results.get(task.taskNo);
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

    /** The names of a form's items by key (a filing's one item by its fixed name). */
    async itemNames(keys: string[]): Promise<Map<string, string>> {
      const names = await repos.items.names(keys.filter((k) => !k.endsWith(`:${FILING_ITEM}`)));
      for (const k of keys) if (k.endsWith(`:${FILING_ITEM}`)) names.set(k, FILING_ITEM_NAME);
      return names;
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
      // The users list for R20 (one `_id` read while it is unchanged) is read with the task and result.
      const assumeNone = !!draft.fresh && correction === undefined;
      const [scope, users] = await Promise.all([this.scope(caller, taskNo, correction, { assumeNone }), repos.org.users()]);
      // A result entered since the conversation started: read it and save over it.
      const again = () => this.save(caller, taskNo, { ...draft, fresh: false }, correction);
      const { task, department } = scope;
      const keys = scope.items;
      if (draft.findings.length !== keys.length || draft.findings.some((f, i) => f.key !== keys[i])) {
        throw new Refusal(`${task.taskNo} 的检查事项已变化，请发送“取消”后重新录入`);
      }
      const unhandled = draft.findings.findIndex((f) => f.problem && !f.handling);
      if (unhandled >= 0) throw new Refusal(`依据规则 R14：第${unhandled + 1}项发现的问题还没有处置方式（责令改正、移送、移送司法机关或立案查处）`, 'R14');
      for (const f of draft.findings) {
        if (f.handling?.kind === 'rectify' && f.handling.lenient) await records.api.firstViolation(task.creditCode, f.handling.lenient, task.taskNo);
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
      // R20: the request must be decidable before anything is written.
      const staffed = submits ? await approvals.ensureStaffed(RESULT_STEPS(task.lead), caller, users) : undefined;
      const entry = auditEntry(caller, correction ? 'result.correct' : submits ? 'result.submit' : 'result.part', next, before?.status ?? '', next.status,
        correction ? `更正理由：${correction}` : `${unitName(department)}：${draft.findings.length}项`);
      const clash = () => new Refusal(`${task.taskNo} 的检查结果刚被他人修改或提交，请发送“结果 ${task.taskNo}”查看后再录入`);
      if (staffed && !before) {
        // A first submission: the review is opened, its audit entry and the result's in one insert
        // (the result's alone if opening fails), while the result's state is logged.
        const opened = await repos.results.createThen(next, () => sendForReview(caller, next, false, { staffed, audit: entry })
          .catch(async (err: unknown) => { await repos.audit.append(entry); throw err; }));
        if (!opened) {
          if (assumeNone) return again();
          throw clash();
        }
        return { result: next, change: opened.value, missing, leader };
      }
      const written = before ? await repos.results.replace(next, before.version) : await repos.results.create(next);
      if (!written && assumeNone) return again();
      if (!written) throw clash();
      await repos.audit.append(entry);
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
      return { task: t, result, approval, status: status.statusOf(t, result), names };
    },

  };
}

export type ResultService = ReturnType<typeof resultService>;
