/**
 * Target pools (R1), risk classes (R6) and the rules for placing an entity in a pool.
 * Pure: the actor and the time are passed in.
 */
import type { Role } from './organisation';
import type { RuleId } from './rules';

export const POOLS = ['A', 'B', 'C'] as const;
export type Pool = (typeof POOLS)[number];

export const POOL_LABELS: Record<Pool, string> = {
  A: 'A类联合监管库',
  B: 'B类一般监管库',
  C: 'C类重点监管库',
};

/**
 * Alias tables have no prototype, so a word such as "constructor" or
 * "__proto__" typed in a cell or a chat is never mistaken for a value.
 */
export function aliasTable<T>(entries: Record<string, T>): Record<string, T> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));
}

export const POOL_ALIASES: Record<string, Pool> = aliasTable({
  A: 'A', B: 'B', C: 'C',
  A类: 'A', B类: 'B', C类: 'C',
  A类库: 'A', B类库: 'B', C类库: 'C',
  联合监管库: 'A', 一般监管库: 'B', 重点监管库: 'C',
  A类联合监管库: 'A', B类一般监管库: 'B', C类重点监管库: 'C',
});

export const RISK_CLASSES = ['低', '一般', '较高', '高'] as const;
export type RiskClass = (typeof RISK_CLASSES)[number];

export const RISK_ALIASES: Record<string, RiskClass> = aliasTable({
  低: '低', 一般: '一般', 较高: '较高', 高: '高',
  信用风险低: '低', 信用风险一般: '一般', 信用风险较高: '较高', 信用风险高: '高',
  低风险: '低', 一般风险: '一般', 较高风险: '较高', 高风险: '高',
  A: '低', B: '一般', C: '较高', D: '高',
});

export const ENTITY_KINDS = ['企业', '个体工商户', '农民专业合作社'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

export const KIND_ALIASES: Record<string, EntityKind> = aliasTable({
  企业: '企业', 公司: '企业', 有限责任公司: '企业', 股份有限公司: '企业', 个人独资企业: '企业', 合伙企业: '企业',
  个体工商户: '个体工商户', 个体户: '个体工商户', 个体: '个体工商户',
  农民专业合作社: '农民专业合作社', 合作社: '农民专业合作社', 农专: '农民专业合作社',
});

export interface Actor {
  userId: string;
  department: string;
  roles: readonly Role[];
}

export type PlacementDecision =
  | { ok: true; effective: true }
  | { ok: true; effective: false; pending: Pool }
  | { ok: false; rule: RuleId; message: string };

/**
 * Who may put an entity into which pool (R1, R5):
 * - A: only 联席办 decides the list;
 * - C: a member unit proposes (official or leader), and it takes effect only when 联席办 confirms;
 *   a proposal by 联席办 itself is still a proposal that another 联席办 step confirms;
 * - B: the default; moving back to B is a pool adjustment led by 联席办.
 * Every placement is a proposal another 联席办 member confirms (R20: nobody confirms their own).
 */
export function decidePlacement(actor: Actor, target: Pool, current: Pool): PlacementDecision {
  if (target === current) {
    return { ok: false, rule: 'R1', message: `该主体已在${POOL_LABELS[target]}，无需调整` };
  }
  const isOffice = actor.roles.includes('office');
  if (target === 'A' || target === 'B') {
    if (!isOffice) {
      return {
        ok: false,
        rule: target === 'A' ? 'R1' : 'R5',
        message: `依据规则${target === 'A' ? 'R1：A类联合监管库名单由联席办确定' : 'R5：库的调整由联席办牵头'}，您无权直接调整；请向联席办提出建议`,
      };
    }
    return { ok: true, effective: false, pending: target };
  }
  if (!actor.roles.some((r) => r === 'official' || r === 'leader' || r === 'office')) {
    return { ok: false, rule: 'R1', message: '依据规则R1：C类重点监管库由成员单位根据监管职责提出，请由本单位经办人或领导提出' };
  }
  return { ok: true, effective: false, pending: 'C' };
}

/** Only 联席办 confirms a proposed C placement (R1). */
export function decideConfirmation(actor: Actor): { ok: true } | { ok: false; rule: RuleId; message: string } {
  if (!actor.roles.includes('office')) {
    return { ok: false, rule: 'R1', message: '依据规则R1：C类重点监管库名单由联席办确定，您无权确认' };
  }
  return { ok: true };
}
