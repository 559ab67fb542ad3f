/**
 * The draw (双随机), pure: commit, select, assign, verify (R2–R4, R7, R8, R8a).
 * No I/O and no clock; the seed comes in as a parameter. The procedure is
 * written out in docs/draw.md so that anyone can re-implement it; this file
 * follows that text step by step.
 */
import { createHash } from 'node:crypto';
import seedrandom from 'seedrandom';
import { certificateValidOn, isEnforcementOfficer, type InspectorRecord } from './inspector';
import type { ItemRecord } from './item';
import { unitName } from './organisation';
import type { Pool } from './pools';
import { sampleSize, type Sampling } from './sampling';
import type { RuleCitation, RuleId } from './rules';

/** Bumped whenever anything in docs/draw.md changes the result of a draw. */
export const DRAW_RULES_VERSION = 'draw-1';

/** A stream of numbers in [0, 1). */
export type Rng = () => number;

const SEED_RE = /^[0-9a-f]{64}$/;
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Is this a seed: 64 lowercase hexadecimal characters (32 bytes)? */
export function isSeed(seed: string): boolean {
  return SEED_RE.test(seed);
}

function assertSeed(seed: string, what = '种子'): void {
  if (!isSeed(seed)) throw new RangeError(`${what}应为64位小写十六进制字符`);
}

// ---------------------------------------------------------------------------
// Commit: snapshot digest, seed commitment, effective seed, k
// ---------------------------------------------------------------------------

/** The snapshot, sorted ascending in plain code-unit order. */
export function sortSnapshot(codes: readonly string[]): string[] {
  return [...codes].sort(byCodeUnits);
}

/** SHA-256 (hex) of the codes, sorted ascending, joined by "\n", UTF-8, no trailing newline. */
export function snapshotDigest(codes: readonly string[]): string {
  return sha256Hex(sortSnapshot(codes).join('\n'));
}

/** SHA-256 (hex) of the seed's 64-character lowercase hex text. */
export function seedCommitment(seedHex: string): string {
  assertSeed(seedHex);
  return sha256Hex(seedHex);
}

/**
 * SHA-256 (hex) of `seed + ":" + publicValue` when a public value is given
 * (a non-empty string, taken exactly as typed), else the seed itself.
 */
export function effectiveSeed(seed: string, publicValue?: string): string {
  assertSeed(seed);
  return publicValue === undefined || publicValue === '' ? seed : sha256Hex(`${seed}:${publicValue}`);
}

// ---------------------------------------------------------------------------
// Select
// ---------------------------------------------------------------------------

/** seedrandom(effectiveSeed), the default ARC4 generator. */
export function createDrawRng(effSeed: string): Rng {
  assertSeed(effSeed, '有效种子');
  return seedrandom(effSeed);
}

/**
 * Partial Fisher–Yates: a copy a; for i = 0 … k−1: j = i + floor(rng() × (n − i)),
 * swap a[i] and a[j]; the selection is a[0 … k−1] in that order.
 */
export function selectEntities(snapshotSorted: readonly string[], k: number, rng: Rng): string[] {
  const n = snapshotSorted.length;
  if (!Number.isInteger(k) || k < 0 || k > n) throw new RangeError(`抽取数量k=${k}超出0…${n}`);
  const a = snapshotSorted.slice();
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng() * (n - i));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  a.length = k;
  return a;
}

// ---------------------------------------------------------------------------
// Assign: the public inputs
// ---------------------------------------------------------------------------

/**
 * One person as the public record shows them: no certificate number, no
 * expiry date, only what the assignment procedure reads.
 */
export interface RosterOfficer {
  inspectorNo: string;
  name: string;
  department: string;
  /** An expert (R7): advises, never counts towards the officers, never leads. */
  expert: boolean;
  /** An enforcement officer whose certificate is valid on the window's last day (R8a). */
  certificateValid: boolean;
  /** In 联席办's joint inspection pool (R8). */
  jointPool: boolean;
  /** Only the specialties that the participating department's items require. */
  specialties: string[];
}

/** What the assignment reads that is fixed before the draw (committed by its digest). */
export interface AssignmentBasis {
  pool: Pool;
  /** Participating departments (member-unit codes), the lead department first. */
  departments: string[];
  /** Enforcement officers each department sends to each entity (at least). */
  perDepartment: number;
  /** 'YYYY-MM-DD': certificates must be valid on this day. */
  windowLastDay: string;
  /** Department → the specialties its items in the plan require (sorted, unique). */
  requiredSpecialties: Record<string, string[]>;
  /** Sorted by inspector number ascending. */
  roster: RosterOfficer[];
}

export interface ConflictPair {
  inspectorNo: string;
  creditCode: string;
}

export interface PreviousInspection {
  creditCode: string;
  department: string;
  inspectorNo: string;
}

/** Everything the assignment reads; all of it goes into the public record. */
export interface AssignmentInputs extends AssignmentBasis {
  /** Declared conflicts (R8a), only between roster people and selected entities. */
  conflicts: ConflictPair[];
  /** Who inspected a selected entity last time for a department, roster people only. */
  previous: PreviousInspection[];
}

