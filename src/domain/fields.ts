/**
 * Small, pure parsers for the cells of imported lists and for chat input.
 * Each returns either a value or a Chinese reason that names the field.
 */
import dayjs from 'dayjs';
import customParseFormat from 'dayjs/plugin/customParseFormat';

dayjs.extend(customParseFormat);

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const bad = <T = never>(reason: string): Parsed<T> => ({ ok: false, reason });

/** Longest text any cell may hold; a longer one is refused, never stored. */
export const MAX_CELL_CHARS = 500;

/**
 * Characters no imported text keeps: control characters (NUL, escape, …; not tab or
 * line breaks, handled below), bidirectional overrides and isolates (U+202E turns
 * "gpj.exe" into "exe.jpg" on screen), and zero-width characters.
 */
// eslint-disable-next-line no-control-regex -- removing control characters is the point
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;
const LINE_BREAK = /[\r\n\u0085\u2028\u2029]/;

/** Text with invisible and direction-changing characters removed and tabs made spaces. */
export function cleanText(raw: string): string {
  return raw.replace(INVISIBLE, '').replace(/\t/g, ' ');
}

/**
 * A text cell, cleaned (`cleanText`) and trimmed. Line breaks: `one` (names, codes)
 * refuses them, since a name on two lines would split a chat list's row; `flatten`
 * (addresses, legal bases) joins the lines with a space; `list` keeps them as separators.
 */
export function text(
  label: string,
  raw: string | undefined,
  opts: { required?: boolean; max?: number; lines?: 'one' | 'flatten' | 'list' } = {},
): Parsed<string> {
  let value = cleanText(raw ?? '').trim();
  const lines = opts.lines ?? 'one';
  if (LINE_BREAK.test(value)) {
    if (lines === 'one') return bad(`“${label}”含有换行，请改为一行后重新导入`);
    if (lines === 'flatten') value = value.split(/\s*[\r\n\u0085\u2028\u2029]+\s*/).join(' ');
  }
  const max = opts.max ?? MAX_CELL_CHARS;
  if (opts.required && !value) return bad(`“${label}”不能为空`);
  if (value.length > max) return bad(`“${label}”过长（${value.length}字，最多${max}字）`);
  return ok(value);
}

/** Splits 「a、b；c,d」 style lists; trims and drops empties and repeats. */
export function list(raw: string | undefined): string[] {
  const parts = (raw ?? '').split(/[、,，;；|\r\n\u0085\u2028\u2029]/).map((s) => s.trim()).filter(Boolean);
  return [...new Set(parts)];
}

export function yesNo(label: string, raw: string | undefined, fallback: boolean): Parsed<boolean> {
  const v = (raw ?? '').trim().toLowerCase();
  if (!v) return ok(fallback);
  if (['是', '在岗', 'y', 'yes', 'true', '1', '√'].includes(v)) return ok(true);
  if (['否', '离岗', 'n', 'no', 'false', '0', '×'].includes(v)) return ok(false);
  return bad(`“${label}”应填“是”或“否”，不能是“${short(v)}”`);
}

const DATE_FORMATS = [
  'YYYY-MM-DD', 'YYYY/MM/DD', 'YYYY.MM.DD', 'YYYY年MM月DD日', 'YYYYMMDD',
  'YYYY-M-D', 'YYYY/M/D', 'YYYY.M.D', 'YYYY年M月D日',
];
/** Longer than any date in the formats above: refused before parsing. */
const MAX_DATE_CHARS = 12;

/** A calendar date as 'YYYY-MM-DD' (dates carry no time zone here). */
export function date(label: string, raw: string | undefined, opts: { required?: boolean } = {}): Parsed<string | undefined> {
  const v = (raw ?? '').trim();
  if (!v) return opts.required ? bad(`“${label}”不能为空，请填日期，如 2026-12-31`) : ok(undefined);
  if (v.length > MAX_DATE_CHARS) return bad(`“${label}”不是有效日期：“${short(v)}”，请写成 2026-12-31`);
  const d = dayjs(v, DATE_FORMATS, true);
  if (!d.isValid()) return bad(`“${label}”不是有效日期：“${short(v)}”，请写成 2026-12-31`);
  return ok(d.format('YYYY-MM-DD'));
}

/** Picks one of a fixed set of values, accepting aliases. */
export function oneOf<T extends string>(label: string, raw: string | undefined, aliases: Record<string, T>, opts: { fallback?: T } = {}): Parsed<T> {
  const v = (raw ?? '').trim();
  if (!v) {
    if (opts.fallback !== undefined) return ok(opts.fallback);
    return bad(`“${label}”不能为空，可选：${[...new Set(Object.values(aliases))].join('、')}`);
  }
  const hit = lookup(aliases, v) ?? lookup(aliases, v.toUpperCase());
  if (hit) return ok(hit);
  return bad(`“${label}”的值“${short(v)}”无法识别，可选：${[...new Set(Object.values(aliases))].join('、')}`);
}

/**
 * An alias table's own entry for a key, never an inherited Object property
 * (a cell reading "constructor" or "__proto__" is not a value).
 */
export function lookup<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}

export function short(s: string): string {
  return s.length > 20 ? `${s.slice(0, 20)}…` : s;
}

export type ValueMatch =
  | { kind: 'exact' | 'read_as'; value: string }
  | { kind: 'many'; candidates: string[] }
  | { kind: 'none' };

/**
 * A value typed in chat matched forgivingly against the values that exist: the value
 * itself; else the only value it begins; else the only value containing it; else the
 * only value it contains ("陈营镇政府旁" → 陈营镇). Full-width letters and spaces are
 * folded first. Several candidates are returned for the user to choose from.
 */
export function matchValue(typed: string, values: readonly string[]): ValueMatch {
  const fold = (s: string) => s.normalize('NFKC').replace(/\s+/g, '').toLowerCase();
  const t = fold(typed);
  if (!t) return { kind: 'none' };
  const exact = values.find((v) => fold(v) === t);
  if (exact !== undefined) return { kind: 'exact', value: exact };
  for (const test of [(v: string) => v.startsWith(t), (v: string) => v.includes(t), (v: string) => v !== '' && t.includes(v)]) {
    const hits = values.filter((v) => test(fold(v)));
    if (hits.length === 1) return { kind: 'read_as', value: hits[0] };
    if (hits.length > 1) return { kind: 'many', candidates: hits };
  }
  return { kind: 'none' };
}
