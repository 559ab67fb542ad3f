/**
 * Out-of-period inspections and their filing (备案), pure (R2, R10, R11).
 *
 * - A C-pool entity is never restricted, and a B-pool entity inside its window
 *   may be inspected: no filing is needed (R10).
 * - In the enterprise quiet period only R11's seven reasons are accepted, and
 *   the visit is filed with 联席办 and 司法局 (R11).
 * - An A-pool entity, at any time, may be inspected outside the double-random
 *   draw only on a complaint/report, an assignment from above or a case
 *   transferred from elsewhere, and the inspection form is filed with 联席办
 *   and 司法局 (R2). In its quiet period R11 applies as well, so a transfer
 *   from elsewhere (not among R11's seven) is refused there.
 */
import { describeWindows, inQuietPeriod, R10_CALENDAR, type CalendarConfig } from './calendar';
import { aliasTable, POOL_LABELS, type Pool } from './pools';
import { bad, lookup, ok, short, type Parsed } from './fields';
import type { RuleId } from './rules';

export const FILING_REASONS = [
  'safety', 'environment', 'fire', 'occupational_health', 'emergency', 'complaint', 'assignment', 'transfer',
] as const;
export type FilingReason = (typeof FILING_REASONS)[number];

export const FILING_REASON_LABELS: Record<FilingReason, string> = {
  safety: '安全生产',
  environment: '生态环境保护',
  fire: '应急消防',
  occupational_health: '职业健康',
  emergency: '突发事件',
  complaint: '投诉举报',
  assignment: '上级交办',
  transfer: '外地移送',
};

/** The seven reasons that allow an inspection in the quiet period (R11). */
export const R11_REASONS: readonly FilingReason[] = [
  'safety', 'environment', 'fire', 'occupational_health', 'emergency', 'complaint', 'assignment',
];
/** The reasons that allow an inspection of an A-pool entity outside the draw (R2). */
export const R2_REASONS: readonly FilingReason[] = ['complaint', 'assignment', 'transfer'];

/** Whole-word aliases, after spaces are removed. */
const REASON_ALIASES: Record<string, FilingReason> = aliasTable({
  ...Object.fromEntries(FILING_REASONS.map((r) => [r, r])),
  ...Object.fromEntries(FILING_REASONS.map((r) => [FILING_REASON_LABELS[r], r])),
  安全: 'safety', 生产安全: 'safety', 环保: 'environment', 环境: 'environment', 环境保护: 'environment',
  消防: 'fire', 应急: 'emergency', 职业病: 'occupational_health', 突发: 'emergency',
  投诉: 'complaint', 举报: 'complaint', 交办: 'assignment', 移送: 'transfer',
});

/**
 * Keywords found anywhere in the text, in order of precedence. The source of a
 * check (complaint, assignment, transfer) comes before its subject, so
 * "消防安全投诉" is a complaint: that is what allows it for an A-pool entity.
 * Bare "安全" is not a keyword inside longer text: food safety (食品安全) is
 * not 安全生产.
 */
const REASON_KEYWORDS: [FilingReason, string[]][] = [
  ['transfer', ['外地移送', '异地移送', '移送', '外地转来', '外地转办']],
  ['assignment', ['上级交办', '交办', '上级督办', '督办', '上级指派', '上级部署', '上级转办']],
  ['complaint', ['投诉', '举报', '信访', '12345', '12315', '群众反映', '群众来信']],
  ['fire', ['消防', '火灾', '火情', '火险']],
  ['occupational_health', ['职业健康', '职业病', '职业卫生', '职业危害']],
  ['environment', ['生态环境', '环境保护', '环保', '污染', '排污', '环境违法']],
  ['safety', ['安全生产', '生产安全', '安全事故', '生产事故', '危化品', '危险化学品']],
  ['emergency', ['突发事件', '突发', '应急处置', '应急']],
];

const REASON_EXAMPLE = `可选：${FILING_REASONS.map((r) => FILING_REASON_LABELS[r]).join('、')}，如“投诉举报”`;