/** The confidential form the service holds. */
export interface AssignmentParams {
  pool: Pool;
  departments: string[];
  inspectors: readonly InspectorRecord[];
  /** Department → specialties its items require; see requiredSpecialtiesOf. */
  requiredSpecialties: Record<string, readonly string[]>;
  windowLastDay: string;
  /** Credit code → department → inspector numbers of the last inspection. */
  lastInspected?: Record<string, Record<string, readonly string[]>>;
  /** Default 2 for one department, 1 for a joint inspection. */
  perDepartment?: number;
}

export interface AssignedOfficer {
  inspectorNo: string;
  name: string;
  department: string;
  /** 组长: the first enforcement officer drawn for the lead department. */
  leader: boolean;
  expert: boolean;
}

export interface EntityTeam {
  creditCode: string;
  officers: AssignedOfficer[];
}

export type AssignmentFailure = {
  ok: false;
  creditCode: string;
  department: string;
  constraint: 'officers' | 'specialty';
  rule: RuleCitation;
  /** Chinese, names the entity, the department, the constraint and the rule. */
  message: string;
};

export type AssignmentResult = { ok: true; teams: EntityTeam[] } | AssignmentFailure;

const own = <T>(rec: Record<string, T> | undefined, key: string): T | undefined =>
  rec !== undefined && Object.prototype.hasOwnProperty.call(rec, key) ? rec[key] : undefined;

function checkDepartments(departments: readonly string[]): void {
  if (departments.length === 0) throw new RangeError('至少须有一个参与部门');
  if (new Set(departments).size !== departments.length) throw new RangeError('参与部门重复');
}

function normaliseRequired(required: Record<string, readonly string[]>, departments: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const d of departments) {
    out[d] = [...new Set((own(required, d) ?? []).filter((s) => s !== ''))].sort(byCodeUnits);
  }
  return out;
}

/** Department → the sorted, unique specialties that its items require. */
export function requiredSpecialtiesOf(items: readonly Pick<ItemRecord, 'department' | 'specialty'>[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const i of items) {
    if (!i.specialty) continue;
    const list = own(out, i.department) ?? [];
    if (!list.includes(i.specialty)) list.push(i.specialty);
    out[i.department] = list;
  }
  for (const d of Object.keys(out)) out[d].sort(byCodeUnits);
  return out;
}

/**
 * The roster and settings, fixed before the seed is revealed. A person is on
 * the roster when active, in a participating department, in the joint pool
 * for an A plan (R8), and either an enforcement officer whose certificate is
 * valid on the window's last day (R8a) or an expert holding a required
 * specialty (R7).
 */
export function assignmentBasis(p: AssignmentParams): AssignmentBasis {
  checkDepartments(p.departments);
  if (!DAY_RE.test(p.windowLastDay)) throw new RangeError(`检查期末日格式应为YYYY-MM-DD：${p.windowLastDay}`);
  const required = normaliseRequired(p.requiredSpecialties, p.departments);
  const roster: RosterOfficer[] = [];
  for (const i of p.inspectors) {
    if (!i.active || !p.departments.includes(i.department)) continue;
    if (p.pool === 'A' && !i.jointPool) continue;
    const needed = required[i.department];
    const specialties = [...new Set(i.specialties.filter((s) => needed.includes(s)))].sort(byCodeUnits);
    const base = { inspectorNo: i.inspectorNo, name: i.name, department: i.department, jointPool: i.jointPool, specialties };
    if (i.kind === 'expert') {
      if (specialties.length > 0) roster.push({ ...base, expert: true, certificateValid: false });
    } else if (isEnforcementOfficer(i) && certificateValidOn(i, p.windowLastDay)) {
      roster.push({ ...base, expert: false, certificateValid: true });
    }
  }
  roster.sort((a, b) => byCodeUnits(a.inspectorNo, b.inspectorNo));
  for (let i = 1; i < roster.length; i++) {
    if (roster[i].inspectorNo === roster[i - 1].inspectorNo) throw new RangeError(`人员编号重复：${roster[i].inspectorNo}`);
  }
  return {
    pool: p.pool,
    departments: [...p.departments],
    perDepartment: p.perDepartment ?? (p.departments.length === 1 ? 2 : 1),
    windowLastDay: p.windowLastDay,
    requiredSpecialties: required,
    roster,
  };
}

/** The basis plus the conflict and previous-inspection pairs that matter for this selection. */
export function assignmentInputs(p: AssignmentParams, basis: AssignmentBasis, selection: readonly string[]): AssignmentInputs {
  const selected = new Set(selection);
  const onRoster = new Set(basis.roster.map((o) => o.inspectorNo));
  const conflicts: ConflictPair[] = [];
  for (const i of p.inspectors) {
    if (!onRoster.has(i.inspectorNo)) continue;
    for (const c of new Set(i.conflicts)) if (selected.has(c)) conflicts.push({ inspectorNo: i.inspectorNo, creditCode: c });
  }
  conflicts.sort((a, b) => byCodeUnits(a.creditCode, b.creditCode) || byCodeUnits(a.inspectorNo, b.inspectorNo));
  const previous: PreviousInspection[] = [];
  const last = p.lastInspected ?? {};
  for (const code of Object.keys(last).filter((c) => selected.has(c)).sort(byCodeUnits)) {
    for (const d of basis.departments) {
      for (const no of [...new Set(own(last[code], d) ?? [])].sort(byCodeUnits)) {
        if (onRoster.has(no)) previous.push({ creditCode: code, department: d, inspectorNo: no });
      }
    }
  }
  return { ...basis, conflicts, previous };
}

