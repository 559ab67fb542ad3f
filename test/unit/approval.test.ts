import { createApproval, currentDecider, decide, mayDecide, overdue, unstaffedStep, workingDaysBetween, type Approval, type Candidate, type StepSpec } from '../../src/domain/approval';
import type { Actor } from '../../src/domain/pools';

const PLAN_STEPS: StepSpec[] = [
  { role: 'leader', department: 'XFJYDD', label: '部门领导审批' },
  { role: 'office', department: 'SCJGJ', label: '联席办审核（比例、频次、重复检查，R13）' },
  { role: 'justice', department: 'SFJ', label: '司法局合法性审核（R13）' },
];
const leader: Actor = { userId: 'xf.leader', department: 'XFJYDD', roles: ['leader'] };
const otherLeader: Actor = { userId: 'scj.leader', department: 'SCJGJ', roles: ['leader'] };
const office: Actor = { userId: 'lxb.office', department: 'SCJGJ', roles: ['office'] };
const justice: Actor = { userId: 'sfj.justice', department: 'SFJ', roles: ['justice'] };
const t0 = new Date('2026-03-02T01:00:00Z'); // a Monday, 09:00 in Beijing

function approved(a: Approval, actor: Actor): Approval {
  const d = decide(a, actor, true, '', t0);
  if (!d.ok) throw new Error(d.message);
  return d.approval;
}

describe('the approval engine (R13, R20)', () => {
  it('R13: a plan passes department leader → 联席办 → 司法局, in that order', () => {
    let a = createApproval('plan', 'plan:1', 'xf.official', PLAN_STEPS, t0);
    expect(currentDecider(a)).toBe('县消防救援大队部门领导');
    const early = decide(a, office, true, '', t0);
    expect(early).toMatchObject({ ok: false });
    if (!early.ok) expect(early.message).toContain('应由县消防救援大队部门领导审批');
    a = approved(a, leader);
    expect(a.steps.map((s) => s.outcome)).toEqual(['approved', 'pending', 'waiting']);
    a = approved(a, office);
    const last = decide(a, justice, true, '权力清单编码有效', t0);
    expect(last).toMatchObject({ ok: true, event: 'approved' });
    if (last.ok) {
      expect(last.approval.status).toBe('approved');
      expect(last.approval.steps[2]).toMatchObject({ by: 'sfj.justice', comment: '权力清单编码有效' });
      expect(last.approval.version).toBe(3);
    }
  });

  it('only the designated role of the step’s department decides: another department’s leader is refused', () => {
    const a = createApproval('plan', 'plan:2', 'xf.official', PLAN_STEPS, t0);
    const d = decide(a, otherLeader, true, '', t0);
    expect(d.ok).toBe(false);
  });

  it('R20: nobody decides their own request', () => {
    const a = createApproval('filing', 'filing:1', 'xf.leader', PLAN_STEPS, t0);
    const d = decide(a, leader, true, '', t0);
    expect(d).toMatchObject({ ok: false, rule: 'R20' });
  });

  it('a rejection ends the request; a second tap only shows the result', () => {
    const a = createApproval('plan', 'plan:3', 'xf.official', PLAN_STEPS, t0);
    const r = decide(a, leader, false, '比例过高', t0);
    expect(r).toMatchObject({ ok: true, event: 'rejected' });
    if (!r.ok) return;
    expect(r.approval.status).toBe('rejected');
    const again = decide(r.approval, leader, true, '', t0);
    expect(again).toMatchObject({ ok: false, finished: true });
    if (!again.ok) expect(again.message).toContain('已退回');
    expect(decide(approved(approved(approved(createApproval('plan', 'p', 'xf.official', PLAN_STEPS, t0), leader), office), justice), justice, true, '', t0))
      .toMatchObject({ ok: false, finished: true });
  });

  it('counts working days in Beijing time for reminders', () => {
    // Friday 2026-03-06 18:00 Beijing → Monday 2026-03-09 09:00 Beijing: one working day.
    expect(workingDaysBetween(new Date('2026-03-06T10:00:00Z'), new Date('2026-03-09T01:00:00Z'))).toBe(1);
    expect(workingDaysBetween(t0, new Date('2026-03-09T01:00:00Z'))).toBe(5);
    const a = createApproval('plan', 'plan:4', 'xf.official', PLAN_STEPS, t0);
    expect(overdue(a, new Date('2026-03-04T01:00:00Z'), 2)).toBe(false);
    expect(overdue(a, new Date('2026-03-05T01:00:00Z'), 2)).toBe(true);
  });
});

describe('R20: who may decide', () => {
  it('R20: one user decides at most one step of a request', () => {
    const dual: Actor = { userId: 'dual', department: 'SCJGJ', roles: ['leader', 'office'] };
    const steps: StepSpec[] = [{ role: 'leader', department: 'SCJGJ', label: '部门领导审批' }, PLAN_STEPS[1], PLAN_STEPS[2]];
    const a = approved(createApproval('plan', 'p', 'scj.official', steps, t0), dual);
    const may = mayDecide(a, dual);
    expect(may.ok).toBe(false);
    expect(!may.ok && may.rule).toBe('R20');
    expect(mayDecide(a, office)).toEqual({ ok: true });
  });

  it('R20: a request is staffable only when each step has its own person, never the requester', () => {
    const u = (userId: string, department: string, roles: Candidate['roles'], active = true): Candidate => ({ userId, department, roles, active });
    const steps: StepSpec[] = [{ role: 'leader', department: 'SCJGJ', label: 'l' }, { role: 'office', department: 'SCJGJ', label: 'o' }];
    // dual could take either step; with one office member besides, both are covered (dual leads).
    expect(unstaffedStep(steps, [u('dual', 'SCJGJ', ['leader', 'office']), u('o1', 'SCJGJ', ['office'])], 'x')).toBe(-1);
    // dual alone cannot take both.
    expect(unstaffedStep(steps, [u('dual', 'SCJGJ', ['leader', 'office'])], 'x')).toBe(1);
    // The requester does not count, nor an inactive user.
    expect(unstaffedStep([steps[1]], [u('o1', 'SCJGJ', ['office']), u('o2', 'SCJGJ', ['office'], false)], 'o1')).toBe(0);
    // The matching reassigns: dual first taken for the leader step moves when o-only needs it.
    expect(unstaffedStep([steps[1], steps[0]], [u('dual', 'SCJGJ', ['leader', 'office']), u('l1', 'SCJGJ', ['leader'])], 'x')).toBe(-1);
  });
});
