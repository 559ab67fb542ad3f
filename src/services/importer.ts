/**
 * Importing the three registries (market entities R1/R6, inspectors R7/R8/R8a,
 * inspection items R9) from .xlsx or .csv files.
 *
 * Files are streamed, never read whole. The header row is checked before
 * anything is written; every data row is validated by the domain parsers, and
 * bad rows are reported with their spreadsheet row number. Good rows are
 * upserted by natural key in batches, shaped for FerretDB (where `$in` and
 * non-_id queries are full scans and insertMany is fast): the stored row
 * digests are loaded once, unknown keys are bulk-inserted, identical rows are
 * skipped, and only changed rows are read back and updated one by one under a
 * digest guard. Re-importing a file is therefore idempotent, and a resumed run
 * (fromRow) after a failure never duplicates anything. Each document is
 * written whole: there is no half-written record.
 *
 * R20: every updated record gets an audit entry with its changes, and the run
 * itself gets one; inserted records carry createdAt/updatedBy instead of
 * 100,000 audit rows.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp, type ReadStream } from 'node:fs';
import path from 'node:path';
import { PassThrough, type Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { CsvError, parse as parseCsv } from 'csv-parse';
import { diff, type AuditEntry } from '../domain/audit';
import { ENTITY_HEADERS, ENTITY_REQUIRED, parseEntityRow } from '../domain/entity';
import { cleanText, type Parsed } from '../domain/fields';
import { INSPECTOR_HEADERS, INSPECTOR_REQUIRED, parseInspectorRow } from '../domain/inspector';
import { ITEM_HEADERS, ITEM_REQUIRED, itemKey, parseItemRow } from '../domain/item';
import { unitName } from '../domain/organisation';
import type { RegistryWriter, StoredDoc } from '../../store/repos/registryWriter';
import { hasAny, Refusal, type Caller, type Deps } from './context';

export type RegistryKind = 'entities' | 'inspectors' | 'items';

/** One data row; cells keyed by canonical field names (keys of ENTITY_HEADERS / INSPECTOR_HEADERS / ITEM_HEADERS). */
export interface RawRow {
  row: number;
  cells: Record<string, string>;
  /** Set by a reader when the row is unusable as a whole (e.g. data in a column without a header). */
  error?: string;
}

export interface ImportSummary {
  imported: number;
  updated: number;
  unchanged: number;
  rejected: { row: number; reason: string }[];
  runId: string;
}

export interface ImportOptions {
  /** Spreadsheet row to start writing from (header = row 1); earlier rows are read but not written. */
  fromRow?: number;
  /** Called about every PROGRESS_EVERY rows read. */
  onProgress?: (rowsRead: number) => void;
}

/** Rows per write batch: one insertMany, one progress record. */
const BATCH_ROWS = 1000;
/**
 * Characters of sheet XML handed to exceljs at a time. exceljs turns a whole
 * piece into row and cell objects before the first row is used; with its
 * default 64 KB pieces, ~200 rows of objects outlive young-generation GCs and
 * are promoted (≈250 MB promoted per 100k rows instead of ≈60 MB), which
 * pushed peak RSS over 300 MB (see BENCHMARKS.md).
 */
const XML_PIECE_CHARS = 16 * 1024;
const PROGRESS_EVERY = 5000;
/** Concurrent guarded updates inside a batch. */
const UPDATE_CONCURRENCY = 4;
/** A CSV record may be this large; longer cells are then refused row by row by the domain's length checks. */
const MAX_CSV_RECORD = 32 * 1024 * 1024;
/** Where a rejected-row reason quotes a value, it is cut to this. */
const MAX_REASON_CHARS = 300;

export const NEW_ENTITY_POOL_REASON = '默认纳入B类一般监管库（R1）';

// ---------------------------------------------------------------------------
// The three registries

