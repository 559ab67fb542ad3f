/**
 * Pure generation of the demo county (no I/O): importer rows for entities,
 * items and inspectors, the R1 placements, and the county's directory as the
 * platforms would serve it. All randomness comes from seedrandom(seed), the day
 * is passed in: the same arguments give the same data.
 */
import seedrandom from 'seedrandom';
import { creditCodeCheckChar, CREDIT_CODE_ALPHABET } from '../../domain/creditCode';
import type { EntityRecord } from '../../domain/entity';
import type { InspectorKind, InspectorRecord } from '../../domain/inspector';
import type { ItemRecord } from '../../domain/item';
import { addDays, yearlyDeadline } from '../../domain/calendar';
import { MEMBER_UNITS, unitName } from '../../domain/organisation';
import type { EntityKind, Pool, RiskClass } from '../../domain/pools';
import {
  BRAND, DOUBLED, EXPERT_BODIES, FIRST_ADMIN, GIVEN, INSPECTOR_USER_DEPT, ITEMS, LINES, PARK_ROADS, PRIORITY_TAGS, RISK_WEIGHTS,
  ROSTER_WEIGHTS, SAFETY_DOMAINS, SEAT_ROADS, SURNAMES, TOWNSHIPS, USERS, VILLAGE_PARTS, wecomIdOf,
} from './fixtures';

export type Cells = Record<string, string>;
/** Rows keyed by the importer's canonical field names, holding text as a spreadsheet cell would. */
export type EntityCells = Record<Exclude<keyof EntityRecord, 'registration'>, string> & { registration?: string };
export type InspectorCells = Record<Exclude<keyof InspectorRecord, 'mobile' | 'platformId'>, string> & Partial<Record<'mobile' | 'platformId', string>>;
export type ItemCells = Record<keyof ItemRecord, string>;

export interface Placement {
  code: string;
  pool: Pool;
  reason: string;
  /** C only: the proposing unit. */
  proposerDept?: string;
}

/** Everything the demo writes, as importer rows plus the R1 placements to make after the import. */
export interface DemoData {
  entities: EntityCells[];
  placements: Placement[];
  inspectors: InspectorCells[];
  items: ItemCells[];
  inspectorUser: { inspectorNo: string; name: string };
}

type Rng = () => number;

const tools = (rng: Rng) => {
  const int = (lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rng() * a.length)];
  const chance = (p: number) => rng() < p;
  const weighted = <T>(pairs: readonly (readonly [T, number])[]): T => {
    const total = pairs.reduce((s, [, w]) => s + w, 0);
    let x = rng() * total;
    for (const [v, w] of pairs) {
      x -= w;
      if (x < 0) return v;
    }
    return pairs[pairs.length - 1][0];
  };
  return { int, pick, chance, weighted };
};

