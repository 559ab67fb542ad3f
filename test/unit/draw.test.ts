/**
 * The draw (双随机), pure core: commit, select, assign, verify (R2–R4, R7, R8, R8a).
 * The selection is re-implemented here from the procedure in docs/draw.md,
 * without calling the product's code, so these tests can fail.
 */
import { createHash } from 'node:crypto';
import seedrandom from 'seedrandom';
import { creditCodeCheckChar } from '../../src/domain/creditCode';
import {
  announcementOf, assignOfficers, commitDraw, teamOutlook, createDrawRng, effectiveSeed, runDraw, seedCommitment,
  assignmentBasis, assignmentInputs, selectEntities, snapshotDigest, verifyDraw,
  type AssignmentInputs, type AssignmentParams, type DrawRecord, type EntityTeam, type Rng, type RosterOfficer,
} from '../../src/domain/draw';
import type { InspectorRecord } from '../../src/domain/inspector';
import { sampleSize } from '../../src/domain/sampling';
import type { Pool } from '../../src/domain/pools';

function code(n: number): string {
  const first17 = `91361129${String(n).padStart(9, '0')}`;
  return first17 + creditCodeCheckChar(first17);
}

const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const SEED = '0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0';
const seedN = (i: number) => sha(`seed ${i}`);

/** The selection exactly as docs/draw.md writes it, independent of src/domain/draw.ts. */
function referenceSelection(codes: string[], k: number, seed: string, publicValue?: string) {
  const snapshot = [...codes].sort();
  const digest = sha(snapshot.join('\n'));
  const eff = publicValue === undefined ? seed : sha(`${seed}:${publicValue}`);
  const rng = seedrandom(eff);
  const a = snapshot.slice();
  const n = a.length;
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng() * (n - i));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return { digest, commitment: sha(seed), eff, selection: a.slice(0, k) };
}

let nextNo = 1;
function person(department: string, over: Partial<InspectorRecord> = {}): InspectorRecord {
  const no = over.inspectorNo ?? `P${String(nextNo++).padStart(4, '0')}`;
  return {
    inspectorNo: no,
    name: `人员${no}`,
    department,
    kind: 'civil_servant',
    certificateNo: `ZF${no}`,
    certificateExpiry: '2030-12-31',
    qualification: '行政执法',
    specialties: [],
    jointPool: true,
    active: true,
    conflicts: [],
    ...over,
  };
}
const expert = (department: string, specialties: string[], over: Partial<InspectorRecord> = {}) =>
  person(department, { kind: 'expert', certificateNo: '', certificateExpiry: undefined, specialties, ...over });

function params(inspectors: InspectorRecord[], over: Partial<AssignmentParams> = {}): AssignmentParams {
  return { pool: 'B', departments: ['SCJGJ'], inspectors, requiredSpecialties: {}, windowLastDay: '2026-06-30', ...over };
}

function teamsOf(selection: string[], p: AssignmentParams, seed = SEED): EntityTeam[] {
  const r = assignOfficers(selection, p, createDrawRng(seed));
  if (!r.ok) throw new Error(`expected teams, got ${r.message}`);
  return r.teams;
}

/**
 * docs/draw.md §4 re-implemented naively from its text (lists scanned, no
 * index), to show the text is enough and the product's fast index agrees.
 */
