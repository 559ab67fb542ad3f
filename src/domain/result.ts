/**
 * Inspection results (检查结果), pure: the inspection's methods and overall
 * result categories, what one department found per item, and the rules a
 * result must satisfy before it is submitted — dates inside the task's window
 * and not in the future, 未检查 with a reason, and categories consistent with
 * the items (R15: 谁检查、谁录入). Time comes in as today's Beijing date.
 */
import type { RuleId } from './rules';

/** 核查方式: several may apply to one inspection. */
export const METHODS = ['实地检查', '书面检查', '网络监测', '检验检测', '委托专业机构辅助', '行政部门检查结果或专业意见'] as const;

export interface Category {
  label: string;
  /** Implies a problem found: needs at least one item with a problem. */
  problem: boolean;
}

/** The overall result categories (configurable); 未发现问题 is the clean one. */
export const CLEAN = '未发现问题';
export const DEFAULT_CATEGORIES: readonly Category[] = [
  { label: CLEAN, problem: false },
  { label: '未按规定公示应当公示的信息', problem: true },
  { label: '公示信息隐瞒真实情况弄虚作假', problem: true },
  { label: '通过登记的住所（经营场所）无法联系', problem: false },
  { label: '未发现开展本次抽查涉及的经营活动', problem: false },
  { label: '发现问题已责令改正', problem: true },
  { label: '发现问题待后续处理', problem: true },
  { label: '不配合检查情节严重', problem: false },
  { label: '已关闭停业或正在组织清算', problem: false },
  { label: '已注销', problem: false },
  { label: '已被吊销营业执照', problem: false },
  { label: '已被撤销登记', problem: false },
  { label: '已迁出', problem: false },
];

/**
 * How a problem found is handled (R14): corrected by the inspecting department by a
 * deadline, transferred to the member unit whose duty it is, transferred to the
 * judicial organs as a suspected crime, or a case opened for investigation.
 */
export type Handling =
  /** `lenient`: 首违不罚 applied under this 免罚清单 entry ('DEPT:no', R18). */
  | { kind: 'rectify'; deadline: string; lenient?: string }
  | { kind: 'transfer'; to: string }
  | { kind: 'judicial'; organ: string; date: string; docNo: string }
  | { kind: 'case'; caseNo: string };

export const HANDLING_HELP = '请选择处置方式（R14），一行写完：\n'
  + '“责令改正 <期限>”，例如 责令改正 2026-10-15\n'
  + '“移送 <部门>”（属其他部门职责），例如 移送 县市管局\n'
  + '“移送司法机关 <接收机关> <日期> <文书编号>”（涉嫌犯罪），例如 移送司法机关 万年县公安局 2026-09-20 万市监移〔2026〕3号\n'
  + '“立案查处 <案件编号>”，例如 立案查处 万市监立〔2026〕15号';

/** Chinese words for a handling. */
export function handlingText(h: Handling, unitName: (code: string) => string): string {
  switch (h.kind) {
    case 'rectify': return `责令改正，期限${h.deadline}${h.lenient ? `；首违不罚（免罚清单第${h.lenient.split(':')[1]}条，教育、不予处罚，R18）` : ''}`;
    case 'transfer': return `移送${unitName(h.to)}`;
    case 'judicial': return `移送司法机关（${h.organ}，${h.date}，${h.docNo}）`;
    case 'case': return `立案查处（${h.caseNo}）`;
  }
}

/**
 * One handling typed on one line (see HANDLING_HELP). `findUnit` resolves a member unit;
 * `own` is the inspecting department (a transfer goes to another one); a deadline is after
 * today, a transfer to the judicial organs not in the future.
 */
