/**
 * Credit-risk classification results (R6, S4 企业信用风险分类管理体系) as the
 * provincial system publishes them, pure: one row — credit code, class
 * (低 / 一般 / 较高 / 高, or A / B / C / D), date, source — checked and mapped.
 * `today` is passed in (Beijing date).
 */
import { checkCreditCode } from './creditCode';
import { RISK_ALIASES, type RiskClass } from './pools';

export interface RiskRow {
  creditCode: string;
  riskClass: RiskClass;
  /** The class as written in the file. */
  written: string;
  date: string;
  source: string;
}

export const RISK_HEADERS: Record<keyof Omit<RiskRow, 'written'>, string[]> = {
  creditCode: ['统一社会信用代码', '信用代码', 'creditCode'],
  riskClass: ['信用风险分类', '风险分类', '分类结果', '信用风险等级', '风险等级', 'riskClass', 'class'],
  date: ['分类日期', '评价日期', '日期', 'date'],
  source: ['来源', '数据来源', 'source'],
};

/** The source when a row names none. */
export const DEFAULT_RISK_SOURCE = '省企业信用风险分类管理系统';

const DAY = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/;

export function parseRiskRow(cells: Partial<Record<keyof Omit<RiskRow, 'written'>, string>>, today: string): { ok: true; value: RiskRow } | { ok: false; reason: string } {
  const code = checkCreditCode(cells.creditCode ?? '');
  if (!code.ok) return { ok: false, reason: code.reason };
  const written = (cells.riskClass ?? '').normalize('NFKC').trim();
  if (!written) return { ok: false, reason: '信用风险分类为空，应为 低、一般、较高、高（或 A、B、C、D）' };
  const riskClass = RISK_ALIASES[written.toUpperCase()] ?? RISK_ALIASES[written];
  if (!riskClass) return { ok: false, reason: `信用风险分类“${written.slice(0, 10)}”无法识别，应为 低、一般、较高、高（或 A、B、C、D）` };
  const m = DAY.exec((cells.date ?? '').trim());
  if (!m) return { ok: false, reason: `分类日期“${(cells.date ?? '').slice(0, 12)}”应写成 2026-09-01 这样的日期` };
  const date = `${m[1]}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}`;
  const d = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== date) return { ok: false, reason: `分类日期“${date}”不是有效日期` };
  if (date > today) return { ok: false, reason: `分类日期 ${date} 晚于今天（${today}），请核对` };
  const source = (cells.source ?? '').trim().slice(0, 100) || DEFAULT_RISK_SOURCE;
  return { ok: true, value: { creditCode: code.code, riskClass, written, date, source } };
}
