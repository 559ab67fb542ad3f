/**
 * R4's C-plan filter "排除近N个月已检查" on the real database: a result approved by the
 * leader records the inspection's last day on the entity (a guarded update by `_id`,
 * only forward), and a C plan with the filter then leaves that entity out, in its
 * predicted targets and in the draw.
 */
import { createHash } from 'node:crypto';
import type { Services } from '../../src/app';
import { createApproval } from '../../src/domain/approval';
import { PLAN_STEPS } from '../../src/services/plans';
import type { PlanDoc } from '../../src/domain/records/plan';
import type { TargetFilter } from '../../src/domain/plan/types';
import type { Outcome, Router } from '../../bot/router';
import { replyText } from '../../bot/types';
import type { TestDb } from '../helpers/db';
import { testCounty } from '../helpers/county';
import { addEntities, code, inspectorDoc, itemDoc, saveUsers } from '../helpers/fixtures';

let db: TestDb;
let services: Services;
let router: Router;
const clock = { t: Date.parse('2026-09-15T02:00:00Z') };
const now = () => new Date(clock.t);
let seed = 0;
const random = (n: number) => createHash('sha256').update(`inspected seed ${seed++}`).digest().subarray(0, n);
const say = (userId: string, t: string): Promise<Outcome> => router.respond({ channel: 'shell', senderId: userId, text: t });
const all = (o: Outcome) => o.replies.map(replyText).join('\n');

const SEPT = { from: '2026-09-01', to: '2026-09-30' };
const NO_FILTER: TargetFilter = { industries: [], townships: [], riskClasses: [], sectorTags: [] };
let planSeq = 0;
async function plan(filter: TargetFilter): Promise<string> {
  const planNo = `JH2026-${String(++planSeq).padStart(4, '0')}`;
  const at = now();
  await db.repos.plans.create({
    planNo, year: 2026, department: 'CZJ', pool: 'C', filter, items: ['CZJ:CZ001'], sampling: { count: 1 }, window: SEPT, jointDepartments: [],
    predictedTargets: 0, duplicates: [], createdBy: 'test', createdAt: at, updatedBy: 'test', updatedAt: at, version: 1,
  } as PlanDoc);
  await db.repos.approvals.create({
    ...createApproval('plan', planNo, 'test', PLAN_STEPS('CZJ'), at), status: 'approved', current: 9, title: planNo, requesterDepartment: 'CZJ', fields: [], flags: [],
  });
  return planNo;
}

async function drawn(planNo: string): Promise<{ taskNo: string; creditCode: string; officer: string }> {
  expect(all(await say('cz.official', `抽取 ${planNo}`))).toContain('检查任务');
  const [d] = await db.repos.draws.forPlan(planNo);
  const [t] = await db.repos.tasks.forDraw(d.drawNo);
  return { taskNo: t.taskNo, creditCode: t.creditCode, officer: t.officers[0] };
}

beforeAll(async () => {
  ({ db, services, router } = await testCounty(now, { deps: { random } }));
  await saveUsers(services, [
    { userId: 'cz.official', name: '钱财政', department: '县财政局', roles: ['official'] },
    { userId: 'cz.leader', name: '孙局长', department: '县财政局', roles: ['leader'] },
    ...['CZ-001', 'CZ-002'].map((no) => ({ userId: no, name: `人员${no}`, department: '县财政局', roles: ['inspector' as const] })),
  ]);
  await db.repos.inspectors.writer.insertNew(['CZ-001', 'CZ-002'].map((n) => inspectorDoc(n, `人员${n}`, 'CZJ')) as never);
  await db.repos.items.writer.insertNew([itemDoc('CZJ', 'CZ001', '会计信息质量检查')] as never);
  await addEntities(db.repos, [{ n: 1, pool: 'C', departments: ['CZJ'] }, { n: 2, pool: 'C', departments: ['CZJ'] }]);
});

afterAll(async () => {
  await db.close();
});

describe('the C-plan filter "not inspected this year" (R4)', () => {
  it('R4: an approved result sets lastInspectedAt, and a C plan with 排除近12个月已检查 excludes that entity', async () => {
    const first = await drawn(await plan(NO_FILTER));
    expect((await db.repos.entities.get(first.creditCode))?.lastInspectedAt).toBeUndefined();

    await say(first.officer, `录入结果 ${first.taskNo}`);
    for (const line of ['2026-09-14', '1', '未发现问题', '1']) await say(first.officer, line);
    expect(all(await say(first.officer, '提交'))).toContain('已提交');
    // Submitted, not yet approved: not yet inspected.
    expect((await db.repos.entities.get(first.creditCode))?.lastInspectedAt).toBeUndefined();
    expect(all(await say('cz.leader', `同意 ${first.taskNo}`))).toContain('已同意');
    expect((await db.repos.entities.get(first.creditCode))?.lastInspectedAt?.toISOString()).toBe('2026-09-13T16:00:00.000Z'); // 2026-09-14, Beijing

    // Only forward: an older inspection never moves it back.
    expect(await db.repos.entities.markInspected(first.creditCode, new Date('2026-03-01T00:00:00+08:00'))).toBe(false);

    const other = first.creditCode === code(1) ? code(2) : code(1);
    const filter: TargetFilter = { ...NO_FILTER, skipInspectedWithinMonths: 12 };
    const targets = (skip?: number) => db.repos.entities.targetSummaries({ pool: 'C', filter: { ...NO_FILTER, skipInspectedWithinMonths: skip }, departments: ['CZJ'], inspectedSince: skip ? new Date(now().getTime() - skip * 30.4375 * 86400_000) : undefined });
    expect((await targets()).map((t) => t.creditCode).sort()).toEqual([code(1), code(2)]);
    expect((await targets(12)).map((t) => t.creditCode)).toEqual([other]);
    // The plan with the filter draws the entity not inspected this year, never the inspected one.
    expect((await drawn(await plan(filter))).creditCode).toBe(other);
  });
});