export const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** GB 11714 check character of an 8-digit organisation code. */
function orgCodeCheck(digits: string): string {
  const w = [3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number(digits[i]) * w[i];
  const c = 11 - (sum % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}


/**
 * The day a yearly filing due by 31 March (R8, R9) was made: between 5 January
 * and 31 March of this year, and before today; early in January, last March.
 */
function filingDay(today: string, rng: Rng): string {
  const year = Number(today.slice(0, 4));
  let from = `${year}-01-05`;
  let to = addDays(today, -1) < yearlyDeadline(year) ? addDays(today, -1) : yearlyDeadline(year);
  if (to < from) {
    from = `${year - 1}-03-01`;
    to = yearlyDeadline(year - 1);
  }
  const span = Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);
  return addDays(from, Math.floor(rng() * (span + 1)));
}

function generateEntities(n: number, seed: string): { rows: EntityCells[]; placements: Placement[] } {
  const rng = seedrandom(`${seed}:entities`);
  const { int, pick, chance, weighted } = tools(rng);
  const codes = new Set<string>();
  const names = new Set<string>();
  const rows: EntityCells[] = [];
  const placements: Placement[] = [];
  const lines = LINES.map((l) => [l, l.weight] as const);

  const newCode = (kind: EntityKind): string => {
    for (;;) {
      const type = kind === '企业' ? '91' : kind === '个体工商户' ? '92' : '93';
      let body: string;
      if (kind === '企业' && chance(0.2)) {
        // An older enterprise: its 9-character organisation code (8 digits + GB 11714 check).
        const digits = pad(int(10_000_000, 79_999_999), 8);
        body = digits + orgCodeCheck(digits);
      } else {
        body = `MA3${pick('56789ABCD'.split(''))}`;
        for (let i = 0; i < 5; i++) body += pick(CREDIT_CODE_ALPHABET.split(''));
      }
      const first17 = `${type}361129${body}`;
      const code = first17 + creditCodeCheckChar(first17);
      if (!codes.has(code)) {
        codes.add(code);
        return code;
      }
    }
  };
  const brand = (): string => {
    const a = pick(BRAND);
    let b = pick(BRAND);
    while (b === a) b = pick(BRAND);
    return a + b;
  };
  const village = (): string => {
    const a = pick(VILLAGE_PARTS);
    let b = pick(VILLAGE_PARTS);
    while (b === a) b = pick(VILLAGE_PARTS);
    return chance(0.3) ? `${pick(SURNAMES)}家` : a + b;
  };
  const uniqueName = (make: () => string): string => {
    for (let i = 0; i < 30; i++) {
      const nm = make();
      if (!names.has(nm)) {
        names.add(nm);
        return nm;
      }
    }
    const base = make();
    for (let k = 2; ; k++) {
      const nm = `${base}（${k}号店）`;
      if (!names.has(nm)) {
        names.add(nm);
        return nm;
      }
    }
  };

  for (let i = 0; i < n; i++) {
    const line = weighted(lines);
    const township = weighted(TOWNSHIPS);
    const word = pick(line.words);
    let name: string;
    let address: string;
    if (line.kind === '企业') {
      const prefix = weighted([['万年县', 85], ['江西', 12], ['江西万年', 3]] as const);
      name = uniqueName(() => `${prefix}${brand()}${word}${weighted([['有限公司', 90], ['有限责任公司', 8], ['股份有限公司', 2]] as const)}`);
      address = line.park !== undefined && chance(line.park)
        ? `万年县高新技术产业园区${pick(PARK_ROADS)}${int(1, 300)}号`
        : township === '陈营镇'
          ? `万年县陈营镇${pick(SEAT_ROADS)}${int(1, 680)}号`
          : `万年县${township}${village()}村${int(1, 120)}号`;
    } else if (line.kind === '个体工商户') {
      const style = int(1, 4);
      name = uniqueName(() => {
        const mark = style === 1 ? `${pick(SURNAMES)}记` : style === 2 ? pick(DOUBLED) : style === 3 ? `老${pick(SURNAMES)}` : brand();
        return `万年县${township}${mark}${word}`;
      });
      address = township === '陈营镇'
        ? `万年县陈营镇${pick(SEAT_ROADS)}${int(1, 680)}号`
        : `万年县${township}${chance(0.5) ? `${township.slice(0, -1)}街` : `${village()}村`}${int(1, 200)}号`;
    } else {
      name = uniqueName(() => `万年县${chance(0.5) ? township.slice(0, -1) + village() : brand()}${word}专业合作社`);
      address = `万年县${township}${village()}村`;
    }

    const riskClass = weighted(RISK_WEIGHTS);
    const tags: string[] = [];
    for (const [tag, p] of line.tags ?? []) if (chance(p)) tags.push(tag);
    if (address.includes('高新技术产业园区') && !tags.includes('招商引资') && chance(0.3)) tags.push('招商引资');
    const depts = [line.depts[0], ...line.depts.slice(1).filter(() => chance(0.45))];
    if (line.kind !== '农民专业合作社' && !depts.includes('SCJGJ') && chance(0.3)) depts.push('SCJGJ');
    if (tags.includes('消防安全') && !depts.includes('XFJYDD')) depts.push('XFJYDD');
    if (tags.includes('危险化学品') && !depts.includes('YJGLJ')) depts.push('YJGLJ');
    if (tags.includes('特种设备') && !depts.includes('SCJGJ')) depts.push('SCJGJ');
    const code = newCode(line.kind);
    const placement = placeEntity(code, line.kind, riskClass, tags);
    if (placement) placements.push(placement);
    // A unit proposes C only for entities it supervises (R1: 根据监管职责提出).
    if (placement?.proposerDept && !depts.includes(placement.proposerDept)) depts.push(placement.proposerDept);
    rows.push({
      creditCode: code,
      name,
      kind: line.kind,
      industry: line.industry,
      township,
      address,
      riskClass,
      sectorTags: tags.join('、'),
      departments: depts.map(unitName).join('、'),
    });
  }

  /**
   * Where R1 puts an entity (the demo's stand-in for 联席办's and the member units'
   * judgement): poor credit → C; good credit in a priority sector → A; a safety
   * domain → C (proposed by the unit in charge); a few other good-credit ones → A.
   */
  function placeEntity(code: string, kind: EntityKind, risk: RiskClass, tags: string[]): Placement | undefined {
    if (risk === '高' || risk === '较高') {
      if (chance(0.85)) return { code, pool: 'C', proposerDept: 'SCJGJ', reason: `R1：信用风险${risk}，属信用等级较差的市场主体，须每年全覆盖检查` };
      return undefined;
    }
    const priority = PRIORITY_TAGS.find((t) => tags.includes(t));
    if (priority && chance(risk === '低' ? 0.9 : 0.45)) {
      return { code, pool: 'A', reason: risk === '低' ? `R1：信用优良，且属${priority}重点领域` : `R1：属${priority}重点领域` };
    }
    const domain = SAFETY_DOMAINS.find(([t]) => tags.includes(t));
    if (domain && chance(0.3)) return { code, pool: 'C', proposerDept: domain[1], reason: `R1：涉及${domain[0]}领域，须每年全覆盖检查` };
    if (risk === '低' && chance(kind === '个体工商户' ? 0.02 : 0.3)) return { code, pool: 'A', reason: 'R1：信用优良（信用风险低）' };
    return undefined;
  }

  return { rows, placements };
}

function generateItems(today: string, seed: string): ItemCells[] {
  const rng = seedrandom(`${seed}:items`);
  const rows: ItemCells[] = [];
  MEMBER_UNITS.forEach((unit, u) => {
    ITEMS[unit.code].forEach(([name, basis, specialty, pools, joint], i) => {
      rows.push({
        itemCode: `${unit.code}-JC${pad(i + 1, 2)}`,
        department: unit.name,
        name,
        legalBasis: basis,
        powerListCode: `361129-XZJC-${pad(u + 1, 2)}${pad(i + 1, 3)}`,
        pools,
        jointListA: joint ? '是' : '否',
        jointListFiledOn: joint ? filingDay(today, rng) : '',
        specialty,
      });
    });
  });
  return rows;
}

/** Splits `total` over the units by weight, at least two each (R8a). */
function rosterSizes(total: number): Record<string, number> {
  const units = MEMBER_UNITS.map((u) => u.code);
  const rest = total - 2 * units.length;
  const weightSum = units.reduce((s, c) => s + ROSTER_WEIGHTS[c], 0);
  const exact = units.map((c) => (rest * ROSTER_WEIGHTS[c]) / weightSum);
  const sizes = exact.map((x) => Math.floor(x));
  let left = rest - sizes.reduce((s, x) => s + x, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left-- <= 0) break;
    sizes[i]++;
  }
  return Object.fromEntries(units.map((c, i) => [c, sizes[i] + 2]));
}

