/**
 * The public site (一公开) on the real database: what each tab shows and what no
 * public page or JSON ever shows (certificate numbers, phone numbers, declared
 * conflicts), escaping, paging, the read-only surface and its headers, and the
 * cached answer when the database stops answering.
 */
import type { Server } from 'node:http';
import { createHttpApp } from '../../src/http/app';
import { publicSite } from '../../src/http/public/site';
import { connect } from '../../store/connection';
import { createRepos } from '../../store/repos';
import { itemDoc } from '../helpers/fixtures';
import { PHONE, publicCounty, XSS_NAME, type PublicCounty } from '../helpers/publicCounty';
import { createApproval } from '../../src/domain/approval';
import { PLAN_STEPS } from '../../src/services/plans';
import { verifyDraw } from '../../src/domain/draw';
import { publicRecordOf, verifyPublicRecord, type PublicDrawRecord } from '../../src/domain/publicRecord';

const now = () => new Date('2026-08-20T02:00:00Z');
let county: PublicCounty;
let server: Server;
let base: string;
const seen: string[] = [];

async function get(path: string, init?: RequestInit): Promise<{ status: number; text: string; headers: Headers }> {
  const r = await fetch(`${base}${path}`, { redirect: 'manual', ...init });
  const text = await r.text();
  if (r.status === 200) seen.push(text);
  return { status: r.status, text, headers: r.headers };
}
const json = async (path: string) => JSON.parse((await get(path)).text);

function listen(app: ReturnType<typeof createHttpApp>): Promise<{ server: Server; base: string }> {
  return new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve({ server: s, base: `http://127.0.0.1:${(s.address() as { port: number }).port}` }));
  });
}

beforeAll(async () => {
  county = await publicCounty(now);
  // A pending plan must not be published; 25 more items make the list page.
  const at = now();
  await county.db.repos.plans.create({
    planNo: 'JH2026-0999', year: 2026, department: 'SCJGJ', pool: 'B', filter: { industries: [], townships: [], riskClasses: [], sectorTags: [] },
    items: ['SCJGJ:SC001'], sampling: { count: 1 }, window: { from: '2026-09-01', to: '2026-09-30' }, jointDepartments: [], predictedTargets: 0, duplicates: [],
    createdBy: 'x', createdAt: at, updatedBy: 'x', updatedAt: at, version: 1,
  });
  await county.db.repos.approvals.create({ ...createApproval('plan', 'JH2026-0999', 'x', PLAN_STEPS('SCJGJ'), at), title: 'p', requesterDepartment: 'SCJGJ', fields: [], flags: [] });
  await county.db.repos.items.writer.insertNew(Array.from({ length: 25 }, (_, i) => itemDoc('JYJ', `JY${String(i).padStart(3, '0')}`, `教育事项${i}`, { jointListA: false })) as never);
  ({ server, base } = await listen(createHttpApp({ conn: undefined as never, engine: 'test', routes: [publicSite({ repos: county.db.repos, now, freshMs: 0 })] })));
});

afterAll(async () => {
  server?.close();
  await county?.db.close();
});

