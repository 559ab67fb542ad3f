/**
 * The draw as a use case (issue 5; R2–R4, R7, R8, R8a, R10, R13, R20): who may
 * draw which plan and when, the snapshot and the roster from the database, the
 * seed from a cryptographic generator, the pure draw (src/domain/draw.ts), the
 * tasks it makes — joined into one visit where another department's draw hit
 * the same entity in an overlapping window (一集中) — verification, and voiding.
 * The rules are written out in docs/draw.md.
 */
import { randomBytes } from 'node:crypto';
import { beijingDate } from '../domain/calendar';
import {
  announcementOf, commitDraw, requiredSpecialtiesOf, runDraw, verifyDraw,
  type AssignmentParams, type DrawAnnouncement, type VerifyResult,
} from '../domain/draw';
import { itemKey, type ItemRecord } from '../domain/item';
import { unitName } from '../domain/organisation';
import { describePlan } from '../domain/plan';
import { POOL_LABELS } from '../domain/pools';
import { mayJoin, taskNumber, taskSeries, type TaskPart } from '../domain/task';
import type { DrawDoc } from '../../store/repos/draws';
import type { EntityDoc } from '../../store/repos/entities';
import type { PlanDoc } from '../../store/repos/plans';
import type { NewTask, TaskDoc } from '../../store/repos/tasks';
import type { ApprovalService } from './approvals';
import { hasAny, Refusal, type Caller, type Deps } from './context';
import { planService } from './plans';

const MAX_PUBLIC_VALUE_CHARS = 100;
const MAX_REASON_CHARS = 500;
const STATUS_WORDS: Record<string, string> = { pending: '审批中', rejected: '已退回' };

/** One task of a draw, in selection order: made by this draw, or joined (an earlier draw's task). */
export interface DrawTask {
  task: TaskDoc;
  joined: boolean;
}

export type EntitySummary = Pick<EntityDoc, 'creditCode' | 'name' | 'township' | 'address'>;

