/**
 * The yearly pool adjustment (R5), led by 联席办: `调库方案 <年度>` builds the
 * proposal from what happened since the last applied adjustment (or since 1
 * January of the year for the first): new entities, closures and findings in
 * approved results, credit-risk class changes (imports, R17), and applications
 * for the A pool. 联席办 rejects lines by number, and another 联席办 member than
 * the one who built it applies the rest (R20): bulk updates by `_id`, each
 * guarded by the pool the proposal saw, with provenance on the entity (who,
 * when, why, which adjustment) and one audit entry for the adjustment.
 *
 * Reads: the entities from the registry's read model; inspections from the
 * tasks' read model and the months' filings, then each inspected entity's
 * history by `_id` (never a scan of the entities).
 */
import { beijingDate } from '../domain/calendar';
import { checkCreditCode } from '../domain/creditCode';
import { DEFAULT_CATEGORIES } from '../domain/result';
import { proposeAdjustment, SERIOUS_CATEGORY, type AdjustInspection, type AdjustLine, type AdjustSource } from '../domain/adjustment';
import { unitName } from '../domain/organisation';
import type { AdjustmentHeader } from '../domain/poolYear';
import type { PoolMove, PoolMoveRecord } from '../domain/records/entity';
import { requireRole } from './roles';
import { hasAny, Refusal, type Caller, type Deps } from './context';

export const adjustmentNo = (year: number) => `TZ${year}`;
const PROBLEM = new Set(DEFAULT_CATEGORIES.filter((c) => c.problem).map((c) => c.label));
const CONCURRENT_READS = 32;
const MAX_REASON_CHARS = 300;

async function inBatches<T, R>(xs: readonly T[], size: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < xs.length; i += size) out.push(...(await Promise.all(xs.slice(i, i + size).map(fn))));
  return out;
}

/** The months 'YYYY-MM' from one day to another, inclusive. */
function monthsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  let y = Number(from.slice(0, 4));
  let m = Number(from.slice(5, 7));
  const end = to.slice(0, 7);
  for (;;) {
    const key = `${y}-${String(m).padStart(2, '0')}`;
    if (key > end) return out;
    out.push(key);
    if (++m > 12) { m = 1; y++; }
  }
}

export interface AppliedAdjustment {
  header: AdjustmentHeader;
  applied: AdjustLine[];
  skipped: AdjustLine[];
  rejected: AdjustLine[];
}