export function parseHandling(input: string, own: string, today: string, findUnit: (t: string) => { code: string } | undefined): Check<Handling> {
  const t = input.trim();
  const words = t.split(/\s+/);
  const head = words[0];
  if (head === '责令改正' || head === '整改') {
    const deadline = words[1] ? parseDay(words[1], today) : undefined;
    if (!deadline) return { ok: false, reason: `请写明改正期限，例如：责令改正 ${today.slice(0, 4)}-12-15` };
    if (deadline <= today) return { ok: false, rule: 'R14', reason: `依据规则 R14：改正期限 ${deadline} 须晚于今天（${today}）` };
    return { ok: true, value: { kind: 'rectify', deadline } };
  }
  if (head === '移送司法机关') {
    const [, organ, day, ...doc] = words;
    const date = day ? parseDay(day, today) : undefined;
    if (!organ || !date || doc.length === 0) return { ok: false, reason: '请写明接收机关、移送日期和文书编号，例如：移送司法机关 万年县公安局 2026-09-20 万市监移〔2026〕3号' };
    if (date > today) return { ok: false, rule: 'R14', reason: `依据规则 R14：移送日期 ${date} 晚于今天，请在移送后再记录` };
    return { ok: true, value: { kind: 'judicial', organ: organ.slice(0, 50), date, docNo: doc.join(' ').slice(0, 50) } };
  }
  if (head === '移送') {
    const unit = words[1] ? findUnit(words.slice(1).join('')) : undefined;
    if (!unit) return { ok: false, reason: '请写明移送的成员单位，例如：移送 县市管局（涉嫌犯罪请写“移送司法机关 …”）' };
    if (unit.code === own) return { ok: false, rule: 'R14', reason: '依据规则 R14：属本部门职责的问题由本部门处理（责令改正或立案查处），不能移送给本部门' };
    return { ok: true, value: { kind: 'transfer', to: unit.code } };
  }
  if (head === '立案查处' || head === '立案') {
    const caseNo = words.slice(1).join(' ').trim();
    if (caseNo.length < 2) return { ok: false, reason: '请写明案件编号，例如：立案查处 万市监立〔2026〕15号' };
    return { ok: true, value: { kind: 'case', caseNo: caseNo.slice(0, 50) } };
  }
  return { ok: false, reason: HANDLING_HELP };
}

/** One item of the form as one department filled it. */
export interface ItemFinding {
  /** 'DEPT:itemCode'. */
  key: string;
  checked: boolean;
  /** Why it was not checked (未检查). */
  reason?: string;
  /** The problem found (text); absent: 未发现问题. */
  problem?: string;
  /** How the problem is handled (R14); every problem needs one before 提交. */
  handling?: Handling;
}

/** The visit as a whole: filled by the lead department. */
export interface ResultForm {
  start: string;
  end: string;
  methods: string[];
  categories: string[];
}

export type Check<T> = { ok: true; value: T } | { ok: false; reason: string; rule?: RuleId };

const DAY = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/;
const MONTH_DAY = /^(\d{1,2})月(\d{1,2})日?$/;

/** "2026-09-10", "2026年9月10日", "9月10日" (this year) → 'YYYY-MM-DD'. */
export function parseDay(word: string, today: string): string | undefined {
  const w = word.trim();
  const m = DAY.exec(w) ?? (MONTH_DAY.exec(w) ? ['', today.slice(0, 4), ...MONTH_DAY.exec(w)!.slice(1)] : undefined);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) return undefined;
  return t.toISOString().slice(0, 10);
}

/**
 * The inspection's dates: one day, or "start至end". Inside the window (or on the
 * filing's date) and not after today (R15: a result records what was done).
 */
export function checkDates(input: string, window: { from: string; to: string }, today: string): Check<{ start: string; end: string }> {
  const words = input.split(/\s*(?:至|到|~|～|—|--)\s*|\s+/).filter(Boolean);
  if (words.length < 1 || words.length > 2) return { ok: false, reason: `请写检查日期，例如 ${window.from}，或 ${window.from}至${window.to}` };
  const days = words.map((w) => parseDay(w, today));
  const bad = days.findIndex((d) => !d);
  if (bad >= 0) return { ok: false, reason: `“${words[bad].slice(0, 20)}”不是有效日期，请写成 ${window.from} 这样的格式` };
  const [start, end = start] = days as string[];
  if (end < start) return { ok: false, reason: `结束日期 ${end} 早于开始日期 ${start}，请重新填写` };
  if (end > today) return { ok: false, rule: 'R15', reason: `依据规则 R15：检查结果记录已完成的检查，日期 ${end} 晚于今天（${today}），请在检查结束后再录入` };
  if (start < window.from || end > window.to) {
    const span = window.from === window.to ? window.from : `${window.from}至${window.to}`;
    return { ok: false, rule: 'R15', reason: `依据规则 R15：检查日期须在任务检查期（${span}）之内，${start === end ? start : `${start}至${end}`}不在其中，请核对后重新填写` };
  }
  return { ok: true, value: { start, end } };
}

