/**
 * What results leave on record: each entity's approved inspections from every department (R16),
 * the departments' 免罚清单 and 首违不罚's first-violation check (R18), and the proposals to move
 * an entity's credit-risk class that approved results make, decided by 联席办 (R17).
 */
import path from 'node:path';
import { findUnit, unitName } from '../domain/organisation';
import { lenientColumn, nextRiskClass, parseLenientRow, riskSignal, type LenientEntry, type ResultForm } from '../domain/result';
import { RISK_CLASSES } from '../domain/pools';
import type { HistoryEntry, ResultDoc, RiskProposalDoc } from '../domain/records/result';
import { hasAny, Refusal, type Caller, type Deps } from './context';

const allFindings = (r: ResultDoc) => Object.values(r.parts).flatMap((p) => p.findings);

export function resultRecords({ repos, now }: Deps) {
  /** R17: a result that should move the entity's credit-risk class becomes a proposal for 联席办. */
  async function proposeRisk(r: ResultDoc, form: ResultForm, at: Date): Promise<void> {
    const handlings = allFindings(r).flatMap((f) => (f.handling ? [f.handling] : []));
    const signal = riskSignal(form.categories, handlings, await repos.history.get(r.creditCode), form.end);
    if (!signal) return;
    const entity = await repos.entities.get(r.creditCode);
    if (!entity) return;
    const to = nextRiskClass(RISK_CLASSES, entity.riskClass, signal.direction);
    if (!to) return;
    await repos.riskProposals.create({
      id: `${r.creditCode}:${r.taskNo}`, creditCode: r.creditCode, entityName: r.entityName, taskNo: r.taskNo, direction: signal.direction,
      from: entity.riskClass, to, reason: signal.reason, status: 'pending', createdAt: at, decidedBy: '', version: 1,
    });
  }

  return {
    proposeRisk,
    api: {
      /**
       * R16: the entity's approved inspections from every department, newest first, each with
       * its open follow-ups (one `_id` read for the history, one per result).
       */
      async history(creditCode: string): Promise<{ entry: HistoryEntry; openFollowUps: number }[]> {
        const entries = (await repos.history.get(creditCode)).sort((a, b) => (a.end < b.end ? 1 : a.end > b.end ? -1 : 0));
        const results = await repos.results.many(entries.map((e) => e.taskNo));
        return entries.map((entry) => ({ entry, openFollowUps: results.get(entry.taskNo)?.openFollowUps ?? 0 }));
      },

      /**
       * Imports a 免罚清单 (R18) from .xlsx or .csv: every row checked, good rows upserted by
       * (department, 序号), bad rows reported with their row number. Admins import any
       * department's; an official only their own.
       */
      async importLenient(caller: Caller, file: string): Promise<{ imported: number; rejected: { row: number; reason: string }[] }> {
        if (!hasAny(caller, ['admin', 'official', 'leader'])) throw new Refusal('免罚清单由各部门工作人员或系统管理员导入');
        const { default: ExcelJS } = await import('exceljs'); // loaded when first needed: keeps start-up fast
        const wb = new ExcelJS.Workbook();
        const ws = file.toLowerCase().endsWith('.csv') ? await wb.csv.readFile(file) : (await wb.xlsx.readFile(file), wb.worksheets[0]);
        if (!ws) throw new Refusal(`文件“${path.basename(file)}”没有工作表`);
        const header: (keyof LenientEntry | undefined)[] = [];
        ws.getRow(1).eachCell((c, i) => { header[i] = lenientColumn(String(c.value ?? '')); });
        const good: LenientEntry[] = [];
        const rejected: { row: number; reason: string }[] = [];
        ws.eachRow((row, n) => {
          if (n === 1) return;
          const rec: Partial<Record<keyof LenientEntry, string>> = {};
          row.eachCell((c, i) => { const k = header[i]; if (k) rec[k] = String(c.value ?? '').trim(); });
          const parsed = parseLenientRow(rec, findUnit);
          if (!parsed.ok) rejected.push({ row: n, reason: parsed.reason });
          else if (!hasAny(caller, ['admin']) && parsed.value.department !== caller.department) rejected.push({ row: n, reason: `只能导入本单位（${unitName(caller.department)}）的免罚清单` });
          else good.push(parsed.value);
        });
        await repos.lenient.upsert(good, caller.userId, now());
        await repos.audit.append({ at: now(), actor: caller.userId, channel: caller.channel, action: 'lenient.import', target: `lenient:${path.basename(file)}`, changes: [], note: `${good.length}条，拒绝${rejected.length}条` });
        return { imported: good.length, rejected };
      },

      lenientList: (department: string) => repos.lenient.byDepartment(department),

      /** The department's 免罚清单 entries that may apply to a problem under this item ('DEPT:code'). */
      async lenientFor(itemKey: string): Promise<LenientEntry[]> {
        const [department, itemCode] = itemKey.split(':');
        return (await repos.lenient.byDepartment(department)).filter((e) => !e.itemCode || e.itemCode === itemCode);
      },

      /**
       * 首违不罚 (R18): only for a first violation — refused when the entity already has an
       * approved result recording a violation of the same entry.
       */
      async firstViolation(creditCode: string, entry: string, taskNo: string): Promise<void> {
        const earlier = (await repos.history.get(creditCode)).find((e) => e.taskNo !== taskNo && e.lenient?.includes(entry));
        if (earlier) {
          throw new Refusal(`依据规则 R18：该主体在 ${earlier.end}（${earlier.taskNo}）已有同一违法行为（免罚清单第${entry.split(':')[1]}条）的记录，不属首次违法，不能适用首违不罚；请选择其他处置方式`, 'R18');
        }
      },

      /** R17: proposals waiting for 联席办. */
      async riskProposals(caller: Caller): Promise<RiskProposalDoc[]> {
        if (!hasAny(caller, ['office', 'admin'])) throw new Refusal('依据规则 R17：信用风险分类调整建议由联席办审定', 'R17');
        return repos.riskProposals.pending();
      },

      /**
       * 联席办 applies or rejects a proposal (R17): applying moves the entity's risk class only if
       * it is still the class the proposal started from; the change is audited with its
       * provenance (the result that caused it).
       */
      async decideRisk(caller: Caller, id: string, apply: boolean): Promise<RiskProposalDoc> {
        if (!hasAny(caller, ['office'])) throw new Refusal('依据规则 R17：信用风险分类调整建议由联席办审定', 'R17');
        const p = await repos.riskProposals.get(id);
        if (!p) throw new Refusal(`没有编号为“${id.slice(0, 60)}”的风险分类调整建议，请发送“风险建议”查看`);
        if (p.status !== 'pending') throw new Refusal(`该建议已${p.status === 'applied' ? '采纳' : '不予采纳'}（${p.decidedBy}），无需重复操作`);
        const at = now();
        if (apply) {
          const e = await repos.entities.get(p.creditCode);
          if (!e || e.riskClass !== p.from) throw new Refusal(`${p.entityName}的信用风险分类已不是“${p.from}”（现为“${e?.riskClass ?? '-'}”），该建议不再适用，请不予采纳`, 'R17');
          if (!(await repos.entities.writer.updateIfUnchanged(p.creditCode, e.rowHash, { riskClass: p.to, updatedAt: at, updatedBy: caller.userId }))) {
            throw new Refusal(`${p.entityName}刚被修改，请重新查看后再审定`);
          }
        }
        if (!(await repos.riskProposals.decide(p, apply ? 'applied' : 'rejected', caller.userId, at))) throw new Refusal('该建议刚被他人处理，请发送“风险建议”重新查看');
        await repos.audit.append({
          at, actor: caller.userId, channel: caller.channel, action: apply ? 'risk.apply' : 'risk.reject', target: `entity:${p.creditCode}`,
          changes: apply ? [{ field: 'riskClass', from: JSON.stringify(p.from), to: JSON.stringify(p.to) }] : [],
          note: `R17：${p.reason}（${p.taskNo}）`,
        });
        return { ...p, status: apply ? 'applied' : 'rejected', decidedBy: caller.userId, decidedAt: at, version: p.version + 1 };
      },
    },
  };
}
