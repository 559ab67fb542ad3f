/**
 * A known year of the programme for the oversight tests (statistics, circulars),
 * written through the repos into the real test database: items, plans with their
 * approvals (approved, returned at a department's step, refused at 联席办's),
 * draws, tasks (joint, single, cancelled), results with their timing (one
 * corrected after approval), filings with their approvals, and C-pool entities.
 *
 * Today is 2026-12-15 (Beijing). The third quarter's tasks end on 2026-09-30.
 */
import { createApproval, type StepSpec } from '../../src/domain/approval';
import type { ResultForm } from '../../src/domain/result';
import type { TaskPart } from '../../src/domain/task';
import { PLAN_STEPS } from '../../src/services/plans';
import { FILING_STEPS } from '../../src/services/filings';
import type { Repos } from '../../store/repos';
import type { DrawDoc } from '../../src/domain/records/draw';
import type { PlanDoc } from '../../src/domain/records/plan';
import type { ResultDoc } from '../../src/domain/records/result';
import { addEntities, code, itemDoc } from './fixtures';

export const TODAY = '2026-12-15';
const at = (day: string) => new Date(`${day}T02:00:00Z`);

async function approval(repos: Repos, kind: 'plan' | 'filing', subject: string, steps: StepSpec[], day: string, outcome: 'approved' | 'pending' | { rejectedAt: number }): Promise<void> {
  const a = createApproval(kind, subject, 'test', steps, at(day));
  if (outcome === 'approved') {
    a.steps = a.steps.map((s) => ({ ...s, outcome: 'approved', by: 'someone', at: at(day) }));
    a.status = 'approved';
    a.current = a.steps.length;
  } else if (outcome !== 'pending') {
    a.steps = a.steps.map((s, i) => ({ ...s, outcome: i < outcome.rejectedAt ? 'approved' : i === outcome.rejectedAt ? 'rejected' : 'waiting' }));
    a.status = 'rejected';
    a.current = outcome.rejectedAt;
  }
  await repos.approvals.create({ ...a, title: subject, requesterDepartment: '', fields: [], flags: [] });
}

async function plan(repos: Repos, p: { planNo: string; department: string; items: string[]; joint?: string[]; createdOn: string; window: { from: string; to: string }; outcome: 'approved' | 'pending' | { rejectedAt: number } }) {
  await repos.plans.create({
    planNo: p.planNo, year: 2026, department: p.department, pool: 'B', filter: { industries: [], townships: [], riskClasses: [], sectorTags: [] },
    items: p.items, sampling: { count: 1 }, window: p.window, jointDepartments: p.joint ?? [], predictedTargets: 1, duplicates: [],
    createdBy: 'test', createdAt: at(p.createdOn), updatedBy: 'test', updatedAt: at(p.createdOn), version: 1,
  } as PlanDoc);
  await approval(repos, 'plan', p.planNo, PLAN_STEPS(p.department, p.joint), p.createdOn, p.outcome);
}

async function draw(repos: Repos, drawNo: string, planNo: string, department: string, day: string, status: DrawDoc['status'] = 'done') {
  await repos.draws.create({
    drawNo, planNo, year: 2026, department, departments: [department], pool: 'B', status, n: 10, k: 1,
    seedCommitment: 'c', snapshotDigest: 's', rosterDigest: 'r', createdBy: 'test', createdAt: at(day), voidedBy: '', voidReason: '', supersedes: '',
  } as DrawDoc);
}

function part(drawNo: string, planNo: string, departments: string[], window: { from: string; to: string }): TaskPart {
  return { drawNo, planNo, departments, officers: [], items: [], window, at: '2026-08-20T02:00:00.000Z' };
}

async function result(repos: Repos, taskNo: string, r: { status: ResultDoc['status']; submitted?: string; approved?: string; end?: string; firstApproved?: string; departments: string[] }) {
  const form: ResultForm | undefined = r.end ? { start: r.end, end: r.end, methods: ['现场检查'], categories: ['未发现问题'] } : undefined;
  const doc: ResultDoc = {
    taskNo, source: 'task', lead: r.departments[0], departments: r.departments, creditCode: code(1), entityName: '测试', window: { from: '2026-09-01', to: '2026-09-30' },
    status: r.status, form, parts: {}, correctionReason: '', round: r.firstApproved ? 2 : 1, submittedBy: 'test',
    earlier: r.firstApproved ? [{ round: 1, form, parts: {}, approvedAt: at(r.firstApproved).toISOString(), correctedBy: 'test', correctedAt: at(r.submitted!).toISOString(), reason: '日期录入有误' }] : [],
    submittedAt: r.submitted ? at(r.submitted) : undefined, approvedAt: r.approved ? at(r.approved) : undefined,
    openFollowUps: 0, createdAt: at('2026-09-20'), updatedAt: at('2026-09-20'), version: 1,
  };
  expect(await repos.results.create(doc)).toBe(true);
}

export const C1 = code(901);
export const C2 = code(902);
export const C3 = code(903);

