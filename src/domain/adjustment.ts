/**
 * The yearly pool adjustment (R5), pure: from what happened since the last
 * adjustment, one proposed line per entity with its reason and evidence.
 * Sources, first match wins for an entity:
 *  1. closed (注销 / 吊销 / 撤销 in the registry import, or 已注销 / 已被吊销营业执照 / 已被撤销登记 in an approved result) → archived, never deleted;
 *  2. findings on an A entity: a serious violation (立案查处, 移送司法机关, 不配合检查情节严重) → C,
 *     a general or minor one (any other problem found) → B;
 *  3. credit-risk class changes (R6, R17): risen to 高 → C (unless in C); an A entity risen to 较高 → B;
 *  4. a B entity with no problem found since the last adjustment that applied (its supervising
 *     unit, 申请入A) or was recommended (any member unit, 推荐入A) → A, once 联席办 verifies;
 *  5. an entity new in the registry since the last adjustment → B (confirmed in B with provenance).
 */
import type { Pool } from './pools';
import { CLOSED_REGISTRATIONS } from './entity';

export const CLOSED_CATEGORIES = ['已注销', '已被吊销营业执照', '已被撤销登记'] as const;
export const SERIOUS_CATEGORY = '不配合检查情节严重';

export type AdjustSource = 'closed' | 'finding' | 'credit' | 'apply' | 'new';
export const SOURCE_LABELS: Record<AdjustSource, string> = {
  closed: '注销吊销撤销', finding: '检查发现问题', credit: '信用风险分类变化', apply: '申请或推荐入A', new: '新登记主体',
};

/** One proposed move. `to` 'archived': the entity is kept in its pool's records but never drawn again. */
export interface AdjustLine {
  n: number;
  code: string;
  name: string;
  from: Pool;
  to: Pool | 'archived';
  source: AdjustSource;
  reason: string;
  evidence: string;
}

export interface AdjustEntity {
  code: string;
  name: string;
  pool: Pool;
  createdAt: number;
  archived: boolean;
  /** The registration state the registry import gave (注销, 吊销, 撤销 close it); '' or absent when in business. */
  registration?: string;
}

/** An approved inspection since the last adjustment, with what it found. */
export interface AdjustInspection {
  code: string;
  taskNo: string;
  end: string;
  lead: string;
  categories: readonly string[];
  /** A problem was found (a problem category, or any finding). */
  problem: boolean;
  /** A serious violation: a case opened, a transfer to the judicial organs, or refusal to cooperate. */
  serious: boolean;
}

export interface AdjustCreditChange {
  code: string;
  from: string;
  to: string;
  date: string;
  source: string;
}

export interface AdjustApplication {
  code: string;
  kind: 'apply' | 'recommend';
  department: string;
  reason: string;
  date: string;
}

export interface AdjustInput {
  /** Milliseconds since 1970 after which an entity counts as new (the last applied adjustment, or the registry's first load). */
  since: number;
  entities: readonly AdjustEntity[];
  inspections: readonly AdjustInspection[];
  creditChanges: readonly AdjustCreditChange[];
  applications: readonly AdjustApplication[];
  /** Member unit names for the evidence. */
  unitName: (code: string) => string;
}

const POOL_WORD: Record<Pool | 'archived', string> = { A: 'A类', B: 'B类', C: 'C类', archived: '归档' };
export const poolWord = (p: Pool | 'archived') => POOL_WORD[p];

export function proposeAdjustment(input: AdjustInput): AdjustLine[] {
  const byCode = new Map<string, AdjustInspection[]>();
  for (const i of input.inspections) byCode.set(i.code, [...(byCode.get(i.code) ?? []), i]);
  const credit = new Map<string, AdjustCreditChange>();
  for (const c of [...input.creditChanges].sort((a, b) => (a.date < b.date ? -1 : 1))) credit.set(c.code, c); // the latest wins
  const apps = new Map<string, AdjustApplication[]>();
  for (const a of input.applications) apps.set(a.code, [...(apps.get(a.code) ?? []), a]);
  const evidence = (i: AdjustInspection) => `${i.taskNo}（${i.end}，${input.unitName(i.lead)}）：${i.categories.join('、')}`;

  const out: AdjustLine[] = [];
  const push = (e: AdjustEntity, to: Pool | 'archived', source: AdjustSource, reason: string, ev: string) =>
    out.push({ n: 0, code: e.code, name: e.name, from: e.pool, to, source, reason, evidence: ev });

  for (const e of input.entities) {
    if (e.archived) continue;
    const seen = (byCode.get(e.code) ?? []).sort((a, b) => (a.end < b.end ? -1 : 1));
    if (e.registration && (CLOSED_REGISTRATIONS as readonly string[]).includes(e.registration)) {
      push(e, 'archived', 'closed', `登记状态为“${e.registration}”，移出监管库归档（不删除）`, `主体名录导入：登记状态“${e.registration}”`);
      continue;
    }
    const closed = seen.find((i) => i.categories.some((c) => (CLOSED_CATEGORIES as readonly string[]).includes(c)));
    if (closed) {
      push(e, 'archived', 'closed', `${closed.categories.find((c) => (CLOSED_CATEGORIES as readonly string[]).includes(c))}，移出监管库归档（不删除）`, evidence(closed));
      continue;
    }
    if (e.pool === 'A') {
      const serious = seen.find((i) => i.serious);
      if (serious) { push(e, 'C', 'finding', 'A类主体发现严重违法行为，调入C类', evidence(serious)); continue; }
      const general = seen.find((i) => i.problem);
      if (general) { push(e, 'B', 'finding', 'A类主体发现一般或轻微违法行为，调入B类', evidence(general)); continue; }
    }
    const c = credit.get(e.code);
    if (c && c.to === '高' && e.pool !== 'C') { push(e, 'C', 'credit', `信用风险分类由“${c.from}”调为“高”，调入C类`, `${c.source}（${c.date}）`); continue; }
    if (c && c.to === '较高' && e.pool === 'A') { push(e, 'B', 'credit', `信用风险分类由“${c.from}”调为“较高”，调出A类`, `${c.source}（${c.date}）`); continue; }
    const asked = apps.get(e.code);
    if (asked && e.pool === 'B' && !seen.some((i) => i.problem)) {
      const clean = seen.length ? `；期间检查未发现问题：${seen.map(evidence).join('；')}` : '；期间无检查发现问题记录';
      push(e, 'A', 'apply', `B类主体${asked.map((a) => `${input.unitName(a.department)}${a.kind === 'apply' ? '申请' : '推荐'}`).join('、')}入A，经联席办核实后调入A类`,
        `${asked.map((a) => `${a.date} ${a.reason}`).join('；')}${clean}`);
      continue;
    }
    if (e.createdAt > input.since && e.pool === 'B') push(e, 'B', 'new', '新登记主体，纳入B类一般监管库', `登记导入于${new Date(e.createdAt + 8 * 3600_000).toISOString().slice(0, 10)}`);
  }
  const order: AdjustSource[] = ['closed', 'finding', 'credit', 'apply', 'new'];
  out.sort((a, b) => order.indexOf(a.source) - order.indexOf(b.source) || (a.code < b.code ? -1 : 1));
  out.forEach((l, i) => { l.n = i + 1; });
  return out;
}
