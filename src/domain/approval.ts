/**
 * One approval engine for plans, filings, C placements (a member unit's proposal) and results: a request
 * passes ordered steps, each decided by one role of one department. Pure: the
 * actor and the time come in; the caller stores the result under its version
 * (a guarded write), so two taps at once cannot both decide a step.
 */
import { ROLE_LABELS, unitName, type Role } from './organisation';
import type { Actor } from './pools';
import type { RuleId } from './rules';
import { addDays, beijingDate } from './calendar';
import { DECISION_WORDS } from './status';

/** Every kind of request the engine decides (the repo's mapper refuses any other). */
export const APPROVAL_KINDS = ['plan', 'filing', 'pool', 'result', 'circular', 'cjoint', 'jointList'] as const;
export type ApprovalKind = (typeof APPROVAL_KINDS)[number];

export interface StepSpec {
  role: Role;
  department: string;
  /** What this step checks, e.g. "联席办审核（比例、频次、重复检查，R13）". */
  label: string;
}

export interface Step extends StepSpec {
  outcome: 'waiting' | 'pending' | 'approved' | 'rejected';
  by?: string;
  /** The decider's name as it was then, for cards and history. */
  byName?: string;
  at?: Date;
  comment?: string;
}

export interface Approval {
  kind: ApprovalKind;
  subject: string;
  requestedBy: string;
  requestedAt: Date;
  steps: Step[];
  /** Index of the step being decided; steps.length when finished. */
  current: number;
  status: 'pending' | 'approved' | 'rejected';
  /** Bumped by every decision; the store writes only over the version it read. */
  version: number;
  /** When the current step started waiting (for reminders). */
  waitingSince: Date;
  /** Earlier rounds (returned, then submitted again), oldest first: every decision stays visible (R20). */
  earlier?: EarlierStep[];
}

/** A step of an earlier round, with the round's number (1 = the first submission). */
export interface EarlierStep extends Step {
  round: number;
}

/** Which round the current steps are: earlier rounds + 1. */
export function roundOf(a: Pick<Approval, 'earlier'>): number {
  return (a.earlier ?? []).reduce((m, s) => Math.max(m, s.round), 0) + 1;
}

export type Decision =
  | { ok: true; approval: Approval; event: 'advanced' | 'approved' | 'rejected' }
  | { ok: false; message: string; rule?: RuleId; finished?: boolean };

export function createApproval(kind: ApprovalKind, subject: string, requestedBy: string, steps: StepSpec[], at: Date): Approval {
  if (steps.length === 0) throw new Error('an approval needs at least one step');
  return {
    kind, subject, requestedBy, requestedAt: at,
    steps: steps.map((s, i) => ({ ...s, outcome: i === 0 ? 'pending' : 'waiting' })),
    current: 0, status: 'pending', version: 0, waitingSince: at,
  };
}

/** Who decides the current step, in words: "县消防救援大队部门领导", "县市管局联席办", "县司法局". */
export function currentDecider(a: Approval): string {
  const s = a.steps[a.current];
  if (!s) return '';
  // The 司法局's reviewer is the bureau itself: "县司法局", not "县司法局司法局审核".
  return deciderOf(s);
}

/** Only the designated role of the current step's department decides; nobody decides their own request. */
export function mayDecide(a: Approval, actor: Actor): { ok: true } | { ok: false; message: string; rule?: RuleId } {
  const step = a.steps[a.current];
  if (a.status !== 'pending' || !step) return { ok: false, message: `该申请${DECISION_WORDS[a.status as 'approved' | 'rejected']}，无需重复操作` };
  if (actor.userId === a.requestedBy) return { ok: false, message: '依据规则 R20：不能审批自己提交的申请，请由其他审批人处理', rule: 'R20' };
  if (!actor.roles.includes(step.role) || actor.department !== step.department) {
    return { ok: false, message: `此步骤（${step.label}）应由${currentDecider(a)}审批，您无权操作` };
  }
  const own = a.steps.find((s, i) => i !== a.current && s.by === actor.userId);
  if (own) {
    return { ok: false, rule: 'R20', message: `依据规则 R20：您已审批本申请的“${own.label}”一步，同一人只能审批一个申请中的一步；此步骤请由${currentDecider(a)}的其他人员审批` };
  }
  return { ok: true };
}