/** A filing reason from chat text or a code, with generous Chinese aliases. */
export function parseFilingReason(text: string): Parsed<FilingReason> {
  const t = text.trim().replace(/\s+/g, '');
  if (!t) return bad(`请说明检查事由，${REASON_EXAMPLE}`);
  const exact = lookup(REASON_ALIASES, t) ?? lookup(REASON_ALIASES, t.toLowerCase());
  if (exact) return ok(exact);
  for (const [reason, words] of REASON_KEYWORDS) {
    if (words.some((w) => t.includes(w))) return ok(reason);
  }
  return bad(`无法识别检查事由“${short(text.trim())}”，${REASON_EXAMPLE}`);
}

export type FilingDecision =
  | { kind: 'not_needed'; message: string }
  | { kind: 'refused'; rule: RuleId; message: string }
  | { kind: 'needed'; rules: string[]; reason: FilingReason; message: string };

export interface FilingRequest {
  pool: Pool;
  /** The planned inspection date, 'YYYY-MM-DD' (Beijing). */
  day: string;
  /** A FilingReason code or the official's own words ("消防安全投诉", "例行检查"). */
  reason: string;
}

const labels = (rs: readonly FilingReason[]) => rs.map((r) => FILING_REASON_LABELS[r]).join('、');
const RECIPIENTS = '联席办和司法局';

/**
 * What an inspection outside the double-random draw needs (R2, R10, R11).
 * `day` must already be a valid 'YYYY-MM-DD' date (parse chat input with
 * fields.date first); anything else is a programming error and throws.
 */
export function decideFiling(req: FilingRequest, calendar: CalendarConfig = R10_CALENDAR): FilingDecision {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(req.day)) throw new Error(`decideFiling: day must be YYYY-MM-DD, got ${req.day}`);
  const { pool, day } = req;
  const year = Number(day.slice(0, 4));
  const parsed = parseFilingReason(req.reason);
  const reason = parsed.ok ? parsed.value : undefined;
  const said = reason ? FILING_REASON_LABELS[reason] : `“${short(req.reason.trim())}”`;
  const quiet = inQuietPeriod(pool, day, calendar);

  if (pool === 'C') {
    return { kind: 'not_needed', message: `依据规则 R10：${POOL_LABELS.C}的检查不受企业安静期限制，${day} 可按计划检查，无需备案` };
  }
  if (pool === 'B' && !quiet) {
    return { kind: 'not_needed', message: `依据规则 R10：${day} 在${POOL_LABELS.B}的检查期（${describeWindows('B', year, calendar)}）内，无需备案` };
  }
  if (quiet && (!reason || !R11_REASONS.includes(reason))) {
    const forA = pool === 'A' ? `；该主体在${POOL_LABELS.A}，另依 R2 仅限${labels(R2_REASONS.filter((r) => R11_REASONS.includes(r)))}` : '';
    return {
      kind: 'refused', rule: 'R11',
      message: `依据规则 R11：${day} 属企业安静期（${POOL_LABELS[pool]}检查期为${describeWindows(pool, year, calendar)}），只可因${labels(R11_REASONS)}开展检查，${said}不在其列${forA}。${pool === 'A' ? '请向联席办提出，纳入A类联合抽查' : '请改在检查期内安排，或纳入双随机抽查计划'}`,
    };
  }
  if (pool === 'A' && (!reason || !R2_REASONS.includes(reason))) {
    return {
      kind: 'refused', rule: 'R2',
      message: `依据规则 R2：${POOL_LABELS.A}的主体除双随机抽查外，只可因${labels(R2_REASONS)}开展检查，${said}不在其列。请向联席办提出，纳入A类联合抽查`,
    };
  }
  if (pool === 'A') {
    return {
      kind: 'needed', rules: quiet ? ['R2', 'R11'] : ['R2'], reason: reason!,
      message: `依据规则 R2${quiet ? '、R11' : ''}：因${said}检查${POOL_LABELS.A}主体，可以开展；检查表须报${RECIPIENTS}备案。提交后由部门领导确认，再报${RECIPIENTS}`,
    };
  }
  return {
    kind: 'needed', rules: ['R11'], reason: reason!,
    message: `依据规则 R11：${day} 属企业安静期，因${said}可以检查，但须报${RECIPIENTS}备案。提交后由部门领导确认，再报${RECIPIENTS}`,
  };
}