/** SHA-256 (hex) of the basis as a JSON array, in the exact form docs/draw.md gives. */
export function rosterDigest(basis: AssignmentBasis): string {
  const roster = [...basis.roster].sort((a, b) => byCodeUnits(a.inspectorNo, b.inspectorNo));
  return sha256Hex(JSON.stringify([
    DRAW_RULES_VERSION,
    basis.pool,
    basis.departments,
    basis.perDepartment,
    basis.windowLastDay,
    basis.departments.map((d) => [d, own(basis.requiredSpecialties, d) ?? []]),
    roster.map((o) => [o.inspectorNo, o.name, o.department, o.expert, o.certificateValid, o.jointPool, o.specialties]),
  ]));
}

// ---------------------------------------------------------------------------
// Assign: the procedure
// ---------------------------------------------------------------------------

/**
 * Officers grouped by their current load; within a group they are listed by
 * roster position (= inspector number ascending). Officers at their cap leave.
 * Each group is a Fenwick tree over the members' positions, so finding the
 * m-th member of a group, or a member's rank in it, takes O(log size).
 */
class LoadIndex {
  private readonly members: Int32Array;
  private readonly local: Map<number, number>;
  private readonly level: Int32Array;
  private readonly trees: (Int32Array | undefined)[] = [];
  private readonly counts: number[] = [];
  private low = 0;

  constructor(members: number[]) {
    this.members = Int32Array.from([...members].sort((a, b) => a - b));
    this.local = new Map(Array.from(this.members, (m, p) => [m, p]));
    this.level = new Int32Array(this.members.length);
    for (let p = 0; p < this.members.length; p++) this.add(0, p, 1);
  }

  private add(l: number, p: number, delta: number): void {
    const n = this.members.length;
    let t = this.trees[l];
    if (t === undefined) this.trees[l] = t = new Int32Array(n + 1);
    this.counts[l] = (this.counts[l] ?? 0) + delta;
    for (let i = p + 1; i <= n; i += i & -i) t[i] += delta;
  }

  /** How many members of group l sit before position p. */
  private rank(l: number, p: number): number {
    const t = this.trees[l]!;
    let r = 0;
    for (let i = p; i > 0; i -= i & -i) r += t[i];
    return r;
  }

  /** The position of the r-th (0-based) member of group l. */
  private nth(l: number, r: number): number {
    const t = this.trees[l]!;
    const n = this.members.length;
    let pos = 0;
    let step = 1;
    while (step * 2 <= n) step *= 2;
    for (; step > 0; step >>= 1) {
      if (pos + step <= n && t[pos + step] <= r) {
        pos += step;
        r -= t[pos];
      }
    }
    return pos;
  }

  /** Moves an officer from load `from` to `from + 1`, or out once the cap is reached. */
  bump(idx: number, from: number, cap: number): void {
    const p = this.local.get(idx);
    if (p === undefined || this.level[p] !== from) return;
    this.add(from, p, -1);
    if (this.counts[from] === 0) this.trees[from] = undefined;
    if (from + 1 >= cap) {
      this.level[p] = -1;
      return;
    }
    this.level[p] = from + 1;
    this.add(from + 1, p, 1);
  }

  /**
   * One pick among the members not excluded, keeping only the least loaded,
   * listed by roster position: one rng() read, position floor(u × m).
   */
  pick(rng: Rng, excluded: ReadonlySet<number>): number | undefined {
    // Loads only grow, so an empty group below every member stays empty.
    while (this.low < this.counts.length && this.counts[this.low] === 0) this.low++;
    for (let l = this.low; l < this.counts.length; l++) {
      if (!this.counts[l]) continue;
      const skip: number[] = [];
      for (const x of excluded) {
        const p = this.local.get(x);
        if (p !== undefined && this.level[p] === l) skip.push(this.rank(l, p));
      }
      const m = this.counts[l] - skip.length;
      if (m === 0) continue;
      skip.sort((x, y) => x - y);
      let r = Math.floor(rng() * m);
      for (const s of skip) {
        if (s <= r) r++;
        else break;
      }
      return this.members[this.nth(l, r)];
    }
    return undefined;
  }
}

/** Least loaded of a small list, by roster position; one rng() read. */
function pickLeastLoaded(cands: number[], load: ArrayLike<number>, rng: Rng): number | undefined {
  if (cands.length === 0) return undefined;
  const min = Math.min(...cands.map((i) => load[i]));
  const best = cands.filter((i) => load[i] === min).sort((a, b) => a - b);
  return best[Math.floor(rng() * best.length)];
}

