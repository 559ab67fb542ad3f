/**
 * The approval engine as a use case: opens a request with its ordered
 * steps, records one decision at a time over the version the decider read (so a
 * second tap or a colleague's simultaneous tap changes nothing), lists what
 * waits for a user, and finds steps that waited too long. Every decision is
 * audited (R20). Plans, filings, C placements and results go through here; an A or B placement by 联席办 is made directly (R1, R5).
 */
import { beijingDate } from '../domain/calendar';
import { createApproval, decide, deciderOf, mayDecide, overdue, roundOf, unstaffedStep, workingDaysBetween, type ApprovalKind, type StepSpec } from '../domain/approval';
import { isWorkingDay } from '../domain/workdays';
import { loadHolidayCalendar } from './holidays';
import { ROLE_LABELS } from '../domain/organisation';
import type { ApprovalDoc } from '../domain/records/approval';
import type { UserDoc } from '../domain/records/org';
import type { AuditEntry } from '../domain/audit';
import { Refusal, type Caller, type Deps } from './context';

const MAX_COMMENT_CHARS = 500;

export interface ApprovalRequest {
  kind: ApprovalKind;
  subject: string;
  title: string;
  requester: Caller;
  steps: StepSpec[];
  fields: ApprovalDoc['fields'];
  flags?: string[];
}

/** What changed, and who must now act: the deciders of the current step (none once finished). */
export interface ApprovalChange {
  approval: ApprovalDoc;
  event: 'submitted' | 'advanced' | 'approved' | 'rejected';
  deciders: UserDoc[];
  /** A request the decision opened (a disagreement sent on to 联席办), announced like this one. */
  followUp?: ApprovalChange;
}

/** A tap on a card that was already decided: nothing changed; show the result. */
export interface AlreadyDecided {
  approval: ApprovalDoc;
  event: 'already';
}

/**
 * What a kind of request does when its last step is decided (a pool placement moves the
 * entity). It runs before the decision is written and may refuse; then nothing is written.
 * It may return a request it opened (the decision's follow-up).
 */
export type DecisionEffect = (caller: Caller, approval: ApprovalDoc, approve: boolean, comment: string) => Promise<void | ApprovalChange>;

