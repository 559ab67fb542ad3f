/**
 * Chat text → typed values, for every command and guided conversation: a
 * sampling ("5%", "20户", "百分之五"), a plan year, a target filter, an
 * inspection window, a planned day, a month. Only the form is checked here;
 * whether a value is allowed (a past year, a day in the quiet period) is the
 * domain's to say.
 */
import { addDays, isCalendarDay, lastDayOfMonth } from '../../src/domain/calendar';
import { bad, date, lookup, ok, short, type Parsed } from '../../src/domain/fields';
import type { TargetFilter } from '../../src/domain/plan';
import { RISK_ALIASES, type RiskClass } from '../../src/domain/pools';
import type { Sampling } from '../../src/domain/sampling';
import { keyValues } from './args';

export type { Parsed };

/** A list typed in chat: "王伟、余涛凯", "1 3", "陈营镇,万年镇". */
export const splitList = (s: string): string[] => s.split(/[,，、;；\s]+/).map((x) => x.trim()).filter(Boolean);

const RATIO_EXAMPLE = '请写比例或户数，如“5%”“2.5%”或“20户”';

const CN_DIGITS: Record<string, number> = {
  零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9,
};

/** Chinese numerals up to 9999 ("五", "十五", "二十", "一百", "三百零五") → integer. */
function chineseInt(s: string): number | undefined {
  if (!s) return undefined;
  if (/^\d+$/.test(s)) return Number(s);
  let total = 0;
  let digit: number | undefined;
  const units: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };
  for (const ch of s) {
    const d = lookup(CN_DIGITS, ch);
    if (d !== undefined) {
      if (digit !== undefined && digit !== 0) return undefined;
      digit = d;
      continue;
    }
    const u = lookup(units, ch);
    if (u === undefined) return undefined;
    total += (digit ?? (u === 10 && total === 0 ? 1 : NaN)) * u;
    if (Number.isNaN(total)) return undefined;
    digit = undefined;
  }
  return total + (digit ?? 0);
}

/** A decimal written as digits ("2.5") or Chinese ("二点五"): integer part and fraction digits. */
function decimalParts(s: string): { int: number; frac: string } | undefined {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(s);
  if (m) return { int: Number(m[1]), frac: m[2] ?? '' };
  const [intText, fracText] = s.split('点');
  const int = chineseInt(intText || '零');
  if (int === undefined) return undefined;
  if (fracText === undefined) return { int, frac: '' };
  let frac = '';
  for (const ch of fracText) {
    const d = lookup(CN_DIGITS, ch);
    if (d === undefined) return undefined;
    frac += String(d);
  }
  return frac ? { int, frac } : undefined;
}

/** Scale a decimal to an integer number of 1/10^places units; undefined if it has finer digits. */
function scaled(parts: { int: number; frac: string }, places: number): number | undefined {
  const frac = parts.frac.replace(/0+$/, '');
  if (frac.length > places) return undefined;
  return parts.int * 10 ** places + Number(frac.padEnd(places, '0') || '0');
}

/**
 * A sampling typed in chat: "5%", "5％", "2.5%", "5" (per cent), "0.05" (a
 * fraction), "百分之五", "千分之五", or a count "20户" / "20家" / "抽取20户".
 * Anything else gets a Chinese re-ask with an example.
 */
