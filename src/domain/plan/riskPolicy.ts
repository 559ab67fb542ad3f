/**
 * The risk policy (R6): sampling ratio and frequency rise with credit risk. The
 * county configures its own; these are the defaults and the parser of the setting.
 */
import { bad, lookup, ok, short, type Parsed } from '../fields';
import { RISK_ALIASES, RISK_CLASSES, type RiskClass } from '../pools';
import { formatPermille } from '../sampling';

export interface ClassPolicy {
  /** Lowest sampling ratio, per-mille (1–1000). */
  minPermille: number;
  /** Highest sampling ratio, per-mille (1–1000); C-pool plans are exempt (R4). */
  maxPermille: number;
  /** How many plans of one department may cover this class in one year. */
  maxPerYear: number;
}

export type RiskPolicy = Record<RiskClass, ClassPolicy>;

/**
 * Defaults rising with risk (R6: "sampling ratio and frequency rise with risk").
 * The county configures its own (parseRiskPolicy); the published provincial
 * example quoted in R6 is high 30%, higher 10%, general 2%, low 1%, which these
 * ranges contain as their lower bounds.
 */
export const DEFAULT_RISK_POLICY: RiskPolicy = Object.freeze({
  低: Object.freeze({ minPermille: 10, maxPermille: 50, maxPerYear: 1 }),
  一般: Object.freeze({ minPermille: 20, maxPermille: 100, maxPerYear: 1 }),
  较高: Object.freeze({ minPermille: 100, maxPermille: 300, maxPerYear: 2 }),
  高: Object.freeze({ minPermille: 300, maxPermille: 1000, maxPerYear: 4 }),
});

const POLICY_FIELDS = ['minPermille', 'maxPermille', 'maxPerYear'] as const;
const POLICY_EXAMPLE = '示例：{"高":{"minPermille":300,"maxPermille":1000,"maxPerYear":4}}（比例以千分数表示，300 即 30%）';

/**
 * A risk policy from configuration (a JSON string or a parsed object). Classes
 * may be named by any risk alias ("高", "高风险", "D"); a class or field left out
 * keeps the base policy's value. Ratios are 1–1000‰ with min ≤ max, frequency
 * 1–366 a year, and both must not fall as risk rises (R6).
 */
export function parseRiskPolicy(raw: unknown, base: RiskPolicy = DEFAULT_RISK_POLICY): Parsed<RiskPolicy> {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      return bad(`风险分级抽查策略不是有效的 JSON。${POLICY_EXAMPLE}`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return bad(`风险分级抽查策略应是一个按风险等级分项的对象。${POLICY_EXAMPLE}`);
  }
  const policy = Object.fromEntries(RISK_CLASSES.map((c) => [c, { ...base[c] }])) as RiskPolicy;
  for (const [key, entry] of Object.entries(value)) {
    const cls = lookup(RISK_ALIASES, key.trim());
    if (!cls) return bad(`风险等级“${short(key)}”无法识别，可选：${RISK_CLASSES.join('、')}`);
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      return bad(`风险等级“${cls}”的设置应是对象。${POLICY_EXAMPLE}`);
    }
    for (const [field, v] of Object.entries(entry)) {
      if (!(POLICY_FIELDS as readonly string[]).includes(field)) {
        return bad(`风险等级“${cls}”的设置项“${short(field)}”无法识别，可选：${POLICY_FIELDS.join('、')}`);
      }
      if (typeof v !== 'number' || !Number.isInteger(v)) {
        return bad(`风险等级“${cls}”的${field}须为整数（比例以千分数表示，如 50 即 5%）`);
      }
      policy[cls][field as (typeof POLICY_FIELDS)[number]] = v;
    }
  }
  for (const cls of RISK_CLASSES) {
    const p = policy[cls];
    if (p.minPermille < 1 || p.maxPermille > 1000 || p.minPermille > p.maxPermille) {
      return bad(`风险等级“${cls}”的比例范围须在 1‰ 至 1000‰ 之间且下限不大于上限，现为 ${p.minPermille}‰–${p.maxPermille}‰`);
    }
    if (p.maxPerYear < 1 || p.maxPerYear > 366) {
      return bad(`风险等级“${cls}”的年度频次须在 1 至 366 之间，现为 ${p.maxPerYear}`);
    }
  }
  for (let i = 1; i < RISK_CLASSES.length; i++) {
    const lo = policy[RISK_CLASSES[i - 1]];
    const hi = policy[RISK_CLASSES[i]];
    for (const field of POLICY_FIELDS) {
      if (hi[field] < lo[field]) {
        return bad(`依据规则 R6：抽查比例和频次应随风险升高而提高，但“${RISK_CLASSES[i]}”的${field}（${hi[field]}）低于“${RISK_CLASSES[i - 1]}”（${lo[field]}）`);
      }
    }
  }
  return ok(policy);
}

/** "1%–5%，每年至多 1 次". */
export function describeClassPolicy(p: ClassPolicy): string {
  return `${formatPermille(p.minPermille)}–${formatPermille(p.maxPermille)}，每年至多 ${p.maxPerYear} 次`;
}
