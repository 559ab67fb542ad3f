/**
 * `import risk <file>` (R6): the credit-risk classification results the
 * provincial system publishes. Each row is checked (credit code, class 低 /
 * 一般 / 较高 / 高 or A–D, date, source) and reported by row number like other
 * imports; every good row is kept in the entity's class history (the same row
 * twice changes nothing); the newest classification of an entity sets its
 * class, and a change is recorded for the next pool adjustment (R5).
 */
import path from 'node:path';
import { beijingDate } from '../domain/calendar';
import { parseRiskRow, RISK_HEADERS, type RiskRow } from '../domain/riskClass';
import { cellText, sheetRows } from './importer';
import { requireRole } from './roles';
import { Refusal, type Caller, type Deps } from './context';

export interface RiskImportSummary {
  /** Entities whose class changed. */
  changed: number;
  /** Rows recorded in the history that left the class as it was (same class, or older than the latest). */
  unchanged: number;
  /** Rows already in the history (the same file imported again). */
  repeated: number;
  rejected: { row: number; reason: string }[];
}

type Field = keyof typeof RISK_HEADERS;

export function riskImportService({ repos, now }: Deps) {
  return {
    async importFile(caller: Caller, file: string): Promise<RiskImportSummary> {
      requireRole(caller, ['admin', 'office'], '导入企业信用风险分类结果（R6）');
      const today = beijingDate(now());
      const out: RiskImportSummary = { changed: 0, unchanged: 0, repeated: 0, rejected: [] };
      let columns: (Field | undefined)[] | undefined;
      const seen = new Map<string, number>();
      for await (const { row, values } of sheetRows(file)) {
        if (!columns) {
          columns = values.map((v) => {
            const h = cellText(v).trim();
            return (Object.keys(RISK_HEADERS) as Field[]).find((f) => RISK_HEADERS[f].includes(h));
          });
          const missing = (['creditCode', 'riskClass', 'date'] as Field[]).filter((f) => !columns!.includes(f));
          if (missing.length) throw new Refusal(`文件“${path.basename(file)}”缺少列：${missing.map((f) => RISK_HEADERS[f][0]).join('、')}（应有 统一社会信用代码、信用风险分类、分类日期，可选 来源）`, 'R6');
          continue;
        }
        const cells: Partial<Record<Field, string>> = {};
        values.forEach((v, i) => { const f = columns![i]; if (f) cells[f] = cellText(v).trim(); });
        if (Object.values(cells).every((c) => !c)) continue;
        const parsed = parseRiskRow(cells, today);
        if (!parsed.ok) { out.rejected.push({ row, reason: parsed.reason }); continue; }
        const r: RiskRow = parsed.value;
        const dup = seen.get(`${r.creditCode}:${r.date}`);
        if (dup) { out.rejected.push({ row, reason: `与第${dup}行是同一主体同一日期的分类，请只保留一行` }); continue; }
        seen.set(`${r.creditCode}:${r.date}`, row);
        const entity = await repos.entities.get(r.creditCode);
        if (!entity) { out.rejected.push({ row, reason: `未找到统一社会信用代码为 ${r.creditCode} 的市场主体，请先导入主体名录` }); continue; }
        const earlier = await repos.riskClasses.history(r.creditCode);
        const recorded = await repos.riskClasses.record(r.creditCode, {
          riskClass: r.riskClass, written: r.written, date: r.date, source: r.source, importedAt: now().toISOString(), by: caller.userId,
        });
        if (!recorded) { out.repeated++; continue; }
        // Only the newest classification sets the class; an older one is history only.
        const newest = earlier.every((e) => e.date <= r.date);
        if (!newest || entity.riskClass === r.riskClass) { out.unchanged++; continue; }
        const at = now();
        if (!(await repos.entities.writer.updateIfUnchanged(r.creditCode, entity.rowHash, { riskClass: r.riskClass, updatedAt: at, updatedBy: caller.userId }))) {
          out.rejected.push({ row, reason: '该主体刚被他人修改，分类已记入历史但未生效，请重新导入该行' });
          continue;
        }
        await repos.riskClasses.change({ creditCode: r.creditCode, from: entity.riskClass, to: r.riskClass, date: r.date, source: r.source, at });
        out.changed++;
      }
      if (!columns) throw new Refusal(`文件“${path.basename(file)}”是空的`);
      await repos.audit.append({
        at: now(), actor: caller.userId, channel: caller.channel, action: 'risk.import', target: `risk:${path.basename(file)}`, changes: [],
        note: `变更${out.changed}，未变${out.unchanged}，重复${out.repeated}，拒绝${out.rejected.length}`,
      });
      return out;
    },

    /** An entity's class history, oldest first. */
    history: (creditCode: string) => repos.riskClasses.history(creditCode),
  };
}

export type RiskImportService = ReturnType<typeof riskImportService>;