export function parseRatio(text: string): Parsed<Sampling> {
  const t = text.trim().replace(/\s+/g, '').replace(/％/g, '%')
    .replace(/[０-９．]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
  if (!t) return bad(`抽取比例不能为空，${RATIO_EXAMPLE}`);
  const count = /^(?:抽取|抽查|抽)?(.+?)(?:户|家|个)(?:主体|企业)?$/.exec(t);
  if (count) {
    const n = chineseInt(count[1]);
    if (n === undefined) return bad(`“${short(text)}”不是有效的户数，${RATIO_EXAMPLE}`);
    if (n < 1) return bad(`抽取户数至少为 1 户，${RATIO_EXAMPLE}`);
    return ok({ count: n });
  }
  let permille: number | undefined;
  let m: RegExpExecArray | null;
  if ((m = /^(?:比例)?(.+)%$/.exec(t)) || (m = /^(?:比例)?百分之(.+)$/.exec(t))) {
    const parts = decimalParts(m[1]);
    permille = parts && scaled(parts, 1);
    if (parts && permille === undefined) return bad(`比例最多精确到 0.1%，${RATIO_EXAMPLE}`);
  } else if ((m = /^(?:比例)?千分之(.+)$/.exec(t))) {
    const parts = decimalParts(m[1]);
    permille = parts && scaled(parts, 0);
    if (parts && permille === undefined) return bad(`比例最多精确到 0.1%，${RATIO_EXAMPLE}`);
  } else if ((m = /^(?:比例)?(\d+(?:\.\d+)?)$/.exec(t))) {
    const parts = decimalParts(m[1])!;
    // "0.05" is a fraction (5%); "5" or "2.5" is per cent.
    permille = parts.int === 0 ? scaled(parts, 3) : scaled(parts, 1);
    if (permille === undefined) return bad(`比例最多精确到 0.1%，${RATIO_EXAMPLE}`);
  }
  if (permille === undefined) return bad(`没看懂“${short(text)}”，${RATIO_EXAMPLE}`);
  if (permille < 1) return bad(`比例须大于 0，${RATIO_EXAMPLE}`);
  if (permille > 1000) return bad(`比例不能超过 100%，${RATIO_EXAMPLE}`);
  return ok({ ratioPermille: permille });
}

/** A plan year: "2026", "2026年", "2026年度", "今年", "明年". */
export function parseYear(input: string, today: string): Parsed<number> {
  const y = Number(today.slice(0, 4));
  if (input === '今年') return ok(y);
  if (input === '明年') return ok(y + 1);
  const m = /^(\d{4})年?(?:度)?$/.exec(input);
  if (!m) return bad(`“${input.slice(0, 10)}”不是年度，请输入四位数字，例如 ${y}`);
  return ok(Number(m[1]));
}

/** A plan's targets: "行业=餐饮业 乡镇=陈营镇 风险=高,较高 标签=食品 排除近12个月已检查", or "全部". */
export function parseFilter(input: string): Parsed<TargetFilter> {
  const f: TargetFilter = { industries: [], townships: [], riskClasses: [], sectorTags: [] };
  if (['全部', '不限', '所有'].includes(input)) return ok(f);
  const { pairs, words } = keyValues(input.replace(/排除近?(\d+)个月(?:内)?已检查(?:的主体)?/, (_m, n: string) => `排除=${n}`));
  for (const [k, v] of pairs) {
    const values = splitList(v);
    if (['行业'].includes(k)) f.industries = values;
    else if (['乡镇', '镇', '乡'].includes(k)) f.townships = values;
    else if (['标签', '领域', '领域标签'].includes(k)) f.sectorTags = values;
    else if (['风险', '风险等级', '信用风险'].includes(k)) {
      const classes: RiskClass[] = [];
      for (const w of values) {
        const c = lookup(RISK_ALIASES, w);
        if (!c) return bad(`风险等级“${w.slice(0, 10)}”无法识别，可选：低、一般、较高、高`);
        classes.push(c);
      }
      f.riskClasses = [...new Set(classes)];
    } else if (k === '排除') {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 36) return bad('排除条件请写成“排除近12个月已检查”');
      f.skipInspectedWithinMonths = n;
    } else return bad(`“${k}”不是可用的条件，可用：行业、乡镇、风险、标签、排除近12个月已检查`);
  }
  if (words.length) return bad(`没看懂“${words.join(' ').slice(0, 20)}”，请写成“乡镇=陈营镇 风险=高”这样的“条件=值”，不限请回复“全部”`);
  return ok(f);
}

/** An inspection window in a year: "6月", "2026-06-01 至 2026-06-30", "6月1日至6月30日". */
export function parseWindow(input: string, year: number): Parsed<{ from: string; to: string }> {
  const t = input.replace(/[年/.]/g, '-').replace(/月/g, '-').replace(/日/g, '').replace(/\s+/g, ' ').trim();
  const month = /^(\d{1,2})-?$/.exec(t);
  if (month) {
    const m = Number(month[1]);
    if (m < 1 || m > 12) return bad(`“${input}”不是有效月份，例如“6月”`);
    return ok({ from: `${year}-${String(m).padStart(2, '0')}-01`, to: lastDayOfMonth(year, m) });
  }
  const days = [...t.matchAll(/(?:(\d{4})-)?(\d{1,2})-(\d{1,2})/g)].map((m) => `${m[1] ?? year}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}`);
  if (days.length !== 2) return bad(`没看懂“${input.slice(0, 20)}”，请写成“${year}-06-01 至 ${year}-06-30”或“6月”`);
  for (const d of days) {
    if (!isCalendarDay(d)) return bad(`日期“${d}”不存在，请核对`);
  }
  if (days[0] > days[1]) return bad(`开始日期（${days[0]}）晚于结束日期（${days[1]}），请更正`);
  return ok({ from: days[0], to: days[1] });
}

/** A planned date: 2026-10-12, 2026年10月12日, 10月12日, 10-12 (this year), 今天, 明天. */
export function parsePlannedDay(input: string, today: string): Parsed<string> {
  const t = input.trim();
  const example = `请写成 ${today.slice(0, 4)}-10-12 或“10月12日”`;
  if (t === '今天' || t === '今日') return ok(today);
  if (t === '明天' || t === '明日') return ok(addDays(today, 1));
  const md = /^(\d{1,2})(?:月|-|\/)(\d{1,2})日?$/.exec(t);
  const raw = md ? `${today.slice(0, 4)}-${md[1]}-${md[2]}` : t;
  const d = date('计划检查日期', raw, { required: true });
  if (!d.ok || !d.value) return bad(d.ok ? `请输入计划检查日期，${example}` : `没看懂“${short(t)}”，这不是日期。${example}`);
  return ok(d.value);
}

/** A month: "2026-10", "2026年10月", "10月" (this year); undefined when the word is no month, false when the month does not exist. */
export function parseMonth(word: string, thisYear: string): string | undefined | false {
  const full = /^(\d{4})[-/.年](\d{1,2})月?$/.exec(word);
  const bare = /^(\d{1,2})月$/.exec(word);
  const m = full ?? (bare ? [word, thisYear, bare[1]] : undefined);
  if (!m) return undefined;
  const month = Number(m[2]);
  if (month < 1 || month > 12) return false;
  return `${m[1]}-${String(month).padStart(2, '0')}`;
}
