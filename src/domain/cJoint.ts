/**
 * Joint arrangements for overlapping C entities (R4: "where domains or targets
 * overlap, the departments agree a lead and participants and inspect jointly").
 * Pure: who leads by the documented rule, the confirmation steps, and how a C
 * draw's part joins the entity's task under an agreed arrangement.
 *
 * The lead rule (docs/draw.md §7.4, R4):
 *   1. the unit that proposed the entity into C (its confirmed C placement), when it
 *      is one of the entity's supervising departments;
 *   2. else the supervising department with the most inspection items for the C pool;
 *   3. a tie goes to the department listed first in the entity's 监管部门.
 * Every other supervising department takes part.
 */
import { findUnit, JOINT_OFFICE_HOST, MEMBER_UNITS, unitName } from './organisation';
import type { StepSpec } from './approval';
import type { RuleCitation } from './rules';
import { shortName, windowsOverlap, type DateWindow, type TaskPart } from './task';

/**
 * confirming: waiting for each department's leader; disputed: a department disagreed,
 * 联席办 rules; agreed: every department confirmed; decided: 联席办 upheld it;
 * dropped: 联席办 did not adopt it (a new proposal may be made).
 */
export const CJOINT_STATUSES = ['confirming', 'disputed', 'agreed', 'decided', 'dropped'] as const;
export type CJointStatus = (typeof CJOINT_STATUSES)[number];

export const CJOINT_STATUS_LABELS: Record<CJointStatus, string> = {
  confirming: '待各部门确认',
  disputed: '部门意见不一致，待联席办裁定',
  agreed: '各部门已确认，生效',
  decided: '联席办已裁定，生效',
  dropped: '联席办未采纳',
};

export const LEAD_BASES = ['proposer', 'items'] as const;
export type LeadBasis = (typeof LEAD_BASES)[number];

export interface CJointArrangement {
  creditCode: string;
  entityName: string;
  /** The lead department (code). */
  lead: string;
  /** The other supervising departments (codes), in the entity's order. */
  participants: string[];
  basis: LeadBasis;
  /** Why this lead, in words users read. */
  basisNote: string;
  proposedBy: string;
  proposedByName: string;
  proposedDepartment: string;
  proposedAt: Date;
  status: CJointStatus;
  /** The department that disagreed, who, and why (status disputed and after). */
  disagreement?: { department: string; by: string; byName: string; comment: string; at: Date };
  decidedBy?: string;
  decidedByName?: string;
  decidedAt?: Date;
  /** 1 for the first proposal; each new proposal after a drop adds one. */
  round: number;
  /** Bumped by every change; writes are guarded by the version read. */
  version: number;
  updatedAt: Date;
}

/** The departments of an arrangement, lead first. */
export const departmentsOf = (a: Pick<CJointArrangement, 'lead' | 'participants'>): string[] => [a.lead, ...a.participants];

/** In force: the draw joins its departments' C tasks into one visit. */
export const isInForce = (a: Pick<CJointArrangement, 'status'>): boolean => a.status === 'agreed' || a.status === 'decided';

/** Still being decided: no second proposal meanwhile. */
export const isOpen = (a: Pick<CJointArrangement, 'status'>): boolean => a.status === 'confirming' || a.status === 'disputed';

/** The departments' confirmation request, and 联席办's ruling when they disagree. */
export const confirmationNo = (creditCode: string): string => `LH-${creditCode}`;
export const rulingNo = (creditCode: string): string => `LH-${creditCode}-CD`;
/** The credit code of either request's subject, or undefined. */
export function creditCodeOfRequest(subject: string): { creditCode: string; ruling: boolean } | undefined {
  const m = /^LH-([0-9A-Z]{18})(-CD)?$/.exec(subject);
  return m ? { creditCode: m[1], ruling: Boolean(m[2]) } : undefined;
}

export type LeadProposal =
  | { ok: true; lead: string; participants: string[]; basis: LeadBasis; basisNote: string }
  | { ok: false; message: string; rule: RuleCitation };

/**
 * The lead and participants by the rule above. `departments` are the entity's supervising
 * departments in their listed order; `itemCounts` each one's C-pool inspection items.
 */