function referenceAssignment(selection: string[], inp: AssignmentInputs, rng: Rng): EntityTeam[] | string {
  const roster = [...inp.roster].sort((a, b) => (a.inspectorNo < b.inspectorNo ? -1 : 1));
  const q = inp.perDepartment;
  const k = selection.length;
  const inPool = (o: RosterOfficer) => inp.pool !== 'A' || o.jointPool;
  const officersOf = (d: string) => roster.filter((o) => o.department === d && !o.expert && o.certificateValid && inPool(o));
  const expertsOf = (d: string) => roster.filter((o) => o.department === d && o.expert && inPool(o));
  const load = new Map<string, number>(roster.map((o) => [o.inspectorNo, 0]));
  const cap = new Map<string, number>();
  for (const d of inp.departments) {
    const off = officersOf(d);
    const base = off.length ? Math.ceil((k * q) / off.length) : 0;
    for (const o of off) {
      let c = base;
      for (const s of inp.requiredSpecialties[d] ?? []) {
        const h = off.filter((x) => x.specialties.includes(s)).length;
        if (o.specialties.includes(s)) c += Math.ceil(k / h);
      }
      cap.set(o.inspectorNo, c);
    }
  }
  const conflict = (no: string, e: string) => inp.conflicts.some((c) => c.inspectorNo === no && c.creditCode === e);
  const prevOf = (no: string, e: string, d: string) =>
    inp.previous.some((p) => p.inspectorNo === no && p.creditCode === e && p.department === d);
  const pickFrom = (tiers: RosterOfficer[][]): RosterOfficer | undefined => {
    const tier = tiers.find((t) => t.length > 0);
    if (!tier) return undefined;
    const min = Math.min(...tier.map((o) => load.get(o.inspectorNo)!));
    const best = tier.filter((o) => load.get(o.inspectorNo) === min);
    return best[Math.floor(rng() * best.length)];
  };
  const teams: EntityTeam[] = [];
  for (const e of selection) {
    const officers: EntityTeam['officers'] = [];
    for (const d of inp.departments) {
      const team: RosterOfficer[] = [];
      const officerPick = (s?: string) => {
        const c = officersOf(d).filter((o) => !team.includes(o) && !conflict(o.inspectorNo, e) &&
          load.get(o.inspectorNo)! < cap.get(o.inspectorNo)! && (s === undefined || o.specialties.includes(s)));
        return pickFrom([c.filter((o) => !prevOf(o.inspectorNo, e, d)), c.filter((o) => prevOf(o.inspectorNo, e, d))]);
      };
      const expertPick = (s: string) => {
        const c = expertsOf(d).filter((o) => !team.includes(o) && !conflict(o.inspectorNo, e) && o.specialties.includes(s));
        return pickFrom([c.filter((o) => !prevOf(o.inspectorNo, e, d)), c]);
      };
      for (const s of inp.requiredSpecialties[d] ?? []) {
        if (team.some((o) => o.specialties.includes(s))) continue;
        const o = officerPick(s) ?? expertPick(s);
        if (!o) return `specialty ${e} ${d} ${s}`;
        team.push(o);
        load.set(o.inspectorNo, load.get(o.inspectorNo)! + 1);
      }
      while (team.filter((o) => !o.expert).length < q) {
        const o = officerPick();
        if (!o) return `officers ${e} ${d}`;
        team.push(o);
        load.set(o.inspectorNo, load.get(o.inspectorNo)! + 1);
      }
      const leader = d === inp.departments[0] ? team.find((o) => !o.expert) : undefined;
      for (const o of team) {
        officers.push({ inspectorNo: o.inspectorNo, name: o.name, department: d, leader: o === leader, expert: o.expert });
      }
    }
    teams.push({ creditCode: e, officers });
  }
  return teams;
}

const entities = (count: number, from = 1) => Array.from({ length: count }, (_, i) => code(from + i));