interface KindSpec {
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

function specOf(kind: string): KindSpec {
  if (Object.hasOwn(SPECS, kind)) return SPECS[kind as RegistryKind];
  throw new Refusal(`不能导入“${kind}”，可导入：entities（市场主体）、inspectors（执法检查人员）、items（检查事项）`);
}

/** The stored fields of a record (all but the one that becomes _id). */
const dataFields = (spec: KindSpec): string[] => Object.keys(spec.headers).filter((f) => f !== spec.idField);

/** Record → stored fields, leaving out the ones without a value. */
function toData(spec: KindSpec, rec: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of dataFields(spec)) if (rec[f] !== undefined && rec[f] !== null) out[f] = rec[f];
  return out;
}

/** sha256 of the canonical JSON of a validated record: keys sorted, absent values left out. */
export function rowHash(rec: Record<string, unknown>): string {
  const pairs = Object.keys(rec).sort().filter((k) => rec[k] !== undefined && rec[k] !== null).map((k) => [k, rec[k]]);
  return createHash('sha256').update(JSON.stringify(pairs)).digest('hex');
}

// ---------------------------------------------------------------------------
// Reading files

/** A problem in the file itself; its message is Chinese and names what is wrong. */
class SourceError extends Error {}

interface SheetRow {
  row: number;
  /** Cell values by 0-based column. */
  values: unknown[];
}

const pad2 = (n: number) => String(n).padStart(2, '0');
const ymd = (d: Date) => `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;

/** An Excel cell value (string, number, Date, rich text, formula, hyperlink…) as plain text. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return '';
    // Plain digits, never "1e+21": a long number typed into a text column stays readable.
    return Number.isInteger(v) && Math.abs(v) >= 1e21 ? BigInt(v).toString() : String(v);
  }
  if (typeof v === 'boolean') return v ? '是' : '否';
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : ymd(v);
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.richText)) return (o.richText as { text?: string }[]).map((r) => r.text ?? '').join('');
    if ('formula' in o || 'sharedFormula' in o) return cellText(o.result);
    if ('text' in o) return cellText(o.text);
    if ('error' in o) return String(o.error);
  }
  return String(v);
}

/** An Excel date serial (days since 1899-12-30) as 'YYYY-MM-DD', for numbers in date columns. */
function excelSerialDate(n: number): string | undefined {
  if (!(n > 366 && n < 2958466)) return undefined;
  return ymd(new Date(Date.UTC(1899, 11, 30) + Math.round(n * 86400) * 1000));
}

const isBlank = (values: unknown[]) => values.every((v) => cellText(v).trim() === '');

async function* csvRows(file: string): AsyncGenerator<SheetRow> {
  const input = createReadStream(file);
  const parser = parseCsv({
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: false,
    max_record_size: MAX_CSV_RECORD,
  });
  input.on('error', (err) => parser.destroy(err));
  input.pipe(parser);
  let row = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      row += 1;
      yield { row, values: record };
    }
  } catch (err) {
    throw new SourceError(csvProblem(err, row + 1));
  } finally {
    input.destroy();
    parser.destroy();
  }
}

function csvProblem(err: unknown, row: number): string {
  if (err instanceof CsvError) {
    switch (err.code) {
      case 'CSV_QUOTE_NOT_CLOSED':
        return `CSV文件第${row}行起有未闭合的引号（"），请检查该行内容`;
      case 'CSV_MAX_RECORD_SIZE':
        return `CSV文件第${row}行超过${MAX_CSV_RECORD / 1024 / 1024}MB，无法读取，请删除该行的超长内容`;
      case 'CSV_INVALID_CLOSING_QUOTE':
        return `CSV文件第${row}行引号（"）位置不正确，请检查该行内容`;
      default:
        return `CSV文件第${row}行格式错误（${err.code}），请用Excel打开检查后另存为“CSV UTF-8”或.xlsx`;
    }
  }
  return `读取文件失败（${(err as Error).message}）`;
}

