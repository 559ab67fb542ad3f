/**
 * Joint arrangements for overlapping C entities (R4, R20) as use cases: the bot proposes the
 * lead by the documented rule (src/domain/cJoint.ts), each department's leader confirms
 * through the approval engine (request LH-<代码>, one step per department, lead first), a
 * department that disagrees (退回) sends it to 联席办 (request LH-<代码>-CD), and nobody
 * confirms or rules on their own proposal (the engine's R20 check). An arrangement in
 * force makes the departments' C draws of the entity one joint task (services/draws.ts).
 */
import { checkCreditCode } from '../domain/creditCode';
import {
  CJOINT_STATUS_LABELS, withRulingLead, confirmationNo, confirmationSteps, creditCodeOfRequest, departmentsOf, isInForce, isOpen, proposeLead, rulingNo, RULING_STEPS,
  type CJointArrangement,
} from '../domain/cJoint';
import { unitName } from '../domain/organisation';
import { POOL_LABELS } from '../domain/pools';
import type { ApprovalDoc } from '../domain/records/approval';
import type { ApprovalChange, ApprovalService } from './approvals';
import { hasAny, Refusal, type Caller, type Deps } from './context';

/** An overlapping C entity of the list, with its arrangement if any. */
export interface OverlapRow {
  creditCode: string;
  name: string;
  departments: string[];
  arrangement?: CJointArrangement;
}