describe('The draw: commit and select (R2–R4, 一公开)', () => {
  it('R3: golden vector — digest, commitment and selection follow the published text', () => {
    const codes = entities(25).reverse();
    const ref = referenceSelection(codes, 5, SEED);
    expect(snapshotDigest(codes)).toBe(ref.digest);
    expect(seedCommitment(SEED)).toBe(ref.commitment);
    expect(effectiveSeed(SEED)).toBe(SEED);
    const selection = selectEntities([...codes].sort(), 5, createDrawRng(SEED));
    expect(selection).toEqual(ref.selection);
    // Pinned, so a change in seedrandom or in our code shows up here.
    expect(ref.digest).toBe('486004b316a18ffe01aeb17b2b5f0677e77e00b29b7098b2f65305acbc030a12');
    expect(ref.commitment).toBe(sha(SEED));
    expect(selection).toEqual(GOLDEN_SELECTION);
  });

  it('R2–R4: the product matches the reference for several seeds and pools, n = 0, k = 0, k = n, n = 1', () => {
    const cases: { n: number; k: number }[] = [
      { n: 0, k: 0 }, { n: 1, k: 0 }, { n: 1, k: 1 }, { n: 7, k: 7 }, { n: 10, k: 0 }, { n: 100, k: 10 }, { n: 999, k: 15 },
    ];
    for (const [s, { n, k }] of cases.entries()) {
      for (const pool of ['A', 'B', 'C'] as Pool[]) {
        const seed = seedN(s * 10 + pool.charCodeAt(0));
        const codes = entities(n, 1000 * s + 7).sort(() => 0).reverse();
        const ref = referenceSelection(codes, k, seed);
        const c = commitDraw({
          planNo: `P-${pool}-${s}`, pool, filter: '全部', sampling: { count: k }, snapshot: codes, seed,
          assignment: params([], { pool, departments: ['SCJGJ'] }),
        });
        expect(c.snapshotDigest).toBe(ref.digest);
        expect(c.seedCommitment).toBe(ref.commitment);
        expect(c.k).toBe(k);
        // With nobody to assign, only k = 0 can finish; the selection is still checked directly.
        expect(selectEntities(c.snapshot, k, createDrawRng(seed))).toEqual(ref.selection);
      }
    }
    expect(snapshotDigest([])).toBe(sha(''));
  });

  it('R2: k is computed in integers — n=999 at 15‰ is 15, n=1000 at 10‰ is 10, n=1 at 1‰ is 1', () => {
    expect(sampleSize(999, { ratioPermille: 15 })).toBe(15);
    expect(sampleSize(1000, { ratioPermille: 10 })).toBe(10);
    expect(sampleSize(1, { ratioPermille: 1 })).toBe(1);
    expect(sampleSize(0, { ratioPermille: 100 })).toBe(0);
    expect(sampleSize(1001, { ratioPermille: 100 })).toBe(101);
    expect(sampleSize(1000, { ratioPermille: 1000 })).toBe(1000);
    expect(sampleSize(1_000_000, { ratioPermille: 100 })).toBe(100_000);
    // 0.1 × 30 is 3.0000000000000004 in floating point; in integers it is 3.
    expect(sampleSize(30, { ratioPermille: 100 })).toBe(3);
    expect(sampleSize(5, { count: 8 })).toBe(5);
    expect(sampleSize(5, { count: 3 })).toBe(3);
    expect(() => sampleSize(10, { ratioPermille: 15.5 })).toThrow();
    expect(() => sampleSize(10, { count: -1 })).toThrow();
  });

  it('R3: a public value read out at draw time changes the effective seed and the selection', () => {
    const codes = entities(200);
    const eff = effectiveSeed(SEED, '上证指数3321.08');
    expect(eff).toBe(sha(`${SEED}:上证指数3321.08`));
    const withValue = selectEntities(codes, 10, createDrawRng(eff));
    expect(withValue).toEqual(referenceSelection(codes, 10, SEED, '上证指数3321.08').selection);
    expect(withValue).not.toEqual(selectEntities(codes, 10, createDrawRng(SEED)));
  });

  it('R3: a seed must be 64 lowercase hex characters', () => {
    expect(() => seedCommitment(SEED.toUpperCase())).toThrow(/64位小写十六进制/);
    expect(() => seedCommitment(SEED.slice(1))).toThrow();
    expect(() => effectiveSeed('xyz')).toThrow();
  });
});