export interface DrawOutcome {
  draw: DrawDoc;
  plan: PlanDoc;
  announcement: DrawAnnouncement;
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

/** The eligibility filter as the announcement writes it (the plan's 对象 line). */
export function filterText(plan: PlanDoc): string {
  const line = describePlan(plan).split('\n').find((l) => l.startsWith('对象：'));
  return line ? line.slice(3) : '';
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

  async function load(drawNo: string): Promise<DrawDoc> {
    const d = await repos.draws.get(drawNo.trim().toUpperCase());
    if (!d) throw new Refusal(`没有编号为“${drawNo.trim().slice(0, 40)}”的抽取，请核对编号（发送“抽取记录 <计划编号>”可查看）`);
    return d;
  }

  function mayDraw(caller: Caller, plan: PlanDoc): void {
    if (plan.pool === 'A') {
      if (!hasAny(caller, ['office'])) throw new Refusal('依据规则 R2：A类联合监管库的抽取只能由联席办组织', 'R2');
      return;
    }
    const rule = plan.pool === 'B' ? 'R3' : 'R4';
    if (caller.department !== plan.department || !hasAny(caller, ['official', 'leader'])) {
      throw new Refusal(`依据规则 ${rule}：${POOL_LABELS[plan.pool]}计划由计划所属部门（${unitName(plan.department)}）的经办人或部门领导抽取`, rule);
    }
  }

  /** Puts each selected entity's team into a task: joins an open task it may join, else makes a new one. */
  async function makeTasks(draw: DrawDoc, plan: PlanDoc, entities: Map<string, EntitySummary>, at: Date): Promise<DrawTask[]> {
    const selection = draw.record.selection;
    const open = await repos.tasks.openFor(selection);
    const byCode = new Map<string, TaskDoc[]>();
    for (const t of open) byCode.set(t.creditCode, [...(byCode.get(t.creditCode) ?? []), t]);
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
        for (let attempt = 0; t && t.status === 'open' && mayJoin(t, part) && attempt < 5; attempt++) {
          if (await repos.tasks.setParts(t, [...t.parts, part], at)) {
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

  return {
    /**
     * Draws an approved plan (R13) once, by 联席办 for A (R2) and by the plan's
     * department for B and C (R3, R4), before its window ends (R10). The seed
     * is fixed and committed before anything is selected; when the officers
     * cannot be assigned (R7, R8, R8a) nothing is stored or published and the
     * attempt, with its seed, goes to the audit log only.
     */
    async draw(caller: Caller, planNo: string, publicValue?: string): Promise<DrawOutcome> {
      const { plan, approval, items } = await plans.view(planNo);
      if (approval?.status !== 'approved') {
        const state = approval ? STATUS_WORDS[approval.status] ?? approval.status : '未提交审批';
        throw new Refusal(`依据规则 R13：计划 ${plan.planNo} 尚未通过审批（当前：${state}），不能抽取`, 'R13');
      }
      mayDraw(caller, plan);
      const at = now();
      const today = beijingDate(at);
      if (today > plan.window.to) {
        throw new Refusal(`依据规则 R10：计划 ${plan.planNo} 的检查期（${plan.window.from}至${plan.window.to}）已结束，不能再抽取`, 'R10');
      }
      const earlier = await repos.draws.forPlan(plan.planNo);
      const done = earlier.find((d) => d.status === 'done');
      if (done) {
        throw new Refusal(`计划 ${plan.planNo} 已抽取，一个计划只抽取一次：抽取编号 ${done.drawNo}，${beijingDate(done.createdAt)} 由 ${done.createdBy} 抽取，${done.n} 户中抽中 ${done.k} 户。发送“抽取记录 ${plan.planNo}”查看；如确需重新抽取，须由联席办先作废（作废抽取 ${done.drawNo} <理由>）`);
      }
      const pv = publicValue?.trim() ? publicValue.trim() : undefined;
      if (pv && pv.length > MAX_PUBLIC_VALUE_CHARS) throw new Refusal(`公开值过长（${pv.length}字），请控制在${MAX_PUBLIC_VALUE_CHARS}字以内`);

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
      const commitment = commitDraw({ planNo: plan.planNo, pool: plan.pool, filter: filterText(plan), sampling: plan.sampling, snapshot, seed, assignment });
      const result = runDraw(commitment, { seed, publicValue: pv, assignment });
      if (!result.ok) {
        await repos.audit.append({
          at, actor: caller.userId, channel: caller.channel, action: 'draw.failed', target: `plan:${plan.planNo}`, changes: [],
          note: `${result.message}；n=${commitment.n} k=${commitment.k} 快照摘要=${commitment.snapshotDigest} 种子承诺值=${commitment.seedCommitment} 种子=${seed}${pv ? ` 公开值=${pv}` : ''}`,
        });
        throw new Refusal(`抽取未完成，没有公布或保存任何抽取结果。\n${result.message}\n请补充或更新执法检查人员名录后重新发送“抽取 ${plan.planNo}”。`, result.rule);
      }

      const record = result.record;
      const draw: DrawDoc = {
        drawNo: `${plan.planNo}-${earlier.length + 1}`, planNo: plan.planNo, year: plan.year, department: plan.department, departments,
        pool: plan.pool, status: 'done', n: record.n, k: record.k, seedCommitment: record.seedCommitment, snapshotDigest: record.snapshotDigest,
        rosterDigest: record.rosterDigest, record, createdBy: caller.userId, createdAt: at, voidedBy: '', voidReason: '',
        supersedes: earlier.length ? earlier[earlier.length - 1].drawNo : '',
      };
      if (!(await repos.draws.create(draw))) {
        throw new Refusal(`计划 ${plan.planNo} 刚刚已由他人抽取（一个计划只抽取一次），本次抽取没有保存。发送“抽取记录 ${plan.planNo}”查看`);
      }
      const selected = new Set(record.selection);
      const entities = new Map(eligible.filter((e) => selected.has(e.creditCode)).map((e) => [e.creditCode, e]));
      const tasks = await makeTasks(draw, plan, entities, at);
      const joinedCount = tasks.filter((t) => t.joined).length;
      await repos.audit.append([
        {
          at, actor: caller.userId, channel: caller.channel, action: 'draw.done', target: `draw:${draw.drawNo}`, changes: [],
          note: `计划 ${plan.planNo}：${record.n} 户中抽中 ${record.k} 户；种子承诺值 ${record.seedCommitment}；新任务 ${tasks.length - joinedCount} 个，并入联合检查 ${joinedCount} 个`,
        },
        { at, actor: caller.userId, channel: caller.channel, action: 'draw.done', target: `plan:${plan.planNo}`, changes: [], note: `抽取编号 ${draw.drawNo}` },
      ]);

      const announceTo = [...new Set([...departments, ...tasks.filter((t) => t.joined).flatMap((t) => t.task.departments)])];
      const users = new Map((await repos.org.users()).filter((u) => u.active).map((u) => [u.userId, u]));
      const perOfficer = new Map<string, TaskDoc[]>();
      for (const { task } of tasks) {
        for (const o of task.parts.find((p) => p.drawNo === draw.drawNo)?.officers ?? []) {
          if (users.has(o.inspectorNo)) perOfficer.set(o.inspectorNo, [...(perOfficer.get(o.inspectorNo) ?? []), task]);
        }
      }
      const itemNames = new Map(items.map((i) => [itemKey(i), i.name]));
      // A joined task lists the other departments' items too.
      const foreign = [...new Set(tasks.flatMap((t) => t.task.items))].filter((k) => !itemNames.has(k));
      for (const d of new Set(foreign.map((k) => k.split(':')[0]))) {
        for (const i of await repos.items.byDepartment(d)) itemNames.set(itemKey(i), i.name);
      }
      return {
        draw, plan, announcement: announcementOf(record), tasks, entities, itemNames, announceTo,
        officerUsers: [...perOfficer].map(([userId, list]) => ({ userId, tasks: list })),
      };
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
      const announced = { planNo: d.planNo, pool: d.pool, n: d.n, k: d.k, snapshotDigest: d.snapshotDigest, seedCommitment: d.seedCommitment, rosterDigest: d.rosterDigest };
      return { draw: d, result: verifyDraw(d.record, { announced }) };
    },

    /**
     * Voids a draw (联席办 only, with a reason): the draw stays, marked voided;
     * its tasks are cancelled, or lose its part where another draw joined them;
     * the plan may then be drawn again. Audited (R20).
     */
    async void(caller: Caller, drawNo: string, reason: string): Promise<{ draw: DrawDoc; cancelled: TaskDoc[]; kept: TaskDoc[]; officerUsers: string[] }> {
      if (!hasAny(caller, ['office'])) throw new Refusal('只有联席办可以作废抽取（一个计划只抽取一次，作废须说明理由并留痕，R20）', 'R20');
      const why = reason.trim();
      if (why.length < 2) throw new Refusal('请写明作废理由，例如：作废抽取 JH2026-0001-1 人员名录有误');
      if (why.length > MAX_REASON_CHARS) throw new Refusal(`作废理由过长（${why.length}字），请控制在${MAX_REASON_CHARS}字以内`);
      const d = await load(drawNo);
      if (d.status === 'voided') throw new Refusal(`抽取 ${d.drawNo} 已于 ${beijingDate(d.voidedAt ?? d.createdAt)} 由 ${d.voidedBy} 作废（理由：${d.voidReason}）`);
      const at = now();
      if (!(await repos.draws.markVoided(d.drawNo, caller.userId, at, why))) throw new Refusal(`抽取 ${d.drawNo} 刚刚已被他人作废`);
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
          changes: [{ field: 'status', from: '"done"', to: '"voided"' }], note: `${why}；取消任务 ${cancelled.length} 个，联合任务中移除本次抽取 ${kept.length} 个`,
        },
        { at, actor: caller.userId, channel: caller.channel, action: 'draw.void', target: `plan:${d.planNo}`, changes: [], note: `抽取编号 ${d.drawNo}：${why}` },
      ]);
      const users = new Set((await repos.org.users()).filter((u) => u.active).map((u) => u.userId));
      const officerUsers = [...new Set(d.record.assignment.flatMap((t) => t.officers.map((o) => o.inspectorNo)))].filter((no) => users.has(no));
      return { draw: { ...d, status: 'voided', voidedBy: caller.userId, voidedAt: at, voidReason: why }, cancelled, kept, officerUsers };
    },

    /**
     * The caller's open tasks — of a year, or (no year) all not yet past: an
     * inspector's own (the user id is the inspector number), otherwise the department's.
     */
    async mine(caller: Caller, year?: number): Promise<{ mode: 'officer' | 'department'; tasks: TaskDoc[] }> {
      const when = year ? { year } : { endingFrom: beijingDate(now()) };
      const me = await repos.inspectors.get(caller.userId);
      if (me) return { mode: 'officer', tasks: await repos.tasks.forOfficer(me.inspectorNo, when) };
      return { mode: 'department', tasks: await repos.tasks.forDepartment(caller.department, when) };
    },

    async task(taskNo: string): Promise<TaskDoc> {
      const t = await repos.tasks.get(taskNo.trim());
      if (!t) throw new Refusal(`没有编号为“${taskNo.trim().slice(0, 40)}”的检查任务`);
      return t;
    },

    /** Joint inspections of a year (一集中) and the visits they saved: for 联席办, 司法局 and administrators. */
    async joint(caller: Caller, year: number): Promise<{ tasks: TaskDoc[]; open: number; visitsSaved: number }> {
      if (!hasAny(caller, ['office', 'justice', 'admin'])) throw new Refusal('联合检查情况由联席办查看（R2、R3）');
      const all = (await repos.tasks.forYear(year)).filter((t) => t.status === 'open');
      const joint = all.filter((t) => t.departments.length > 1);
      // Each draw that joined an existing visit instead of making its own saved one visit.
      const visitsSaved = all.reduce((n, t) => n + new Set(t.parts.map((p) => p.drawNo)).size - 1, 0);
      return { tasks: joint, open: all.length, visitsSaved };
    },

    /** Item names for a task's form. */
    async itemNames(keys: string[]): Promise<Map<string, string>> {
      const out = new Map<string, string>();
      for (const d of new Set(keys.map((k) => k.split(':')[0]))) {
        for (const i of await repos.items.byDepartment(d)) out.set(itemKey(i as ItemRecord), i.name);
      }
      return out;
    },
  };
}

export type DrawService = ReturnType<typeof drawService>;
