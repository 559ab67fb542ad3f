/**
 * 一公开: what the public site shows, read-only. Every function returns only
 * public fields, chosen field by field (never a stored document passed
 * through): no certificate numbers, phone numbers, declared conflicts, pools'
 * reasons or users. The results tab reads a `PublicResults` provider; until
 * results are entered it is empty.
 */
import type { Repos } from '../../store/repos';
import type { DrawDoc } from '../domain/records/draw';
import type { TaskDoc } from '../domain/records/task';
import { publicRecordOf, type PublicDrawRecord } from '../domain/publicRecord';
import { beijingDate, beijingTime } from '../domain/calendar';
import { describeFilter, formatSampling } from '../domain/plan';
import { itemKey } from '../domain/item';
import { unitName } from '../domain/organisation';
import { POOL_LABELS } from '../domain/pools';

export const PAGE_SIZE = 20;

export interface Paged<T> {
  page: number;
  pages: number;
  total: number;
  rows: T[];
}

export function paged<T>(all: readonly T[], page: number, size = PAGE_SIZE): Paged<T> {
  const pages = Math.max(1, Math.ceil(all.length / size));
  const p = Math.min(Math.max(1, Math.floor(page) || 1), pages);
  return { page: p, pages, total: all.length, rows: all.slice((p - 1) * size, p * size) };
}

export interface PublicItem {
  department: string;
  itemCode: string;
  name: string;
  legalBasis: string;
  powerListCode: string;
  pools: string;
}

export interface PublicJointItem extends PublicItem {
  /** 'YYYY-MM-DD', '' when not recorded. */
  filedOn: string;
}

export interface PublicPlan {
  planNo: string;
  year: number;
  department: string;
  jointDepartments: string[];
  pool: string;
  scope: string;
  items: string[];
  sampling: string;
  window: { from: string; to: string };
  special: string;
  submittedOn: string;
  approvedOn: string;
}

export interface PublicOfficer {
  name: string;
  department: string;
  /** '组长', '专家' or ''. */
  role: string;
}

export interface PublicTeam {
  creditCode: string;
  entityName: string;
  taskNo: string;
  officers: PublicOfficer[];
}

export type PublicDrawStatus = 'committed' | 'done' | 'failed' | 'voided';

export const DRAW_STATUS_TEXT: Record<PublicDrawStatus, string> = {
  committed: '已公布承诺，待开奖',
  done: '已抽取',
  failed: '开奖后未能完成分派',
  voided: '已作废',
};

export interface PublicDrawBrief {
  drawNo: string;
  planNo: string;
  year: number;
  department: string;
  departments: string[];
  pool: string;
  status: PublicDrawStatus;
  statusText: string;
  n: number;
  k: number;
  snapshotDigest: string;
  seedCommitment: string;
  rosterDigest: string;
  announcementDigest: string;
  createdAt: string;
  voidedAt: string;
  voidReason: string;
}

export interface PublicDraw extends PublicDrawBrief {
  filter: string;
  sampling: string;
  announcedAt: string;
  seed: string;
  publicValue: string;
  effectiveSeed: string;
  revealedAt: string;
  failure: string;
  /** Whether a public record can be downloaded (drawn, possibly voided afterwards). */
  hasRecord: boolean;
  teams: PublicTeam[];
}

/** One row of a result notice (国家企业信用信息公示系统's 双随机抽查结果 columns). */
export interface PublicResultRow {
  planNo: string;
  planName: string;
  taskNo: string;
  taskName: string;
  kind: string;
  authority: string;
  completedOn: string;
  entityName: string;
  creditCode: string;
  result: string;
  remark: string;
}

export interface PublicCorrection {
  date: string;
  reason: string;
  /** The text before the correction, kept visible. */
  earlier: string;
}

export interface PublicResultNotice {
  /** e.g. "县市管局2026年度第12号抽查任务检查结果公告". */
  title: string;
  taskNo: string;
  department: string;
  publishedOn: string;
  /** R15: the last day it could be published (20 working days after the inspection's end); '' when the calendar lacks the year. */
  deadline: string;
  rows: PublicResultRow[];
  corrections: PublicCorrection[];
  /** A correction under review: its reason ('' when none); the published version stays shown meanwhile. */
  correcting: string;
}

/**
 * Where the results tab reads from. Results entry provides one once results
 * exist; the site shows "暂无" while the list is empty.
 */
export interface PublicResults {
  list(year: number): Promise<PublicResultNotice[]>;
  forEntity(creditCode: string): Promise<PublicResultNotice[]>;
}

export const NO_RESULTS: PublicResults = {
  list: async () => [],
  forEntity: async () => [],
};

export interface PublicTask {
  taskNo: string;
  departments: string[];
  planNos: string[];
  drawNos: string[];
  window: { from: string; to: string };
  status: string;
}

export interface PublicEntity {
  creditCode: string;
  name: string;
  tasks: PublicTask[];
  results: PublicResultNotice[];
}

const CREDIT_CODE_RE = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

const day = (d?: Date): string => (d ? beijingDate(new Date(d)) : '');
const time = (d?: Date): string => (d ? beijingTime(new Date(d)) : '');

function brief(d: DrawDoc): PublicDrawBrief {
  return {
    drawNo: d.drawNo,
    planNo: d.planNo,
    year: d.year,
    department: unitName(d.department),
    departments: (d.departments ?? [d.department]).map(unitName),
    pool: POOL_LABELS[d.pool],
    status: d.status,
    statusText: DRAW_STATUS_TEXT[d.status],
    n: d.n,
    k: d.k,
    snapshotDigest: d.snapshotDigest,
    seedCommitment: d.seedCommitment,
    rosterDigest: d.rosterDigest,
    announcementDigest: d.announcementDigest ?? '',
    createdAt: time(d.createdAt),
    voidedAt: time(d.voidedAt),
    voidReason: d.status === 'voided' ? d.voidReason : '',
  };
}