const ceilDiv = (a: number, b: number): number => (b === 0 ? 0 : Math.floor((a + b - 1) / b));

/** Each department's state during one draw. */
interface DeptState {
  code: string;
  officers: number[];
  experts: number[];
  required: string[];
  baseCap: number;
  all: LoadIndex;
  bySpecialty: Map<string, LoadIndex>;
}

/**
 * Assigns officers to the selected entities, in selection order, on the rng
 * stream that made the selection (docs/draw.md, "Officers"). Returns every
 * team, or the first failure and nothing else.
 */
export function assignFromInputs(selection: readonly string[], inputs: AssignmentInputs, rng: Rng): AssignmentResult {
  const depts = inputs.departments;
  checkDepartments(depts);
  const q = inputs.perDepartment;
  if (!Number.isInteger(q) || q < 1 || q * depts.length < 2) {
    throw new RangeError(`每部门派员数${q}不足：每个主体须至少两名执法人员（R8a）`);
  }
  const roster = [...inputs.roster].sort((a, b) => byCodeUnits(a.inspectorNo, b.inspectorNo));
  const position = new Map<string, number>();
  roster.forEach((o, i) => {
    if (position.has(o.inspectorNo)) throw new RangeError(`人员编号重复：${o.inspectorNo}`);
    position.set(o.inspectorNo, i);
  });
  const required = normaliseRequired(inputs.requiredSpecialties, depts);
  const k = selection.length;
  const usable = (o: RosterOfficer, d: string) => o.department === d && (inputs.pool !== 'A' || o.jointPool);

  const conflicted = new Map<string, Set<number>>();
  for (const c of inputs.conflicts) {
    const i = position.get(c.inspectorNo);
    if (i === undefined) continue;
    let set = conflicted.get(c.creditCode);
    if (!set) conflicted.set(c.creditCode, (set = new Set()));
    set.add(i);
  }
  const previous = new Map<string, Set<number>>();
  for (const p of inputs.previous) {
    const i = position.get(p.inspectorNo);
    if (i === undefined) continue;
    const key = `${p.creditCode}\n${p.department}`;
    let set = previous.get(key);
    if (!set) previous.set(key, (set = new Set()));
    set.add(i);
  }

  const load = new Int32Array(roster.length);
  const cap = new Int32Array(roster.length);
  const states: DeptState[] = depts.map((d) => {
    const officers: number[] = [];
    const experts: number[] = [];
    roster.forEach((o, i) => {
      if (!usable(o, d)) return;
      if (o.expert) experts.push(i);
      else if (o.certificateValid) officers.push(i);
    });
    const baseCap = ceilDiv(k * q, officers.length);
    const bySpecialty = new Map<string, LoadIndex>();
    const specialtyCap = new Map<string, number>();
    for (const s of required[d]) {
      const holders = officers.filter((i) => roster[i].specialties.includes(s));
      bySpecialty.set(s, new LoadIndex(holders));
      specialtyCap.set(s, ceilDiv(k, holders.length));
    }
    for (const i of officers) {
      cap[i] = baseCap;
      for (const s of new Set(roster[i].specialties)) cap[i] += specialtyCap.get(s) ?? 0;
    }
    return { code: d, officers, experts, required: required[d], baseCap, all: new LoadIndex(officers), bySpecialty };
  });

  const bump = (st: DeptState, i: number) => {
    const from = load[i];
    st.all.bump(i, from, cap[i]);
    for (const idx of st.bySpecialty.values()) idx.bump(i, from, cap[i]);
    load[i] = from + 1;
  };

  const NONE: ReadonlySet<number> = new Set<number>();
  const members: number[] = [];
  const memberSet = new Set<number>();
  const excluded = new Set<number>();
  /** An officer: first those not sent last time, then those sent last time; least loaded within each. */
  const pickOfficer = (st: DeptState, index: LoadIndex, conflictSet: ReadonlySet<number>, prev: ReadonlySet<number>, s?: string) => {
    excluded.clear();
    for (const i of memberSet) excluded.add(i);
    for (const i of conflictSet) excluded.add(i);
    for (const i of prev) excluded.add(i);
    const fresh = index.pick(rng, excluded);
    if (fresh !== undefined || prev.size === 0) return fresh;
    const fallback = [...prev].filter((i) =>
      st.officers.includes(i) && !memberSet.has(i) && !conflictSet.has(i) && load[i] < cap[i] &&
      (s === undefined || roster[i].specialties.includes(s)));
    return pickLeastLoaded(fallback, load, rng);
  };
  const pickExpert = (st: DeptState, conflictSet: ReadonlySet<number>, prev: ReadonlySet<number>, s: string) => {
    const ok = st.experts.filter((i) => roster[i].specialties.includes(s) && !memberSet.has(i) && !conflictSet.has(i));
    const fresh = ok.filter((i) => !prev.has(i));
    return pickLeastLoaded(fresh.length > 0 ? fresh : ok, load, rng);
  };

  const teams: EntityTeam[] = [];
  for (const code of selection) {
    const conflictSet = conflicted.get(code) ?? NONE;
    const officers: AssignedOfficer[] = [];
    for (const st of states) {
      const d = st.code;
      const prev = previous.size > 0 ? previous.get(`${code}\n${d}`) ?? NONE : NONE;
      members.length = 0;
      memberSet.clear();
      let officerCount = 0;
      for (const s of st.required) {
        if (members.some((i) => roster[i].specialties.includes(s))) continue;
        const i = pickOfficer(st, st.bySpecialty.get(s)!, conflictSet, prev, s) ?? pickExpert(st, conflictSet, prev, s);
        if (i === undefined) return specialtyFailure(code, st, s, roster, conflictSet);
        members.push(i);
        memberSet.add(i);
        if (roster[i].expert) load[i] += 1;
        else {
          officerCount++;
          bump(st, i);
        }
      }
      while (officerCount < q) {
        const i = pickOfficer(st, st.all, conflictSet, prev);
        if (i === undefined) return officerFailure(code, st, q, inputs.pool, conflictSet);
        members.push(i);
        memberSet.add(i);
        officerCount++;
        bump(st, i);
      }
      let leaderNamed = d !== depts[0];
      for (const i of members) {
        const o = roster[i];
        const leader = !leaderNamed && !o.expert;
        if (leader) leaderNamed = true;
        officers.push({ inspectorNo: o.inspectorNo, name: o.name, department: d, leader, expert: o.expert });
      }
    }
    teams.push({ creditCode: code, officers });
  }
  return { ok: true, teams };
}