export function proposeLead(input: { departments: readonly string[]; proposingUnit?: string; itemCounts: Readonly<Record<string, number>> }): LeadProposal {
  const departments = [...new Set(input.departments)];
  if (departments.length < 2) {
    return { ok: false, rule: 'R4', message: `依据规则 R4：联合检查安排适用于由两个及以上部门监管的C类主体，${departments.length ? `该主体的监管部门只有${unitName(departments[0])}，由其自行检查即可` : '该主体尚未登记监管部门，请先在主体名录中补充'}` };
  }
  if (input.proposingUnit && departments.includes(input.proposingUnit)) {
    const lead = input.proposingUnit;
    return { ok: true, lead, participants: departments.filter((d) => d !== lead), basis: 'proposer', basisNote: `${unitName(lead)}提出将该主体列入C类库（R4：由提出单位负责检查）` };
  }
  const count = (d: string) => input.itemCounts[d] ?? 0;
  // Most C-pool items; a tie goes to the department listed first (a stable sort keeps the listed order).
  const lead = [...departments].sort((a, b) => count(b) - count(a))[0];
  const tie = departments.filter((d) => count(d) === count(lead)).length > 1;
  const counts = departments.map((d) => `${unitName(d)}${count(d)}项`).join('、');
  return {
    ok: true, lead, participants: departments.filter((d) => d !== lead), basis: 'items',
    basisNote: `未找到提出单位，按适用C类库的检查事项最多者牵头（${counts}）${tie ? '，事项数相同时按监管部门登记顺序' : ''}`,
  };
}

/** One step per department, lead first: its leader confirms the lead and participants (R4). */
export function confirmationSteps(a: Pick<CJointArrangement, 'lead' | 'participants'>): StepSpec[] {
  return departmentsOf(a).map((d, i) => ({
    role: 'leader', department: d,
    label: i === 0 ? `${unitName(d)}确认牵头（R4）` : `${unitName(d)}确认参加、由${unitName(a.lead)}牵头（R4）`,
  }));
}

/** 联席办 rules where the departments disagree. */
export const RULING_STEPS: StepSpec[] = [{ role: 'office', department: JOINT_OFFICE_HOST, label: '联席办裁定联合检查安排（部门意见不一致，R4）' }];

/**
 * 联席办's ruling may name another of the arrangement's departments as the lead, in its comment
 * ("同意 LH-<代码>-CD 牵头=县消防大队"): the arrangement with that lead, or unchanged without one.
 */
export function withRulingLead<T extends Pick<CJointArrangement, 'lead' | 'participants'>>(a: T, comment: string):
  { ok: true; arrangement: T } | { ok: false; message: string; rule: RuleCitation } {
  const named = /牵头\s*[=＝:：]\s*(\S+)/.exec(comment)?.[1];
  if (!named) return { ok: true, arrangement: a };
  const members = departmentsOf(a);
  const unit = MEMBER_UNITS.find((u) => shortName(u.code) === named) ?? findUnit(named);
  if (!unit || !members.includes(unit.code)) {
    return { ok: false, rule: 'R4', message: `依据规则 R4：牵头部门须是该主体的监管部门之一（${members.map(unitName).join('、')}），“${named}”不是，请改写后再裁定` };
  }
  return { ok: true, arrangement: { ...a, lead: unit.code, participants: members.filter((d) => d !== unit.code) } };
}

/** What joining needs of a task. */
export interface JoinableTask {
  year: number;
  status: 'open' | 'cancelled';
  departments: readonly string[];
  window: DateWindow;
  parts: readonly TaskPart[];
}

/**
 * Under an arrangement in force, a C draw of one of its departments joins the entity's open
 * task of the same year made by its other departments: one visit (R4), even when the two
 * plans' windows do not overlap — then the visit keeps the task's window, which the joining
 * part takes. The lead's part goes first, so the agreed lead leads the visit whichever
 * draw came first. Undefined when this arrangement does not apply (the ordinary rule, mayJoin,
 * decides then): no arrangement in force, another year, a department outside the
 * arrangement, or one of the draw's departments already in the task.
 */
export function arrangedParts(arrangement: CJointArrangement | undefined, task: JoinableTask, part: TaskPart, year: number): TaskPart[] | undefined {
  if (!arrangement || !isInForce(arrangement) || task.status !== 'open' || task.year !== year) return undefined;
  const members = departmentsOf(arrangement);
  if (![...part.departments, ...task.departments].every((d) => members.includes(d))) return undefined;
  if (part.departments.some((d) => task.departments.includes(d))) return undefined;
  const joining = windowsOverlap(task.window, part.window) ? part : { ...part, window: { ...task.window } };
  return part.departments.includes(arrangement.lead) ? [joining, ...task.parts] : [...task.parts, joining];
}
