/**
 * The three registers as files describe them (market entities R1/R6, inspectors
 * R7/R8/R8a, inspection items R9): their columns and parsers, the header row
 * mapped to fields (or the file refused before anything is written), a sheet row
 * turned into named cells, and the digest that makes a re-import idempotent.
 */
import { createHash } from 'node:crypto';
import { ENTITY_HEADERS, ENTITY_REQUIRED, parseEntityRow } from '../../domain/entity';
import { cleanText, type Parsed } from '../../domain/fields';
import { INSPECTOR_HEADERS, INSPECTOR_REQUIRED, parseInspectorRow } from '../../domain/inspector';
import { ITEM_HEADERS, ITEM_REQUIRED, itemKey, parseItemRow } from '../../domain/item';
import { unitName } from '../../domain/organisation';
import { Refusal, type Caller } from '../context';
import { cellText, excelSerialDate, type SheetRow } from './sheets';

export type RegistryKind = 'entities' | 'inspectors' | 'items';

/** One data row; cells keyed by canonical field names (keys of ENTITY_HEADERS / INSPECTOR_HEADERS / ITEM_HEADERS). */
export interface RawRow {
  row: number;
  cells: Record<string, string>;
  /** Set by a reader when the row is unusable as a whole (e.g. data in a column without a header). */
  error?: string;
}

export const NEW_ENTITY_POOL_REASON = '默认纳入B类一般监管库（R1）';

export interface KindSpec {
  kind: RegistryKind;
  /** What the file holds, for messages: 市场主体名录. */
  label: string;
  headers: Record<string, string[]>;
  required: readonly string[];
  parse(cells: Record<string, string>): Parsed<Record<string, unknown>>;
  /** The natural key, stored as _id. */
  key(rec: Record<string, unknown>): string;
  /** The natural key as a person reads it in a message. */
  keyText(rec: Record<string, unknown>): string;
  /** The record field that becomes _id and is not stored separately. */
  idField?: string;
  /** Audit target prefix: entity:<code>. */
  target: string;
  /** Fields holding dates: an Excel date serial number in them is read as a date. */
  dateFields: readonly string[];
  /** Extra fields only a new record gets (an entity's pool and its provenance). */
  onInsert?(caller: Caller, at: Date): Record<string, unknown>;
}

const SPECS: Record<RegistryKind, KindSpec> = {
  entities: {
    kind: 'entities',
    label: '市场主体名录',
    headers: ENTITY_HEADERS,
    required: ENTITY_REQUIRED,
    parse: (c) => parseEntityRow(c) as Parsed<Record<string, unknown>>,
    key: (r) => String(r.creditCode),
    keyText: (r) => `统一社会信用代码“${String(r.creditCode)}”`,
    idField: 'creditCode',
    target: 'entity',
    dateFields: [],
    // R1: a new entity sits in B, the default pool. An import never moves an existing entity.
    onInsert: (caller, at) => ({
      pool: 'B', poolPlacedBy: caller.userId, poolPlacedAt: at, poolReason: NEW_ENTITY_POOL_REASON,
      pendingPool: '', pendingBy: '', pendingDepartment: '', pendingReason: '',
    }),
  },
  inspectors: {
    kind: 'inspectors',
    label: '执法检查人员名录',
    headers: INSPECTOR_HEADERS,
    required: INSPECTOR_REQUIRED,
    parse: (c) => parseInspectorRow(c) as Parsed<Record<string, unknown>>,
    key: (r) => String(r.inspectorNo),
    keyText: (r) => `人员编号“${String(r.inspectorNo)}”`,
    idField: 'inspectorNo',
    target: 'inspector',
    dateFields: ['certificateExpiry', 'jointPoolUpdatedOn'],
  },
  items: {
    kind: 'items',
    label: '检查事项清单',
    headers: ITEM_HEADERS,
    required: ITEM_REQUIRED,
    parse: (c) => parseItemRow(c) as Parsed<Record<string, unknown>>,
    key: (r) => itemKey(r as { department: string; itemCode: string }),
    keyText: (r) => `${unitName(String(r.department))}事项编码“${String(r.itemCode)}”`,
    target: 'item',
    dateFields: ['jointListFiledOn'],
  },
};