function officerFailure(code: string, st: DeptState, q: number, pool: Pool, conflictSet: ReadonlySet<number>): AssignmentFailure {
  const name = unitName(st.code);
  const free = st.officers.filter((i) => !conflictSet.has(i)).length;
  let message: string;
  let rule: RuleCitation = 'R8a';
  if (st.officers.length < q) {
    if (pool === 'A') {
      rule = 'R8、R8a';
      message = `${name}在联合检查人员库中的有效执法证人员不足${q}人（${rule}）`;
    } else {
      message = `${name}有效执法证人员不足${q}人（R8a）`;
    }
  } else if (free < q) {
    message = `${name}除需回避人员外，有效执法证人员不足${q}人（R8a）`;
  } else {
    message = `${name}未达分派上限的有效执法证人员不足${q}人（R8a；均衡上限每人${st.baseCap}次）`;
  }
  return { ok: false, creditCode: code, department: st.code, constraint: 'officers', rule, message: `主体 ${code}：${message}` };
}

function specialtyFailure(code: string, st: DeptState, s: string, roster: RosterOfficer[], conflictSet: ReadonlySet<number>): AssignmentFailure {
  const name = unitName(st.code);
  const holders = [...st.officers, ...st.experts].filter((i) => roster[i].specialties.includes(s));
  const message = holders.length === 0
    ? `${name}没有具备“${s}”专长的有效执法证人员或专家（R7）`
    : holders.every((i) => conflictSet.has(i))
      ? `${name}具备“${s}”专长的人员均需回避（R7、R8a）`
      : `${name}具备“${s}”专长的人员均已达分派上限（R7）`;
  return { ok: false, creditCode: code, department: st.code, constraint: 'specialty', rule: 'R7', message: `主体 ${code}：${message}` };
}

// ---------------------------------------------------------------------------
// Team outlook: what the officer draw will look like, before it is made
// ---------------------------------------------------------------------------

/** One department's side of the teams for k entities. */
export interface DepartmentOutlook {
  department: string;
  /** Officers who may be drawn (valid certificate; in the joint pool for A, R8). */
  officers: number;
  /** Officers the department sends to each entity. */
  perEntity: number;
  /** Each required specialty with the officers and experts holding it (R7). */
  specialties: { specialty: string; officers: number; experts: number }[];
  /** The highest number of entities one officer is expected to get. */
  highestLoad: number;
}

export interface TeamOutlook {
  k: number;
  departments: DepartmentOutlook[];
  /** Plain-words warnings, each with what to do: the draw is possible but not fair in practice. */
  warnings: string[];
  /** Why teams cannot be formed at all (the draw would fail): each with its rule. */
  impossible: { rule: RuleId; message: string }[];
}

/**
 * Per department, how many officers may be drawn, how many each entity needs and the
 * highest expected load (the even share ceil(k × q / E), or ceil(k / H) for a specialty
 * that only H officers hold, whichever is larger: those H go to every entity needing it).
 * Warns when the officer draw is not random in practice (one or two candidates) or the
 * load exceeds `maxLoad`; says when no team can be formed.
 */
