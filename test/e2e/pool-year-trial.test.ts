/**
 * The pools' year on the demo county, its last step in the real `npm run chat` process
 * (piped, switching users). The year's history is made here through the services and
 * the chat, as a county would make it, at dates earlier in the year: a B plan drafted,
 * approved and drawn, its results entered and approved (one entity found closed, one
 * clean); two A entities inspected after complaints (备案) with a general and a serious
 * violation; a credit-risk classification file imported; a new entity imported; an
 * application and a recommendation for A. Then 联席办's `调库方案` shows a line of each
 * kind with its evidence (result, date, department), two lines are rejected, another
 * 联席办 member confirms (R20), the pools change, and the xlsx is queued for every member
 * unit's group robot as the server would send it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { runTsx } from '../helpers/run';
import { freshDb, type TestDb } from '../helpers/db';
import { code } from '../helpers/fixtures';
import { createServices, type Services } from '../../src/app';
import { DEFAULT_POLICY } from '../../src/services/policy';
import { createLogger } from '../../src/logger';
import { cliCaller } from '../../src/services/context';
import { certificateValidOn, isEnforcementOfficer } from '../../src/domain/inspector';
import { MEMBER_UNITS } from '../../src/domain/organisation';
import { reviewSubject } from '../../src/services/results';
import { createRouter, type Outcome, type Router } from '../../bot/router';
import { replyText } from '../../bot/types';

const SECRETS_KEY = 'pool-year-trial-secrets-key-0123456789abcdef';
// The year whose history is made: this year once its September has come, else the year before.
const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
const Y = today >= `${today.slice(0, 4)}-09-01` ? Number(today.slice(0, 4)) : Number(today.slice(0, 4)) - 1;
const dir = mkdtempSync(path.join(os.tmpdir(), 'pool-year-trial-'));

let db: TestDb;
let services: Services;
let router: Router;
const clock = { t: Date.parse(`${Y}-01-05T02:00:00Z`) };
const now = () => new Date(clock.t);
const setDay = (day: string) => { clock.t = Date.parse(`${day}T02:00:00Z`); };
const all = (o: Outcome) => o.replies.map(replyText).join('\n');
const say = async (userId: string, t: string) => all(await router.respond({ channel: 'shell', senderId: userId, text: t }));
const tap = async (userId: string, key: string) => all(await router.tap({ channel: 'shell', senderId: userId }, key));
async function script(userId: string, lines: string[]): Promise<string> {
  const out: string[] = [];
  for (const l of lines) out.push(await say(userId, l));
  return out.join('\n');
}
const chat = (as: string, lines: string[]) =>
  runTsx('bot/channels/shell/main.ts', ['--as', as], { dbName: db.dbName, input: `${lines.join('\n')}\n`, env: { SECRETS_KEY } });

/** Who is what in the history, by credit code. */
const the = { closed: '', clean: '', general: '', serious: '', risk: '', recommended: '', fresh: code(987_654_321) };

/** A 备案 for a complaint about an A entity of 县消防, approved by the leader, 联席办 and 司法局; returns its number. */
async function filed(creditCode: string, day: string): Promise<string> {
  const officers = (await db.repos.inspectors.byDepartment('XFJYDD', { activeOnly: true }))
    .filter((i) => isEnforcementOfficer(i) && certificateValidOn(i, day) && !i.conflicts.includes(creditCode)).slice(0, 2);
  expect(officers).toHaveLength(2);
  const out = await script('xf.official', ['备案', creditCode, '消防安全投诉', day, officers.map((o) => o.name).join('、'), '群众举报疏散通道堵塞', '提交']);
  const no = /备案 (BA\d{4}-\d{4}) 已提交/.exec(out)?.[1];
  expect(no).toBeDefined();
  await tap('xf.leader', `ap.yes:${no}#0`);
  await tap('lxb.office', `ap.yes:${no}#1`);
  expect(await tap('sfj.justice', `ap.yes:${no}#2`)).toContain('审批全部完成');
  return no!;
}

/** 县消防 enters a result (date, method, the one item's answer lines, category) and its leader approves it. */
async function resulted(taskNo: string, lines: string[]): Promise<void> {
  const out = await script('xf.official', [`录入结果 ${taskNo}`, ...lines, '提交']);
  expect(out).toContain('已提交');
  expect(await say('xf.leader', `同意 ${reviewSubject(taskNo)}`)).toContain('已同意');
  expect((await db.repos.results.get(taskNo))?.status).toBe('approved');
}

