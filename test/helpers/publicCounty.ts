/**
 * A county with something to publish, written through the real services and the
 * router every channel uses: items (one on the A joint list, filed), an approved
 * B plan drawn by its department, a second plan drawn and then voided by 联席办,
 * officers with certificate numbers, phone numbers and declared conflicts (none
 * of which may appear on the public site), and an entity whose name is markup.
 */
import { createHash } from 'node:crypto';
import { createApproval } from '../../src/domain/approval';
import { PLAN_STEPS } from '../../src/services/plans';
import type { Router } from '../../bot/router';
import { replyText } from '../../bot/types';
import { testCounty, type TestCounty } from './county';
import { addEntities, code, inspectorDoc, itemDoc, saveUsers } from './fixtures';

export const XSS_NAME = '<img src=x onerror=alert(1)>';
export const PHONE = '13912345678';

export interface PublicCounty extends TestCounty {
  planNo: string;
  drawNo: string;
  voidedPlanNo: string;
  voidedDrawNo: string;
  voidReason: string;
  /** Entity codes of the drawn plan's snapshot. */
  codes: string[];
  xssCode: string;
  conflictCodes: string[];
}

const say = async (router: Router, userId: string, t: string): Promise<string> =>
  (await router.respond({ channel: 'shell', senderId: userId, text: t })).replies.map(replyText).join('\n');

export async function publicCounty(now: () => Date): Promise<PublicCounty> {
  let seq = 0;
  const random = (n: number) => createHash('sha256').update(`public seed ${seq++}`).digest().subarray(0, n);
  const county = await testCounty(now, { deps: { random }, router: { announcer: { channelsOf: () => ({ wecom: true, dingtalk: false }), announce: async () => 1 } as never } });
  const { db, services, router } = county;
  await saveUsers(services, [
    { userId: 'scj.official', name: '周晓燕', department: '县市管局', roles: ['official'] },
    { userId: 'lxb.office', name: '程丽华', department: '县市管局', roles: ['office'] },
  ]);
  const codes = Array.from({ length: 12 }, (_, i) => code(500 + i));
  const conflictCodes = codes.slice(0, 2);
  await db.repos.inspectors.writer.insertNew([
    inspectorDoc('SC-001', '王建国', 'SCJGJ', { phone: PHONE }),
    inspectorDoc('SC-002', '李秀英', 'SCJGJ', { conflicts: conflictCodes }),
    inspectorDoc('SC-003', '张伟', 'SCJGJ'),
    inspectorDoc('SC-004', '刘芳', 'SCJGJ'),
    inspectorDoc('SC-005', '陈静', 'SCJGJ'),
    inspectorDoc('SC-006', '杨洋', 'SCJGJ'),
  ] as never);
  await db.repos.items.writer.insertNew([
    itemDoc('SCJGJ', 'SC001', '食品经营许可事项检查', { legalBasis: '《食品安全法》第一百一十条', powerListCode: '361129-JC-001', jointListA: true, jointListFiledOn: '2026-03-15' }),
    itemDoc('SCJGJ', 'SC002', '产品质量监督抽查', { legalBasis: '《产品质量法》第十五条', powerListCode: '361129-JC-002', jointListA: false }),
  ] as never);
  await addEntities(db.repos, codes.map((_, i) => ({
    n: 500 + i, pool: 'B' as const, departments: ['SCJGJ'], name: i === 3 ? XSS_NAME : `万年县青云${i}号食品有限公司`,
  })));
  let planSeq = 0;
  const plan = async (count: number): Promise<string> => {
    const planNo = `JH2026-${String(9000 + ++planSeq)}`;
    const at = now();
    await db.repos.plans.create({
      planNo, year: 2026, department: 'SCJGJ', pool: 'B', filter: { industries: [], townships: [], riskClasses: [], sectorTags: [] },
      items: ['SCJGJ:SC001'], sampling: { count }, window: { from: '2026-09-01', to: '2026-09-30' }, jointDepartments: [], predictedTargets: 0, duplicates: [],
      createdBy: 'scj.official', createdAt: at, updatedBy: 'scj.official', updatedAt: at, version: 1,
    });
    const steps = PLAN_STEPS('SCJGJ').map((s) => ({ ...s, outcome: 'approved' as const, by: 'x', byName: '审核人', at }));
    await db.repos.approvals.create({
      ...createApproval('plan', planNo, 'scj.official', PLAN_STEPS('SCJGJ'), at), steps, status: 'approved', current: 3,
      title: planNo, requesterDepartment: 'SCJGJ', fields: [], flags: [],
    });
    return planNo;
  };
  const drawNoOf = (s: string) => /JH\d{4}-\d+-\d+/.exec(s)?.[0] ?? '';
  const voidedPlanNo = await plan(3);
  const first = await say(router, 'scj.official', `抽取 ${voidedPlanNo}`);
  const voidedDrawNo = drawNoOf(first);
  const voidReason = '人员名录有误，重新抽取';
  await say(router, 'lxb.office', `作废抽取 ${voidedDrawNo} ${voidReason}`);
  const planNo = await plan(12);
  const second = await say(router, 'scj.official', `抽取 ${planNo}`);
  const drawNo = drawNoOf(second);
  if (!drawNo || !voidedDrawNo) throw new Error(`the draws were not made: ${first} / ${second}`);
  return { ...county, planNo, drawNo, voidedPlanNo, voidedDrawNo, voidReason, codes, xssCode: codes[3], conflictCodes };
}
