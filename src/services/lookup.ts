/** Looking things up: the pools, one entity, a department's inspectors and items. */
import { checkCreditCode, looksLikeCreditCode } from '../domain/creditCode';
import { matchValue } from '../domain/fields';
import { findUnit, unitName } from '../domain/organisation';
import { RISK_ALIASES, RISK_CLASSES, type Pool } from '../domain/pools';
import type { EntityDoc, EntityFilter, EntityListing } from '../domain/records/entity';
import type { InspectorDoc, ItemDoc } from '../domain/records/directory';
import { hasAny, Refusal, type Caller, type Deps } from './context';

export interface PoolQueryResult {
  total: number;
  byPool: Record<Pool, number>;
  rows: EntityListing[];
}

export type EntityLookup =
  | { kind: 'one'; entity: EntityDoc }
  | { kind: 'many'; total: number; rows: EntityListing[] }
  | { kind: 'none' };

/** Fields whose values are matched forgivingly (a unique prefix or contained word) and listed by 取值. */
export type ValueField = 'industry' | 'township' | 'sectorTags' | 'riskClass';
export const VALUE_FIELD_LABELS: Record<ValueField, string> = { industry: '行业', township: '乡镇', sectorTags: '标签', riskClass: '风险' };
/** How many valid values a refusal lists before pointing to 取值. */
const VALUES_IN_REFUSAL = 12;

const QUERY_ROLES = ['official', 'leader', 'office', 'justice', 'admin', 'inspector'] as const;
const COUNTY_WIDE_ROLES = ['office', 'justice', 'admin'] as const;

/** Rows one answer may list, whatever the caller asks (0 would mean "all" to MongoDB); a list's file may hold more. */
const MAX_ROWS = 200;
export const MAX_FILE_ROWS = 5000;
const rowLimit = (limit: number, max = MAX_ROWS) => Math.min(Math.max(Math.trunc(limit) || 1, 1), max);