/** 核查方式 by names or numbers ("1、3", "实地检查、书面检查"). */
export function parseMethods(input: string): Check<string[]> {
  const words = input.split(/[,，、;；\s]+/).filter(Boolean);
  const out: string[] = [];
  for (const w of words) {
    const n = /^\d+$/.test(w) ? METHODS[Number(w) - 1] : METHODS.find((m) => m === w || m.startsWith(w));
    if (!n) return { ok: false, reason: `“${w.slice(0, 20)}”不是核查方式，可选：${METHODS.map((m, i) => `${i + 1}.${m}`).join(' ')}` };
    if (!out.includes(n)) out.push(n);
  }
  if (out.length === 0) return { ok: false, reason: '请至少选择一种核查方式' };
  return { ok: true, value: out };
}

/**
 * One item's answer: "未发现问题" (checked, nothing found), "未检查 <理由>",
 * "发现问题 <问题描述>" (or "问题 <描述>").
 */
export function parseFinding(key: string, input: string): Check<ItemFinding> {
  const t = input.trim();
  if (/^(?:已检查\s*)?(?:未发现问题|无问题|合格)$/.test(t)) return { ok: true, value: { key, checked: true } };
  const not = /^未检查\s*[,，:：]?\s*(.*)$/.exec(t);
  if (not) {
    const reason = not[1].trim();
    if (reason.length < 2) return { ok: false, reason: '未检查的事项须写明理由，例如：未检查 该店已停业，未开展食品经营' };
    if (reason.length > 200) return { ok: false, reason: `理由过长（${reason.length}字），请控制在200字以内` };
    return { ok: true, value: { key, checked: false, reason } };
  }
  const found = /^(?:已检查\s*)?(?:发现问题|问题)\s*[,，:：]?\s*(.*)$/.exec(t);
  if (found) {
    const problem = found[1].trim();
    if (problem.length < 4) return { ok: false, reason: '请写明发现的问题（至少4个字），例如：发现问题 消防通道堵塞' };
    if (problem.length > 500) return { ok: false, reason: `问题描述过长（${problem.length}字），请控制在500字以内` };
    return { ok: true, value: { key, checked: true, problem } };
  }
  return { ok: false, reason: '请回复“未发现问题”、“发现问题 <问题描述>”或“未检查 <理由>”' };
}

/** Categories by numbers or names, from the configured list. */
export function parseCategories(input: string, list: readonly Category[]): Check<string[]> {
  const words = input.split(/[,，、;；\s]+/).filter(Boolean);
  const out: string[] = [];
  for (const w of words) {
    const c = /^\d+$/.test(w) ? list[Number(w) - 1] : list.find((x) => x.label === w);
    if (!c) return { ok: false, reason: `“${w.slice(0, 20)}”不是检查结果类别，请回复列表中的序号，例如 1 或 6、7` };
    if (!out.includes(c.label)) out.push(c.label);
  }
  if (out.length === 0) return { ok: false, reason: '请至少选择一个检查结果类别' };
  return { ok: true, value: out };
}

/**
 * The categories agree with the items (R15): 未发现问题 stands alone and needs a
 * checked item and no problem; a problem category needs a problem found; a problem
 * found needs a problem category. `partial`: other departments' items are still to come,
 * so a problem category without a problem found yet is not refused.
 */
export function checkConsistency(categories: readonly string[], findings: readonly ItemFinding[], list: readonly Category[], partial = false): Check<true> {
  const problems = findings.filter((f) => f.problem);
  const problemCats = categories.filter((c) => list.find((x) => x.label === c)?.problem);
  if (categories.includes(CLEAN)) {
    if (categories.length > 1) return { ok: false, rule: 'R15', reason: `依据规则 R15：“${CLEAN}”不能与其他结果类别同时选择（${categories.filter((c) => c !== CLEAN).join('、')}），请只选其一` };
    if (problems.length) return { ok: false, rule: 'R15', reason: `依据规则 R15：已有${problems.length}个事项发现问题，结果不能是“${CLEAN}”，请选择发现问题的类别（如“发现问题已责令改正”）` };
    if (!partial && !findings.some((f) => f.checked)) return { ok: false, rule: 'R15', reason: `依据规则 R15：所有事项都未检查，结果不能是“${CLEAN}”，请选择实际情况（如“未发现开展本次抽查涉及的经营活动”）` };
  }
  if (!partial && problemCats.length && !problems.length) return { ok: false, rule: 'R15', reason: `依据规则 R15：结果“${problemCats.join('、')}”表示发现了问题，但没有任何事项记录了问题；请修改事项（改 事项）或结果类别` };
  if (problems.length && !problemCats.length) return { ok: false, rule: 'R15', reason: `依据规则 R15：有${problems.length}个事项发现问题，结果类别中须有发现问题的类别（如“发现问题已责令改正”或“发现问题待后续处理”）` };
  return { ok: true, value: true };
}

