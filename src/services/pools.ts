/**
 * Placing an entity in a pool (R1, R5), with its provenance: who, when, why.
 * A: 联席办 decides. C: a member unit proposes, 联席办 confirms. B: default.
 */
import { checkCreditCode } from '../domain/creditCode';
import { decideConfirmation, decidePlacement, POOL_LABELS, type Pool } from '../domain/pools';
import { JOINT_OFFICE_HOST } from '../domain/organisation';
import type { StepSpec } from '../domain/approval';
import type { EntityDoc } from '../domain/records/entity';
import { approvalService, type ApprovalChange, type ApprovalService } from './approvals';
import { Refusal, type Caller, type Deps } from './context';

/** Longest reason or comment kept with a placement. */
const MAX_REASON_CHARS = 500;

/** What a placement did, with the entity's name for the reply. */
export type PlacementResult = { effective: true; pool: Pool; name: string } | { effective: false; pending: Pool; change?: ApprovalChange; name: string };

/** A C proposal's request in the approval engine: one per entity, each proposal a new round. */
export const poolRequestNo = (creditCode: string) => `TK-${creditCode}`;
export const POOL_STEPS: StepSpec[] = [{ role: 'office', department: JOINT_OFFICE_HOST, label: '联席办确认（R1）' }];

export function poolService(deps: Deps, approvals: ApprovalService = approvalService(deps)) {
  const { repos, now } = deps;

  /** Carries out 联席办's decision on the proposal as the decider saw it (guarded), with its audit entry. */
  async function apply(caller: Caller, entity: EntityDoc, approve: boolean, note: string): Promise<Pool> {
    if (!entity.pendingPool) throw new Refusal('该主体没有待确认的调整');
    // Guarded by the proposal as the caller saw it: one that was meanwhile
    // confirmed, rejected or replaced is never acted on.
    const seen = { pool: entity.pool, pendingPool: entity.pendingPool, pendingBy: entity.pendingBy, pendingAt: entity.pendingAt };
    const at = now();
    if (approve) {
      const moved = await repos.entities.confirmPending(entity.creditCode, seen, caller.userId, at,
        `${entity.pendingReason}（${entity.pendingBy}提出，联席办确认${note ? `：${note}` : ''}）`);
      if (!moved) throw new Refusal('该调整刚被他人处理或该主体刚被调整，请重新查询后再操作');
    } else {
      const cleared = await repos.entities.clearPending(entity.creditCode, caller.userId, at, seen);
      if (!cleared) throw new Refusal('该调整刚被他人处理，请重新查询');
    }
    await repos.audit.append({
      at, actor: caller.userId, channel: caller.channel, action: approve ? 'pool.confirm' : 'pool.reject',
      target: `entity:${entity.creditCode}`,
      changes: approve
        ? [{ field: 'pool', from: JSON.stringify(entity.pool), to: JSON.stringify(entity.pendingPool) }]
        : [{ field: 'pendingPool', from: JSON.stringify(entity.pendingPool), to: '""' }],
      note,
    });
    return approve ? entity.pendingPool : entity.pool;
  }

  /** R1, R20: only 联席办, and never the proposer, decides a proposal. */
  function mayConfirm(caller: Caller, entity: EntityDoc): void {
    const ok = decideConfirmation(caller);
    if (!ok.ok) throw new Refusal(ok.message, ok.rule);
    if (entity.pendingPool && entity.pendingBy === caller.userId) {
      throw new Refusal('依据规则 R20：不能确认自己提出的调库申请，请由联席办其他人员确认', 'R20');
    }
  }

  // A tap or a typed 同意/退回 on the request's card ends here too.
  approvals.onDecide('pool', async (caller, a, approve, note) => {
    const entity = await load(a.subject.replace(/^TK-/, ''));
    mayConfirm(caller, entity);
    await apply(caller, entity, approve, note);
  });

  async function load(code: string) {
    const check = checkCreditCode(code);
    if (!check.ok) throw new Refusal(check.reason);
    const entity = await repos.entities.get(check.code);
    if (!entity) throw new Refusal(`未找到统一社会信用代码为 ${check.code} 的市场主体，请先导入主体名录`);
    return entity;
  }

  return {
    async place(caller: Caller, code: string, target: Pool, reason: string): Promise<PlacementResult> {
      const why = reason.trim();
      if (!why) throw new Refusal('请写明调整理由（R20：每项调整都须可追溯）');
      if (why.length > MAX_REASON_CHARS) throw new Refusal(`调整理由过长（${why.length}字），请控制在${MAX_REASON_CHARS}字以内`);
      const entity = await load(code);
      const decision = decidePlacement(caller, target, entity.pool);
      if (!decision.ok) throw new Refusal(decision.message, decision.rule);
      const at = now();
      if (decision.effective) {
        const moved = await repos.entities.place(entity.creditCode, entity.pool, target, caller.userId, at, why);
        if (!moved) throw new Refusal('该主体的所属库刚被他人调整，请重新查询后再操作');
        await repos.audit.append({
          at, actor: caller.userId, channel: caller.channel, action: 'pool.place', target: `entity:${entity.creditCode}`,
          changes: [{ field: 'pool', from: JSON.stringify(entity.pool), to: JSON.stringify(target) }], note: why,
        });
        return { effective: true, pool: target, name: entity.name };
      }
      if (entity.pendingPool) throw new Refusal(`该主体已有待联席办确认的调整（拟入${POOL_LABELS[entity.pendingPool]}），请等待确认`);
      // R20: someone other than the proposer must be there to confirm it, or nothing is proposed.
      await approvals.ensureStaffed(POOL_STEPS, caller);
      const proposed = await repos.entities.propose(entity.creditCode, target, caller.userId, caller.department, at, why);
      if (!proposed) throw new Refusal('该主体刚被他人提出调整，请重新查询后再操作');
      await repos.audit.append({
        at, actor: caller.userId, channel: caller.channel, action: 'pool.propose', target: `entity:${entity.creditCode}`,
        changes: [{ field: 'pendingPool', from: '""', to: JSON.stringify(target) }], note: why,
      });
      const request = {
        kind: 'pool' as const, subject: poolRequestNo(entity.creditCode), title: `${entity.name} 拟入${POOL_LABELS[target]}`,
        requester: caller, steps: POOL_STEPS,
        fields: [
          { label: '主体', value: `${entity.name}（${entity.creditCode}，现属${POOL_LABELS[entity.pool]}）` },
          { label: '拟调整为', value: POOL_LABELS[target] },
          { label: '理由', value: why },
        ],
      };
      // Each proposal for the entity is a new round of the same request: earlier ones stay in its history.
      const change = await approvals.reopen(request, { afterApproval: true });
      return { effective: false, pending: target, change, name: entity.name };
    },

    /** 联席办 confirms or rejects a pending C proposal (R1), never the proposer (R20); returns the pool it is now in. */
    async decide(caller: Caller, code: string, approve: boolean, comment: string): Promise<Pool> {
      return (await this.decideRequest(caller, code, approve, comment)).pool;
    },

    /** As decide, with the request's change (who must be told) when the proposal went through the approval engine. */
    async decideRequest(caller: Caller, code: string, approve: boolean, comment: string): Promise<{ pool: Pool; change?: ApprovalChange }> {
      const note = comment.trim();
      if (note.length > MAX_REASON_CHARS) throw new Refusal(`意见过长（${note.length}字），请控制在${MAX_REASON_CHARS}字以内`);
      const entity = await load(code);
      mayConfirm(caller, entity);
      if (!entity.pendingPool) throw new Refusal('该主体没有待确认的调整');
      const request = await approvals.get(poolRequestNo(entity.creditCode));
      if (request?.status === 'pending') {
        const change = await approvals.decide(caller, request.subject, undefined, approve, note);
        if (change.event === 'already') throw new Refusal('该调整刚被他人处理，请重新查询');
        const after = await repos.entities.get(entity.creditCode);
        return { pool: after?.pool ?? entity.pool, change };
      }
      // A proposal recorded without a request (data from before requests existed).
      return { pool: await apply(caller, entity, approve, note) };
    },
  };
}

export type PoolService = ReturnType<typeof poolService>;