/**
 * The first worksheet of an .xlsx, row by row. exceljs's streaming reader can
 * wait forever when the zip is corrupt while it spools a sheet to a temporary
 * file, so zip errors are caught where they happen (on the unzip stream our
 * file stream is piped into) and fail the read that is waiting.
 */
async function* xlsxRows(file: string): AsyncGenerator<SheetRow> {
  const { default: ExcelJS } = await import('exceljs'); // loaded when first needed: keeps start-up fast
  const input: ReadStream = createReadStream(file);
  // The first error, and the read waiting for it. (Not Promise.race against one long-pending
  // promise: every race would leave a reaction on it holding its row, for the whole file.)
  let failure: { err: unknown } | undefined;
  let waiting: ((err: unknown) => void) | undefined;
  const fail = (err: unknown) => {
    failure ??= { err };
    waiting?.(err);
  };
  const next = <T>(p: Promise<T>) => new Promise<T>((resolve, reject) => {
    if (failure) { reject(failure.err); return; }
    waiting = reject;
    p.then(
      (v) => { waiting = undefined; resolve(v); },
      (e) => { waiting = undefined; reject(e); },
    );
  });
  input.on('error', (err) => fail(err));
  const pipe = input.pipe.bind(input);
  input.pipe = (<T extends NodeJS.WritableStream>(dest: T, opts?: { end?: boolean }) => {
    (dest as unknown as Writable).on('error', (err) => fail(err));
    return pipe(dest, opts);
  }) as typeof input.pipe;
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    worksheets: 'emit', sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', entries: 'ignore',
  });
  decodeUtf8Safely(reader);
  const sheets = reader[Symbol.asyncIterator]();
  try {
    let first;
    try {
      first = await next(sheets.next());
    } catch (err) {
      throw new SourceError(`文件不是有效的Excel（.xlsx）文件或已损坏（${zipDetail(err)}）`);
    }
    if (first.done) throw new SourceError('Excel文件中没有工作表');
    const rows = first.value[Symbol.asyncIterator]();
    for (;;) {
      let r;
      try {
        r = await next(rows.next());
      } catch (err) {
        throw new SourceError(`Excel文件内容已损坏，无法继续读取（${zipDetail(err)}）`);
      }
      if (r.done) break;
      const values = (r.value.values as unknown[]).slice(1); // exceljs counts columns from 1
      yield { row: r.value.number, values };
    }
    // Let exceljs finish the zip so it removes its temporary files; later sheets are not read.
    try {
      for (;;) {
        const more = await next(sheets.next());
        if (more.done) break;
        // A later sheet spooled to a temporary file holds it open until read; close it unread.
        (more.value as unknown as { iterator?: { source?: { destroy?: () => void } } }).iterator?.source?.destroy?.();
      }
    } catch {
      // The rows we needed are read; a damaged trailing part does not matter.
    }
  } finally {
    input.destroy();
  }
}

/** exceljs's reader internals that decode XML bytes (not in its type declarations). */
interface ReaderInternals {
  _parseSharedStrings(entry: NodeJS.ReadableStream): AsyncGenerator<unknown>;
  _parseWorksheet(iterator: AsyncIterable<Buffer | string>, sheetNo: string): Generator<unknown>;
}

/**
 * exceljs decodes each chunk of XML on its own, so a Chinese character split
 * between two chunks turns into two U+FFFD (a long cell or a big sheet is
 * enough). Here its shared strings and sheets are fed as text decoded across
 * chunk boundaries instead (exceljs passes strings through untouched), the
 * sheets in pieces of XML_PIECE_CHARS.
 */