export function cJointService({ repos, now }: Deps, approvals: ApprovalService) {
  /** Who sees the whole county's list: 联席办, 司法局, administrators. */
  const countyWide = (caller: Caller) => hasAny(caller, ['office', 'justice', 'admin']);

  async function entityOf(code: string) {
    const check = checkCreditCode(code);
    if (!check.ok) throw new Refusal(check.reason);
    const entity = await repos.entities.get(check.code);
    if (!entity) throw new Refusal(`未找到统一社会信用代码为 ${check.code} 的市场主体，请核对代码（可用“查 <名称>”查找）`);
    return entity;
  }

  /**
   * The unit that proposed the entity into C: the requester of its confirmed C placement
   * (TK-<代码>); else the proposer a confirmed placement's reason names ("…（<账号>提出，联席办确认）",
   * as the pool service and the demo write it), by that user's department.
   */
  async function proposingUnit(entity: { creditCode: string; poolReason: string }): Promise<string | undefined> {
    const placement = await repos.approvals.get(`TK-${entity.creditCode}`);
    if (placement?.kind === 'pool' && placement.status === 'approved') return placement.requesterDepartment;
    const named = /（([^（）\s]+)提出，联席办确认/.exec(entity.poolReason ?? '')?.[1];
    return named ? (await repos.org.user(named))?.department : undefined;
  }

  /** Each department's inspection items that apply to the C pool. */
  async function cItemCounts(departments: readonly string[]): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const d of departments) out[d] = (await repos.items.byDepartment(d)).filter((i) => i.pools.includes('C')).length;
    return out;
  }

  /** Writes the arrangement over the version read, with its audit entry; refuses when it changed meanwhile. */
  async function save(caller: Caller, before: CJointArrangement, after: CJointArrangement, action: string, note: string): Promise<void> {
    if (!(await repos.cJoints.replace(after, before.version))) throw new Refusal('该联合检查安排刚被他人处理，请发送“C类联合 <代码>”重新查看');
    await repos.audit.append({
      at: after.updatedAt, actor: caller.userId, channel: caller.channel, action, target: `cjoint:${after.creditCode}`,
      changes: [{ field: 'status', from: JSON.stringify(before.status), to: JSON.stringify(after.status) }], note,
    });
  }

  /** The rows a confirmation card and the ruling card show. */
  const fieldsOf = (a: CJointArrangement): ApprovalDoc['fields'] => [
    { label: '主体', value: `${a.entityName}（${a.creditCode}，${POOL_LABELS.C}）` },
    { label: '牵头部门', value: unitName(a.lead) },
    { label: '参加部门', value: a.participants.map(unitName).join('、') },
    { label: '牵头依据', value: a.basisNote },
    { label: '提出人', value: `${a.proposedByName}（${unitName(a.proposedDepartment)}）` },
    ...(a.disagreement ? [
      { label: '不同意见', value: `${unitName(a.disagreement.department)} ${a.disagreement.byName}：${a.disagreement.comment || '（未写理由）'}` },
      { label: '改定牵头', value: `回复“同意 ${rulingNo(a.creditCode)} 牵头=<部门>”（须是上列部门之一）` },
    ] : []),
  ];

  /** The proposer as the requester of a request opened on their behalf (the ruling). */
  const proposerOf = (a: CJointArrangement, channel: Caller['channel']): Caller =>
    ({ userId: a.proposedBy, name: a.proposedByName, department: a.proposedDepartment, roles: [], channel });

  // A department's leader confirmed the last step, or disagreed; or 联席办 ruled. Runs before the decision is written.
  approvals.onDecide('cjoint', async (caller, request, approve, comment): Promise<ApprovalChange | void> => {
    const which = creditCodeOfRequest(request.subject);
    if (!which) return;
    const before = await repos.cJoints.get(which.creditCode);
    if (!before) throw new Refusal('该联合检查安排已不存在，请发送“C类联合 <代码>”重新提出');
    const at = now();
    const decided = { decidedBy: caller.userId, decidedByName: caller.name, decidedAt: at };
    if (which.ruling) {
      if (before.status !== 'disputed') throw new Refusal(`该联合检查安排当前为“${CJOINT_STATUS_LABELS[before.status]}”，无需联席办裁定`);
      const ruled = approve ? withRulingLead(before, comment) : { ok: true as const, arrangement: before };
      if (!ruled.ok) throw new Refusal(ruled.message, ruled.rule);
      const after: CJointArrangement = { ...ruled.arrangement, ...decided, status: approve ? 'decided' : 'dropped', version: before.version + 1, updatedAt: at };
      const lead = after.lead !== before.lead ? `；改由${unitName(after.lead)}牵头` : '';
      if (lead) after.basisNote = `联席办裁定由${unitName(after.lead)}牵头（按规则原建议${unitName(before.lead)}：${before.basisNote}）`;
      await save(caller, before, after, approve ? 'cjoint.decide' : 'cjoint.drop', `${comment}${lead}`);
      return;
    }
    if (before.status !== 'confirming') throw new Refusal('该联合检查安排已不在确认中，请发送“C类联合 <代码>”查看');
    if (approve) {
      const after: CJointArrangement = { ...before, status: 'agreed', version: before.version + 1, updatedAt: at };
      await save(caller, before, after, 'cjoint.agree', comment);
      return;
    }
    // A department disagrees: 联席办 rules (R4), never the proposer (R20).
    const disagreement = { department: caller.department, by: caller.userId, byName: caller.name, comment, at };
    const after: CJointArrangement = { ...before, status: 'disputed', disagreement, version: before.version + 1, updatedAt: at };
    await save(caller, before, after, 'cjoint.dispute', comment);
    return approvals.reopen({
      kind: 'cjoint', subject: rulingNo(before.creditCode), title: `${before.entityName} C类联合检查安排（部门意见不一致）`,
      requester: proposerOf(before, caller.channel), steps: RULING_STEPS, fields: fieldsOf(after),
    }, { afterApproval: true });
  });

  return {
    /**
     * C entities supervised by two or more departments, with their arrangement: the caller's
     * department's (联席办, 司法局 and administrators: the county's).
     */
    async overlaps(caller: Caller): Promise<OverlapRow[]> {
      const own = countyWide(caller) ? undefined : caller.department;
      const rows = (await repos.entities.find({ pool: 'C', ...(own ? { department: own } : {}) }, Infinity)).filter((e) => e.departments.length > 1);
      const byCode = new Map((await repos.cJoints.all()).map((a) => [a.creditCode, a]));
      return rows.map((e) => ({ creditCode: e.creditCode, name: e.name, departments: e.departments, arrangement: byCode.get(e.creditCode) }));
    },

    /** One entity's arrangement, if any. */
    async get(code: string): Promise<CJointArrangement | undefined> {
      const check = checkCreditCode(code);
      return check.ok ? repos.cJoints.get(check.code) : undefined;
    },

    /**
     * Proposes the arrangement (R4): an official or leader of one of the entity's supervising
     * departments, or 联席办. The lead comes from the rule; every department's leader but the
     * proposer confirms (R20). A dropped arrangement may be proposed again (a new round).
     */
    async propose(caller: Caller, code: string): Promise<{ arrangement: CJointArrangement; change: ApprovalChange }> {
      const entity = await entityOf(code);
      if (entity.pool !== 'C') throw new Refusal(`依据规则 R4：联合检查安排只用于C类重点监管库的主体，“${entity.name}”现属${POOL_LABELS[entity.pool]}`, 'R4');
      const departments = [...new Set(entity.departments)];
      const mine = departments.includes(caller.department) && hasAny(caller, ['official', 'leader']);
      if (!mine && !hasAny(caller, ['office'])) {
        throw new Refusal(`依据规则 R4：联合检查安排由该主体的监管部门（${departments.map(unitName).join('、') || '未登记'}）的经办人、部门领导或联席办提出`, 'R4');
      }
      const existing = await repos.cJoints.get(entity.creditCode);
      if (existing && (isOpen(existing) || isInForce(existing))) {
        throw new Refusal(`“${entity.name}”已有联合检查安排（${unitName(existing.lead)}牵头），发送“C类联合 ${entity.creditCode}”查看，无需重复提出`);
      }
      const lead = proposeLead({ departments, proposingUnit: await proposingUnit(entity), itemCounts: await cItemCounts(departments) });
      if (!lead.ok) throw new Refusal(lead.message, lead.rule);
      const at = now();
      const arrangement: CJointArrangement = {
        creditCode: entity.creditCode, entityName: entity.name, lead: lead.lead, participants: lead.participants, basis: lead.basis, basisNote: lead.basisNote,
        proposedBy: caller.userId, proposedByName: caller.name, proposedDepartment: caller.department, proposedAt: at,
        status: 'confirming', round: (existing?.round ?? 0) + 1, version: (existing?.version ?? 0) + 1, updatedAt: at,
      };
      const steps = confirmationSteps(arrangement);
      // R20: every department's confirmation, and 联席办's ruling should they disagree, needs someone other than the proposer.
      await approvals.ensureStaffed(steps, caller);
      await approvals.ensureStaffed(RULING_STEPS, caller);
      const stored = existing ? await repos.cJoints.replace(arrangement, existing.version) : await repos.cJoints.create(arrangement);
      if (!stored) throw new Refusal('该主体刚被他人提出联合检查安排，请发送“C类联合 <代码>”查看');
      await repos.audit.append({
        at, actor: caller.userId, channel: caller.channel, action: 'cjoint.propose', target: `cjoint:${entity.creditCode}`,
        changes: [{ field: 'status', from: JSON.stringify(existing?.status ?? ''), to: '"confirming"' }],
        note: `${unitName(lead.lead)}牵头，${lead.participants.map(unitName).join('、')}参加；${lead.basisNote}`,
      });
      const change = await approvals.reopen({
        kind: 'cjoint', subject: confirmationNo(entity.creditCode), title: `${entity.name} C类联合检查安排`,
        requester: caller, steps, fields: fieldsOf(arrangement),
      }, { afterApproval: true });
      return { arrangement, change };
    },

    /** Arrangements in force by credit code: what a C draw joins tasks by (R4). */
    async inForce(): Promise<Map<string, CJointArrangement>> {
      return new Map((await repos.cJoints.inForce()).map((a) => [a.creditCode, a]));
    },

    departmentsOf,
  };
}

export type CJointService = ReturnType<typeof cJointService>;
