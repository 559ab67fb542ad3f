/**
 * Placing an entity in a pool (R1, R5), with its provenance: who, when, why.
 * A: 联席办 decides. C: a member unit proposes, 联席办 confirms. B: default.
 */
import { checkCreditCode } from '../domain/creditCode';
import { decideConfirmation, decidePlacement, POOL_LABELS, type Pool } from '../domain/pools';
import { Refusal, type Caller, type Deps } from './context';

/** Longest reason or comment kept with a placement. */
const MAX_REASON_CHARS = 500;

export type PlacementResult = { effective: true; pool: Pool } | { effective: false; pending: Pool };

export function poolService({ repos, now }: Deps) {
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
        return { effective: true, pool: target };
      }
      if (entity.pendingPool) throw new Refusal(`该主体已有待联席办确认的调整（拟入${POOL_LABELS[entity.pendingPool]}），请等待确认`);
      const proposed = await repos.entities.propose(entity.creditCode, target, caller.userId, caller.department, at, why);
      if (!proposed) throw new Refusal('该主体刚被他人提出调整，请重新查询后再操作');
      await repos.audit.append({
        at, actor: caller.userId, channel: caller.channel, action: 'pool.propose', target: `entity:${entity.creditCode}`,
        changes: [{ field: 'pendingPool', from: '""', to: JSON.stringify(target) }], note: why,
      });
      return { effective: false, pending: target };
    },

    /** 联席办 confirms or rejects a pending C proposal (R1). */
    async decide(caller: Caller, code: string, approve: boolean, comment: string): Promise<Pool> {
      const ok = decideConfirmation(caller);
      if (!ok.ok) throw new Refusal(ok.message, ok.rule);
      const note = comment.trim();
      if (note.length > MAX_REASON_CHARS) throw new Refusal(`意见过长（${note.length}字），请控制在${MAX_REASON_CHARS}字以内`);
      const entity = await load(code);
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
    },
  };
}

export type PoolService = ReturnType<typeof poolService>;
