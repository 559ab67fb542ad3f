/**
 * Inspection tasks made by a draw (双随机 → 一集中), pure: the official task
 * number, and how the draws of several departments that hit one entity in
 * overlapping windows become one joint visit (R2–R4). The rules are written
 * out in docs/draw.md §7.
 */
import type { AssignedOfficer } from './draw';
import { findUnit, MEMBER_UNITS, unitName } from './organisation';

/**
 * The short name a department puts in front of its document numbers
 * ("县市管局抽查〔2026〕12号"). Most attachment names are already short; the
 * longer ones are shortened the way the county's documents write them.
 */
const SHORT_NAMES: Record<string, string> = {
  SCJGJ: '县市管局',
  SFJ: '县司法局',
  FGW: '县发改委',
  TZB: '县委统战部',
  CZJ: '县财政局',
  RSJ: '县人社局',
  MZJ: '县民政局',
  ZRZYJ: '县自然资源局',
  YJGLJ: '县应急局',
  GXJ: '县工信局',
  JYJ: '县交运局',
  XFJYDD: '县消防大队',
  ZJJ: '县住建局',
  CGJ: '县城管局',
  STHJJ: '县生态环境局',
  RFB: '县人防办',
  SWJ: '县商务局',
  NYNCJ: '县农业农村局',
  LYJ: '县林业局',
  SLJ: '县水利局',
  WJW: '县卫健委',
  WGXLJ: '县文广新旅局',
  GAJ: '县公安局',
  YBJ: '县医保局',
  JTJ: '县教体局',
  QXJ: '县气象局',
  TJJ: '县统计局',
  CL: '县残联',
  GXQGWH: '县高新区管委会',
  DAG: '县档案馆',
};

/** The department's short name for document numbers (its attachment name if none is listed). */
export function shortName(department: string): string {
  return SHORT_NAMES[department] ?? unitName(department);
}

/** Every member unit has a distinct short name (checked by the unit tests). */
export const ALL_SHORT_NAMES = MEMBER_UNITS.map((u) => shortName(u.code));

/** The counter series of a department's task numbers in a year: unique per department and year. */
export const taskSeries = (department: string, year: number): string => `task:${department}:${year}`;

/** "县市管局抽查〔2026〕12号". */
export function taskNumber(department: string, year: number, seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 1) throw new RangeError(`任务序号应为正整数：${seq}`);
  return `${shortName(department)}抽查〔${year}〕${seq}号`;
}

/**
 * A task number as people type it: "12" or "12号" (the caller's department, this
 * year), "〔2026〕12号", "县市管局抽查[2026]12号", "县市管局抽查（2026）12", "县市管局 2026-12",
 * full-width digits and spaces allowed. Undefined when it is not a task number.
 */
export function parseTaskNumber(typed: string, defaults: { department: string; year: number }): string | undefined {
  const s = typed.normalize('NFKC').replace(/\s+/g, '');
  const m = /^(.*?)(?:[〔[(【](\d{4})[〕\])】]|(\d{4})[年\-/])第?(\d{1,6})号?$/.exec(s) ?? /^(.*?)第?(\d{1,6})号?$/.exec(s);
  if (!m) return undefined;
  const [unitText, year, seqText] = m.length === 5 ? [m[1], m[2] ?? m[3], m[4]] : [m[1], undefined, m[2]];
  const bare = unitText.replace(/抽查$/, '');
  let department = defaults.department;
  if (bare) {
    const unit = MEMBER_UNITS.find((u) => shortName(u.code) === bare) ?? findUnit(bare);
    if (!unit) return undefined;
    department = unit.code;
  }
  const seq = Number(seqText);
  return seq >= 1 ? taskNumber(department, year ? Number(year) : defaults.year, seq) : undefined;
}

/** Orders task numbers as numbers: by department, then year, then sequence ("…〔2026〕2号" before "…〔2026〕10号"). */
export function compareTaskNumbers(a: string, b: string): number {
  const parts = (n: string) => /^(.*)〔(\d+)〕(\d+)号$/.exec(n);
  const x = parts(a);
  const y = parts(b);
  if (!x || !y) return a.localeCompare(b, 'zh');
  return x[1].localeCompare(y[1], 'zh') || Number(x[2]) - Number(y[2]) || Number(x[3]) - Number(y[3]);
}

export interface DateWindow {
  from: string;
  to: string;
}

/** Inclusive 'YYYY-MM-DD' windows that share at least one day. */
export function windowsOverlap(a: DateWindow, b: DateWindow): boolean {
  return a.from <= b.to && b.from <= a.to;
}

/** The days both windows share (call only when they overlap). */
export function windowIntersection(a: DateWindow, b: DateWindow): DateWindow {
  return { from: a.from > b.from ? a.from : b.from, to: a.to < b.to ? a.to : b.to };
}

/** One draw's share of a task: its departments, its officers, its items, its window. */
export interface TaskPart {
  drawNo: string;
  planNo: string;
  /** The draw's participating departments, its lead first. */
  departments: string[];
  officers: AssignedOfficer[];
  /** Item keys 'DEPT:itemCode' of the plan. */
  items: string[];
  window: DateWindow;
  /** ISO time the part was added. */
  at: string;
}

/** What a task's parts add up to: one visit, one form, many items (一集中). */
export interface TaskShape {
  /** The lead department: the first department of the earliest part still in the task. */
  lead: string;
  departments: string[];
  /** Inspector numbers, in part order. */
  officers: string[];
  items: string[];
  /** The days every part's window shares. */
  window: DateWindow;
  joint: boolean;
}

const union = (lists: string[][]): string[] => [...new Set(lists.flat())];

/** Derives the task's lead, departments, officers, items and window from its parts (earliest first). */
export function shapeOf(parts: readonly TaskPart[]): TaskShape {
  if (parts.length === 0) throw new RangeError('任务至少须有一次抽取');
  const window = parts.slice(1).reduce((w, p) => windowIntersection(w, p.window), parts[0].window);
  const departments = union(parts.map((p) => p.departments));
  return {
    lead: parts[0].departments[0],
    departments,
    officers: union(parts.map((p) => p.officers.map((o) => o.inspectorNo))),
    items: union(parts.map((p) => p.items)),
    window,
    joint: departments.length > 1,
  };
}

/**
 * May a new draw's part join an open task of the same entity (R3, R4)? Only
 * when the windows overlap (one visit inside both), and when none of the new
 * draw's departments is already in the task (a department does not visit
 * twice; R13 flags such duplicate plans before they are approved).
 */
export function mayJoin(task: { window: DateWindow; departments: readonly string[] }, part: Pick<TaskPart, 'departments' | 'window'>): boolean {
  return windowsOverlap(task.window, part.window) && !part.departments.some((d) => task.departments.includes(d));
}