export function teamOutlook(basis: AssignmentBasis, k: number, maxLoad: number): TeamOutlook {
  const q = basis.perDepartment;
  const out: TeamOutlook = { k, departments: [], warnings: [], impossible: [] };
  const widen = basis.pool === 'A' ? '、把更多人员列入联合检查人员库（R8）' : '';
  for (const d of basis.departments) {
    const name = unitName(d);
    const mine = basis.roster.filter((o) => o.department === d && (basis.pool !== 'A' || o.jointPool));
    const officers = mine.filter((o) => !o.expert && o.certificateValid);
    const specialties = (own(basis.requiredSpecialties, d) ?? []).map((s) => ({
      specialty: s,
      officers: officers.filter((o) => o.specialties.includes(s)).length,
      experts: mine.filter((o) => o.expert && o.specialties.includes(s)).length,
    }));
    const shares = [ceilDiv(k * q, officers.length), ...specialties.filter((s) => s.officers > 0).map((s) => ceilDiv(k, s.officers))];
    const highestLoad = k === 0 ? 0 : Math.min(k, Math.max(...shares));
    out.departments.push({ department: d, officers: officers.length, perEntity: q, specialties, highestLoad });
    if (k === 0) continue;
    if (officers.length < q) {
      out.impossible.push({
        rule: 'R8a',
        message: `${name}可派的有效执法证人员只有 ${officers.length} 名，每户须派 ${q} 名（R8a${basis.pool === 'A' ? '；A类只从联合检查人员库派员，R8' : ''}），组不成检查组：请先登记或导入执法人员${widen}`,
      });
      continue;
    }
    for (const s of specialties) {
      if (s.officers === 0 && s.experts === 0) {
        out.impossible.push({ rule: 'R7', message: `${name}没有具备“${s.specialty}”专长的有效执法证人员或专家（R7），需要该专长的事项无人能查：请增加具备该专长的人员或专家，或去掉该事项` });
      }
    }
    if (officers.length <= 2) {
      out.warnings.push(`${name}只有 ${officers.length} 名可派的执法人员，每户派 ${q} 名：${officers.length <= q ? '每户都是同样的人' : '几乎每户都是同样的人'}，人员抽取实际上不随机。请增加执法人员或专家${widen}`);
    } else {
      for (const s of specialties) {
        if (s.officers > 0 && s.officers <= 2 && k > s.officers) {
          out.warnings.push(`${name}具备“${s.specialty}”专长的执法人员只有 ${s.officers} 名，每户都由他们检查（每人约 ${ceilDiv(k, s.officers)} 户），这部分人员抽取实际上不随机。请增加具备该专长的执法人员或专家（R7），或降低抽取比例`);
        }
      }
    }
    if (highestLoad > maxLoad) {
      out.warnings.push(`${name}每名执法人员最多约 ${highestLoad} 户，超过每个检查期 ${maxLoad} 户的上限。请增加执法人员或专家${widen}，或降低抽取比例`);
    }
  }
  return out;
}

/** The outlook in a few chat lines: one per department, then the warnings. */
export function outlookLines(o: TeamOutlook): string[] {
  const lines = o.departments.map((d) => {
    const sp = d.specialties.map((s) => `“${s.specialty}”专长 ${s.officers} 名${s.experts ? `（另有专家 ${s.experts} 名）` : ''}`).join('，');
    return `- ${unitName(d.department)}：可派执法人员 ${d.officers} 名，每户派 ${d.perEntity} 名${sp ? `，${sp}` : ''}；每人最多约 ${d.highestLoad} 户`;
  });
  return [...lines, ...o.warnings.map((w) => `⚠ ${w}`)];
}

/** assignmentBasis + assignmentInputs + assignFromInputs, for callers holding inspector records. */
export function assignOfficers(selection: readonly string[], params: AssignmentParams, rng: Rng): AssignmentResult {
  return assignFromInputs(selection, assignmentInputs(params, assignmentBasis(params), selection), rng);
}

// ---------------------------------------------------------------------------
// The whole draw and its public record
// ---------------------------------------------------------------------------

/** Posted to the group chat(s) before the draw (一公开). */
export interface DrawAnnouncement {
  rulesVersion: string;
  planNo: string;
  pool: Pool;
  filter: string;
  sampling: Sampling;
  n: number;
  k: number;
  snapshotDigest: string;
  seedCommitment: string;
  /** Digest of the assignment basis (roster and settings), see rosterDigest. */
  rosterDigest: string;
  /** When the commitment was announced (ISO 8601, UTC); '' when none was given. */
  announcedAt: string;
  /** SHA-256 over every field above (announcementDigest): editing any of them is detected. */
  announcementDigest: string;
}

/** The announced fields in the order the digest binds them (docs/draw.md §1.5). */
export const ANNOUNCED_FIELDS = [
  'rulesVersion', 'planNo', 'pool', 'filter', 'sampling', 'n', 'k', 'snapshotDigest', 'seedCommitment', 'rosterDigest', 'announcedAt',
] as const;

const samplingText = (s: Sampling): string => ('count' in s ? `count:${s.count}` : `ratioPermille:${s.ratioPermille}`);

/**
 * The announcement digest: SHA-256 of the JSON array of [field, value] pairs in
 * ANNOUNCED_FIELDS order, every value a string (numbers in decimal, the sampling
 * rule as "ratioPermille:50" or "count:3").
 */
export function announcementDigest(a: Omit<DrawAnnouncement, 'announcementDigest'>): string {
  const value = (f: (typeof ANNOUNCED_FIELDS)[number]): string => (f === 'sampling' ? samplingText(a.sampling) : String(a[f] ?? ''));
  return sha256Hex(JSON.stringify(ANNOUNCED_FIELDS.map((f) => [f, value(f)])));
}