describe('The draw: officers (R7, R8, R8a)', () => {
  it('R8a: every team has at least two enforcement officers with valid certificates and exactly one 组长', () => {
    const staff = Array.from({ length: 5 }, () => person('SCJGJ'));
    const sel = entities(20);
    const teams = teamsOf(sel, params(staff));
    expect(teams.map((t) => t.creditCode)).toEqual(sel);
    for (const t of teams) {
      expect(t.officers.filter((o) => !o.expert)).toHaveLength(2);
      expect(new Set(t.officers.map((o) => o.inspectorNo)).size).toBe(t.officers.length);
      expect(t.officers.filter((o) => o.leader)).toHaveLength(1);
    }
  });

  it('R8a: a certificate that expires before the window’s last day excludes the officer; one valid on that day does not', () => {
    const expired = person('SCJGJ', { certificateExpiry: '2026-06-29' });
    const lastDay = person('SCJGJ', { certificateExpiry: '2026-06-30' });
    const other = person('SCJGJ');
    const teams = teamsOf(entities(6), params([expired, lastDay, other]));
    for (const t of teams) {
      expect(t.officers.map((o) => o.inspectorNo).sort()).toEqual([lastDay.inspectorNo, other.inspectorNo].sort());
    }
  });

  it('R7, R8a: experts never count towards the two officers', () => {
    const staff = [person('SCJGJ'), expert('SCJGJ', ['特种设备']), expert('SCJGJ', ['特种设备'])];
    const r = assignOfficers(entities(1), params(staff, { requiredSpecialties: { SCJGJ: ['特种设备'] } }), createDrawRng(SEED));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toBe(`主体 ${code(1)}：县市管局有效执法证人员不足2人（R8a）`);
  });

  it('R8a: an officer with a declared conflict is never on that entity’s team', () => {
    const sel = entities(8);
    const staff = Array.from({ length: 4 }, () => person('SCJGJ'));
    staff[0].conflicts = [sel[0], sel[3]];
    staff[1].conflicts = [sel[3]];
    for (let s = 0; s < 30; s++) {
      const teams = teamsOf(sel, params(staff), seedN(s));
      const on = (i: number) => teams[i].officers.map((o) => o.inspectorNo);
      expect(on(0)).not.toContain(staff[0].inspectorNo);
      expect(on(3)).not.toContain(staff[0].inspectorNo);
      expect(on(3)).not.toContain(staff[1].inspectorNo);
      expect(on(3).sort()).toEqual([staff[2].inspectorNo, staff[3].inspectorNo].sort());
    }
  });

  it('R2, R4, R8a: a joint inspection has officers from every participating department, the 组长 from the lead', () => {
    const depts = ['XFJYDD', 'SCJGJ', 'WJW'];
    const staff = depts.flatMap((d) => Array.from({ length: 3 }, () => person(d)));
    const teams = teamsOf(entities(12), params(staff, { pool: 'C', departments: depts }));
    for (const t of teams) {
      for (const d of depts) expect(t.officers.filter((o) => o.department === d && !o.expert).length).toBeGreaterThanOrEqual(1);
      expect(t.officers.length).toBeGreaterThanOrEqual(2);
      const leaders = t.officers.filter((o) => o.leader);
      expect(leaders).toHaveLength(1);
      expect(leaders[0].department).toBe('XFJYDD');
    }
  });

  it('R8: an A-pool draw takes officers from the joint pool only', () => {
    const joint = [person('SCJGJ'), person('SCJGJ'), person('XFJYDD')];
    const outside = [person('SCJGJ', { jointPool: false }), person('XFJYDD', { jointPool: false })];
    const p = params([...joint, ...outside], { pool: 'A', departments: ['SCJGJ', 'XFJYDD'] });
    for (let s = 0; s < 20; s++) {
      for (const t of teamsOf(entities(5), p, seedN(s))) {
        for (const o of t.officers) expect(joint.map((j) => j.inspectorNo)).toContain(o.inspectorNo);
      }
    }
    const r = assignOfficers(entities(1), params([joint[0], ...outside], { pool: 'A', departments: ['SCJGJ', 'XFJYDD'] }), createDrawRng(SEED));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toBe(`主体 ${code(1)}：县消防救援大队在联合检查人员库中的有效执法证人员不足1人（R8、R8a）`);
  });

  it('R7: where an item requires a specialty, someone on the team holds it; an expert joins only when no officer can', () => {
    const specialist = person('SCJGJ', { specialties: ['特种设备', '食品'] });
    const staff = [specialist, ...Array.from({ length: 5 }, () => person('SCJGJ'))];
    const p = params(staff, { requiredSpecialties: { SCJGJ: ['特种设备'] } });
    for (const t of teamsOf(entities(5), p)) {
      expect(t.officers.map((o) => o.inspectorNo)).toContain(specialist.inspectorNo);
      expect(t.officers).toHaveLength(2);
    }
    const adviser = expert('WJW', ['放射卫生']);
    const joint = params([...staff, person('WJW'), person('WJW'), adviser], {
      pool: 'C', departments: ['SCJGJ', 'WJW'], requiredSpecialties: { WJW: ['放射卫生'] },
    });
    for (const t of teamsOf(entities(4), joint)) {
      const a = t.officers.find((o) => o.inspectorNo === adviser.inspectorNo);
      expect(a).toMatchObject({ expert: true, leader: false, department: 'WJW' });
      expect(t.officers.filter((o) => !o.expert).length).toBeGreaterThanOrEqual(2);
    }
    const none = assignOfficers(entities(1), params(staff, { requiredSpecialties: { SCJGJ: ['电梯'] } }), createDrawRng(SEED));
    expect(none.ok).toBe(false);
    if (!none.ok) {
      expect(none.constraint).toBe('specialty');
      expect(none.message).toBe(`主体 ${code(1)}：县市管局没有具备“电梯”专长的有效执法证人员或专家（R7）`);
    }
  });

  it('R8a: the officers who inspected the entity last time are avoided when others can go, used when nobody else can', () => {
    const [a, b, c, d] = Array.from({ length: 4 }, () => person('SCJGJ'));
    const sel = entities(3);
    const lastInspected = { [sel[1]]: { SCJGJ: [a.inspectorNo, b.inspectorNo] } };
    for (let s = 0; s < 30; s++) {
      const teams = teamsOf(sel, params([a, b, c, d], { lastInspected }), seedN(s));
      expect(teams[1].officers.map((o) => o.inspectorNo).sort()).toEqual([c.inspectorNo, d.inspectorNo].sort());
    }
    const onlyThem = teamsOf(sel, params([a, b], { lastInspected }));
    expect(onlyThem[1].officers.map((o) => o.inspectorNo).sort()).toEqual([a.inspectorNo, b.inspectorNo].sort());
  });

  it('R8a: the per-officer cap evens the load (cap = ceil(k × officers per entity / eligible officers))', () => {
    const staff = Array.from({ length: 7 }, () => person('SCJGJ'));
    const k = 20;
    const cap = Math.ceil((k * 2) / 7);
    for (let s = 0; s < 20; s++) {
      const load = new Map(staff.map((o) => [o.inspectorNo, 0]));
      for (const t of teamsOf(entities(k), params(staff), seedN(s))) {
        for (const o of t.officers) load.set(o.inspectorNo, load.get(o.inspectorNo)! + 1);
      }
      const loads = [...load.values()];
      expect(Math.max(...loads)).toBeLessThanOrEqual(cap);
      expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
    }
  });

  it('R8a: random rosters never yield a conflicted officer, fewer than two officers, a missing department or a load over the cap', () => {
    const depts = ['SCJGJ', 'XFJYDD'];
    for (let s = 0; s < 40; s++) {
      const rng: Rng = seedrandom(`roster ${s}`);
      const sel = entities(15, 100 * s);
      const staff = depts.flatMap((d) => Array.from({ length: 4 + Math.floor(rng() * 4) }, () => person(d)));
      for (const o of staff) o.conflicts = sel.filter(() => rng() < 0.1);
      const r = assignOfficers(sel, params(staff, { pool: 'C', departments: depts }), createDrawRng(seedN(s)));
      if (!r.ok) {
        expect(r.message).toMatch(/^主体 \S+：.*（R8a/);
        continue;
      }
      const load = new Map<string, number>();
      for (const t of r.teams) {
        const conflicted = staff.filter((o) => o.conflicts.includes(t.creditCode)).map((o) => o.inspectorNo);
        expect(t.officers.filter((o) => conflicted.includes(o.inspectorNo))).toEqual([]);
        expect(t.officers.filter((o) => !o.expert).length).toBeGreaterThanOrEqual(2);
        for (const d of depts) expect(t.officers.some((o) => o.department === d)).toBe(true);
        for (const o of t.officers) load.set(o.inspectorNo, (load.get(o.inspectorNo) ?? 0) + 1);
      }
      for (const d of depts) {
        const cap = Math.ceil(sel.length / staff.filter((o) => o.department === d).length);
        for (const o of staff.filter((x) => x.department === d)) expect(load.get(o.inspectorNo) ?? 0).toBeLessThanOrEqual(cap);
      }
    }
  });

  it('R7, R8, R8a: the officer procedure re-implemented from docs/draw.md gives the same teams or the same failure', () => {
    let failures = 0;
    for (let s = 0; s < 60; s++) {
      const rnd: Rng = seedrandom(`mixed ${s}`);
      const pool: Pool = (['A', 'B', 'C'] as Pool[])[s % 3];
      const depts = s % 2 === 0 ? ['SCJGJ'] : ['WJW', 'SCJGJ', 'XFJYDD'].slice(0, 2 + (s % 4 === 1 ? 1 : 0));
      const sel = entities(10 + Math.floor(rnd() * 30), 1000 * s);
      const specs = ['特种设备', '食品', '药品'];
      const staff = depts.flatMap((d) => Array.from({ length: 3 + Math.floor(rnd() * 6) }, () => {
        const mine = specs.filter(() => rnd() < 0.25);
        return rnd() < 0.15
          ? expert(d, mine.length ? mine : ['食品'], { jointPool: rnd() < 0.8 })
          : person(d, {
            specialties: mine, jointPool: rnd() < 0.8,
            certificateExpiry: rnd() < 0.1 ? '2026-06-01' : '2030-01-01',
            conflicts: sel.filter(() => rnd() < 0.08),
          });
      }));
      const lastInspected: Record<string, Record<string, string[]>> = {};
      for (const e of sel) {
        if (rnd() < 0.3) lastInspected[e] = { [depts[0]]: staff.filter((o) => o.department === depts[0] && rnd() < 0.4).map((o) => o.inspectorNo) };
      }
      const required: Record<string, string[]> = {};
      for (const d of depts) required[d] = specs.filter(() => rnd() < 0.3);
      const p = params(staff, { pool, departments: depts, requiredSpecialties: required, lastInspected });
      const inputs = assignmentInputs(p, assignmentBasis(p), sel);
      const product = assignOfficers(sel, p, createDrawRng(seedN(s)));
      const reference = referenceAssignment(sel, inputs, createDrawRng(seedN(s)));
      if (typeof reference === 'string') {
        failures++;
        expect(product.ok).toBe(false);
        if (!product.ok) expect(reference).toMatch(new RegExp(`^${product.constraint} ${product.creditCode} ${product.department}`));
      } else {
        expect(product).toEqual({ ok: true, teams: reference });
      }
    }
    // Both outcomes are exercised.
    expect(failures).toBeGreaterThan(0);
    expect(failures).toBeLessThan(60);
  });

  it('R8a: when the constraints cannot be met the result names the entity and the constraint and carries no teams', () => {
    const staff = Array.from({ length: 3 }, () => person('XFJYDD'));
    const sel = entities(5);
    staff[0].conflicts = [sel[2]];
    staff[1].conflicts = [sel[2]];
    const r = assignOfficers(sel, params(staff, { departments: ['XFJYDD'] }), createDrawRng(SEED));
    expect(r).toEqual({
      ok: false,
      creditCode: sel[2],
      department: 'XFJYDD',
      constraint: 'officers',
      rule: 'R8a',
      message: `主体 ${sel[2]}：县消防救援大队除需回避人员外，有效执法证人员不足2人（R8a）`,
    });
    expect('teams' in r).toBe(false);
  });
});