export function approvalService({ repos, now }: Deps) {
  const effects = new Map<ApprovalKind, DecisionEffect>();
  /** Reminders count working days on the State Council's holiday calendar (R15's). */
  const isWorking = (day: string) => isWorkingDay(day, loadHolidayCalendar());

  /** `known`: the users list the caller read for this very request (no second read). */
  async function deciders(a: ApprovalDoc, known?: readonly UserDoc[]): Promise<UserDoc[]> {
    const step = a.steps[a.current];
    if (a.status !== 'pending' || !step) return [];
    return (known ?? await repos.org.users()).filter((u) => mayDecide(a, u).ok && u.active);
  }

  /**
   * R20: every step must have someone who may decide it — not the requester, and not a person
   * deciding another step of the same request. Otherwise the request is refused before anything
   * is written, saying whom to register, instead of waiting for nobody.
   */
  async function ensureStaffed(steps: StepSpec[], requester: Caller, known?: readonly UserDoc[]): Promise<readonly UserDoc[]> {
    const users = known ?? await repos.org.users();
    const i = unstaffedStep(steps, users, requester.userId);
    if (i < 0) return users;
    const s = steps[i];
    const who = deciderOf(s);
    const registered = users.filter((u) => u.active && u.department === s.department && u.roles.includes(s.role)).length;
    throw new Refusal(
      `依据规则 R20：“${s.label}”须由${who}中提交人以外、且不审批本申请其他步骤的人员办理，目前无人可办（已登记${registered}人），申请未提交。`
      + `请先登记${registered ? '另一位' : ''}${who}人员（npm run cli -- user add … --roles ${s.role}，角色：${ROLE_LABELS[s.role]}），再提交。`, 'R20');
  }

  async function load(subject: string): Promise<ApprovalDoc> {
    const a = await repos.approvals.get(subject.trim());
    if (!a) throw new Refusal(`没有编号为“${subject.trim().slice(0, 30)}”的审批事项，请核对编号（可发送“待办”查看）`);
    return a;
  }

  return {
    deciders,
    ensureStaffed,
    /** Registers what deciding the last step of a kind of request does (see DecisionEffect). */
    onDecide(kind: ApprovalKind, effect: DecisionEffect): void {
      effects.set(kind, effect);
    },
    /** Refuses (as deciding would) when this caller may not decide the request's current step now. */
    async mayDecideNow(caller: Caller, subject: string): Promise<ApprovalDoc> {
      const a = await load(subject);
      const may = mayDecide(a, caller);
      if (!may.ok) throw new Refusal(may.message, may.rule);
      return a;
    },
    get: (subject: string) => repos.approvals.get(subject),
    many: (subjects: string[]) => repos.approvals.many(subjects),

    /**
     * Opens the request; opening the same subject again (a retry) returns the existing one unchanged.
     * `staffed`: the users list the caller has just checked the steps against (ensureStaffed), so
     * neither it nor a first look for an existing request is read again (the insert finds one).
     * `audit`: the caller's own entries, written in one insert with the request's (or alone when
     * the request already existed).
     */
    async open(req: ApprovalRequest, opts: { staffed?: readonly UserDoc[]; audit?: AuditEntry[] } = {}): Promise<ApprovalChange> {
      const theirs = opts.audit ?? [];
      const existing = opts.staffed ? undefined : await repos.approvals.get(req.subject);
      if (existing) {
        await repos.audit.append(theirs);
        return { approval: existing, event: 'submitted', deciders: await deciders(existing) };
      }
      const users = await ensureStaffed(req.steps, req.requester, opts.staffed);
      const at = now();
      const doc: ApprovalDoc = {
        ...createApproval(req.kind, req.subject, req.requester.userId, req.steps, at),
        title: req.title,
        requesterDepartment: req.requester.department,
        fields: req.fields,
        flags: req.flags ?? [],
      };
      if (!(await repos.approvals.create(doc))) {
        await repos.audit.append(theirs);
        const existing = await load(req.subject);
        return { approval: existing, event: 'submitted', deciders: await deciders(existing, opts.staffed) };
      }
      await repos.audit.append([...theirs, {
        at, actor: req.requester.userId, channel: req.requester.channel, action: 'approval.open', target: `${req.kind}:${req.subject}`,
        changes: [{ field: 'status', from: '""', to: '"pending"' }], note: req.steps.map((s) => s.label).join(' → '),
      }]);
      return { approval: doc, event: 'submitted', deciders: await deciders(doc, users) };
    },

    /**
     * Starts a returned request over (the subject was edited and submitted again); refused unless
     * it was returned (or, with `afterApproval`, finished either way). The earlier rounds stay in
     * the history with their decisions and comments (R20).
     */
    async reopen(req: ApprovalRequest, opts: { afterApproval?: boolean } = {}): Promise<ApprovalChange> {
      const before = await repos.approvals.get(req.subject);
      if (!before) return this.open(req);
      if (before.status === 'pending' || (before.status === 'approved' && !opts.afterApproval)) throw new Refusal(`${req.subject} 不是被退回状态，不能重新提交`);
      await ensureStaffed(req.steps, req.requester);
      const at = now();
      const round = roundOf(before);
      const doc: ApprovalDoc = {
        ...createApproval(req.kind, req.subject, req.requester.userId, req.steps, at),
        earlier: [...(before.earlier ?? []), ...before.steps.map((s) => ({ ...s, round }))],
        version: before.version + 1,
        title: req.title, requesterDepartment: req.requester.department, fields: req.fields, flags: req.flags ?? [],
      };
      if (!(await repos.approvals.replace(doc, before.version))) throw new Refusal(`${req.subject} 刚被他人处理，请重新查看后再提交`);
      await repos.audit.append({
        at, actor: req.requester.userId, channel: req.requester.channel, action: 'approval.reopen', target: `${req.kind}:${req.subject}`,
        changes: [{ field: 'status', from: '"rejected"', to: '"pending"' }], note: req.steps.map((s) => s.label).join(' → '),
      });
      return { approval: doc, event: 'submitted', deciders: await deciders(doc) };
    },

    /**
     * Decides the current step. `step` is the step the card was sent for: a card of an
     * earlier step (or a decided request) only shows the result and changes nothing.
     */
    async decide(caller: Caller, subject: string, step: number | undefined, approve: boolean, comment: string): Promise<ApprovalChange | AlreadyDecided> {
      const note = comment.trim();
      if (note.length > MAX_COMMENT_CHARS) throw new Refusal(`意见过长（${note.length}字），请控制在${MAX_COMMENT_CHARS}字以内`);
      for (let attempt = 0; ; attempt++) {
        const a = await load(subject);
        if (a.status !== 'pending' || (step !== undefined && step !== a.current)) return { approval: a, event: 'already' };
        const may = mayDecide(a, caller);
        if (!may.ok) throw new Refusal(may.message, may.rule);
        if (!approve && !note && step === undefined) throw new Refusal(`退回时请写明理由，例如：退回 ${a.subject} ${a.kind === 'filing' ? '检查人员与该主体有利害关系，请更换后重新备案' : '抽查比例过高，请调整为5%'}`);
        const at = now();
        const d = decide(a, caller, approve, note, at);
        if (!d.ok) throw new Refusal(d.message, d.rule);
        const effect = effects.get(a.kind);
        const followUp = effect && d.event !== 'advanced' ? (await effect(caller, a, approve, note)) ?? undefined : undefined;
        const next: ApprovalDoc = { ...a, ...d.approval, remindedAt: undefined };
        if (!(await repos.approvals.replace(next, a.version))) {
          // Changed meanwhile: a colleague decided (then the next read shows it), or a comment was added (then decide again).
          if (attempt < 3) continue;
          return { approval: await load(subject), event: 'already' };
        }
        const decided = next.steps[a.current];
        await repos.audit.append({
          at, actor: caller.userId, channel: caller.channel, action: approve ? 'approval.approve' : 'approval.reject',
          target: `${a.kind}:${a.subject}`,
          changes: [{ field: `steps.${a.current}`, from: '"pending"', to: JSON.stringify(decided.outcome) }, { field: 'status', from: JSON.stringify(a.status), to: JSON.stringify(next.status) }],
          note: `${decided.label}${note ? `：${note}` : ''}`,
        });
        return { approval: next, event: d.event, deciders: await deciders(next), ...(followUp ? { followUp } : {}) };
      }
    },

    /**
     * A comment replied after tapping: attached to the step this user decided, if it has none yet.
     * Returns the approval and the step, or undefined when there is nothing of theirs to comment on.
     */
    async comment(caller: Caller, subject: string, comment: string): Promise<{ approval: ApprovalDoc; step: number } | undefined> {
      const note = comment.trim();
      if (!note) return undefined;
      if (note.length > MAX_COMMENT_CHARS) throw new Refusal(`意见过长（${note.length}字），请控制在${MAX_COMMENT_CHARS}字以内`);
      for (let attempt = 0; attempt < 3; attempt++) {
        const a = await load(subject);
        const i = a.steps.findIndex((s) => s.by === caller.userId && !s.comment);
        if (i < 0) return undefined;
        const next: ApprovalDoc = { ...a, steps: a.steps.map((s, j) => (j === i ? { ...s, comment: note } : s)), version: a.version + 1 };
        if (!(await repos.approvals.replace(next, a.version))) continue;
        await repos.audit.append({
          at: now(), actor: caller.userId, channel: caller.channel, action: 'approval.comment', target: `${a.kind}:${a.subject}`,
          changes: [{ field: `steps.${i}.comment`, from: '""', to: JSON.stringify(note) }], note: a.steps[i].label,
        });
        return { approval: next, step: i };
      }
      throw new Refusal('该事项正在被他人处理，请稍后再试');
    },

    /** Working days the current step has waited (holidays not counted). */
    waitedDays: (a: ApprovalDoc, at: Date) => workingDaysBetween(a.waitingSince, at, isWorking),

    /** What waits for this user: pending requests whose current step is theirs to decide. */
    async waitingFor(caller: Caller): Promise<ApprovalDoc[]> {
      return (await repos.approvals.pending()).filter((a) => mayDecide(a, caller).ok);
    },

    /** Requests whose current step has waited more than `limitDays` working days and was not reminded today. */
    async overdue(at: Date, limitDays: number): Promise<{ approval: ApprovalDoc; deciders: UserDoc[] }[]> {
      const out: { approval: ApprovalDoc; deciders: UserDoc[] }[] = [];
      for (const a of await repos.approvals.pending()) {
        if (!overdue(a, at, limitDays, isWorking)) continue;
        if (a.remindedAt && beijingDate(a.remindedAt) === beijingDate(at)) continue;
        if (!(await repos.approvals.markReminded(a.subject, a.version, at))) continue;
        out.push({ approval: a, deciders: await deciders(a) });
      }
      return out;
    },
  };
}

export type ApprovalService = ReturnType<typeof approvalService>;