describe('the four tabs', () => {
  it('抽查事项清单: items with legal basis and power-list code, paged; the A joint list with its filing date', async () => {
    const p1 = await get('/gongshi/items');
    expect(p1.status).toBe(200);
    expect(p1.text).toContain('食品经营许可事项检查');
    expect(p1.text).toContain('《食品安全法》第一百一十条');
    expect(p1.text).toContain('361129-JC-001');
    expect(p1.text).toContain('第 1 / 2 页，共 27 条');
    const joint = p1.text.slice(p1.text.indexOf('联合抽查事项清单'));
    expect(joint).toContain('2026-03-15');
    expect(joint).not.toContain('产品质量监督抽查');
    const p2 = await get('/gongshi/items?page=2');
    expect(p2.text).toContain('第 2 / 2 页');
    const api = await json('/gongshi/api/items?page=2');
    expect(api).toMatchObject({ page: 2, pages: 2, total: 27 });
    expect(api.rows).toHaveLength(7);
    expect((await json('/gongshi/api/joint')).rows).toEqual([expect.objectContaining({ itemCode: 'SC001', filedOn: '2026-03-15', powerListCode: '361129-JC-001' })]);
  });

  it('抽查计划公告: approved plans with scope, sampling, window and approval date; a plan under review is not shown', async () => {
    const page = await get('/gongshi/plans?year=2026');
    expect(page.text).toContain(county.planNo);
    expect(page.text).toContain('2026-09-01 至 2026-09-30');
    expect(page.text).toContain('抽取 12 户');
    expect(page.text).not.toContain('JH2026-0999');
    const api = await json('/gongshi/api/plans?year=2026');
    expect(api.rows.map((p: { planNo: string }) => p.planNo).sort()).toEqual([county.voidedPlanNo, county.planNo].sort());
    expect(api.rows[0]).toMatchObject({ department: '县市管局', pool: expect.stringContaining('B'), approvedOn: '2026-08-20', items: ['食品经营许可事项检查'] });
  });

  it('抽查任务公告: each draw with its commitment, then seed, selection and teams (names and departments); the voided draw with its reason', async () => {
    const list = await get('/gongshi/draws?year=2026');
    expect(list.text).toContain(county.drawNo);
    expect(list.text).toContain(county.voidedDrawNo);
    expect(list.text).toContain(`作废原因：${county.voidReason}`);
    const d = await county.services.draws.get(county.drawNo);
    const rec = d.record!;
    const page = await get(`/gongshi/draws/${county.drawNo}`);
    for (const v of [rec.seedCommitment, rec.snapshotDigest, rec.rosterDigest, rec.announcementDigest, rec.seed]) expect(page.text).toContain(v);
    expect(page.text.indexOf(rec.seedCommitment)).toBeLessThan(page.text.indexOf(rec.seed));
    expect(page.text).toContain('主体总数 n</th><td>12');
    expect(page.text).toContain('万年县青云0号食品有限公司');
    expect(page.text).toMatch(/(王建国|李秀英|张伟|刘芳)（县市管局，组长）/);
    expect(page.text).toContain('id="verify-button"');
    expect(page.text).toContain(`/gongshi/plans?year=2026&amp;q=${county.planNo}`); // a stable link to the plan's notice
    expect(page.text).toContain('/gongshi/docs/draw');
    const api = await json(`/gongshi/api/draws/${county.drawNo}`);
    expect(api.draw.teams).toHaveLength(12);
    expect(Object.keys(api.draw.teams[0].officers[0]).sort()).toEqual(['department', 'name', 'role']);
    const voided = await get(`/gongshi/draws/${county.voidedDrawNo}`);
    expect(voided.text).toContain('此抽取已作废');
    expect(voided.text).toContain(county.voidReason);
    // The record offered for 核验 is the one `draw export` writes, declared conflicts withheld (their count kept).
    const file = JSON.parse((await get(`/gongshi/draws/${county.drawNo}/record.json`)).text) as PublicDrawRecord;
    expect(file).toEqual({ ...rec, assignmentInputs: { ...rec.assignmentInputs, conflicts: [] }, withheldConflicts: 2 });
  });

  it('R8a: the downloadable record withholds declared conflicts, and still verifies everything they do not decide', async () => {
    const full = (await county.services.draws.get(county.drawNo)).record!;
    expect(full.assignmentInputs.conflicts.map((c) => c.creditCode).sort()).toEqual([...county.conflictCodes].sort());
    const served = JSON.parse((await get(`/gongshi/draws/${county.drawNo}/record.json`)).text) as PublicDrawRecord;
    for (const c of county.conflictCodes) expect(JSON.stringify(served.assignmentInputs.conflicts)).not.toContain(c);
    // The conflicts do decide the officer draw: without them the teams cannot be recomputed person by person...
    expect(verifyDraw(served).ok).toBe(false);
    // ...so the public check recomputes the rest exactly and checks the teams against the published roster.
    expect(verifyPublicRecord(served, { announced: { announcementDigest: full.announcementDigest } })).toEqual({ ok: true, complete: false, withheld: 2 });
    // The full record (draw export, for 联席办 and 司法局) verifies completely.
    expect(verifyPublicRecord(full)).toEqual({ ok: true, complete: true });
    // What the public check still catches: a changed seed, a changed selection, an officer not on the roster.
    expect(verifyPublicRecord({ ...served, seed: (served.seed[0] === 'a' ? 'b' : 'a') + served.seed.slice(1) })).toMatchObject({ ok: false, first: expect.stringContaining('种子承诺值不一致') });
    expect(verifyPublicRecord({ ...served, selection: [...served.selection].reverse() })).toMatchObject({ ok: false, first: expect.stringContaining('抽中主体不一致') });
    const stranger = { ...served.assignment[0].officers[0], inspectorNo: 'XX-999', name: '赵某' };
    const forged = { ...served, assignment: [{ ...served.assignment[0], officers: [stranger, ...served.assignment[0].officers.slice(1)] }, ...served.assignment.slice(1)] };
    expect(verifyPublicRecord(forged)).toMatchObject({ ok: false, first: expect.stringContaining('赵某不在公布的人员名录中') });
    // A draw with no conflict among its selected entities has nothing to withhold: the public record is the full one.
    const voided = (await county.services.draws.get(county.voidedDrawNo)).record!;
    if (voided.assignmentInputs.conflicts.length === 0) expect(publicRecordOf(voided)).toBe(voided);
    expect(publicRecordOf({ ...full, assignmentInputs: { ...full.assignmentInputs, conflicts: [] } })).not.toHaveProperty('withheldConflicts');
  });

  it('抽查结果公告 shows 暂无 until results exist', async () => {
    const page = await get('/gongshi/results?year=2026');
    expect(page.status).toBe(200);
    expect(page.text).toContain('暂无');
    expect((await json('/gongshi/api/results?year=2026')).rows).toEqual([]);
  });

  it('R22: every tab links the complaint form (投诉举报), so the public finds it from any notice', async () => {
    for (const path of ['/gongshi/items', '/gongshi/plans?year=2026', '/gongshi/draws?year=2026', '/gongshi/results?year=2026']) {
      expect((await get(path)).text).toContain('<a href="/gongshi/tousu">投诉举报</a>');
    }
  });

  it('search finds an entity by part of its name or its credit code and lists its tasks and draws', async () => {
    const byName = await get(`/gongshi/search?q=${encodeURIComponent('青云7号')}`);
    expect(byName.text).toContain('万年县青云7号食品有限公司');
    expect(byName.text).toContain(county.codes[7]);
    expect(byName.text).toContain(`/gongshi/draws/${county.drawNo}`);
    const byCode = await json(`/gongshi/api/search?q=${county.codes[7].toLowerCase()}`);
    expect(byCode.entities).toEqual([expect.objectContaining({ creditCode: county.codes[7], name: '万年县青云7号食品有限公司' })]);
    expect(byCode.entities[0].tasks.length).toBeGreaterThanOrEqual(1);
  });
});