/** Someone who might decide a step: a registered user. */
export interface Candidate {
  userId: string;
  department: string;
  roles: readonly Role[];
  active: boolean;
}

const eligible = (u: Candidate, s: StepSpec, requestedBy: string) =>
  u.active && u.userId !== requestedBy && u.department === s.department && u.roles.includes(s.role);

/**
 * Can every step be decided by a different person, none of them the requester (R20)?
 * Returns the index of a step that cannot be staffed, or -1. Steps are matched to
 * distinct users (augmenting paths; a handful of steps and users).
 */
export function unstaffedStep(steps: readonly StepSpec[], users: readonly Candidate[], requestedBy: string): number {
  const assigned = new Map<string, number>(); // userId → step
  const tryStep = (i: number, seen: Set<string>): boolean => {
    for (const u of users) {
      if (seen.has(u.userId) || !eligible(u, steps[i], requestedBy)) continue;
      seen.add(u.userId);
      const holder = assigned.get(u.userId);
      if (holder === undefined || tryStep(holder, seen)) {
        assigned.set(u.userId, i);
        return true;
      }
    }
    return false;
  };
  for (let i = 0; i < steps.length; i++) if (!tryStep(i, new Set())) return i;
  return -1;
}

/** Who decides a step, in words (as currentDecider). */
export function deciderOf(s: StepSpec): string {
  return s.role === 'justice' ? unitName(s.department) : `${unitName(s.department)}${ROLE_LABELS[s.role]}`;
}

export function decide(a: Approval, actor: Actor & { name?: string }, approve: boolean, comment: string, at: Date): Decision {
  const may = mayDecide(a, actor);
  if (!may.ok) return { ...may, finished: a.status !== 'pending' };
  const steps = a.steps.map((s, i) => (i === a.current
    ? { ...s, outcome: approve ? 'approved' as const : 'rejected' as const, by: actor.userId, byName: actor.name, at, comment: comment.trim() || undefined }
    : s));
  if (!approve) {
    return { ok: true, event: 'rejected', approval: { ...a, steps, current: a.steps.length, status: 'rejected', version: a.version + 1, waitingSince: at } };
  }
  const next = a.current + 1;
  if (next >= steps.length) {
    return { ok: true, event: 'approved', approval: { ...a, steps, current: next, status: 'approved', version: a.version + 1, waitingSince: at } };
  }
  steps[next] = { ...steps[next], outcome: 'pending' };
  return { ok: true, event: 'advanced', approval: { ...a, steps, current: next, version: a.version + 1, waitingSince: at } };
}

/** Monday to Friday: the rule when no holiday calendar is given. */
const weekday = (day: string) => {
  const w = new Date(`${day}T00:00:00Z`).getUTCDay();
  return w !== 0 && w !== 6;
};

/**
 * Working days (Beijing dates) from `from` to `to`, not counting `from`'s own day.
 * `isWorking` is the holiday calendar (services pass the State Council's, R15);
 * Monday–Friday without one.
 */
export function workingDaysBetween(from: Date, to: Date, isWorking: (day: string) => boolean = weekday): number {
  const last = beijingDate(to);
  let n = 0;
  for (let d = addDays(beijingDate(from), 1); d <= last; d = addDays(d, 1)) {
    if (isWorking(d)) n++;
  }
  return n;
}

/** Has the current step waited more than `limit` working days? */
export function overdue(a: Approval, now: Date, limit: number, isWorking?: (day: string) => boolean): boolean {
  return a.status === 'pending' && workingDaysBetween(a.waitingSince, now, isWorking) > limit;
}