function decodeUtf8Safely(reader: object): void {
  const r = reader as ReaderInternals;
  const sharedStrings = r._parseSharedStrings.bind(r);
  r._parseSharedStrings = async function* (entry) {
    const text = new PassThrough();
    text.setEncoding('utf8');
    yield* sharedStrings(entry.pipe(text));
    // The parser hands out slices of its input: copy each string so the whole XML is not kept alive.
    const cache = (r as unknown as { sharedStrings?: unknown[] }).sharedStrings ?? [];
    for (let i = 0; i < cache.length; i++) if (typeof cache[i] === 'string') cache[i] = flatCopy(cache[i] as string);
  };
  const worksheet = r._parseWorksheet.bind(r);
  r._parseWorksheet = (iterator, sheetNo) => worksheet(utf8Chunks(iterator), sheetNo);
}

/** A string with its own storage (not a slice of a larger one that it would keep alive). */
const flatCopy = (s: string): string => (s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string));

function utf8Chunks(source: AsyncIterable<Buffer | string>): AsyncIterable<string> & { source: unknown } {
  async function* decode() {
    const decoder = new StringDecoder('utf8');
    for await (const chunk of source) {
      const s = typeof chunk === 'string' ? chunk : decoder.write(chunk);
      for (let i = 0; i < s.length; i += XML_PIECE_CHARS) yield s.slice(i, i + XML_PIECE_CHARS);
    }
    const tail = decoder.end();
    if (tail) yield tail;
  }
  return Object.assign(decode(), { source });
}

function zipDetail(err: unknown): string {
  const m = (err as Error)?.message ?? String(err);
  if (/FILE_ENDED|unexpected end/i.test(m)) return '文件不完整';
  if (/invalid signature/i.test(m)) return '不是zip格式';
  return m.length > 80 ? `${m.slice(0, 80)}…` : m;
}

// ---------------------------------------------------------------------------
// The header row

/** Header text → comparable form: trimmed, no spaces or * marks, ASCII lower-cased. */
const normHeader = (s: string) => cleanText(s).replace(/[\s\u3000\uFEFF*＊]/g, '').replace(/[A-Z]/g, (c) => c.toLowerCase());

function expectedColumns(spec: KindSpec): string {
  return Object.entries(spec.headers)
    .map(([f, names]) => `${names[0]}${spec.required.includes(f) ? '（必填）' : ''}`)
    .join('、');
}