describe('safe to expose', () => {
  it('an entity named as markup renders as text, on the search page and the draw page', async () => {
    const escaped = '&lt;img src=x onerror=alert(1)&gt;';
    const s = await get(`/gongshi/search?q=${encodeURIComponent(XSS_NAME)}`);
    expect(s.text).toContain(escaped);
    expect(s.text).not.toContain('<img');
    const d = await get(`/gongshi/draws/${county.drawNo}`);
    expect(d.text).toContain(escaped);
    expect(d.text).not.toContain('<img');
  });

  it('no certificate number, phone number or declared conflict on any public page or JSON twin', async () => {
    for (const p of ['/gongshi/items', '/gongshi/plans', '/gongshi/draws', `/gongshi/draws/${county.drawNo}`, `/gongshi/draws/${county.voidedDrawNo}`, '/gongshi/results',
      `/gongshi/search?q=${county.conflictCodes[0]}`, '/gongshi/api/draws', `/gongshi/api/draws/${county.drawNo}`, `/gongshi/api/search?q=${county.conflictCodes[0]}`, '/gongshi/api/plans']) {
      const r = await get(p);
      expect(r.status).toBe(200);
      expect(r.text).not.toMatch(/JX-SC-\d+/);
      expect(r.text).not.toContain(PHONE);
      expect(r.text).not.toMatch(/conflict|回避|2027-12-31/i);
      expect(r.text).not.toMatch(/SC-00\d/); // inspector numbers are not shown either: names and departments only
    }
  });

  it('security headers; GET only; unknown paths are 404', async () => {
    const r = await get('/gongshi/items');
    expect(r.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    expect(r.headers.get('referrer-policy')).toBe('no-referrer');
    expect((await get('/gongshi/items', { method: 'POST', body: 'x' })).status).toBe(405);
    expect((await get(`/gongshi/draws/${county.drawNo}`, { method: 'DELETE' })).status).toBe(405);
    const nf = await get('/gongshi/nothing-here');
    expect(nf.status).toBe(404);
    expect(nf.text).toContain('没有这个页面');
    expect(nf.headers.get('content-security-policy')).toBeTruthy();
    expect((await get('/gongshi/draws/JH2026-0000-9')).status).toBe(404);
    expect((await get('/gongshi/api/draws/JH2026-0000-9')).status).toBe(404);
    const js = await get('/gongshi/static/verify.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('javascript');
    const doc = await get('/gongshi/docs/draw');
    expect(doc.text).toContain('The public record');
  });

  it('when the database stops answering, the last good page is served and says so; a page never loaded is 503', async () => {
    const conn = await connect(county.db.uri, county.db.dbName);
    const site = await listen(createHttpApp({ conn: conn.conn, engine: 'test', routes: [publicSite({ repos: createRepos(conn.models), now, freshMs: 0, timeoutMs: 1500 })] }));
    try {
      const fresh = await fetch(`${site.base}/gongshi/draws?year=2026`);
      expect(await fresh.text()).not.toContain('数据库响应缓慢');
      await conn.close();
      const cached = await (await fetch(`${site.base}/gongshi/draws?year=2026`)).text();
      expect(cached).toContain('数据库响应缓慢');
      expect(cached).toContain(county.drawNo);
      expect((await (await fetch(`${site.base}/gongshi/api/draws?year=2026`)).json())).toMatchObject({ stale: true });
      expect((await fetch(`${site.base}/gongshi/plans?year=2026`)).status).toBe(503);
    } finally {
      site.server.close();
    }
  });
});

describe('load', () => {
  it('requests that arrive while an answer is being read share that one read (no stampede when an answer expires)', async () => {
    let reads = 0;
    const slow = { list: async () => { reads++; await new Promise((r) => setTimeout(r, 200)); return []; }, forEntity: async () => [] };
    const site = await listen(createHttpApp({ conn: undefined as never, engine: 'test', routes: [publicSite({ repos: county.db.repos, now, freshMs: 0, results: slow })] }));
    try {
      const pages = await Promise.all(Array.from({ length: 10 }, () => fetch(`${site.base}/gongshi/api/results?year=2026`).then((r) => r.status)));
      expect(pages).toEqual(Array(10).fill(200));
      expect(reads).toBe(1);
      await fetch(`${site.base}/gongshi/api/results?year=2026`);
      expect(reads).toBe(2); // once answered, the next request reads again (freshMs 0)
    } finally {
      site.server.close();
    }
  });
});

describe('抽查结果公告 from approved results (R15)', () => {
  let resultsServer: Server;
  let resultsBase: string;
  beforeAll(async () => {
    const { publicResults } = await import('../../src/services/publicResults');
    ({ server: resultsServer, base: resultsBase } = await listen(createHttpApp({
      conn: undefined as never, engine: 'test', routes: [publicSite({ repos: county.db.repos, now, freshMs: 0, results: publicResults(county.db.repos) })],
    })));
  });
  afterAll(() => { resultsServer?.close(); });

  it('an approved result is a notice with the national columns; a corrected one keeps the earlier text and why; a draft is not shown', async () => {
    const [task, other] = await county.db.repos.tasks.forDraw(county.drawNo);
    const at = new Date('2026-09-20T02:00:00Z');
    const base = {
      source: 'task' as const, lead: task.lead, departments: task.departments, window: task.window, parts: {}, correctionReason: '',
      submittedBy: 'x', openFollowUps: 0, createdAt: at, updatedAt: at, version: 1,
    };
    await county.db.repos.results.create({
      ...base, taskNo: task.taskNo, creditCode: task.creditCode, entityName: task.entityName, status: 'approved', round: 2, approvedAt: at,
      form: { start: '2026-09-10', end: '2026-09-11', methods: ['实地检查'], categories: ['发现问题已责令改正'] },
      earlier: [{ round: 1, parts: {}, form: { start: '2026-09-10', end: '2026-09-11', methods: ['实地检查'], categories: ['未发现问题'] }, correctedBy: 'x', correctedAt: '2026-09-25T02:00:00.000Z', reason: '复核发现漏记问题' }],
    });
    await county.db.repos.results.create({
      ...base, taskNo: other.taskNo, creditCode: other.creditCode, entityName: other.entityName, status: 'draft', round: 1, earlier: [],
      form: { start: '2026-09-10', end: '2026-09-10', methods: ['实地检查'], categories: ['未发现问题'] },
    });
    const page = await (await fetch(`${resultsBase}/gongshi/results?year=2026`)).text();
    expect(page).toMatch(/县市管局2026年度第\d+号抽查任务检查结果公告/);
    expect(page).toContain('发现问题已责令改正');
    expect(page).toContain('复核发现漏记问题');
    expect(page).toContain('更正前：未发现问题');
    expect(page).not.toContain(other.taskNo);
    const api = JSON.parse(await (await fetch(`${resultsBase}/gongshi/api/results?year=2026`)).text()) as { rows: { taskNo: string; rows: { creditCode: string; completedOn: string }[] }[] };
    expect(api.rows.map((n) => n.taskNo)).toEqual([task.taskNo]);
    expect(api.rows[0].rows[0]).toMatchObject({ creditCode: task.creditCode, completedOn: '2026-09-11' });
    expect(JSON.stringify(api)).not.toMatch(/JX\d|officer|inspectorNo/);
  });
});
