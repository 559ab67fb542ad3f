/**
 * One sampling rule, one k: what the plan preview tells the official ("预计 n 户中抽取 k 户")
 * is what the draw commits to, for every sampling a plan can hold.
 */
import { commitDraw } from '../../src/domain/draw';
import { describePlan, type PlanDraft } from '../../src/domain/plan';
import { sampleSize, type Sampling } from '../../src/domain/sampling';

const SEED = 'a'.repeat(64);

const draft = (sampling: Sampling): PlanDraft => ({
  year: 2026, department: 'SCJGJ', pool: 'B', sampling, items: ['SCJGJ:FOOD01'], jointDepartments: [],
  filter: { industries: [], townships: [], riskClasses: [], sectorTags: [] }, window: { from: '2026-06-01', to: '2026-06-30' },
});

/** The k the preview shows: "（预计 n 户中抽取 k 户）". */
function previewK(sampling: Sampling, n: number): number {
  const m = /预计 (\d+) 户中抽取 (\d+) 户/.exec(describePlan(draft(sampling), { predictedTargets: n }));
  if (!m) throw new Error('the preview shows no k');
  expect(Number(m[1])).toBe(n);
  return Number(m[2]);
}

/** The k the draw commits to over a snapshot of n entities. */
function drawK(sampling: Sampling, n: number): number {
  const snapshot = Array.from({ length: n }, (_, i) => `91361129MA${String(i).padStart(8, '0')}`);
  return commitDraw({
    planNo: 'JH2026-0001', pool: 'B', filter: '全部', sampling, snapshot, seed: SEED,
    assignment: { pool: 'B', departments: ['SCJGJ'], inspectors: [], requiredSpecialties: {}, windowLastDay: '2026-06-30' },
  }).k;
}

describe('sampling', () => {
  it('R2, R6, R13: the plan preview’s k equals the draw’s k for every ratio (0–100% in 0.1% steps) and count', () => {
    const rules: Sampling[] = [
      ...Array.from({ length: 1001 }, (_, p) => ({ ratioPermille: p })),
      ...[0, 1, 2, 7, 30, 101, 2000].map((count) => ({ count })),
    ];
    let compared = 0;
    for (const n of [0, 1, 2, 3, 7, 30, 101, 999]) {
      for (const s of rules) {
        const k = previewK(s, n);
        if (k !== drawK(s, n)) throw new Error(`n=${n} ${JSON.stringify(s)}: preview ${k}, draw ${drawK(s, n)}`);
        compared++;
      }
    }
    expect(compared).toBe(8 * 1008);
  });

  it('R2: k rounds a ratio up in integers and caps a count at n; a value no plan holds is a programmer error', () => {
    expect(sampleSize(30, { ratioPermille: 100 })).toBe(3);
    expect(sampleSize(31, { ratioPermille: 100 })).toBe(4);
    expect(sampleSize(5, { count: 8 })).toBe(5);
    expect(() => sampleSize(-1, { count: 1 })).toThrow(RangeError);
    expect(() => sampleSize(10, { ratioPermille: 1001 })).toThrow(RangeError);
  });
});