/** Kept by the service between commit and draw; the seed itself is not in it. */
export interface DrawCommitment extends DrawAnnouncement {
  snapshot: string[];
  basis: AssignmentBasis;
}

export interface DrawRecord extends DrawAnnouncement {
  snapshot: string[];
  seed: string;
  publicValue?: string;
  effectiveSeed: string;
  selection: string[];
  assignmentInputs: AssignmentInputs;
  assignment: EntityTeam[];
}

export interface CommitParams {
  planNo: string;
  pool: Pool;
  filter: string;
  sampling: Sampling;
  snapshot: readonly string[];
  seed: string;
  assignment: AssignmentParams;
  /** When the commitment is announced (ISO 8601); bound into the announcement digest. */
  announcedAt?: string;
}

/** Step 1: everything that is announced before the draw. */
export function commitDraw(p: CommitParams): DrawCommitment {
  if (p.assignment.pool !== p.pool) throw new RangeError('分派参数的库与计划不一致');
  const snapshot = sortSnapshot(p.snapshot);
  for (let i = 1; i < snapshot.length; i++) {
    if (snapshot[i] === snapshot[i - 1]) throw new RangeError(`快照中主体重复：${snapshot[i]}`);
  }
  const basis = assignmentBasis(p.assignment);
  const announced = {
    rulesVersion: DRAW_RULES_VERSION,
    planNo: p.planNo,
    pool: p.pool,
    filter: p.filter,
    sampling: p.sampling,
    n: snapshot.length,
    k: sampleSize(snapshot.length, p.sampling),
    snapshotDigest: snapshotDigest(snapshot),
    seedCommitment: seedCommitment(p.seed),
    rosterDigest: rosterDigest(basis),
    announcedAt: p.announcedAt ?? '',
  };
  return { ...announced, announcementDigest: announcementDigest(announced), snapshot, basis };
}

/** The announcement's fields alone, for posting. */
export function announcementOf(c: DrawAnnouncement): DrawAnnouncement {
  const { rulesVersion, planNo, pool, filter, sampling, n, k, snapshotDigest: sd, seedCommitment: sc, rosterDigest: rd, announcedAt, announcementDigest: ad } = c;
  return { rulesVersion, planNo, pool, filter, sampling, n, k, snapshotDigest: sd, seedCommitment: sc, rosterDigest: rd, announcedAt, announcementDigest: ad };
}

export type DrawResult = { ok: true; record: DrawRecord } | AssignmentFailure;

/**
 * Step 2: select and assign. The seed must be the committed one and the
 * assignment parameters must give the committed basis.
 */
export function runDraw(c: DrawCommitment, p: { seed: string; publicValue?: string; assignment: AssignmentParams }): DrawResult {
  if (seedCommitment(p.seed) !== c.seedCommitment) throw new RangeError('种子与已公布的承诺值不符');
  const basis = assignmentBasis(p.assignment);
  if (rosterDigest(basis) !== c.rosterDigest) throw new RangeError('人员名录或分派参数在公布承诺后发生了变化');
  const eff = effectiveSeed(p.seed, p.publicValue);
  const rng = createDrawRng(eff);
  const selection = selectEntities(c.snapshot, c.k, rng);
  const inputs = assignmentInputs(p.assignment, basis, selection);
  const assigned = assignFromInputs(selection, inputs, rng);
  if (!assigned.ok) return assigned;
  const record: DrawRecord = {
    ...announcementOf(c),
    snapshot: c.snapshot,
    seed: p.seed,
    ...(p.publicValue ? { publicValue: p.publicValue } : {}),
    effectiveSeed: eff,
    selection,
    assignmentInputs: inputs,
    assignment: assigned.teams,
  };
  return { ok: true, record };
}

// ---------------------------------------------------------------------------
// Verify
// ---------------------------------------------------------------------------

export type VerifyResult = { ok: true } | { ok: false; first: string };

/** What a verifier may hold independently of the record. */
export interface VerifyInputs {
  /** The announcement posted before the draw. */
  announced?: Partial<DrawAnnouncement>;
  /** The snapshot from another source, e.g. the database at draw time. */
  snapshot?: readonly string[];
}

const teamText = (t: EntityTeam | undefined): string =>
  t === undefined
    ? '（无）'
    : t.officers.map((o) => `${o.inspectorNo}${o.name ? ` ${o.name}` : ''}（${unitName(o.department)}${o.leader ? '，组长' : ''}${o.expert ? '，专家' : ''}）`).join('、') || '（无人）';

const differs = (what: string, recorded: unknown, recomputed: unknown): VerifyResult => ({
  ok: false,
  first: `${what}不一致：记录为${String(recorded)}，重算为${String(recomputed)}`,
});

/**
 * Recomputes commitment, digest, k, effective seed, selection and assignment
 * from the record alone and returns the first difference, in Chinese.
 */