export function specOf(kind: string): KindSpec {
  if (Object.hasOwn(SPECS, kind)) return SPECS[kind as RegistryKind];
  throw new Refusal(`不能导入“${kind}”，可导入：entities（市场主体）、inspectors（执法检查人员）、items（检查事项）`);
}

/** The stored fields of a record (all but the one that becomes _id). */
export const dataFields = (spec: KindSpec): string[] => Object.keys(spec.headers).filter((f) => f !== spec.idField);

/** Record → stored fields, leaving out the ones without a value. */
export function toData(spec: KindSpec, rec: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of dataFields(spec)) if (rec[f] !== undefined && rec[f] !== null) out[f] = rec[f];
  return out;
}

/** sha256 of the canonical JSON of a validated record: keys sorted, absent values left out. */
export function rowHash(rec: Record<string, unknown>): string {
  const pairs = Object.keys(rec).sort().filter((k) => rec[k] !== undefined && rec[k] !== null).map((k) => [k, rec[k]]);
  return createHash('sha256').update(JSON.stringify(pairs)).digest('hex');
}

/** Header text → comparable form: trimmed, no spaces or * marks, ASCII lower-cased. */
const normHeader = (s: string) => cleanText(s).replace(/[\s\u3000\uFEFF*＊]/g, '').replace(/[A-Z]/g, (c) => c.toLowerCase());

export function expectedColumns(spec: KindSpec): string {
  return Object.entries(spec.headers)
    .map(([f, names]) => `${names[0]}${spec.required.includes(f) ? '（必填）' : ''}`)
    .join('、');
}

/** Maps 0-based column → canonical field, or refuses the whole file (nothing is written). */
export function mapHeader(spec: KindSpec, values: unknown[]): (string | undefined)[] {
  const alias = new Map<string, string>();
  for (const [field, names] of Object.entries(spec.headers)) for (const n of names) alias.set(normHeader(n), field);
  const texts = values.map((v) => cellText(v).trim());
  if (texts.some((t) => t.includes('\uFFFD'))) {
    throw new Refusal('文件表头出现乱码，文件可能不是UTF-8编码：请在Excel中“另存为”选择“CSV UTF-8（逗号分隔）”，或直接导入.xlsx文件；本次未写入任何数据');
  }
  const columns: (string | undefined)[] = [];
  const unknown: string[] = [];
  const firstColumn = new Map<string, number>();
  const duplicates: string[] = [];
  texts.forEach((t, i) => {
    if (!t) { columns.push(undefined); return; }
    const field = alias.get(normHeader(t));
    if (!field) { unknown.push(`“${t.length > 20 ? `${t.slice(0, 20)}…` : t}”`); columns.push(undefined); return; }
    if (firstColumn.has(field)) duplicates.push(`“${t}”（与第${firstColumn.get(field)! + 1}列重复）`);
    else firstColumn.set(field, i);
    columns.push(field);
  });
  const missing = spec.required.filter((f) => !firstColumn.has(f)).map((f) => `“${spec.headers[f][0]}”`);
  const problems: string[] = [];
  if (missing.length) problems.push(`缺少必填列${missing.join('')}`);
  if (unknown.length) problems.push(`无法识别的列${unknown.slice(0, 10).join('')}${unknown.length > 10 ? `等${unknown.length}列` : ''}`);
  if (duplicates.length) problems.push(`重复的列${duplicates.join('')}`);
  if (problems.length) {
    throw new Refusal(`表头不符合${spec.label}模板：${problems.join('；')}。应有的列：${expectedColumns(spec)}。请修改第1行表头后重新导入；本次未写入任何数据`);
  }
  return columns;
}

export function toRawRow(spec: KindSpec, columns: (string | undefined)[], r: SheetRow): RawRow {
  const cells: Record<string, string> = {};
  let error: string | undefined;
  r.values.forEach((v, i) => {
    const field = columns[i];
    if (!field) {
      if (!error && cellText(v).trim()) error = `第${i + 1}列有内容但没有表头，请补上表头或删除该列内容`;
      return;
    }
    if (typeof v === 'number' && spec.dateFields.includes(field)) {
      cells[field] = excelSerialDate(v) ?? cellText(v);
    } else {
      cells[field] = cellText(v);
    }
  });
  return error ? { row: r.row, cells, error } : { row: r.row, cells };
}