function generateInspectors(total: number, today: string, seed: string, entities: EntityCells[]): { rows: InspectorCells[]; user: { inspectorNo: string; name: string } } {
  const rng = seedrandom(`${seed}:inspectors`);
  const { int, pick, chance, weighted } = tools(rng);
  const sizes = rosterSizes(total);
  const specialtiesOf = (dept: string) => [...new Set(ITEMS[dept].map((i) => i[2]))];
  // Role holders are other people: no inspector shares a name with them, so name + unit stays unique.
  const usedNames = new Set<string>([...USERS.map((u) => u.name), FIRST_ADMIN.name]);
  const personName = (): string => {
    for (;;) {
      const nm = pick(SURNAMES) + pick(GIVEN) + (chance(0.7) ? pick(GIVEN) : '');
      if (!usedNames.has(nm)) {
        usedNames.add(nm);
        return nm;
      }
    }
  };
  const year = Number(today.slice(0, 4));
  const rows: InspectorCells[] = [];
  let certSeq = 0;
  MEMBER_UNITS.forEach((unit, u) => {
    const specs = specialtiesOf(unit.code);
    for (let i = 0; i < sizes[unit.code]; i++) {
      const inspectorNo = `${unit.code}-${pad(i + 1, 3)}`;
      // The first two of each unit are certified civil servants, so every unit can field a team (R8a).
      const kind: InspectorKind = i < 2
        ? 'civil_servant'
        : weighted([['civil_servant', 52], ['qualified_staff', 23], ['daily_supervision', 17], ['expert', 8]] as const);
      const certified = kind === 'civil_servant' || kind === 'qualified_staff' || (kind === 'daily_supervision' && chance(0.2));
      const certificateNo = certified ? `赣执${pad(u + 1, 2)}${pad(++certSeq, 5)}` : '';
      const expired = certified && i >= 2 && chance(0.04);
      const certificateExpiry = !certified ? '' : expired ? addDays(today, -int(10, 400)) : `${year + int(1, 5)}-${pad(int(1, 12), 2)}-${pad(int(1, 28), 2)}`;
      const mySpecs = kind === 'expert' ? [pick(specs)] : [...new Set([pick(specs), ...(chance(0.4) ? [pick(specs)] : []), ...(chance(0.3) ? ['综合执法'] : [])])];
      const qualification = kind === 'expert'
        ? `${pick(EXPERT_BODIES)}${pick(['高级工程师', '研究员', '副教授', '教授', '主任技师'])}`
        : kind === 'civil_servant' ? '行政执法证（江西省）'
          : kind === 'qualified_staff' ? '具有行政执法资格'
            : certified ? '行政执法证（江西省）' : '日常监管';
      const name = personName();
      const leave = i >= 2 && chance(0.025);
      rows.push({
        inspectorNo,
        name,
        department: unit.name,
        kind,
        certificateNo,
        certificateExpiry,
        qualification,
        specialties: mySpecs.join('、'),
        jointPool: '否',
        jointPoolUpdatedOn: '',
        // An officer whose certificate has lapsed is off duty until it is renewed (R8a).
        active: leave || expired ? '否' : '是',
        conflicts: '',
        // How the directory finds them (关联检查人员): every other row carries the WeCom account, all a mobile.
        mobile: `139${pad(u + 1, 2)}${pad(i + 1, 6)}`,
        ...(i % 2 === 0 ? { platformId: wecomIdOf(inspectorNo) } : {}),
      });
    }
  });

  // 联席办's joint pool (R8): about a fifth, chosen among active officers with a valid certificate, updated by 31 March.
  const eligible = rows.filter((r) => r.certificateNo && r.certificateExpiry >= today && r.active === '是');
  const userRow = rows.find((r) => r.inspectorNo === `${INSPECTOR_USER_DEPT}-001`)!;
  const shuffled = eligible.filter((r) => r !== userRow).map((r) => [rng(), r] as const).sort((a, b) => a[0] - b[0]).map(([, r]) => r);
  const joint = [userRow, ...shuffled.slice(0, Math.max(0, Math.round(total * 0.2) - 1))];
  for (const r of joint) {
    r.jointPool = '是';
    r.jointPoolUpdatedOn = filingDay(today, rng);
  }

  // A few declared conflicts of interest (R8a 回避) with entities the inspector's unit supervises.
  const byDept = new Map<string, string[]>();
  for (const e of entities) for (const d of e.departments.split('、')) {
    const list = byDept.get(d) ?? [];
    if (list.length < 200) list.push(e.creditCode);
    byDept.set(d, list);
  }
  const candidates = rows.filter((r) => r.kind !== 'expert' && r !== userRow);
  const nConflicts = Math.max(3, Math.round(total * 0.025));
  for (let k = 0; k < nConflicts && candidates.length; k++) {
    const r = candidates.splice(int(0, candidates.length - 1), 1)[0];
    const pool = byDept.get(r.department) ?? entities.map((e) => e.creditCode).slice(0, 200);
    const mine = new Set([pick(pool), ...(chance(0.3) ? [pick(pool)] : [])]);
    r.conflicts = [...mine].join('、');
  }
  return { rows, user: { inspectorNo: userRow.inspectorNo, name: userRow.name } };
}

/** Pure generation of everything the demo writes (no I/O): the same arguments give the same data. */
export function generateDemoData(entities: number, inspectors: number, seed: string, today: string): DemoData {
  const e = generateEntities(entities, seed);
  const items = generateItems(today, seed);
  const ins = generateInspectors(inspectors, today, seed, e.rows);
  return { entities: e.rows, placements: e.placements, inspectors: ins.rows, items, inspectorUser: ins.user };
}