/** What a task shows for its result: 待检查 / 待录入 / 待审核 / 已审核 / 已完结. */
export type ResultState = '待检查' | '待录入' | '待审核' | '已审核' | '已完结';

export function taskState(
  window: { from: string; to: string },
  result: { status: 'draft' | 'pending' | 'returned' | 'approved'; openFollowUps: number } | undefined,
  today: string,
): ResultState {
  if (!result) return today < window.from ? '待检查' : '待录入';
  if (result.status === 'pending') return '待审核';
  if (result.status === 'approved') return result.openFollowUps > 0 ? '已审核' : '已完结';
  return '待录入';
}

/** Evidence files: at most this size, and only these kinds (told by their first bytes, not their name). */
export const MAX_EVIDENCE_BYTES = 10 * 1024 * 1024;
const EVIDENCE_KINDS: { label: string; magic: number[] }[] = [
  { label: 'JPEG图片', magic: [0xff, 0xd8, 0xff] },
  { label: 'PNG图片', magic: [0x89, 0x50, 0x4e, 0x47] },
  { label: 'PDF文件', magic: [0x25, 0x50, 0x44, 0x46] },
  { label: 'Office文档（docx/xlsx）', magic: [0x50, 0x4b, 0x03, 0x04] },
];

/** Is this file acceptable as evidence? Returns its kind, or why not. */
export function checkEvidence(name: string, data: Uint8Array): Check<string> {
  if (data.length === 0) return { ok: false, reason: `文件“${name.slice(0, 40)}”是空的` };
  if (data.length > MAX_EVIDENCE_BYTES) {
    return { ok: false, reason: `文件“${name.slice(0, 40)}”有${(data.length / 1048576).toFixed(1)}MB，超过${MAX_EVIDENCE_BYTES / 1048576}MB的上限，请压缩或拍照后再发送` };
  }
  const kind = EVIDENCE_KINDS.find((k) => k.magic.every((b, i) => data[i] === b));
  if (!kind) return { ok: false, reason: `文件“${name.slice(0, 40)}”不是可接受的证据类型（${EVIDENCE_KINDS.map((k) => k.label).join('、')}）` };
  return { ok: true, value: kind.label };
}

/** One entry of a department's 免罚清单 (R18): a minor first violation exempt from penalty. */
export interface LenientEntry {
  department: string;
  /** The entry's number in the department's list. */
  no: number;
  /** The inspection item it belongs to; '' for any of the department's items. */
  itemCode: string;
  violation: string;
  conditions: string;
  legalBasis: string;
}

const LENIENT_COLUMNS: Record<string, keyof LenientEntry> = {
  部门: 'department', 序号: 'no', 条目号: 'no', 事项编码: 'itemCode', 违法行为: 'violation', 违法行为描述: 'violation',
  适用条件: 'conditions', 条件: 'conditions', 法律依据: 'legalBasis', 依据: 'legalBasis',
  department: 'department', no: 'no', itemCode: 'itemCode', violation: 'violation', conditions: 'conditions', legalBasis: 'legalBasis',
};

/** The field a column header names, or undefined. */
export const lenientColumn = (header: string): keyof LenientEntry | undefined => LENIENT_COLUMNS[header.trim()];