export function verifyDraw(record: DrawRecord, inputs: VerifyInputs = {}): VerifyResult {
  try {
    return verifyUnsafe(record, inputs);
  } catch (e) {
    return { ok: false, first: `公开记录无法重算：${e instanceof Error ? e.message : String(e)}` };
  }
}

function verifyUnsafe(r: DrawRecord, inputs: VerifyInputs): VerifyResult {
  if (r.rulesVersion !== DRAW_RULES_VERSION) {
    return { ok: false, first: `规则版本不一致：记录为${r.rulesVersion}，本程序为${DRAW_RULES_VERSION}` };
  }
  if (!isSeed(r.seed)) return { ok: false, first: '种子格式错误：应为64位小写十六进制字符' };
  const commitment = seedCommitment(r.seed);
  if (commitment !== r.seedCommitment) return differs('种子承诺值', r.seedCommitment, commitment);
  for (let i = 1; i < r.snapshot.length; i++) {
    if (!(r.snapshot[i - 1] < r.snapshot[i])) {
      return { ok: false, first: `快照未按升序排列或有重复：第${i}个为${r.snapshot[i - 1]}，第${i + 1}个为${r.snapshot[i]}` };
    }
  }
  if (r.n !== r.snapshot.length) return differs('主体总数n', r.n, r.snapshot.length);
  const digest = snapshotDigest(r.snapshot);
  if (digest !== r.snapshotDigest) return differs('快照摘要', r.snapshotDigest, digest);
  const k = sampleSize(r.snapshot.length, r.sampling);
  if (k !== r.k) return differs('抽取数量k', r.k, k);
  const eff = effectiveSeed(r.seed, r.publicValue);
  if (eff !== r.effectiveSeed) return differs('有效种子', r.effectiveSeed, eff);
  const rng = createDrawRng(eff);
  const selection = selectEntities(r.snapshot, k, rng);
  if (r.selection.length !== selection.length) return differs('抽中主体数', r.selection.length, selection.length);
  for (let i = 0; i < selection.length; i++) {
    if (r.selection[i] !== selection[i]) return differs(`第${i + 1}个抽中主体`, r.selection[i], selection[i]);
  }
  const a = r.assignmentInputs;
  if (a.pool !== r.pool) return differs('分派参数中的库', a.pool, r.pool);
  const rd = rosterDigest(a);
  if (rd !== r.rosterDigest) return differs('人员名录摘要', r.rosterDigest, rd);
  const assigned = assignFromInputs(selection, a, rng);
  if (!assigned.ok) return { ok: false, first: `重算分派未能完成：${assigned.message}` };
  if (r.assignment.length !== assigned.teams.length) return differs('分派主体数', r.assignment.length, assigned.teams.length);
  for (let i = 0; i < assigned.teams.length; i++) {
    const mine = assigned.teams[i];
    const theirs = r.assignment[i];
    const same = theirs.creditCode === mine.creditCode && theirs.officers.length === mine.officers.length &&
      theirs.officers.every((o, j) => {
        const m = mine.officers[j];
        return o.inspectorNo === m.inspectorNo && o.name === m.name && o.department === m.department &&
          o.leader === m.leader && o.expert === m.expert;
      });
    if (!same) {
      return differs(`第${i + 1}个主体（${mine.creditCode}）的检查人员`, `${theirs.creditCode} ${teamText(theirs)}`, `${mine.creditCode} ${teamText(mine)}`);
    }
  }
  const announced = inputs.announced ?? {};
  const fields: [keyof DrawAnnouncement, string][] = [
    ['announcementDigest', '公布摘要'],
    ['planNo', '计划编号'], ['pool', '库'], ['filter', '筛选条件'], ['n', '主体总数n'], ['k', '抽取数量k'],
    ['snapshotDigest', '快照摘要'], ['seedCommitment', '种子承诺值'], ['rosterDigest', '人员名录摘要'], ['announcedAt', '公布时间'],
  ];
  for (const [key, label] of fields) {
    const v = announced[key];
    if (v !== undefined && v !== r[key]) {
      return { ok: false, first: `${label}与事先公布的不一致：公布为${String(v)}，记录为${String(r[key])}` };
    }
  }
  // Every announced field is bound by the announcement digest: an edited plan number, filter or time shows here.
  const ad = announcementDigest(r);
  if (ad !== r.announcementDigest) {
    return {
      ok: false,
      first: `公布摘要不一致：记录为${r.announcementDigest}，按记录中的计划编号、库、筛选条件、抽取规则、n、k、快照摘要、种子承诺值、人员名录摘要、规则版本和公布时间重算为${ad}，其中有内容被改动过`,
    };
  }
  if (inputs.snapshot) {
    const other = sortSnapshot(inputs.snapshot);
    const n = Math.max(other.length, r.snapshot.length);
    for (let i = 0; i < n; i++) {
      if (other[i] !== r.snapshot[i]) {
        return { ok: false, first: `快照第${i + 1}个主体与核对来源不一致：记录为${r.snapshot[i] ?? '（无）'}，核对来源为${other[i] ?? '（无）'}` };
      }
    }
  }
  return { ok: true };
}
