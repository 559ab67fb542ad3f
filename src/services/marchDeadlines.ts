/**
 * The March deadlines (R8, R9): 联席办 confirms the year's joint inspector pool
 * after reviewing it (`联合人员库确认`, recorded once with its date); each member
 * unit files its A-pool joint items with 联席办 and 司法局 (`报送联合清单`), a
 * request in the approval engine that 联席办 then 司法局 acknowledge by card
 * (nobody acknowledges their own, R20). The checklist of who is late, and the
 * weekly reminder periods, claimed once across processes.
 */
import type { StepSpec } from '../domain/approval';
import { beijingDate } from '../domain/calendar';
import { marchState, type MarchState } from '../domain/marchDeadlines';
import { JOINT_OFFICE_HOST, JUSTICE_DEPT, MEMBER_UNITS, unitName } from '../domain/organisation';
import type { ApprovalChange, ApprovalService } from './approvals';
import { requireRole } from './roles';
import { hasAny, Refusal, type Caller, type Deps } from './context';

export const JOINT_LIST_STEPS: StepSpec[] = [
  { role: 'office', department: JOINT_OFFICE_HOST, label: '联席办签收（R9）' },
  { role: 'justice', department: JUSTICE_DEPT, label: '司法局签收（R9）' },
];
export const jointListNo = (year: number, department: string) => `LQ${year}-${department}`;
const jointPoolKey = (year: number) => `joint-pool:${year}`;

export interface MarchChecklist {
  year: number;
  jointPool: { state: MarchState; at?: Date; by?: string };
  /** Member units with A-pool joint items: whether filed and acknowledged. */
  jointLists: { department: string; items: number; state: MarchState; status: 'none' | 'pending' | 'approved' | 'rejected' }[];
}

export function marchService({ repos, now }: Deps, approvals: ApprovalService) {
  /** Each member unit's A-pool joint items (R9). */
  async function jointItems(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const it of await repos.items.all()) if (it.jointListA && it.pools.includes('A')) out.set(it.department, (out.get(it.department) ?? 0) + 1);
    return out;
  }

  return {
    /** R8: 联席办 confirms the year's joint inspector pool once, after reviewing it; returns the pool per department. */
    async confirmJointPool(caller: Caller, year: number): Promise<{ at: Date; perDepartment: { department: string; n: number }[] }> {
      requireRole(caller, ['office'], '确认联合检查人员库（R8）');
      const done = await repos.milestones.get(jointPoolKey(year));
      if (done) throw new Refusal(`依据规则 R8：${year}年度联合检查人员库已于${beijingDate(done.at)}由${done.by}确认，无需重复确认`, 'R8');
      const perDepartment: { department: string; n: number }[] = [];
      for (const u of MEMBER_UNITS) {
        const n = (await repos.inspectors.byDepartment(u.code, { activeOnly: true })).filter((i) => i.jointPool).length;
        if (n) perDepartment.push({ department: u.code, n });
      }
      if (perDepartment.length === 0) throw new Refusal('依据规则 R8：联合检查人员库中还没有人员，请先导入执法检查人员名录（“联合检查人员库”列填“是”）后再确认', 'R8');
      const at = now();
      if (!(await repos.milestones.record(jointPoolKey(year), at, caller.userId, JSON.stringify(perDepartment)))) throw new Refusal('联合检查人员库刚被他人确认，请重新查看', 'R8');
      await repos.audit.append({ at, actor: caller.userId, channel: caller.channel, action: 'joint-pool.confirm', target: `joint-pool:${year}`, changes: [], note: perDepartment.map((p) => `${unitName(p.department)}${p.n}人`).join('、') });
      return { at, perDepartment };
    },

    async jointPoolConfirmed(year: number) {
      return repos.milestones.get(jointPoolKey(year));
    },

    /** R9: a member unit files its A-pool joint items with 联席办 and 司法局; they acknowledge by card. */
    async submitJointList(caller: Caller, year: number): Promise<ApprovalChange> {
      if (!hasAny(caller, ['official', 'leader'])) throw new Refusal('依据规则 R9：A类联合检查事项清单由成员单位经办人或部门领导报送', 'R9');
      const items = (await repos.items.byDepartment(caller.department)).filter((it) => it.jointListA && it.pools.includes('A'));
      if (items.length === 0) throw new Refusal(`依据规则 R9：${unitName(caller.department)}的检查事项清单中没有A类联合检查事项，请先导入事项清单（“A类联合清单”列填“是”）`, 'R9');
      const subject = jointListNo(year, caller.department);
      const before = await approvals.get(subject);
      if (before?.status === 'pending') throw new Refusal(`${subject} 已报送，正等待签收，无需重复报送`);
      return approvals.reopen({
        kind: 'jointList', subject, title: `${unitName(caller.department)}${year}年A类联合检查事项清单`, requester: caller, steps: JOINT_LIST_STEPS,
        fields: [
          { label: '报送单位', value: unitName(caller.department) },
          { label: '事项', value: items.map((it) => `${it.itemCode} ${it.name}`).join('；').slice(0, 1000) },
        ],
      }, { afterApproval: true });
    },

    /** 联席办's checklist of the March deadlines: what is done, open, or late. */
    async checklist(year: number): Promise<MarchChecklist> {
      const day = beijingDate(now());
      const pool = await repos.milestones.get(jointPoolKey(year));
      const counts = await jointItems();
      const requests = new Map((await approvals.many([...counts.keys()].map((d) => jointListNo(year, d)))).map((a) => [a.subject, a]));
      const order = new Map(MEMBER_UNITS.map((u, i) => [u.code, i]));
      return {
        year,
        jointPool: { state: marchState(!!pool, day, year), at: pool?.at, by: pool?.by },
        jointLists: [...counts.entries()].sort(([a], [b]) => (order.get(a) ?? 99) - (order.get(b) ?? 99)).map(([department, items]) => {
          const a = requests.get(jointListNo(year, department));
          return { department, items, state: marchState(a?.status === 'approved', day, year), status: a?.status ?? 'none' };
        }),
      };
    },

    /** True exactly once per reminder period across all processes. */
    async claimReminder(key: string): Promise<boolean> {
      return (await repos.counters.next(key)) === 1;
    },
  };
}

export type MarchService = ReturnType<typeof marchService>;
