/**
 * The draw as a use case (R2–R4, R7, R8, R8a, R10, R13, R20): who may
 * draw which plan and when, the snapshot and the roster from the database, the
 * seed from a cryptographic generator, the pure draw (src/domain/draw.ts), the
 * tasks it makes — joined into one visit where another department's draw hit
 * the same entity in an overlapping window (一集中) — verification, and voiding.
 * The rules are written out in docs/draw.md.
 */
import { usersOfInspectors } from './inspectorLinks';
import { randomBytes } from 'node:crypto';
import { beijingDate } from '../domain/calendar';
import { STATUS_WORDS } from '../domain/status';
import { DEFAULT_POLICY } from './policy';
import {
  announcementOf, commitDraw, teamOutlook, type TeamOutlook, effectiveSeed, isSeed, requiredSpecialtiesOf, runDraw, seedCommitment, verifyDraw,
  type AssignmentParams, type DrawAnnouncement, type DrawRecord, type VerifyResult,
} from '../domain/draw';
import { arrangedParts } from '../domain/cJoint';
import { itemKey, type ItemRecord } from '../domain/item';
import { unitName } from '../domain/organisation';
import { describeFilter, mayPlanPool } from '../domain/plan';
import { POOL_LABELS } from '../domain/pools';
import { mayJoin, taskNumber, taskSeries, type TaskPart } from '../domain/task';
import type { DrawDoc, DrawFailure, SealedDraw } from '../domain/records/draw';
import type { EntitySummary } from '../domain/records/entity';
import type { PlanDoc } from '../domain/records/plan';
import type { NewTask, TaskDoc } from '../domain/records/task';
import type { ApprovalService } from './approvals';
import { hasAny, Refusal, type Caller, type Deps } from './context';
import { requireRole } from './roles';
import { planService } from './plans';

const MAX_PUBLIC_VALUE_CHARS = 100;
const MAX_REASON_CHARS = 500;

/** One task of a draw, in selection order: made by this draw, or joined (an earlier draw's task). */
export interface DrawTask {
  task: TaskDoc;
  joined: boolean;
}

export type { EntitySummary };

export interface DrawOutcome {
  draw: DrawDoc & { record: DrawRecord };
  plan: PlanDoc;
  announcement: DrawAnnouncement;
  /** The teams per department and fairness warnings, posted with the commitment. */
  outlook: TeamOutlook;
  tasks: DrawTask[];
  /** The selected entities' names and addresses. */
  entities: Map<string, EntitySummary>;
  /** Item key → name, for the form. */
  itemNames: Map<string, string>;
  /** The group chats to announce in: the participating departments, then those whose tasks were joined. */
  announceTo: string[];
  /** Registered users (user id = inspector number) and their tasks in this draw. */
  officerUsers: { userId: string; tasks: TaskDoc[] }[];
}

/** Step 1 of the two-step form: the stored draw (status 'committed') and what is posted. */
export interface CommitOutcome {
  draw: DrawDoc;
  plan: PlanDoc;
  announcement: DrawAnnouncement;
  outlook: TeamOutlook;
  /** The participating departments' group chats. */
  announceTo: string[];
}

/** 开奖: drawn as the one-step form draws, or failed in public (the commitment already was). */
export type RevealOutcome =
  | { ok: true; outcome: DrawOutcome }
  | { ok: false; draw: DrawDoc; plan: PlanDoc; failure: DrawFailure; seed: string; announceTo: string[] };

/** The commit half's result, before anything is stored or selected. */
interface Committed {
  plan: PlanDoc;
  items: ItemRecord[];
  at: Date;
  eligible: EntitySummary[];
  /** The draw as it would be stored, status 'committed'. */
  draw: DrawDoc;
  sealed: SealedDraw;
}

/** The eligibility filter as the announcement writes it (the plan's 对象 line). */
export function filterText(plan: PlanDoc): string {
  return describeFilter(plan.filter);
}