beforeAll(async () => {
  db = await freshDb();
  services = createServices({ repos: db.repos, now, policy: DEFAULT_POLICY, settings: { SECRETS_KEY } });
  router = createRouter({ services, log: createLogger('warn', () => undefined), pageSize: 10 });
  // 5 January: the county is set up (registries, people, a group robot per unit).
  await services.demo.fill(cliCaller('trial'), { entities: 2000, inspectors: 200 });

  // March: 县消防's B plan, approved along its chain, drawn.
  setDay(`${Y}-03-02`);
  const planNo = `JH${Y}-0001`;
  const drafted = await script('xf.official', ['新建计划', String(Y), 'B', '无', '风险=一般', '1', '5%', '6月', '提交']);
  expect(drafted).toContain(`${planNo} 已提交`);
  await tap('xf.leader', `ap.yes:${planNo}#0`);
  await tap('lxb.office', `ap.yes:${planNo}#1`);
  expect(await tap('sfj.justice', `ap.yes:${planNo}#2`)).toContain('审批全部完成');
  expect(await say('xf.official', `抽取 ${planNo}`)).toContain('检查任务');
  const [draw] = await db.repos.draws.forPlan(planNo);
  const tasks = await db.repos.tasks.forDraw(draw.drawNo);
  expect(tasks.length).toBeGreaterThanOrEqual(2);

  // June: the team finds one entity closed (已注销), the other clean.
  setDay(`${Y}-06-20`);
  the.closed = tasks[0].creditCode;
  the.clean = tasks[1].creditCode;
  await resulted(tasks[0].taskNo, [`${Y}-06-15`, '1', '未发现问题', '10']);
  await resulted(tasks[1].taskNo, [`${Y}-06-16`, '1', '未发现问题', '1']);

  // July: complaints about two A entities, filed (R2, R11) and inspected: a general violation, a serious one.
  const [a1, a2] = await db.repos.entities.find({ pool: 'A', department: 'XFJYDD' }, 2);
  the.general = a1.creditCode;
  the.serious = a2.creditCode;
  setDay(`${Y}-07-01`);
  const f1 = await filed(the.general, `${Y}-07-08`);
  const f2 = await filed(the.serious, `${Y}-07-09`);
  setDay(`${Y}-07-10`);
  await resulted(f1, [`${Y}-07-08`, '1', '发现问题 疏散通道堵塞', `责令改正 ${Y}-08-10`, '6']);
  await resulted(f2, [`${Y}-07-09`, '1', '发现问题 擅自停用消防设施', `立案查处 万消立〔${Y}〕8号`, '7']);

  // September: the province's credit-risk classification raises a B entity to 高 (R6, R17).
  setDay(`${Y}-09-02`);
  const bs = (await db.repos.entities.find({ pool: 'B', department: 'XFJYDD' }, 50))
    .filter((e) => ![the.closed, the.clean].includes(e.creditCode) && e.riskClass !== '高');
  the.risk = bs[0].creditCode;
  the.recommended = bs[1].creditCode;
  const riskFile = path.join(dir, 'risk.csv');
  writeFileSync(riskFile, `统一社会信用代码,信用风险分类,分类日期,来源\n${the.risk},高,${Y}-09-01,江西省企业信用风险分类结果\n`);
  expect((await services.riskImport.importFile(cliCaller('trial'), riskFile)).changed).toBe(1);

  // October: an application (the supervising unit) and a recommendation (another unit) for A (R5); a new entity registered.
  setDay(`${Y}-10-08`);
  expect(await say('xf.official', `申请入A ${the.clean} 本年度检查未发现问题，信用良好`)).toContain('已记录');
  expect(await say('scj.official', `推荐入A ${the.recommended} 信用良好，无投诉举报`)).toContain('已记录');
  const entityFile = path.join(dir, 'entities.csv');
  writeFileSync(entityFile, `统一社会信用代码,名称,类型,行业,乡镇,地址,信用风险分类,监管部门\n${the.fresh},万年县新开张餐饮有限公司,企业,餐饮业,陈营镇,陈营镇新街1号,一般,县消防救援大队\n`);
  const imported = await services.importer.importFile(cliCaller('trial'), 'entities', entityFile);
  expect(imported.rejected).toEqual([]);
}, 300_000);

afterAll(async () => {
  await db?.close();
});

it('R4: a 备案\'s approved result, like a task\'s, marks the entity inspected on the inspection\'s day', async () => {
  const day = async (c: string) => (await db.repos.entities.get(c))?.lastInspectedAt?.toISOString();
  expect(await day(the.general)).toBe(new Date(`${Y}-07-08T00:00:00+08:00`).toISOString());
  expect(await day(the.clean)).toBe(new Date(`${Y}-06-16T00:00:00+08:00`).toISOString());
  expect(await day(the.recommended)).toBeUndefined();
});

/** The proposal's line for an entity, and its number. */
const lineOf = (out: string, creditCode: string) => out.split('\n').find((l) => /^\d+\. /.test(l) && l.includes(`（${creditCode}）`)) ?? '';
const numberOf = (out: string, creditCode: string) => Number(/^(\d+)\./.exec(lineOf(out, creditCode))?.[1]);