/** Writes the history; returns nothing (the tests state the figures it implies). */
export async function writeHistory(repos: Repos): Promise<void> {
  await repos.items.writer.insertNew([
    itemDoc('XFJYDD', 'XF001', '消防安全检查'), itemDoc('XFJYDD', 'XF002', '消防设施检查'), itemDoc('YJGLJ', 'YJ001', '安全生产检查'),
    itemDoc('CZJ', 'CZ001', '会计信息质量检查'), itemDoc('CZJ', 'CZ002', '政府采购检查'),
  ] as never);
  await addEntities(repos, [
    { n: 901, pool: 'C', departments: ['XFJYDD'] }, { n: 902, pool: 'C', departments: ['YJGLJ'] }, { n: 903, pool: 'C', departments: ['CZJ'] },
    { n: 904, pool: 'B', departments: ['CZJ'] }, { n: 905, pool: 'B', departments: ['CZJ'] }, { n: 906, pool: 'B', departments: ['XFJYDD'] },
  ]);
  const SEPT = { from: '2026-09-01', to: '2026-09-30' };
  const NOV = { from: '2026-11-01', to: '2026-11-20' };
  // Plans: P1 joint, by March, approved; P2 after March, approved; P3 refused by 联席办 (R13); P4 returned by its leader.
  await plan(repos, { planNo: 'JH2026-0001', department: 'XFJYDD', joint: ['YJGLJ'], items: ['XFJYDD:XF001', 'XFJYDD:XF002', 'YJGLJ:YJ001'], createdOn: '2026-03-10', window: SEPT, outcome: 'approved' });
  await plan(repos, { planNo: 'JH2026-0002', department: 'CZJ', items: ['CZJ:CZ001'], createdOn: '2026-04-15', window: SEPT, outcome: 'approved' });
  await plan(repos, { planNo: 'JH2026-0003', department: 'CZJ', items: ['CZJ:CZ002'], createdOn: '2026-03-20', window: SEPT, outcome: { rejectedAt: 1 } });
  await plan(repos, { planNo: 'JH2026-0004', department: 'YJGLJ', items: ['YJGLJ:YJ001'], createdOn: '2026-03-05', window: NOV, outcome: { rejectedAt: 0 } });
  await plan(repos, { planNo: 'JH2026-0005', department: 'YJGLJ', items: ['YJGLJ:YJ001'], createdOn: '2026-10-20', window: NOV, outcome: 'approved' });
  // Draws: D1 before its window ended, D2 after it (not in window), D3 voided (not counted), D4 in November.
  await draw(repos, 'CQ2026-0001', 'JH2026-0001', 'XFJYDD', '2026-08-20');
  await draw(repos, 'CQ2026-0002', 'JH2026-0002', 'CZJ', '2026-10-05');
  await draw(repos, 'CQ2026-0003', 'JH2026-0001', 'XFJYDD', '2026-08-19', 'voided');
  await draw(repos, 'CQ2026-0004', 'JH2026-0005', 'YJGLJ', '2026-10-25');
  // Tasks: T1 joint (消防 + 应急) on C1; T2, T3 财政局; T4 cancelled; T5 应急 on C2 in November.
  const made = await repos.tasks.createMany([
    { taskNo: 'T1', year: 2026, issuer: 'XFJYDD', creditCode: C1, entityName: 'C1', parts: [part('CQ2026-0001', 'JH2026-0001', ['XFJYDD', 'YJGLJ'], SEPT)], at: at('2026-08-20') },
    { taskNo: 'T2', year: 2026, issuer: 'CZJ', creditCode: code(904), entityName: 'B4', parts: [part('CQ2026-0002', 'JH2026-0002', ['CZJ'], SEPT)], at: at('2026-08-20') },
    { taskNo: 'T3', year: 2026, issuer: 'CZJ', creditCode: code(905), entityName: 'B5', parts: [part('CQ2026-0002', 'JH2026-0002', ['CZJ'], SEPT)], at: at('2026-08-20') },
    { taskNo: 'T4', year: 2026, issuer: 'XFJYDD', creditCode: code(906), entityName: 'B6', parts: [part('CQ2026-0001', 'JH2026-0001', ['XFJYDD'], SEPT)], at: at('2026-08-20') },
    { taskNo: 'T5', year: 2026, issuer: 'YJGLJ', creditCode: C2, entityName: 'C2', parts: [part('CQ2026-0004', 'JH2026-0005', ['YJGLJ'], NOV)], at: at('2026-10-25') },
  ]);
  expect(made).toHaveLength(5);
  expect(await repos.tasks.cancel(made[3], at('2026-08-21'), '抽取作废')).toBe(true);
  // T1: entered and public on time; corrected in November (its first approval is what was made public).
  await result(repos, 'T1', { status: 'approved', submitted: '2026-11-30', approved: '2026-12-01', firstApproved: '2026-09-28', end: '2026-09-20', departments: ['XFJYDD', 'YJGLJ'] });
  // T2: entered late and made public late (R15); T3: nothing entered (overdue).
  await result(repos, 'T2', { status: 'approved', submitted: '2026-11-20', approved: '2026-11-25', end: '2026-09-15', departments: ['CZJ'] });
  // T5: entered on time, waiting for review.
  await result(repos, 'T5', { status: 'pending', submitted: '2026-11-25', end: '2026-11-18', departments: ['YJGLJ'] });
  // Filings: 消防 accepted in August; 财政局 refused by 联席办 in July; 财政局 pending in November.
  const filing = async (filingNo: string, department: string, reason: string, month: string, outcome: 'approved' | 'pending' | { rejectedAt: number }) => {
    await repos.filings.create({
      filingNo, month, department, creditCode: code(904), entityName: 'B4', pool: 'B', reason, plannedDate: `${month}-10`, officers: [], description: '说明',
      rules: ['R11'], createdBy: 'test', createdAt: at(`${month}-01`),
    });
    await approval(repos, 'filing', filingNo, FILING_STEPS(department), `${month}-01`, outcome);
  };
  await filing('BA2026-0001', 'XFJYDD', '消防安全', '2026-08', 'approved');
  await filing('BA2026-0002', 'CZJ', '投诉举报', '2026-07', { rejectedAt: 1 });
  await filing('BA2026-0003', 'CZJ', '投诉举报', '2026-11', 'pending');
}
