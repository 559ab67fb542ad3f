/**
 * Reading .xlsx and .csv files row by row (streamed, never read whole): cell
 * values as plain text, Excel date serials as dates, a broken file refused with
 * a Chinese reason (SourceError). Used by the registry import and the user import.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import path from 'node:path';
import { PassThrough, type Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { CsvError, parse as parseCsv } from 'csv-parse';

/**
 * Characters of sheet XML handed to exceljs at a time. exceljs turns a whole
 * piece into row and cell objects before the first row is used; with its
 * default 64 KB pieces, ~200 rows of objects outlive young-generation GCs and
 * are promoted (≈250 MB promoted per 100k rows instead of ≈60 MB), which
 * pushed peak RSS over 300 MB (see BENCHMARKS.md).
 */
const XML_PIECE_CHARS = 16 * 1024;
/** A CSV record may be this large; longer cells are then refused row by row by the domain's length checks. */
const MAX_CSV_RECORD = 32 * 1024 * 1024;

/** A problem in the file itself; its message is Chinese and names what is wrong. */
export class SourceError extends Error {}

export interface SheetRow {
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
export function excelSerialDate(n: number): string | undefined {
  if (!(n > 366 && n < 2958466)) return undefined;
  return ymd(new Date(Date.UTC(1899, 11, 30) + Math.round(n * 86400) * 1000));
}

export const isBlank = (values: unknown[]) => values.every((v) => cellText(v).trim() === '');

export async function* csvRows(file: string): AsyncGenerator<SheetRow> {
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
export async function* xlsxRows(file: string): AsyncGenerator<SheetRow> {
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
export const flatCopy = (s: string): string => (s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string));

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

/** The rows of a .csv or .xlsx file (first sheet), for imports outside the registry (users). */
export function sheetRows(file: string): AsyncGenerator<{ row: number; values: unknown[] }> {
  return path.extname(file).toLowerCase() === '.csv' ? csvRows(file) : xlsxRows(file);
}
