/**
 * Joint arrangements for overlapping C entities (R4 "agree a lead"): 联席办
 * has the bot propose, for each C entity supervised by two or more units, a lead
 * and participants (domain/cJoint.ts); the proposal is a request `LH-<代码>` in
 * the approval engine whose steps are each involved unit's leader confirming by
 * card. All agree: the arrangement stands. One returns it: it is disputed, and
 * 联席办 decides (`指定牵头`). Entities come from the registry's read model.
 */
import type { StepSpec } from '../domain/approval';
import { proposeCLead } from '../domain/cJoint';
import { findUnit, MEMBER_UNITS, unitName } from '../domain/organisation';
import type { CJointDoc } from '../../store/repos/poolYear';
import type { ApprovalChange, ApprovalService } from './approvals';
import { poolRequestNo } from './pools';
import { requireRole } from './roles';
import { Refusal, type Caller, type Deps } from './context';

export const cJointNo = (code: string) => `LH-${code}`;
const stepsFor = (depts: string[]): StepSpec[] => depts.map((d) => ({ role: 'leader', department: d, label: `${unitName(d)}确认联合检查安排（R4）` }));

export function cJointService({ repos, now }: Deps, approvals: ApprovalService) {
  // The last unit's decision: all agreed, or one returned it (disputed: 联席办 decides).
  approvals.onDecide('cJoint', async (_caller, a, approve) => {
    const arrangement = await repos.cJoint.get(a.subject.replace(/^LH-/, ''));
    if (!arrangement || arrangement.status !== 'proposed') return;
    await repos.cJoint.update(arrangement, { status: approve ? 'agreed' : 'disputed' });
  });

  return {
    /** Proposes an arrangement for every overlapping C entity that has none; returns the requests opened and what could not be. */
    async proposeAll(caller: Caller): Promise<{ opened: { arrangement: CJointDoc; change: ApprovalChange }[]; skipped: { code: string; name: string; reason: string }[] }> {
      requireRole(caller, ['office'], '安排C类主体联合检查（R4）');
      const overlapping = (await repos.entities.find({ pool: 'C' }, Number.MAX_SAFE_INTEGER)).filter((e) => new Set(e.departments).size >= 2);
      const itemsForC = new Map<string, number>();
      for (const it of await repos.items.all()) if (it.pools.includes('C')) itemsForC.set(it.department, (itemsForC.get(it.department) ?? 0) + 1);
      const requests = new Map((await approvals.many(overlapping.map((e) => poolRequestNo(e.creditCode)))).map((a) => [a.subject, a]));
      const order = MEMBER_UNITS.map((u) => u.code);
      const opened: { arrangement: CJointDoc; change: ApprovalChange }[] = [];
      const skipped: { code: string; name: string; reason: string }[] = [];
      for (const e of overlapping) {
        if (await repos.cJoint.get(e.creditCode)) continue;
        const req = requests.get(poolRequestNo(e.creditCode));
        const p = proposeCLead({ code: e.creditCode, name: e.name, departments: e.departments }, req?.status === 'approved' ? req.requesterDepartment : undefined, itemsForC, order, unitName);
        if (!p) continue;
        const arrangement: CJointDoc = { creditCode: p.code, name: p.name, lead: p.lead, participants: p.participants, rule: p.rule, status: 'proposed', by: caller.userId, at: now(), version: 1 };
        let change: ApprovalChange;
        try {
          change = await approvals.reopen({
            kind: 'cJoint', subject: cJointNo(p.code), title: `${p.name} C类联合检查安排`, requester: caller, steps: stepsFor([p.lead, ...p.participants]),
            fields: [
              { label: '主体', value: `${p.name}（${p.code}）` },
              { label: '牵头部门', value: `${unitName(p.lead)}（${p.rule}）` },
              { label: '参与部门', value: p.participants.map(unitName).join('、') },
            ],
          }, { afterApproval: true });
        } catch (err) {
          if (err instanceof Refusal) { skipped.push({ code: p.code, name: p.name, reason: err.message }); continue; }
          throw err;
        }
        if (await repos.cJoint.create(arrangement)) opened.push({ arrangement, change });
      }
      return { opened, skipped };
    },

    /** 联席办 decides an arrangement (where the units disagree, or to change one). */
    async decide(caller: Caller, code: string, leadWord: string, participantWords: string[]): Promise<CJointDoc> {
      requireRole(caller, ['office'], '决定C类主体联合检查的牵头部门（R4）');
      const a = await repos.cJoint.get(code);
      if (!a) throw new Refusal(`${code} 还没有联合检查安排，请先发送“C类联合安排”`, 'R4');
      const lead = findUnit(leadWord);
      if (!lead) throw new Refusal(`“${leadWord.slice(0, 20)}”不是联席会议成员单位，请写成员单位名称，如“县消防救援大队”`);
      const participants: string[] = [];
      for (const w of participantWords) {
        const u = findUnit(w);
        if (!u) throw new Refusal(`“${w.slice(0, 20)}”不是联席会议成员单位`);
        if (u.code !== lead.code && !participants.includes(u.code)) participants.push(u.code);
      }
      const all = [a.lead, ...a.participants];
      if (!all.includes(lead.code)) throw new Refusal(`依据规则 R4：牵头部门应是该主体的监管部门之一（${all.map(unitName).join('、')}）`, 'R4');
      const chosen = participantWords.length ? participants : all.filter((d) => d !== lead.code);
      if (!(await repos.cJoint.update(a, { lead: lead.code, participants: chosen, status: 'decided', rule: `联席办决定（${caller.name}）`, by: caller.userId, at: now() }))) {
        throw new Refusal('该安排刚被他人更新，请重新查看');
      }
      await repos.audit.append({ at: now(), actor: caller.userId, channel: caller.channel, action: 'c-joint.decide', target: `entity:${code}`, changes: [{ field: 'lead', from: JSON.stringify(a.lead), to: JSON.stringify(lead.code) }], note: a.status });
      return (await repos.cJoint.get(code))!;
    },

    list: () => repos.cJoint.all(),
  };
}

export type CJointService = ReturnType<typeof cJointService>;