/** Credit code → department → inspector numbers of the latest open task (docs/draw.md §7.4). */
function lastInspected(tasks: readonly TaskDoc[], departments: readonly string[]): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  for (const t of tasks) {
    for (const p of t.parts) {
      for (const d of p.departments) {
        if (!departments.includes(d)) continue;
        const byDept = (out[t.creditCode] ??= {});
        byDept[d] = p.officers.filter((o) => o.department === d).map((o) => o.inspectorNo);
      }
    }
  }
  return out;
}

export function drawService(deps: Deps, approvals: ApprovalService) {
  const { repos, now } = deps;
  const plans = planService(deps, approvals);
  const random = deps.random ?? ((n: number) => randomBytes(n));
  const maxLoad = () => (deps.policy ?? DEFAULT_POLICY).maxTasksPerOfficer;

  async function load(drawNo: string): Promise<DrawDoc> {
    const d = await repos.draws.get(drawNo.trim().toUpperCase());
    if (!d) throw new Refusal(`没有编号为“${drawNo.trim().slice(0, 40)}”的抽取，请核对编号（发送“抽取记录 <计划编号>”可查看）`);
    return d;
  }

  function mayDraw(caller: Caller, plan: PlanDoc): void {
    if (plan.pool === 'A') {
      if (!mayPlanPool(caller, 'A')) throw new Refusal('依据规则 R2：A类联合监管库的抽取只能由联席办组织', 'R2');
      return;
    }
    const rule = plan.pool === 'B' ? 'R3' : 'R4';
    if (caller.department !== plan.department || !hasAny(caller, ['official', 'leader'])) {
      throw new Refusal(`依据规则 ${rule}：${POOL_LABELS[plan.pool]}计划由计划所属部门（${unitName(plan.department)}）的经办人或部门领导抽取`, rule);
    }
  }

  /** Puts each selected entity's team into a task: joins an open task it may join, else makes a new one. */
  async function makeTasks(draw: DrawDoc & { record: DrawRecord }, plan: PlanDoc, entities: Map<string, EntitySummary>, at: Date): Promise<DrawTask[]> {
    const selection = draw.record.selection;
    const open = await repos.tasks.openFor(selection);
    const byCode = new Map<string, TaskDoc[]>();
    for (const t of open) byCode.set(t.creditCode, [...(byCode.get(t.creditCode) ?? []), t]);
    // C plans: an entity under a joint arrangement in force is one visit for its departments (R4, src/domain/cJoint.ts).
    const arranged = new Map(plan.pool === 'C' ? (await repos.cJoints.inForce()).map((a) => [a.creditCode, a]) : []);
    const out: (DrawTask | { pending: NewTask })[] = [];
    for (const team of draw.record.assignment) {
      const part: TaskPart = {
        drawNo: draw.drawNo, planNo: plan.planNo, departments: draw.departments, officers: team.officers,
        items: plan.items, window: plan.window, at: at.toISOString(),
      };
      let joined: TaskDoc | undefined;
      for (const candidate of byCode.get(team.creditCode) ?? []) {
        let t: TaskDoc | undefined = candidate;
        // Guarded by the version read; a concurrent change means: read again and decide again.
        for (let attempt = 0; t && t.status === 'open' && attempt < 5; attempt++) {
          const parts = arrangedParts(arranged.get(team.creditCode), t, part, plan.year) ?? (mayJoin(t, part) ? [...t.parts, part] : undefined);
          if (!parts) break;
          if (await repos.tasks.setParts(t, parts, at)) {
            joined = await repos.tasks.get(t.taskNo);
            break;
          }
          t = await repos.tasks.get(t.taskNo);
        }
        if (joined) break;
      }
      if (joined) out.push({ task: joined, joined: true });
      else {
        out.push({
          pending: {
            taskNo: '', year: plan.year, issuer: plan.department, creditCode: team.creditCode,
            entityName: entities.get(team.creditCode)?.name ?? '', parts: [part], at,
          },
        });
      }
    }
    const fresh = out.filter((x): x is { pending: NewTask } => 'pending' in x).map((x) => x.pending);
    let made = new Map<string, TaskDoc>();
    if (fresh.length) {
      const first = await repos.tasks.reserve(taskSeries(plan.department, plan.year), fresh.length);
      fresh.forEach((t, i) => { t.taskNo = taskNumber(plan.department, plan.year, first + i); });
      made = new Map((await repos.tasks.createMany(fresh)).map((t) => [t.taskNo, t]));
    }
    return out.map((x) => ('pending' in x ? { task: made.get(x.pending.taskNo)!, joined: false } : x));
  }

  /** The public value as typed, trimmed; too long is refused. */
  function publicValueOf(raw: string | undefined): string | undefined {
    const pv = raw?.trim() ? raw.trim() : undefined;
    if (pv && pv.length > MAX_PUBLIC_VALUE_CHARS) throw new Refusal(`公开值过长（${pv.length}字），请控制在${MAX_PUBLIC_VALUE_CHARS}字以内`);
    return pv;
  }

  /** Why 开奖 does nothing on a draw that is no longer committed. */
  function notCommitted(d: DrawDoc): string {
    if (d.status === 'done') {
      return `抽取 ${d.drawNo} 已开奖（${beijingDate(d.revealedAt ?? d.createdAt)}${d.revealedBy ? ` 由 ${d.revealedBy}` : ''}），结果不变：${d.n} 户中抽中 ${d.k} 户。发送“核验 ${d.drawNo}”核对`;
    }
    if (d.status === 'failed') {
      return `抽取 ${d.drawNo} 已开奖，但未能完成分派（${d.failure?.message ?? ''}），没有生成任务；计划 ${d.planNo} 可重新抽取`;
    }
    if (d.status === 'voided') return `抽取 ${d.drawNo} 已于 ${beijingDate(d.voidedAt ?? d.createdAt)} 由 ${d.voidedBy} 作废（理由：${d.voidReason}），不能开奖`;
    return `抽取 ${d.drawNo} 尚未开奖`;
  }

  /**
   * The commit half, shared by both forms: who (R2–R4), when (R10), approved (R13), once per plan
   * (a done or committed draw blocks); the snapshot and the roster read now; the seed made now;
   * the commitment computed from them. Nothing is stored or selected here.
   */
  async function commitPlan(caller: Caller, planNo: string): Promise<Committed> {
    const { plan, approval, items } = await plans.view(planNo);
    if (approval?.status !== 'approved') {
      const state = approval ? STATUS_WORDS[approval.status] : '未提交审批';
      throw new Refusal(`依据规则 R13：计划 ${plan.planNo} 尚未通过审批（当前：${state}），不能抽取`, 'R13');
    }
    mayDraw(caller, plan);
    const at = now();
    if (beijingDate(at) > plan.window.to) {
      throw new Refusal(`依据规则 R10：计划 ${plan.planNo} 的检查期（${plan.window.from}至${plan.window.to}）已结束，不能再抽取`, 'R10');
    }
    const earlier = await repos.draws.forPlan(plan.planNo);
    const done = earlier.find((d) => d.status === 'done');
    if (done) {
      throw new Refusal(`计划 ${plan.planNo} 已抽取，一个计划只抽取一次：抽取编号 ${done.drawNo}，${beijingDate(done.createdAt)} 由 ${done.createdBy} 抽取，${done.n} 户中抽中 ${done.k} 户。发送“抽取记录 ${plan.planNo}”查看；如确需重新抽取，须由联席办先作废（作废抽取 ${done.drawNo} <理由>）`);
    }
    const pending = earlier.find((d) => d.status === 'committed');
    if (pending) {
      throw new Refusal(`计划 ${plan.planNo} 已于 ${beijingDate(pending.createdAt)} 由 ${pending.createdBy} 公布抽取承诺（抽取编号 ${pending.drawNo}），尚未开奖，一个计划只抽取一次：请发送“开奖 ${pending.drawNo} <公开值>”完成抽取；如确需重新抽取，须由联席办先作废（作废抽取 ${pending.drawNo} <理由>）`);
    }

    // The snapshot and the roster at this moment.
    const departments = [...new Set([plan.department, ...plan.jointDepartments])];
    const planItems = items.filter((i) => plan.items.includes(itemKey(i)));
    const [eligible, rosters, history] = await Promise.all([
      repos.entities.targetSummaries(plans.targets(plan, at)),
      Promise.all(departments.map((d) => repos.inspectors.byDepartment(d, { activeOnly: true }))),
      repos.tasks.openForDepartments(departments),
    ]);
    const snapshot = eligible.map((e) => e.creditCode);
    const assignment: AssignmentParams = {
      pool: plan.pool, departments, inspectors: rosters.flat(), requiredSpecialties: requiredSpecialtiesOf(planItems),
      windowLastDay: plan.window.to, lastInspected: lastInspected(history, departments),
    };

    // Commit: the seed is fixed before anything is selected.
    const seed = random(32).toString('hex');
    const commitment = commitDraw({ planNo: plan.planNo, pool: plan.pool, filter: filterText(plan), sampling: plan.sampling, snapshot, seed, assignment, announcedAt: at.toISOString() });
    const draw: DrawDoc = {
      drawNo: `${plan.planNo}-${earlier.length + 1}`, planNo: plan.planNo, year: plan.year, department: plan.department, departments,
      pool: plan.pool, status: 'committed', n: commitment.n, k: commitment.k, seedCommitment: commitment.seedCommitment,
      snapshotDigest: commitment.snapshotDigest, rosterDigest: commitment.rosterDigest, announcementDigest: commitment.announcementDigest, createdBy: caller.userId, createdAt: at,
      voidedBy: '', voidReason: '', supersedes: earlier.length ? earlier[earlier.length - 1].drawNo : '',
    };
    return { plan, items, at, eligible, draw, sealed: { seed, commitment, assignment } };
  }

  /**
   * Freezes what the assignment reads for a draw revealed later: only the roster people's records
   * (so the basis, and its digest, come out the same), their conflicts with entities of the
   * snapshot, and the last inspections of those entities.
   */
  function freeze(sealed: SealedDraw): SealedDraw {
    const { commitment, assignment } = sealed;
    const onRoster = new Set(commitment.basis.roster.map((o) => o.inspectorNo));
    const inSnapshot = new Set(commitment.snapshot);
    const lastInspected: Record<string, Record<string, readonly string[]>> = {};
    for (const [code, byDept] of Object.entries(assignment.lastInspected ?? {})) if (inSnapshot.has(code)) lastInspected[code] = byDept;
    return {
      ...sealed,
      assignment: {
        ...assignment,
        inspectors: assignment.inspectors.filter((i) => onRoster.has(i.inspectorNo)).map((i) => ({ ...i, conflicts: i.conflicts.filter((c) => inSnapshot.has(c)) })),
        lastInspected,
      },
    };
  }

  /**
   * The reveal half, shared by both forms, once the drawn record is stored: the tasks (made or
   * joined), the audit entries, and what the announcements need.
   */
  async function complete(caller: Caller, draw: DrawDoc & { record: DrawRecord }, plan: PlanDoc, items: ItemRecord[], entities: Map<string, EntitySummary>, at: Date): Promise<DrawOutcome> {
    const record = draw.record;
    const tasks = await makeTasks(draw, plan, entities, at);
    const joinedCount = tasks.filter((t) => t.joined).length;
    await repos.audit.append([
      {
        at, actor: caller.userId, channel: caller.channel, action: 'draw.done', target: `draw:${draw.drawNo}`, changes: [],
        note: `计划 ${plan.planNo}：${record.n} 户中抽中 ${record.k} 户；种子承诺值 ${record.seedCommitment}${record.publicValue ? `；公开值 ${record.publicValue}` : ''}；新任务 ${tasks.length - joinedCount} 个，并入联合检查 ${joinedCount} 个`,
      },
      { at, actor: caller.userId, channel: caller.channel, action: 'draw.done', target: `plan:${plan.planNo}`, changes: [], note: `抽取编号 ${draw.drawNo}` },
    ]);

    const announceTo = [...new Set([...draw.departments, ...tasks.filter((t) => t.joined).flatMap((t) => t.task.departments)])];
    // Each officer's tasks go to the user linked to them (关联检查人员).
    const userOf = await usersOfInspectors(repos, tasks.flatMap(({ task }) => (task.parts.find((p) => p.drawNo === draw.drawNo)?.officers ?? []).map((o) => o.inspectorNo)));
    const perOfficer = new Map<string, TaskDoc[]>();
    for (const { task } of tasks) {
      for (const o of task.parts.find((p) => p.drawNo === draw.drawNo)?.officers ?? []) {
        const userId = userOf.get(o.inspectorNo);
        if (userId) perOfficer.set(userId, [...(perOfficer.get(userId) ?? []), task]);
      }
    }
    const itemNames = new Map(items.map((i) => [itemKey(i), i.name]));
    // A joined task lists the other departments' items too.
    const foreign = [...new Set(tasks.flatMap((t) => t.task.items))].filter((k) => !itemNames.has(k));
    for (const d of new Set(foreign.map((k) => k.split(':')[0]))) {
      for (const i of await repos.items.byDepartment(d)) itemNames.set(itemKey(i), i.name);
    }
    return {
      draw, plan, announcement: announcementOf(record), outlook: teamOutlook(record.assignmentInputs, record.k, maxLoad()), tasks, entities, itemNames, announceTo,
      officerUsers: [...perOfficer].map(([userId, list]) => ({ userId, tasks: list })),
    };
  }

  return {
    /**
     * Draws an approved plan (R13) once, by 联席办 for A (R2) and by the plan's
     * department for B and C (R3, R4), before its window ends (R10), in one
     * step: commit and reveal at once. The seed is fixed and committed before
     * anything is selected; when the officers cannot be assigned (R7, R8, R8a)
     * nothing is stored or published and the attempt, with its seed, goes to
     * the audit log only.
     */
    async draw(caller: Caller, planNo: string, publicValue?: string): Promise<DrawOutcome> {
      const pv = publicValueOf(publicValue);
      const { plan, items, at, eligible, draw: committed, sealed } = await commitPlan(caller, planNo);
      const { seed, commitment, assignment } = sealed;
      const result = runDraw(commitment, { seed, publicValue: pv, assignment });
      if (!result.ok) {
        await repos.audit.append({
          at, actor: caller.userId, channel: caller.channel, action: 'draw.failed', target: `plan:${plan.planNo}`, changes: [],
          note: `${result.message}；n=${commitment.n} k=${commitment.k} 快照摘要=${commitment.snapshotDigest} 种子承诺值=${commitment.seedCommitment} 种子=${seed}${pv ? ` 公开值=${pv}` : ''}`,
        });
        throw new Refusal(`抽取未完成，没有公布或保存任何抽取结果。\n${result.message}\n请补充或更新执法检查人员名录后重新发送“抽取 ${plan.planNo}”。`, result.rule);
      }
      const draw = { ...committed, status: 'done' as const, record: result.record };
      if (!(await repos.draws.create(draw))) {
        throw new Refusal(`计划 ${plan.planNo} 刚刚已由他人抽取（一个计划只抽取一次），本次抽取没有保存。发送“抽取记录 ${plan.planNo}”查看`);
      }
      const selected = new Set(result.record.selection);
      const entities = new Map(eligible.filter((e) => selected.has(e.creditCode)).map((e) => [e.creditCode, e]));
      return complete(caller, draw, plan, items, entities, at);
    },

    /**
     * Step 1 of the two-step form (docs/draw.md §7.2): the same checks as draw;
     * the snapshot and the roster are frozen, the seed made and kept secret in
     * the database, and only the commitment is returned for posting. The draw
     * is stored 'committed' and blocks another 抽取 of the plan until 开奖 or a void.
     */
    async commit(caller: Caller, planNo: string): Promise<CommitOutcome> {
      const { plan, at, draw, sealed } = await commitPlan(caller, planNo);
      if (!(await repos.draws.create(draw, freeze(sealed)))) {
        throw new Refusal(`计划 ${plan.planNo} 刚刚已由他人抽取或公布承诺（一个计划只抽取一次），本次没有保存。发送“抽取记录 ${plan.planNo}”查看`);
      }
      await repos.audit.append([
        {
          at, actor: caller.userId, channel: caller.channel, action: 'draw.commit', target: `draw:${draw.drawNo}`, changes: [],
          note: `计划 ${plan.planNo}：n=${draw.n} k=${draw.k} 快照摘要=${draw.snapshotDigest} 种子承诺值=${draw.seedCommitment} 人员名录摘要=${draw.rosterDigest}；待开奖`,
        },
        { at, actor: caller.userId, channel: caller.channel, action: 'draw.commit', target: `plan:${plan.planNo}`, changes: [], note: `抽取编号 ${draw.drawNo}（待开奖）` },
      ]);
      return { draw, plan, announcement: announcementOf(sealed.commitment), outlook: teamOutlook(sealed.commitment.basis, sealed.commitment.k, maxLoad()), announceTo: draw.departments };
    },

    /**
     * Step 2 (开奖): the public value, read out after the commitment was posted,
     * is required; the draw is run on the frozen inputs. Same roles as 抽取 for
     * the plan. When the officers cannot be assigned the failure is public too
     * (the commitment already is): the draw is kept 'failed' with its seed and
     * reason, no tasks are written, and the plan may be drawn again.
     */
    async reveal(caller: Caller, drawNo: string, publicValue: string): Promise<RevealOutcome> {
      const d = await load(drawNo);
      const { plan, items } = await plans.view(d.planNo);
      mayDraw(caller, plan);
      if (d.status !== 'committed') throw new Refusal(notCommitted(d));
      const pv = publicValueOf(publicValue);
      if (!pv) throw new Refusal(`请写明会上读出的公开值，例如：开奖 ${d.drawNo} 0618`);
      const at = now();
      if (beijingDate(at) > plan.window.to) {
        throw new Refusal(`依据规则 R10：计划 ${plan.planNo} 的检查期（${plan.window.from}至${plan.window.to}）已结束，不能再开奖；抽取 ${d.drawNo} 的种子仍未公开，可由联席办作废（作废抽取 ${d.drawNo} <理由>）`, 'R10');
      }
      const sealed = await repos.draws.sealed(d.drawNo);
      if (!sealed) throw new Refusal(notCommitted((await repos.draws.get(d.drawNo)) ?? d));
      const result = runDraw(sealed.commitment, { seed: sealed.seed, publicValue: pv, assignment: sealed.assignment });
      const revealed = { revealedBy: caller.userId, revealedAt: at };
      if (!result.ok) {
        const failure: DrawFailure = {
          publicValue: pv, effectiveSeed: effectiveSeed(sealed.seed, pv), creditCode: result.creditCode, department: result.department,
          constraint: result.constraint, rule: result.rule, message: result.message,
        };
        if (!(await repos.draws.reveal(d.drawNo, { status: 'failed', seed: sealed.seed, failure, ...revealed }))) {
          throw new Refusal(notCommitted((await repos.draws.get(d.drawNo)) ?? d));
        }
        await repos.audit.append([
          {
            at, actor: caller.userId, channel: caller.channel, action: 'draw.failed', target: `draw:${d.drawNo}`, changes: [{ field: 'status', from: '"committed"', to: '"failed"' }],
            note: `${result.message}；n=${d.n} k=${d.k} 种子承诺值=${d.seedCommitment} 种子=${sealed.seed} 公开值=${pv}`,
          },
          { at, actor: caller.userId, channel: caller.channel, action: 'draw.failed', target: `plan:${plan.planNo}`, changes: [], note: `抽取编号 ${d.drawNo}：${result.message}` },
        ]);
        return { ok: false, draw: { ...d, status: 'failed', seed: sealed.seed, failure, ...revealed }, plan, failure, seed: sealed.seed, announceTo: d.departments };
      }
      const draw = { ...d, status: 'done' as const, record: result.record, ...revealed };
      if (!(await repos.draws.reveal(d.drawNo, { status: 'done', record: result.record, ...revealed }))) {
        throw new Refusal(notCommitted((await repos.draws.get(d.drawNo)) ?? d));
      }
      const entities = new Map((await repos.entities.summaries(result.record.selection)).map((e) => [e.creditCode, e]));
      return { ok: true, outcome: await complete(caller, draw, plan, items, entities, at) };
    },

    /** A draw with its public record; anyone may see it (一公开). */
    get: load,

    /** A plan's draws, voided ones included, oldest first, with their tasks. */
    async history(planNo: string): Promise<{ plan: PlanDoc; draws: { draw: DrawDoc; tasks: TaskDoc[] }[] }> {
      const { plan } = await plans.view(planNo);
      const draws = await repos.draws.forPlan(plan.planNo);
      return { plan, draws: await Promise.all(draws.map(async (draw) => ({ draw, tasks: await repos.tasks.forDraw(draw.drawNo) }))) };
    },

    /** Recomputes the stored draw from its public record and checks it against what was announced. */
    async verify(drawNo: string): Promise<{ draw: DrawDoc; result: VerifyResult }> {
      const d = await load(drawNo);
      if (!d.record) {
        if (d.status === 'committed') {
          throw new Refusal(`抽取 ${d.drawNo} 尚未开奖：种子保密，目前只公布了承诺值 ${d.seedCommitment}。开奖（开奖 ${d.drawNo} <公开值>）后即可核验`);
        }
        // Failed at 开奖, or voided before it: no selection to recompute, only the seed against its commitment.
        const seedOk = d.seed !== undefined && isSeed(d.seed) && seedCommitment(d.seed) === d.seedCommitment;
        return { draw: d, result: seedOk ? { ok: true } : { ok: false, first: `种子承诺值不一致：公布为${d.seedCommitment}，种子为${d.seed ?? '（未公开）'}` } };
      }
      const announced = {
        planNo: d.planNo, pool: d.pool, n: d.n, k: d.k, snapshotDigest: d.snapshotDigest, seedCommitment: d.seedCommitment, rosterDigest: d.rosterDigest,
        ...(d.announcementDigest ? { announcementDigest: d.announcementDigest } : {}),
      };
      return { draw: d, result: verifyDraw(d.record, { announced }) };
    },

    /**
     * Voids a draw (联席办 only, with a reason): the draw stays, marked voided;
     * its tasks are cancelled, or lose its part where another draw joined them;
     * the plan may then be drawn again. Audited (R20).
     */
    async void(caller: Caller, drawNo: string, reason: string): Promise<{ draw: DrawDoc; cancelled: TaskDoc[]; kept: TaskDoc[]; officerUsers: { inspectorNo: string; userId: string }[]; departmentUsers: string[] }> {
      requireRole(caller, ['office'], '作废抽取（一个计划只抽取一次，作废须说明理由并留痕，R20）');
      const why = reason.trim();
      if (why.length < 2) throw new Refusal('请写明作废理由，例如：作废抽取 JH2026-0001-1 人员名录有误');
      if (why.length > MAX_REASON_CHARS) throw new Refusal(`作废理由过长（${why.length}字），请控制在${MAX_REASON_CHARS}字以内`);
      const d = await load(drawNo);
      if (d.status === 'voided') throw new Refusal(`抽取 ${d.drawNo} 已于 ${beijingDate(d.voidedAt ?? d.createdAt)} 由 ${d.voidedBy} 作废（理由：${d.voidReason}）`);
      if (d.status === 'failed') throw new Refusal(`抽取 ${d.drawNo} 开奖时未能完成分派，没有生成任务，无需作废；计划 ${d.planNo} 可直接重新抽取`);
      const at = now();
      // A committed draw is voided before 开奖: its seed is revealed with the void, so anyone can see what it would have drawn.
      const seed = d.status === 'committed' ? (await repos.draws.sealed(d.drawNo))?.seed : undefined;
      if (!(await repos.draws.markVoided(d.drawNo, d.status, caller.userId, at, why, seed))) throw new Refusal(`抽取 ${d.drawNo} 刚刚已被他人开奖或作废，请重新查看（抽取记录 ${d.planNo}）`);
      const cancelled: TaskDoc[] = [];
      const kept: TaskDoc[] = [];
      for (const first of await repos.tasks.forDraw(d.drawNo)) {
        let t: TaskDoc | undefined = first;
        for (let attempt = 0; t && t.status === 'open' && attempt < 5; attempt++) {
          const rest = t.parts.filter((p) => p.drawNo !== d.drawNo);
          const ok = rest.length ? await repos.tasks.setParts(t, rest, at) : await repos.tasks.cancel(t, at, `抽取 ${d.drawNo} 已作废：${why}`);
          if (ok) {
            (rest.length ? kept : cancelled).push(t);
            break;
          }
          t = await repos.tasks.get(t.taskNo);
        }
      }
      await repos.audit.append([
        {
          at, actor: caller.userId, channel: caller.channel, action: 'draw.void', target: `draw:${d.drawNo}`,
          changes: [{ field: 'status', from: JSON.stringify(d.status), to: '"voided"' }], note: `${why}${seed ? `；作废前尚未开奖，种子 ${seed}` : ''}；取消任务 ${cancelled.length} 个，联合任务中移除本次抽取 ${kept.length} 个`,
        },
        { at, actor: caller.userId, channel: caller.channel, action: 'draw.void', target: `plan:${d.planNo}`, changes: [], note: `抽取编号 ${d.drawNo}：${why}` },
      ]);
      const active = (await repos.org.users()).filter((u) => u.active);
      const userOf = await usersOfInspectors(repos, new Set((d.record?.assignment ?? []).flatMap((t) => t.officers.map((o) => o.inspectorNo))));
      const officerUsers = [...userOf].map(([inspectorNo, userId]) => ({ inspectorNo, userId }));
      // The departments told in person (also where no group robot is set): the draw's, and those whose joint visits changed.
      const told = new Set([...d.departments, ...kept.flatMap((t) => t.departments)]);
      const departmentUsers = active
        .filter((u) => u.userId !== caller.userId && !officerUsers.some((o) => o.userId === u.userId)
          && ((told.has(u.department) && u.roles.some((r) => r === 'official' || r === 'leader')) || u.userId === d.createdBy))
        .map((u) => u.userId);
      return { draw: { ...d, status: 'voided', voidedBy: caller.userId, voidedAt: at, voidReason: why, ...(seed ? { seed } : {}) }, cancelled, kept, officerUsers, departmentUsers };
    },

    /**
     * What waits for this caller to draw (for 待办): approved plans of this year they may draw
     * whose window has not ended and that have no draw yet, and committed draws waiting for 开奖.
     */
    async waiting(caller: Caller): Promise<{ toDraw: PlanDoc[]; toReveal: { drawNo: string; planNo: string; createdAt: Date }[] }> {
      if (!hasAny(caller, ['official', 'leader', 'office'])) return { toDraw: [], toReveal: [] };
      const today = beijingDate(now());
      const year = Number(today.slice(0, 4));
      const may = (pool: string, department: string) =>
        pool === 'A' ? mayPlanPool(caller, 'A') : department === caller.department && hasAny(caller, ['official', 'leader']);
      const [yearPlans, draws] = await Promise.all([repos.plans.forYear(year), repos.draws.briefForYear(year)]);
      const candidates = yearPlans.filter((p) => may(p.pool, p.department) && p.window.to >= today);
      const approved = new Set((await approvals.many(candidates.map((p) => p.planNo))).filter((a) => a.status === 'approved').map((a) => a.subject));
      const drawn = new Set(draws.filter((d) => d.status === 'done' || d.status === 'committed').map((d) => d.planNo));
      return {
        toDraw: candidates.filter((p) => approved.has(p.planNo) && !drawn.has(p.planNo)),
        toReveal: draws.filter((d) => d.status === 'committed' && may(d.pool, d.department)).map(({ drawNo, planNo, createdAt }) => ({ drawNo, planNo, createdAt })),
      };
    },
  };
}

export type DrawService = ReturnType<typeof drawService>;