it('R5, R20: 调库方案 in npm run chat shows every kind with its evidence; 联席办 rejects two, another member confirms, the pools change and the xlsx is queued for every group chat', async () => {
  // 联席办 builds the year's proposal in the shell; the one who built it cannot confirm it (R20).
  const built = await chat('lxb.office', [`调库方案 ${Y}`, `确认调库 ${Y}`]);
  expect(built.code).toBe(0);
  const out = built.out;
  expect(out).toContain(`依据规则 R5：${Y}年度调库方案 TZ${Y}已生成，共 7 条（注销吊销撤销 1、检查发现问题 2、信用风险分类变化 1、申请或推荐入A 2、新登记主体 1）`);
  // Each kind, with its evidence: the result (task or 备案), its date and department; the classification's source and date.
  expect(lineOf(out, the.closed)).toMatch(new RegExp(`B类→归档｜已注销.*｜县消防大队抽查〔${Y}〕1号（${Y}-06-15，县消防救援大队）：已注销`));
  expect(lineOf(out, the.general)).toMatch(new RegExp(`A类→B类｜A类主体发现一般或轻微违法行为.*｜BA${Y}-0001（${Y}-07-08，县消防救援大队）：发现问题已责令改正`));
  expect(lineOf(out, the.serious)).toMatch(new RegExp(`A类→C类｜A类主体发现严重违法行为.*｜BA${Y}-0002（${Y}-07-09，县消防救援大队）：发现问题待后续处理`));
  expect(lineOf(out, the.risk)).toMatch(new RegExp(`B类→C类｜信用风险分类由“.+”调为“高”.*｜江西省企业信用风险分类结果（${Y}-09-01）`));
  expect(lineOf(out, the.clean)).toMatch(new RegExp(`B类→A类｜B类主体县消防救援大队申请入A，经联席办核实后调入A类｜.*县消防大队抽查〔${Y}〕2号（${Y}-06-16，县消防救援大队）：未发现问题`));
  expect(lineOf(out, the.recommended)).toMatch(/B类→A类｜B类主体县市管局推荐入A，经联席办核实后调入A类｜.*期间无检查发现问题记录/);
  expect(lineOf(out, the.fresh)).toMatch(/B类→B类｜新登记主体，纳入B类一般监管库｜登记导入于/);
  expect(out).toContain('（发给 lxb.office2）'); // the review card goes to the other 联席办 member
  expect(out).toContain('依据规则 R20：不能确认自己生成的调库方案');
  expect((await db.repos.entities.get(the.general))?.pool).toBe('A');

  // The other 联席办 member rejects two lines (the classification and the recommendation need checking) and confirms the rest.
  const rejected = [numberOf(out, the.risk), numberOf(out, the.recommended)];
  const done = await chat('lxb.office2', [`不予调整 ${Y} ${rejected.join(',')} 需补充核查材料`, `确认调库 ${Y}`, `调库记录 ${the.general}`, `调库记录 ${the.closed}`]);
  expect(done.code).toBe(0);
  expect(done.out).toContain(`已记录：TZ${Y} 第 ${rejected.join('、')} 条不予调整（共不予调整 2 条）`);
  expect(done.out).toMatch(new RegExp(`依据规则 R5：TZ${Y} 已执行，调整 5 户（.*），不予调整 2 条`));
  expect(done.out).toContain(`调库结果及 xlsx 已发到 ${MEMBER_UNITS.length} 个成员单位的工作群`);
  expect(done.out).toMatch(new RegExp(`TZ${Y}：A类→B类，TZ${Y}第\\d+条：A类主体发现一般或轻微违法行为.*（执行人 lxb.office2）`));
  expect(done.out).toContain('已归档');

  // The pools changed, with provenance; the rejected lines left their entities alone.
  const e = async (c: string) => (await db.repos.entities.get(c))!;
  expect((await e(the.general)).pool).toBe('B');
  expect((await e(the.serious)).pool).toBe('C');
  expect((await e(the.clean)).pool).toBe('A');
  expect(await e(the.closed)).toMatchObject({ pool: 'B', archived: true });
  expect((await e(the.fresh)).poolReason).toContain('新登记主体');
  expect((await e(the.general)).poolPlacedBy).toBe('lxb.office2');
  expect((await e(the.risk)).pool).toBe('B');
  expect((await e(the.recommended)).pool).toBe('B');

  // The shell queues what the server sends: for every member unit's group robot, the summary and the xlsx.
  const queued = (await db.models.Outbox.collection.find({}).toArray()).map((d) => ({ kind: String(d.kind), payload: JSON.parse(String(d.payload)) as { robot?: string; fileId?: string; markdown?: string } }));
  const files = queued.filter((q) => q.kind === 'robot_file');
  const notes = queued.filter((q) => q.kind === 'robot_markdown' && q.payload.markdown?.includes(`TZ${Y} 年度调库结果（R5）`));
  expect(new Set(files.map((q) => q.payload.robot)).size).toBe(MEMBER_UNITS.length);
  expect(new Set(notes.map((q) => q.payload.robot)).size).toBe(MEMBER_UNITS.length);
  const file = await db.repos.files.get(files[0].payload.fileId!);
  expect(file?.name).toBe(`TZ${Y}调库结果.xlsx`);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(file!.data as never);
  const rows = wb.worksheets[0].getSheetValues().filter(Boolean).map((row) => (row as unknown[]).filter((c) => c !== undefined).map(String));
  const codes = rows.filter((r) => /^\d+$/.test(r[0])).map((r) => r[1]).sort();
  expect(codes).toEqual([the.closed, the.general, the.serious, the.clean, the.fresh].sort());
}, 180_000);
