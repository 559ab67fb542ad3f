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
 *
 * This file is the use case (who may import, the row loop, resuming); the file
 * readers are import/sheets.ts, the columns and header mapping import/headers.ts,
 * the batch upsert import/batch.ts.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { RegistryWriter } from '../domain/records/registry';
import { batchWriter, type Pending } from './import/batch';
import { hasAny, Refusal, type Caller, type Deps } from './context';
import { expectedColumns, mapHeader, rowHash, specOf, toData, toRawRow, type KindSpec, type RawRow, type RegistryKind } from './import/headers';
import { csvRows, flatCopy, isBlank, SourceError, xlsxRows, type SheetRow } from './import/sheets';

export { NEW_ENTITY_POOL_REASON, rowHash, type RawRow, type RegistryKind } from './import/headers';
export { cellText, sheetRows } from './import/sheets';

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
const PROGRESS_EVERY = 5000;


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
    const batches = batchWriter({ repos, writer, spec, caller, source, initial: opts.initial, now, fromRow });
    const { counts, rejected, reject } = batches;
    let lastRead = 0;

    const runAudit = (note: string) => repos.audit.append({
      at: now(), actor: caller.userId, channel: caller.channel, action: `import.${kind}`, target: `import:${batches.runId()}`, changes: [], note,
    });
    const countsText = () => `新增${counts.imported}条，更新${counts.updated}条，未变${counts.unchanged}条，拒绝${rejected.length}行`;
    const fromText = fromRow > 1 ? `（自第${fromRow}行起）` : '';

    let inflight: Promise<void> | undefined;
    try {
      batches.stored(await writer.digests());
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
          inflight = batches.flush(batch, r.row);
          inflight.catch(() => undefined);
          batch = [];
        }
      }
      await inflight;
      inflight = undefined;
      await batches.flush(batch, lastRead);
    } catch (err) {
      await inflight?.catch(() => undefined);
      await it.return?.().catch(() => undefined);
      const reason = err instanceof SourceError || err instanceof Refusal ? err.message : `数据库写入失败（${(err as Error).message}）`;
      const lastCommittedRow = batches.lastCommittedRow();
      const runId = batches.runId();
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
    const runId = batches.runId();
    await repos.importRuns.progress(runId, { ...counts, rejected: rejected.length, lastCommittedRow: batches.lastCommittedRow(), status: 'done', finishedAt: now() });
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