/** A row of an imported 免罚清单; `findUnit` resolves the department. */
export function parseLenientRow(row: Partial<Record<keyof LenientEntry, string>>, findUnit: (t: string) => { code: string } | undefined): Check<LenientEntry> {
  const unit = findUnit(row.department ?? '');
  if (!unit) return { ok: false, reason: `部门“${(row.department ?? '').slice(0, 20)}”不是联席会议成员单位` };
  const no = Number(row.no);
  if (!Number.isInteger(no) || no < 1) return { ok: false, reason: `序号“${(row.no ?? '').slice(0, 10)}”应为正整数` };
  const violation = (row.violation ?? '').trim();
  if (violation.length < 4) return { ok: false, reason: '违法行为描述不能为空（至少4个字）' };
  const legalBasis = (row.legalBasis ?? '').trim();
  if (!legalBasis) return { ok: false, reason: '法律依据不能为空' };
  return { ok: true, value: { department: unit.code, no, itemCode: (row.itemCode ?? '').trim(), violation: violation.slice(0, 300), conditions: (row.conditions ?? '').trim().slice(0, 300), legalBasis: legalBasis.slice(0, 300) } };
}

/** R17: a result that should move the entity's credit-risk class, and why. */
export function riskSignal(
  categories: readonly string[],
  handlings: readonly Handling[],
  /** The entity's approved results (this one included): end day and categories. */
  history: readonly { end: string; categories: readonly string[] }[],
  end: string,
): { direction: 'raise' | 'lower'; reason: string } | undefined {
  if (categories.includes('不配合检查情节严重')) return { direction: 'raise', reason: '不配合检查情节严重' };
  if (handlings.some((h) => h.kind === 'judicial')) return { direction: 'raise', reason: '涉嫌犯罪移送司法机关' };
  if (handlings.some((h) => h.kind === 'case')) return { direction: 'raise', reason: '严重违法立案查处' };
  const clean = (c: readonly string[]) => c.length === 1 && c[0] === CLEAN;
  if (!clean(categories)) return undefined;
  const year = Number(end.slice(0, 4));
  const recent = history.filter((h) => Number(h.end.slice(0, 4)) >= year - 1);
  const years = new Set(recent.map((h) => Number(h.end.slice(0, 4))));
  if (years.has(year) && years.has(year - 1) && recent.every((h) => clean(h.categories))) return { direction: 'lower', reason: `连续两年（${year - 1}、${year}年）检查未发现问题` };
  return undefined;
}

/** The next class up or down (R6's 低 / 一般 / 较高 / 高); undefined at the end of the scale. */
export function nextRiskClass<T extends string>(classes: readonly T[], from: T, direction: 'raise' | 'lower'): T | undefined {
  const i = classes.indexOf(from);
  const j = direction === 'raise' ? i + 1 : i - 1;
  return i < 0 || j < 0 || j >= classes.length ? undefined : classes[j];
}

/** R16: an approved inspection of an entity by departments other than those asking. */
export interface RecognisedInspection {
  creditCode: string;
  entityName: string;
  taskNo: string;
  departments: string[];
  /** The end of the task's window: the inspection took place on or before it. */
  until: string;
}

/**
 * R16 (results shared and recognised): of these tasks, those with an approved result whose
 * departments are none of `ours` and whose window ended on or after `since` — one per entity,
 * the latest. Tasks come in with their window; `approved` says whether a task's result is.
 */
export function inspectedByOthers(
  tasks: readonly { taskNo: string; creditCode: string; entityName: string; departments: readonly string[]; window: { to: string } }[],
  approved: (taskNo: string) => boolean,
  ours: readonly string[],
  since: string,
): RecognisedInspection[] {
  const latest = new Map<string, RecognisedInspection>();
  for (const t of tasks) {
    if (t.window.to < since || t.departments.some((d) => ours.includes(d)) || !approved(t.taskNo)) continue;
    const seen = latest.get(t.creditCode);
    if (seen && seen.until >= t.window.to) continue;
    latest.set(t.creditCode, { creditCode: t.creditCode, entityName: t.entityName, taskNo: t.taskNo, departments: [...t.departments], until: t.window.to });
  }
  return [...latest.values()].sort((a, b) => (a.until < b.until ? 1 : a.until > b.until ? -1 : a.creditCode < b.creditCode ? -1 : 1));
}

/** The Beijing date `months` calendar months before `today` ('YYYY-MM-DD'); a day the month lacks is its last day. */
export function monthsBefore(today: string, months: number): string {
  const first = new Date(Date.UTC(Number(today.slice(0, 4)), Number(today.slice(5, 7)) - 1 - months, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  first.setUTCDate(Math.min(Number(today.slice(8, 10)), last));
  return first.toISOString().slice(0, 10);
}