describe('The draw: public record and verification (一公开)', () => {
  const depts = ['SCJGJ', 'XFJYDD'];
  const snapshot = entities(300, 5000);
  const staff = [
    ...Array.from({ length: 6 }, () => person('SCJGJ')),
    person('SCJGJ', { specialties: ['特种设备'] }),
    ...Array.from({ length: 4 }, () => person('XFJYDD')),
    person('XFJYDD', { jointPool: false }),
  ];
  staff[7].conflicts = snapshot.slice(0, 150);
  const assignment = params(staff, {
    pool: 'A', departments: depts, requiredSpecialties: { SCJGJ: ['特种设备'] },
    lastInspected: { [snapshot[10]]: { XFJYDD: [staff[7].inspectorNo] } },
  });

  function draw(publicValue?: string): DrawRecord {
    const c = commitDraw({ planNo: '县市管局抽查〔2026〕12号', pool: 'A', filter: '全部A类主体', sampling: { ratioPermille: 50 }, snapshot, seed: SEED, assignment });
    const r = runDraw(c, { seed: SEED, publicValue, assignment });
    if (!r.ok) throw new Error(r.message);
    return r.record;
  }

  it('R2, R8a: a draw verifies from its public record alone, also after a JSON round trip', () => {
    const record = JSON.parse(JSON.stringify(draw('8421'))) as DrawRecord;
    expect(record.k).toBe(15);
    expect(record.selection).toEqual(referenceSelection(snapshot, 15, SEED, '8421').selection);
    expect(record.assignmentInputs.roster.some((o) => o.department === 'XFJYDD' && !o.jointPool)).toBe(false);
    expect(JSON.stringify(record)).not.toMatch(/certificateNo|certificateExpiry|ZFP/);
    expect(verifyDraw(record)).toEqual({ ok: true });
    expect(verifyDraw(record, { announced: announcementOf(record), snapshot: [...snapshot].reverse() })).toEqual({ ok: true });
  });

  it('R2: the announcement digest follows docs/draw.md §1.5 and binds every announced field', () => {
    const c = commitDraw({ planNo: 'JH2026-0012', pool: 'A', filter: '全部A类主体', sampling: { ratioPermille: 50 }, snapshot, seed: SEED, assignment, announcedAt: '2026-06-01T02:00:00.000Z' });
    // Re-implemented from the text: SHA-256 of JSON.stringify of [name, value-as-string] pairs in the listed order.
    const pairs = [
      ['rulesVersion', c.rulesVersion], ['planNo', 'JH2026-0012'], ['pool', 'A'], ['filter', '全部A类主体'], ['sampling', 'ratioPermille:50'],
      ['n', String(c.n)], ['k', String(c.k)], ['snapshotDigest', c.snapshotDigest], ['seedCommitment', c.seedCommitment],
      ['rosterDigest', c.rosterDigest], ['announcedAt', '2026-06-01T02:00:00.000Z'],
    ];
    expect(c.announcementDigest).toBe(sha(JSON.stringify(pairs)));
    const r = runDraw(c, { seed: SEED, assignment });
    if (!r.ok) throw new Error(r.message);
    expect(verifyDraw(r.record)).toEqual({ ok: true });
    for (const edit of [{ planNo: 'JH2026-0013' }, { filter: '全部' }, { pool: 'B' as Pool }, { sampling: { count: 15 } }, { announcedAt: '2026-06-02T02:00:00.000Z' }]) {
      const v = verifyDraw({ ...r.record, ...edit });
      expect(v.ok).toBe(false);
    }
    const v = verifyDraw({ ...r.record, planNo: 'JH2026-0013' });
    expect(!v.ok && v.first).toContain('公布摘要不一致');
    // Forged consistently, it still differs from the digest that was posted.
    const forged = { ...r.record, planNo: 'JH2026-0013' };
    forged.announcementDigest = sha(JSON.stringify(pairs.map(([k, x]) => [k, k === 'planNo' ? 'JH2026-0013' : x])));
    expect(verifyDraw(forged)).toEqual({ ok: true });
    const against = verifyDraw(forged, { announced: { announcementDigest: c.announcementDigest } });
    expect(!against.ok && against.first).toContain('公布摘要与事先公布的不一致');
  });

  it('R2: verification catches a tampered seed', () => {
    const record = draw();
    const other = seedN(99);
    expect(verifyDraw({ ...record, seed: other })).toEqual({
      ok: false, first: `种子承诺值不一致：记录为${record.seedCommitment}，重算为${sha(other)}`,
    });
    // A consistent forgery (new seed, new commitment) still differs from what was announced.
    const forged = { ...record, seed: other, seedCommitment: sha(other), effectiveSeed: other };
    const v = verifyDraw(forged, { announced: { seedCommitment: record.seedCommitment } });
    expect(v.ok).toBe(false);
  });

  it('R2: verification catches a tampered snapshot digest and snapshot', () => {
    const record = draw();
    expect(verifyDraw({ ...record, snapshotDigest: sha('x') })).toEqual({
      ok: false, first: `快照摘要不一致：记录为${sha('x')}，重算为${record.snapshotDigest}`,
    });
    const fewer = { ...record, snapshot: record.snapshot.slice(1) };
    expect(verifyDraw(fewer)).toEqual({ ok: false, first: `主体总数n不一致：记录为300，重算为299` });
  });

  it('R2: verification catches a tampered selection and names its position', () => {
    const record = draw();
    const selection = [...record.selection];
    const swapIn = record.snapshot.find((c) => !selection.includes(c))!;
    const was = selection[2];
    selection[2] = swapIn;
    expect(verifyDraw({ ...record, selection })).toEqual({ ok: false, first: `第3个抽中主体不一致：记录为${swapIn}，重算为${was}` });
  });

  it('R8a: verification catches a tampered assignment, roster or conflict list', () => {
    const record = draw();
    const assignment = record.assignment.map((t) => ({ ...t, officers: t.officers.map((o) => ({ ...o })) }));
    const outsider = staff.find((o) => o.department === 'SCJGJ' && !assignment[0].officers.some((x) => x.inspectorNo === o.inspectorNo))!;
    assignment[0].officers[0].inspectorNo = outsider.inspectorNo;
    const v = verifyDraw({ ...record, assignment });
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.first).toMatch(new RegExp(`^第1个主体（${record.selection[0]}）的检查人员不一致：记录为`));

    const roster = record.assignmentInputs.roster.slice(1);
    const v2 = verifyDraw({ ...record, assignmentInputs: { ...record.assignmentInputs, roster } });
    expect(v2.ok).toBe(false);
    if (!v2.ok) expect(v2.first).toMatch(/^人员名录摘要不一致/);

    // Dropping the declared conflicts changes the recomputed teams for some entity.
    const noConflicts = { ...record, assignmentInputs: { ...record.assignmentInputs, conflicts: [] } };
    expect(record.assignmentInputs.conflicts.length).toBeGreaterThan(0);
    const v3 = verifyDraw(noConflicts);
    expect(v3.ok).toBe(false);
  });

  it('R2: verification reports a record that cannot be recomputed instead of throwing', () => {
    const record = draw();
    expect(verifyDraw({ ...record, seed: 'nope' })).toEqual({ ok: false, first: '种子格式错误：应为64位小写十六进制字符' });
    const bad = { ...record, sampling: { ratioPermille: -5 } };
    const v = verifyDraw(bad);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.first).toMatch(/^公开记录无法重算/);
  });

  it('R2: the draw refuses a seed other than the committed one', () => {
    const c = commitDraw({ planNo: 'x', pool: 'A', filter: '', sampling: { count: 3 }, snapshot, seed: SEED, assignment });
    expect(() => runDraw(c, { seed: seedN(1), assignment })).toThrow(/承诺值/);
  });
});

