/**
 * The draw record the public site offers for 核验, pure. Declared conflicts (回避申报: an
 * officer's tie to an entity) are personal information and never public, yet the officer
 * draw reads them: an officer with a conflict is left out of that entity's candidates. No
 * digest can hide them and still let anyone recompute the teams (the pairs are few enough
 * to try them all), so the public record withholds them and says how many:
 *
 * - a draw with no conflict among its selected entities (the usual case) has nothing to
 *   withhold: its public record is the full record and the browser recomputes everything;
 * - otherwise the public record has `conflicts: []` and `withheldConflicts: <count>`. The
 *   browser still recomputes and checks the seed commitment, snapshot digest, n, k, the
 *   effective seed, every selected entity, the roster digest and the announcement digest —
 *   exactly as for a full record — and checks each team against the published roster
 *   (every officer on it, of a taking-part department, enough officers per department, one
 *   组长 from the lead department, valid certificates, nobody twice). Recomputing each team
 *   person by person needs the full record (`npm run cli -- draw export`), which 联席办 and
 *   司法局 verify with `draw verify` (R21 oversight).
 */
import { assignFromInputs, createDrawRng, selectEntities, verifyDraw, type DrawRecord, type VerifyInputs } from './draw';

export interface PublicDrawRecord extends DrawRecord {
  /** How many declared-conflict pairs were withheld from `assignmentInputs.conflicts`. */
  withheldConflicts?: number;
}

/** The record as the public site serves it: declared conflicts withheld (their count kept). */
export function publicRecordOf(r: DrawRecord): PublicDrawRecord {
  const n = r.assignmentInputs.conflicts.length;
  if (n === 0) return r;
  return { ...r, assignmentInputs: { ...r.assignmentInputs, conflicts: [] }, withheldConflicts: n };
}

export type PublicVerifyResult =
  | { ok: true; complete: true }
  | { ok: true; complete: false; withheld: number }
  | { ok: false; first: string };

/** The first way a team breaks the published roster's rules, or undefined. */
function teamProblem(r: DrawRecord): string | undefined {
  const a = r.assignmentInputs;
  const roster = new Map(a.roster.map((o) => [o.inspectorNo, o]));
  if (r.assignment.length !== r.selection.length) return `分派主体数不一致：记录为${r.assignment.length}，抽中主体为${r.selection.length}`;
  for (let i = 0; i < r.assignment.length; i++) {
    const t = r.assignment[i];
    const at = `第${i + 1}个主体（${r.selection[i]}）的检查人员`;
    if (t.creditCode !== r.selection[i]) return `${at}不一致：分派给了${t.creditCode}`;
    const seen = new Set<string>();
    for (const o of t.officers) {
      const p = roster.get(o.inspectorNo);
      if (!p) return `${at}中的${o.name}不在公布的人员名录中`;
      if (p.name !== o.name || p.department !== o.department || !a.departments.includes(o.department)) return `${at}中的${o.name}与人员名录不一致`;
      if (o.expert !== p.expert || (!p.expert && !p.certificateValid)) return `${at}中的${o.name}不是有效执法证人员`;
      if (a.pool === 'A' && !p.jointPool) return `${at}中的${o.name}不在联合检查人员库中（A类）`;
      if (seen.has(o.inspectorNo)) return `${at}中${o.name}重复出现`;
      seen.add(o.inspectorNo);
    }
    for (const d of a.departments) {
      const officers = t.officers.filter((o) => o.department === d && !o.expert).length;
      if (officers < a.perDepartment) return `${at}中${d}的执法人员只有${officers}名，规则要求${a.perDepartment}名`;
    }
    const leaders = t.officers.filter((o) => o.leader);
    if (leaders.length !== 1 || leaders[0].department !== a.departments[0] || leaders[0].expert) return `${at}的组长不符合规则（应为牵头部门的一名执法人员）`;
  }
  return undefined;
}

/**
 * Verifies a record the public site served (or any record a visitor loads): completely when
 * nothing was withheld, otherwise everything but the person-by-person team draw (see above).
 */
export function verifyPublicRecord(r: PublicDrawRecord, inputs: VerifyInputs = {}): PublicVerifyResult {
  const withheld = r.withheldConflicts ?? 0;
  if (withheld === 0) {
    const v = verifyDraw(r, inputs);
    return v.ok ? { ok: true, complete: true } : v;
  }
  // Everything the teams do not decide, checked by the same code: the teams recomputed without
  // the withheld pairs stand in for the recorded ones, so only they are left out of the comparison.
  let probe: DrawRecord = r;
  try {
    const rng = createDrawRng(r.effectiveSeed);
    const selection = selectEntities(r.snapshot, r.k, rng);
    const teams = assignFromInputs(selection, r.assignmentInputs, rng);
    if (teams.ok) probe = { ...r, assignment: teams.teams };
  } catch {
    // A malformed record: verifyDraw names the problem below.
  }
  const v = verifyDraw(probe, inputs);
  if (!v.ok) return v;
  const problem = teamProblem(r);
  return problem ? { ok: false, first: problem } : { ok: true, complete: false, withheld };
}