export function adjustmentService(deps: Deps) {
  const { repos, now } = deps;

  /** Approved inspections whose last day is after `sinceDay`: tasks (read model) and filings (by month), then each entity's history by `_id`. */
  async function inspectionsSince(sinceDay: string, today: string, poolOf: Map<string, string>): Promise<AdjustInspection[]> {
    const codes = new Set<string>();
    for (let y = Number(sinceDay.slice(0, 4)); y <= Number(today.slice(0, 4)); y++) {
      for (const t of await repos.tasks.forYear(y)) codes.add(t.creditCode);
    }
    for (const month of monthsBetween(sinceDay, today)) for (const f of await repos.filings.forMonth(month)) codes.add(f.creditCode);
    const histories = await inBatches([...codes], CONCURRENT_READS, async (code) => ({ code, entries: await repos.history.get(code) }));
    const out: AdjustInspection[] = [];
    for (const { code, entries } of histories) {
      for (const h of entries) {
        if (h.end <= sinceDay) continue;
        let problem = h.categories.some((c) => PROBLEM.has(c));
        let serious = h.categories.includes(SERIOUS_CATEGORY);
        // Only an A entity's finding needs its weight (R5: general or minor → B, serious → C): read its result.
        if (problem && !serious && poolOf.get(code) === 'A') {
          const r = await repos.results.get(h.taskNo);
          const findings = Object.values(r?.parts ?? {}).flatMap((p) => p.findings);
          serious = findings.some((f) => f.handling?.kind === 'case' || f.handling?.kind === 'judicial');
          problem = problem || findings.some((f) => !!f.problem);
        }
        out.push({ code, taskNo: h.taskNo, end: h.end, lead: h.lead, categories: h.categories, problem, serious });
      }
    }
    return out;
  }

  async function header(year: number): Promise<AdjustmentHeader> {
    const h = await repos.adjustments.get(adjustmentNo(year));
    if (!h) throw new Refusal(`${year}年度还没有调库方案，请先发送“调库方案 ${year}”生成（R5）`, 'R5');
    return h;
  }

  return {
    /** Builds (or rebuilds, while still a draft) the year's proposal. */
    async build(caller: Caller, year: number): Promise<{ header: AdjustmentHeader; lines: AdjustLine[] }> {
      requireRole(caller, ['office'], '生成调库方案（R5：库的调整由联席办牵头）');
      const id = adjustmentNo(year);
      const existing = await repos.adjustments.get(id);
      if (existing && existing.status !== 'draft') throw new Refusal(`${year}年度调库方案 ${id} 已执行（${existing.status === 'applied' ? `调整 ${existing.applied} 户` : '执行中'}），不能重新生成`, 'R5');
      const at = now();
      const last = await repos.adjustments.lastApplied();
      const yearStart = new Date(Date.parse(`${year}-01-01T00:00:00+08:00`));
      const since = last?.appliedAt && last.appliedAt > yearStart ? last.appliedAt : yearStart;
      const sinceDay = beijingDate(new Date(since.getTime() - 1));
      const rows = await repos.entities.adjustmentRows();
      const poolOf = new Map(rows.map((r) => [r.creditCode, r.pool]));
      // The first adjustment takes the registry's first load (the day of the earliest entity) as its baseline:
      // entities imported when the county was set up are not "new".
      let newSince = since.getTime();
      if (!last) {
        const earliest = rows.reduce((m, r) => (r.createdAt > 0 && r.createdAt < m ? r.createdAt : m), Number.MAX_SAFE_INTEGER);
        if (earliest < Number.MAX_SAFE_INTEGER) newSince = Math.max(newSince, Date.parse(`${beijingDate(new Date(earliest))}T23:59:59.999+08:00`));
      }
      const [inspections, creditChanges, applications] = await Promise.all([
        inspectionsSince(sinceDay, beijingDate(at), poolOf),
        repos.riskClasses.changesSince(since),
        repos.poolApplications.open(),
      ]);
      const lines = proposeAdjustment({
        since: newSince,
        entities: rows.map((r) => ({ code: r.creditCode, name: r.name, pool: r.pool, createdAt: r.createdAt, archived: r.archived, registration: r.registration })),
        inspections,
        creditChanges: creditChanges.map((c) => ({ code: c.creditCode, from: c.from, to: c.to, date: c.date, source: c.source })),
        applications: applications.map((a) => ({ code: a.creditCode, kind: a.kind, department: a.department, reason: a.reason, date: beijingDate(a.at) })),
        unitName,
      });
      const counts: Record<string, number> = {};
      for (const l of lines) counts[l.source] = (counts[l.source] ?? 0) + 1;
      const h: AdjustmentHeader = {
        id, year, status: 'draft', since: last?.appliedAt ? since : undefined, createdBy: caller.userId, createdAt: at,
        total: lines.length, chunks: 0, counts, rejected: [], rejectNote: '', appliedBy: '', applied: 0, version: existing?.version ?? 0,
      };
      if (!(await repos.adjustments.saveDraft(h, lines, existing?.version))) throw new Refusal('调库方案刚被他人更新，请重新发送“调库方案”查看');
      await repos.audit.append({ at, actor: caller.userId, channel: caller.channel, action: 'pool.adjust.propose', target: `adjustment:${id}`, changes: [{ field: 'lines', from: '', to: String(lines.length) }], note: JSON.stringify(counts) });
      return { header: (await repos.adjustments.get(id))!, lines };
    },

    /** The year's proposal as stored. */
    async show(caller: Caller, year: number): Promise<{ header: AdjustmentHeader; lines: AdjustLine[] }> {
      requireRole(caller, ['office', 'justice', 'admin'], '查看调库方案');
      const h = await header(year);
      return { header: h, lines: await repos.adjustments.lines(h) };
    },

    /** 联席办 rejects lines by number (a later call replaces the list; an empty list accepts all again). */
    async reject(caller: Caller, year: number, numbers: number[], note: string): Promise<AdjustmentHeader> {
      requireRole(caller, ['office'], '审核调库方案（R5）');
      const h = await header(year);
      if (h.status !== 'draft') throw new Refusal(`${h.id} 已执行，不能再修改`, 'R5');
      const bad = numbers.filter((n) => !Number.isInteger(n) || n < 1 || n > h.total);
      if (bad.length) throw new Refusal(`序号 ${bad.join('、')} 不在方案中（共 ${h.total} 条），请核对后重新输入`);
      const rejected = [...new Set([...h.rejected, ...numbers])].sort((a, b) => a - b);
      if (!(await repos.adjustments.reject(h, rejected, note.slice(0, MAX_REASON_CHARS)))) throw new Refusal('调库方案刚被他人更新，请重新查看后再操作');
      return (await repos.adjustments.get(h.id))!;
    },

    /** Applies every line not rejected; never by the one who built the proposal (R20). */
    async apply(caller: Caller, year: number): Promise<AppliedAdjustment> {
      requireRole(caller, ['office'], '确认调库方案（R5）');
      const h = await header(year);
      if (h.status !== 'draft') throw new Refusal(`${h.id} 已执行（调整 ${h.applied} 户），无需重复确认`, 'R5');
      if (h.createdBy === caller.userId) throw new Refusal('依据规则 R20：不能确认自己生成的调库方案，请由联席办其他人员审核确认', 'R20');
      const lines = await repos.adjustments.lines(h);
      const at = now();
      if (!(await repos.adjustments.startApplying(h, caller.userId, at))) throw new Refusal('调库方案刚被他人确认或更新，请重新查看');
      const rejectedSet = new Set(h.rejected);
      const accepted = lines.filter((l) => !rejectedSet.has(l.n));
      const moves: PoolMove[] = accepted.map((l) => ({
        creditCode: l.code, from: l.from, to: l.to === 'archived' ? l.from : l.to, archive: l.to === 'archived',
        reason: `${h.id}第${l.n}条：${l.reason}（${l.evidence}）`.slice(0, 500), adjustment: h.id,
      }));
      const moved = new Set(await repos.entities.applyMoves(moves, caller.userId, at));
      const applied = accepted.filter((l) => moved.has(l.code));
      // Applications decided either way (moved to A, or rejected by 联席办) are closed.
      const decided = new Set(lines.filter((l) => l.source === 'apply' && (moved.has(l.code) || rejectedSet.has(l.n))).map((l) => l.code));
      await repos.poolApplications.markUsed((await repos.poolApplications.open()).filter((a) => decided.has(a.creditCode)));
      await repos.adjustments.finishApplying(h.id, applied.length);
      const bySource: Record<string, number> = {};
      for (const l of applied) bySource[l.source] = (bySource[l.source] ?? 0) + 1;
      await repos.audit.append({
        at, actor: caller.userId, channel: caller.channel, action: 'pool.adjust.apply', target: `adjustment:${h.id}`,
        changes: [{ field: 'applied', from: '0', to: String(applied.length) }, { field: 'rejected', from: '', to: JSON.stringify(h.rejected) }],
        note: JSON.stringify(bySource),
      });
      return {
        header: (await repos.adjustments.get(h.id))!,
        applied,
        skipped: accepted.filter((l) => !moved.has(l.code)),
        rejected: lines.filter((l) => rejectedSet.has(l.n)),
      };
    },

    /**
     * `申请入A` (the entity's supervising unit) or `推荐入A` (any member unit): a B entity put
     * forward for the A pool, decided in the next adjustment after 联席办 verifies (R5).
     */
    async putForward(caller: Caller, code: string, reason: string, kind: 'apply' | 'recommend'): Promise<{ name: string }> {
      if (!hasAny(caller, ['official', 'leader', 'office'])) throw new Refusal('只有成员单位经办人、部门领导或联席办可以申请或推荐入A（R5）', 'R5');
      const why = reason.trim();
      if (why.length < 4) throw new Refusal('请写明理由（至少4个字），例如：申请入A 91361129MA35GK1L7T 连续三年检查未发现问题，信用良好');
      const check = checkCreditCode(code);
      if (!check.ok) throw new Refusal(check.reason);
      const e = await repos.entities.get(check.code);
      if (!e) throw new Refusal(`未找到统一社会信用代码为 ${check.code} 的市场主体，请先导入主体名录`);
      if (e.pool !== 'B') throw new Refusal(`依据规则 R5：只有B类主体可以申请或被推荐入A，该主体现属${e.pool}类`, 'R5');
      if (kind === 'apply' && !e.departments.includes(caller.department)) {
        throw new Refusal(`依据规则 R5：“申请入A”由主体的监管部门提出，${unitName(caller.department)}不是“${e.name}”的监管部门；其他成员单位请发送“推荐入A”`, 'R5');
      }
      await repos.poolApplications.put({ creditCode: e.creditCode, kind, department: caller.department, reason: why.slice(0, MAX_REASON_CHARS), by: caller.userId, at: now(), status: 'open' });
      await repos.audit.append({ at: now(), actor: caller.userId, channel: caller.channel, action: `pool.${kind}A`, target: `entity:${e.creditCode}`, changes: [], note: why.slice(0, MAX_REASON_CHARS) });
      return { name: e.name };
    },

    /** An entity's pool history: each adjustment's move, then its current placement. */
    async history(code: string): Promise<{ name: string; pool: string; placed: string; moves: PoolMoveRecord[] }> {
      const check = checkCreditCode(code);
      if (!check.ok) throw new Refusal(check.reason);
      const e = await repos.entities.get(check.code);
      if (!e) throw new Refusal(`未找到统一社会信用代码为 ${check.code} 的市场主体`);
      const moves = e.poolMoves ?? [];
      return { name: e.name, pool: e.archived ? `${e.pool}（已归档）` : e.pool, placed: `${beijingDate(e.poolPlacedAt)} ${e.poolPlacedBy}：${e.poolReason}`, moves };
    },

    sourceCounts(h: AdjustmentHeader): [AdjustSource, number][] {
      return Object.entries(h.counts) as [AdjustSource, number][];
    },
  };
}

export type AdjustmentService = ReturnType<typeof adjustmentService>;