const GOLDEN_SELECTION = ['91361129000000022B', '91361129000000015K', '913611290000000205', '913611290000000190', '91361129000000005J'];

describe('The draw: team outlook before the draw (R7, R8, R8a)', () => {
  it('R8a: per department, officers, slots and highest load; warnings for one or two candidates and for loads above the limit', () => {
    const staff = [person('SCJGJ'), person('SCJGJ'), ...Array.from({ length: 10 }, () => person('XFJYDD'))];
    const basis = assignmentBasis(params(staff, { pool: 'B', departments: ['SCJGJ'], requiredSpecialties: {} }));
    const o = teamOutlook(basis, 60, 30);
    expect(o.departments).toEqual([{ department: 'SCJGJ', officers: 2, perEntity: 2, specialties: [], highestLoad: 60 }]);
    expect(o.impossible).toEqual([]);
    expect(o.warnings.join()).toContain('每户都是同样的人，人员抽取实际上不随机');
    expect(o.warnings.join()).toContain('超过每个检查期 30 户的上限');
    const wide = teamOutlook(assignmentBasis(params(staff, { pool: 'B', departments: ['XFJYDD'], requiredSpecialties: {} })), 60, 30);
    expect(wide.departments[0].highestLoad).toBe(12); // ceil(60 × 2 / 10)
    expect(wide.warnings).toEqual([]);
  });

  it('R7: a specialty two officers hold makes them the team for every entity needing it (80 of 159); nobody holding it is impossible', () => {
    const staff = [person('SCJGJ', { specialties: ['特种设备'] }), person('SCJGJ', { specialties: ['特种设备'] }), ...Array.from({ length: 10 }, () => person('SCJGJ'))];
    const o = teamOutlook(assignmentBasis(params(staff, { pool: 'B', departments: ['SCJGJ'], requiredSpecialties: { SCJGJ: ['特种设备'] } })), 159, 30);
    expect(o.departments[0].highestLoad).toBe(80);
    expect(o.warnings.join()).toContain('具备“特种设备”专长的执法人员只有 2 名');
    const none = teamOutlook(assignmentBasis(params(staff, { pool: 'B', departments: ['SCJGJ'], requiredSpecialties: { SCJGJ: ['危险化学品'] } })), 10, 30);
    expect(none.impossible.map((x) => x.rule)).toEqual(['R7']);
    const pool = teamOutlook(assignmentBasis(params(staff, { pool: 'A', departments: ['SCJGJ', 'XFJYDD'], requiredSpecialties: {} })), 10, 30);
    expect(pool.impossible.map((x) => x.rule)).toEqual(['R8a']); // 县消防 has nobody in the joint pool (R8)
  });
});