/** Maps 0-based column → canonical field, or refuses the whole file (nothing is written). */
function mapHeader(spec: KindSpec, values: unknown[]): (string | undefined)[] {
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

function toRawRow(spec: KindSpec, columns: (string | undefined)[], r: SheetRow): RawRow {
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

// ---------------------------------------------------------------------------
// The service

interface Pending {
  row: number;
  id: string;
  hash: string;
  data: Record<string, unknown>;
}

export function importService(deps: Deps) {
  const { repos, now } = deps;
  const writers: Record<RegistryKind, RegistryWriter> = {
    entities: repos.entities.writer,
    inspectors: repos.inspectors.writer,
    items: repos.items.writer,
  };

  function mayImport(caller: Caller, spec: KindSpec) {
    if (!hasAny(caller, ['admin', 'office'])) {
      throw new Refusal(`只有联席办或系统管理员可以导入${spec.label}；请将文件交联席办导入`);
    }
  }

  async function importRows(
    caller: Caller,
    kind: RegistryKind,
    rows: AsyncIterable<RawRow>,
    opts: ImportOptions & {
      source?: string;
      /**
       * Fields a NEW record gets in place of the defaults (by natural key), e.g.
       * the demo's A and C placements with their provenance. Not reachable from
       * a file or a chat: a user's import never sets a pool (R1).
       */
      initial?: (key: string) => Record<string, unknown> | undefined;
    } = {},
  ): Promise<ImportSummary> {
    const spec = specOf(kind);
    mayImport(caller, spec);
    const fromRow = opts.fromRow ?? 1;
    if (!Number.isInteger(fromRow) || fromRow < 1) throw new Refusal(`起始行“${String(opts.fromRow)}”无效，请填写正整数，如 --from-row 2`);
    const source = opts.source ?? '(数据流)';
    const writer = writers[kind];
    const fields = dataFields(spec);
    const known = new Set(Object.keys(spec.headers));

    const it = rows[Symbol.asyncIterator]();
    let rowsRead = 0;
    const pull = async (): Promise<RawRow | undefined> => {
      let r: IteratorResult<RawRow>;
      try {
        r = await it.next();
      } catch (err) {
        if (err instanceof SourceError || err instanceof Refusal) throw err;
        throw new SourceError(`读取数据失败（${(err as Error).message}）`);
      }
      if (r.done) return undefined;
      rowsRead += 1;
      if (rowsRead % PROGRESS_EVERY === 0) opts.onProgress?.(rowsRead);
      return r.value;
    };
    const blank = (r: RawRow) => !r.error && Object.values(r.cells).every((v) => (v ?? '').trim() === '');

    // Nothing is written (not even the run record) until there is a data row.
    let first: RawRow | undefined;
    try {
      do first = await pull(); while (first && blank(first));
    } catch (err) {
      await it.return?.();
      throw err instanceof SourceError ? new Refusal(`${err.message}；本次未写入任何数据`) : err;
    }
    if (!first) throw new Refusal(`“${source}”中没有数据行（只有表头或全是空行），请填好数据后再导入；本次未写入任何数据`);

    // The run record is written with the first batch: a file refused before that leaves no trace at all.
    const startedAt = now();
    let runId = '';
    const counts = { imported: 0, updated: 0, unchanged: 0 };
    const rejected: { row: number; reason: string }[] = [];
    const reject = (row: number, reason: string) => {
      rejected.push({ row, reason: reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS)}…` : reason });
    };
    let lastCommittedRow = fromRow - 1;
    let lastRead = 0;

    const newDoc = (p: Pending, at: Date): StoredDoc => ({
      _id: p.id, ...p.data, ...spec.onInsert?.(caller, at), ...opts.initial?.(p.id), rowHash: p.hash, createdAt: at, updatedAt: at, updatedBy: caller.userId,
    });

    /**
     * Writes one batch whole, then records how far the file is committed.
     * (`digests` is what was stored before this run; a key written by this run
     * comes back in this file only as a rejected duplicate.)
     */
    async function flush(batch: Pending[], upToRow: number): Promise<void> {
      if (!runId) runId = await repos.importRuns.start({ kind, file: source, actor: caller.userId, channel: caller.channel, startedAt });
      const at = now();
      const fresh: Pending[] = [];
      let changed: Pending[] = [];
      for (const p of batch) {
        const stored = digests.get(p.id);
        if (stored === undefined) fresh.push(p);
        else if (stored === p.hash) counts.unchanged += 1;
        else changed.push(p);
      }
      if (fresh.length) {
        const r = await writer.insertNew(fresh.map((p) => newDoc(p, at)));
        counts.imported += r.inserted;
        if (r.existing.length) {
          // Someone inserted these meanwhile: compare with what is stored now.
          const taken = new Set(r.existing);
          changed = changed.concat(fresh.filter((p) => taken.has(p.id)));
        }
      }
      const audits: AuditEntry[] = [];
      if (changed.length) {
        const stored = new Map((await writer.getMany(changed.map((p) => p.id))).map((d) => [String(d._id), d]));
        const updateOne = async (p: Pending) => {
          const doc = stored.get(p.id);
          if (!doc) {
            const r = await writer.insertNew([newDoc(p, at)]);
            if (r.inserted === 1) counts.imported += 1;
            else reject(p.row, '该记录刚被他人修改，请重新导入');
            return;
          }
          if (doc.rowHash === p.hash) { counts.unchanged += 1; return; }
          const before: Record<string, unknown> = {};
          for (const f of fields) if (doc[f] !== undefined && doc[f] !== null) before[f] = doc[f];
          const changes = diff(before, p.data);
          const unset = fields.filter((f) => p.data[f] === undefined && before[f] !== undefined);
          const set = changes.length ? { ...p.data, rowHash: p.hash, updatedAt: at, updatedBy: caller.userId } : { rowHash: p.hash };
          const ok = await writer.updateIfUnchanged(p.id, doc.rowHash, set, changes.length ? unset : []);
          if (!ok) { reject(p.row, '该记录刚被他人修改，请重新导入'); return; }
          if (!changes.length) { counts.unchanged += 1; return; }
          counts.updated += 1;
          audits.push({
            at, actor: caller.userId, channel: caller.channel, action: `${spec.target}.update`, target: `${spec.target}:${p.id}`,
            changes, note: `导入${spec.label}“${source}”第${p.row}行（导入批次 ${runId}）`,
          });
        };
        for (let i = 0; i < changed.length; i += UPDATE_CONCURRENCY) {
          await Promise.all(changed.slice(i, i + UPDATE_CONCURRENCY).map(updateOne));
        }
      }
      if (audits.length) await repos.audit.append(audits);
      lastCommittedRow = Math.max(lastCommittedRow, upToRow);
      await repos.importRuns.progress(runId, { ...counts, rejected: rejected.length, lastCommittedRow });
    }

    const runAudit = (note: string) => repos.audit.append({
      at: now(), actor: caller.userId, channel: caller.channel, action: `import.${kind}`, target: `import:${runId}`, changes: [], note,
    });
    const countsText = () => `新增${counts.imported}条，更新${counts.updated}条，未变${counts.unchanged}条，拒绝${rejected.length}行`;
    const fromText = fromRow > 1 ? `（自第${fromRow}行起）` : '';

    let digests = new Map<string, string>();
    let inflight: Promise<void> | undefined;
    try {
      digests = await writer.digests();
      const seen = new Map<string, number>();
      let batch: Pending[] = [];
      for (let r: RawRow | undefined = first; r; r = await pull()) {
        lastRead = r.row;
        if (blank(r)) continue;
        const writing = r.row >= fromRow;
        if (r.error) { if (writing) reject(r.row, r.error); continue; }
        const stray = Object.keys(r.cells).find((k) => !known.has(k));
        if (stray !== undefined) { if (writing) reject(r.row, `未知字段“${stray}”`); continue; }
        if (Object.values(r.cells).some((v) => v.includes('\uFFFD'))) {
          if (writing) reject(r.row, '含有无法识别的字符（文件可能不是UTF-8编码），请另存为“CSV UTF-8”或.xlsx后重新导入');
          continue;
        }
        const parsed = spec.parse(r.cells);
        if (!parsed.ok) { if (writing) reject(r.row, parsed.reason); continue; }
        const id = spec.key(parsed.value);
        const earlier = seen.get(id);
        if (earlier !== undefined) {
          if (writing) reject(r.row, `${spec.keyText(parsed.value)}与第${earlier}行重复，本行未导入；请删除重复行`);
          continue;
        }
        seen.set(flatCopy(id), r.row); // a slice of the reader's buffer would keep the buffer alive
        if (!writing) continue;
        batch.push({ row: r.row, id, hash: rowHash(parsed.value), data: toData(spec, parsed.value) });
        if (batch.length >= BATCH_ROWS) {
          // One batch is written while the next one is read.
          await inflight;
          inflight = flush(batch, r.row);
          inflight.catch(() => undefined);
          batch = [];
        }
      }
      await inflight;
      inflight = undefined;
      await flush(batch, lastRead);
    } catch (err) {
      await inflight?.catch(() => undefined);
      await it.return?.().catch(() => undefined);
      const reason = err instanceof SourceError || err instanceof Refusal ? err.message : `数据库写入失败（${(err as Error).message}）`;
      const next = lastCommittedRow + 1;
      if (!runId) {
        // Nothing was written: the file is refused as a whole.
        throw new Refusal(`${reason}。本次未写入任何数据，请处理后重新导入`);
      }
      const resume = lastCommittedRow < fromRow
        ? '本次尚未写入任何行，请处理后重新导入'
        : `已完整写入至第${lastCommittedRow}行；请处理后用 --from-row ${next} 从第${next}行继续，或直接重新导入整份文件（重复导入不会产生重复数据）`;
      await repos.importRuns.progress(runId, {
        ...counts, rejected: rejected.length, lastCommittedRow, status: 'failed', error: reason, finishedAt: now(),
      }).catch(() => undefined);
      await runAudit(`导入${spec.label}“${source}”${fromText}中断于第${lastRead}行附近：${reason}；${countsText()}`).catch(() => undefined);
      throw new Refusal(`导入中断：${reason}。${resume}`);
    }

    rejected.sort((a, b) => a.row - b.row);
    await repos.importRuns.progress(runId, { ...counts, rejected: rejected.length, lastCommittedRow, status: 'done', finishedAt: now() });
    await runAudit(`导入${spec.label}“${source}”${fromText}：${countsText()}`);
    return { ...counts, rejected, runId };
  }

  async function importFile(caller: Caller, kind: RegistryKind, filePath: string, opts: ImportOptions = {}): Promise<ImportSummary> {
    const spec = specOf(kind);
    mayImport(caller, spec);
    const name = path.basename(filePath);
    const ext = path.extname(filePath).toLowerCase();
    if (ext === '.xls' || ext === '.et') {
      throw new Refusal(`不支持旧版Excel格式（${ext}）：请在Excel或WPS中将“${name}”另存为.xlsx后再导入`);
    }
    if (ext !== '.xlsx' && ext !== '.csv') {
      throw new Refusal(`无法导入“${name}”：只支持.xlsx和.csv文件，请在Excel中另存为.xlsx后再导入`);
    }
    let size: number;
    try {
      const st = await fsp.stat(filePath);
      if (!st.isFile()) throw new Refusal(`“${filePath}”不是文件，请给出要导入的.xlsx或.csv文件`);
      size = st.size;
    } catch (err) {
      if (err instanceof Refusal) throw err;
      throw new Refusal(`找不到文件“${filePath}”，请检查路径`);
    }
    if (size === 0) throw new Refusal(`文件“${name}”是空的（0字节），请选择填好数据的${spec.label}文件；本次未写入任何数据`);

    const sheet = ext === '.csv' ? csvRows(filePath) : xlsxRows(filePath);
    try {
      let header: SheetRow | undefined;
      try {
        for (;;) {
          const r = await sheet.next();
          if (r.done) break;
          if (!isBlank(r.value.values)) { header = r.value; break; }
        }
      } catch (err) {
        if (err instanceof SourceError) {
          throw new Refusal(`“${name}”：${err.message}。请用Excel打开检查后另存为.xlsx再导入；本次未写入任何数据`);
        }
        throw err;
      }
      if (!header) throw new Refusal(`文件“${name}”中没有内容（第1行应为表头：${expectedColumns(spec)}）；本次未写入任何数据`);
      const columns = mapHeader(spec, header.values);
      async function* mapped(): AsyncGenerator<RawRow> {
        for await (const r of sheet) yield toRawRow(spec, columns, r);
      }
      return await importRows(caller, kind, mapped(), { ...opts, source: name });
    } finally {
      await sheet.return(undefined).catch(() => undefined);
    }
  }

  return { importFile, importRows };
}

export type ImportService = ReturnType<typeof importService>;

/** The rows of a .csv or .xlsx file (first sheet), for imports outside the registry (users). */
export function sheetRows(file: string): AsyncGenerator<{ row: number; values: unknown[] }> {
  return path.extname(file).toLowerCase() === '.csv' ? csvRows(file) : xlsxRows(file);
}