function taskOf(t: TaskDoc): PublicTask {
  return {
    taskNo: t.taskNo,
    departments: t.departments.map(unitName),
    planNos: t.planNos,
    drawNos: t.drawNos,
    window: t.window,
    status: t.status === 'cancelled' ? '已撤销' : '有效',
  };
}

export function publicityService(repos: Repos, opts: { results?: PublicResults } = {}) {
  const results = opts.results ?? NO_RESULTS;

  async function items(): Promise<{ items: PublicItem[]; joint: PublicJointItem[] }> {
    const all = await repos.items.all();
    const out = all.map((i) => ({
      department: unitName(i.department),
      itemCode: i.itemCode,
      name: i.name,
      legalBasis: i.legalBasis,
      powerListCode: i.powerListCode,
      pools: (i.pools ?? []).join('、'),
    }));
    const joint = all.flatMap((i, n) => (i.jointListA ? [{ ...out[n], filedOn: i.jointListFiledOn ?? '' }] : []));
    return { items: out, joint };
  }

  async function plans(year: number): Promise<PublicPlan[]> {
    const all = await repos.plans.forYear(year);
    const approvals = new Map((await repos.approvals.many(all.map((p) => p.planNo))).map((a) => [a.subject, a]));
    const names = new Map((await repos.items.all()).map((i) => [itemKey(i), i.name]));
    return all.flatMap((p) => {
      const a = approvals.get(p.planNo);
      if (a?.status !== 'approved') return [];
      const decided = a.steps.map((s) => (s.at ? new Date(s.at).getTime() : 0)).filter((t) => t > 0);
      return [{
        planNo: p.planNo,
        year: p.year,
        department: unitName(p.department),
        jointDepartments: p.jointDepartments.map(unitName),
        pool: POOL_LABELS[p.pool],
        scope: describeFilter(p.filter),
        items: p.items.map((k) => names.get(k) ?? k),
        sampling: formatSampling(p.sampling),
        window: p.window,
        special: p.special?.reason ?? '',
        submittedOn: day(a.requestedAt),
        approvedOn: decided.length ? day(new Date(Math.max(...decided))) : '',
      }];
    });
  }

  async function draws(year: number): Promise<PublicDrawBrief[]> {
    return (await repos.draws.listForYear(year)).map(brief);
  }

  async function draw(drawNo: string): Promise<PublicDraw | undefined> {
    const d = await repos.draws.get(drawNo);
    if (!d) return undefined;
    const r = d.record;
    const tasks = r ? await repos.tasks.forDraw(d.drawNo) : [];
    const byCode = new Map(tasks.map((t) => [t.creditCode, t]));
    const missing = (r?.selection ?? []).filter((c) => !byCode.has(c));
    const names = new Map((await repos.entities.summaries(missing)).map((s) => [s.creditCode, s.name]));
    const teams: PublicTeam[] = (r?.assignment ?? []).map((t) => ({
      creditCode: t.creditCode,
      entityName: byCode.get(t.creditCode)?.entityName ?? names.get(t.creditCode) ?? '',
      taskNo: byCode.get(t.creditCode)?.taskNo ?? '',
      officers: t.officers.map((o) => ({ name: o.name, department: unitName(o.department), role: o.leader ? '组长' : o.expert ? '专家' : '' })),
    }));
    return {
      ...brief(d),
      filter: r?.filter ?? '',
      sampling: r ? formatSampling(r.sampling) : '',
      announcedAt: r?.announcedAt ? time(new Date(r.announcedAt)) : '',
      seed: r?.seed ?? d.seed ?? '',
      publicValue: r?.publicValue ?? d.failure?.publicValue ?? '',
      effectiveSeed: r?.effectiveSeed ?? d.failure?.effectiveSeed ?? '',
      revealedAt: time(d.revealedAt),
      failure: d.status === 'failed' ? d.failure?.message ?? '' : '',
      hasRecord: Boolean(r),
      teams,
    };
  }

  /**
   * The public record (docs/draw.md §5) as `draw export` writes it, but with declared conflicts
   * withheld (their count kept): see src/domain/publicRecord.ts.
   */
  async function record(drawNo: string): Promise<PublicDrawRecord | undefined> {
    const r = (await repos.draws.get(drawNo))?.record;
    return r ? publicRecordOf(r) : undefined;
  }

  /** By credit code (exact) or part of the name, through the registry read model. */
  async function search(query: string, limit = PAGE_SIZE): Promise<{ total: number; entities: PublicEntity[] }> {
    const q = query.trim().slice(0, 100);
    if (!q) return { total: 0, entities: [] };
    let found: { creditCode: string; name: string }[];
    let total: number;
    const upper = q.toUpperCase();
    if (CREDIT_CODE_RE.test(upper)) {
      const e = await repos.entities.get(upper);
      found = e ? [{ creditCode: e.creditCode, name: e.name }] : [];
      total = found.length;
    } else {
      const r = await repos.entities.search(q, limit);
      found = r.rows.map((e) => ({ creditCode: e.creditCode, name: e.name }));
      total = r.total;
    }
    const entities = await Promise.all(found.map(async (e) => ({
      creditCode: e.creditCode,
      name: e.name,
      tasks: (await repos.tasks.forEntity(e.creditCode)).map(taskOf),
      results: await results.forEntity(e.creditCode),
    })));
    return { total, entities };
  }

  return {
    items,
    plans,
    draws,
    draw,
    record,
    search,
    results: (year: number) => results.list(year),
  };
}

export type PublicityService = ReturnType<typeof publicityService>;