export function lookupService({ repos }: Deps) {
  function mayQuery(caller: Caller) {
    if (!hasAny(caller, QUERY_ROLES)) throw new Refusal('您没有查询检查对象库的权限，请联系系统管理员分配角色');
  }

  /** A department by code or name; only member units exist (R19). */
  function department(text: string): string {
    const unit = findUnit(text);
    if (!unit) throw new Refusal(`“${text.trim().slice(0, 20)}”不是联席会议成员单位（R19），请用成员单位名称，如“县市管局”`);
    return unit.code;
  }

  async function valuesOf(field: ValueField): Promise<{ value: string; n?: number }[]> {
    if (field === 'riskClass') return RISK_CLASSES.map((value) => ({ value }));
    return repos.entities.valueCounts(field);
  }

  return {
    /** The values a field holds (with how many entities hold each), most common first; 风险 gives its four classes. */
    async values(caller: Caller, field: ValueField): Promise<{ value: string; n?: number }[]> {
      mayQuery(caller);
      return valuesOf(field);
    },

    /**
     * What a typed value means (`matchValue`); `readAs` is set when it was read as another
     * value, to tell the user. An unknown or ambiguous value is refused with the valid ones.
     */
    async resolve(caller: Caller, field: ValueField, typed: string): Promise<{ value: string; readAs?: string }> {
      mayQuery(caller);
      const label = VALUE_FIELD_LABELS[field];
      if (field === 'riskClass') {
        // Four fixed classes (R6): an alias or a unique beginning ("较" → 较高), never a guess from inside a word.
        const t = typed.trim();
        const alias = RISK_ALIASES[t];
        if (alias) return { value: alias };
        const hits = t ? RISK_CLASSES.filter((c) => c.startsWith(t)) : [];
        if (hits.length === 1) return { value: hits[0], readAs: `风险“${t.slice(0, 10)}”按“${hits[0]}”理解` };
        throw new Refusal(`风险等级“${t.slice(0, 10)}”无效，可选：${RISK_CLASSES.join('、')}`, 'R6');
      }
      const all = await valuesOf(field);
      const m = matchValue(typed, all.map((v) => v.value));
      const shown = (vs: string[]) => `${vs.slice(0, VALUES_IN_REFUSAL).join('、')}${vs.length > VALUES_IN_REFUSAL ? ` 等${vs.length}个` : ''}`;
      if (m.kind === 'exact') return { value: m.value };
      if (m.kind === 'read_as') return { value: m.value, readAs: `${label}“${typed.trim().slice(0, 20)}”按“${m.value}”理解` };
      if (m.kind === 'many') throw new Refusal(`${label}“${typed.trim().slice(0, 20)}”可指：${shown(m.candidates)}，请写完整。发送“取值 ${label}”查看全部`);
      if (all.length === 0) throw new Refusal(`检查对象库中还没有${label}数据，请先导入主体名录`);
      throw new Refusal(`没有${label}为“${typed.trim().slice(0, 20)}”的主体。可选：${shown(all.map((v) => v.value))}。发送“取值 ${label}”查看全部`);
    },

    /** Counts per pool for the filter, and the first rows of the pool asked for (or of all pools). */
    async queryPool(caller: Caller, filter: EntityFilter, limit: number, forFile = false): Promise<PoolQueryResult> {
      mayQuery(caller);
      const { pool, ...rest } = filter;
      const byPool = await repos.entities.countByPool(rest);
      const total = pool ? byPool[pool] : byPool.A + byPool.B + byPool.C;
      const rows = total > 0 ? await repos.entities.find(filter, rowLimit(limit, forFile ? MAX_FILE_ROWS : MAX_ROWS)) : [];
      return { total, byPool, rows };
    },

    /** By full credit code, or by part of the name. */
    async lookup(caller: Caller, query: string, limit: number): Promise<EntityLookup> {
      mayQuery(caller);
      const q = query.trim();
      if (!q) throw new Refusal('请输入统一社会信用代码或名称中的几个字，如：查 91361129MA35GK1L7T 或 查 华达');
      if (looksLikeCreditCode(q)) {
        const check = checkCreditCode(q);
        // A mistyped code is a format error (GB 32100-2015), not a rule broken.
        if (!check.ok) throw new Refusal(check.reason);
        const entity = await repos.entities.get(check.code);
        return entity ? { kind: 'one', entity } : { kind: 'none' };
      }
      if (q.length > 50) throw new Refusal('名称关键词过长，请输入名称中的几个字');
      const { total, rows } = await repos.entities.search(q, rowLimit(limit));
      if (total === 0) return { kind: 'none' };
      if (total === 1) {
        const entity = await repos.entities.get(rows[0].creditCode);
        return entity ? { kind: 'one', entity } : { kind: 'none' };
      }
      return { kind: 'many', total, rows };
    },

    /**
     * A department's inspectors carry personal data (certificates): a member unit
     * sees its own; 联席办, 司法局 and admins see every department's.
     */
    async inspectors(caller: Caller, departmentText: string): Promise<InspectorDoc[]> {
      if (!hasAny(caller, QUERY_ROLES)) throw new Refusal('您没有查看执法检查人员名录的权限');
      const dept = department(departmentText);
      if (!hasAny(caller, COUNTY_WIDE_ROLES) && caller.department !== dept) {
        throw new Refusal(`您只能查看本单位（${unitName(caller.department)}）的执法检查人员；其他单位的名录请向联席办查询（R7）`);
      }
      return repos.inspectors.byDepartment(dept);
    },

    /** Item lists are public (清单之外无检查, R9): any registered user may read any department's. */
    async items(caller: Caller, departmentText: string): Promise<ItemDoc[]> {
      mayQuery(caller);
      return repos.items.byDepartment(department(departmentText));
    },
  };
}

export type LookupService = ReturnType<typeof lookupService>;
