/**
 * Circulars (督查通报, R21) on the real database, from a known history: the draft
 * in the official style (number, sections, ranking, the departments below the
 * threshold named with what they missed), edited in a short conversation,
 * approved by another 联席办 member by card (R20: never the author), numbered,
 * then delivered by the job to every member unit's group chats through the
 * outbox to both platforms' emulators — text, the xlsx, and the chart (WeCom: an
 * image message with base64 and MD5; DingTalk: markdown with the picture at a
 * signed, expiring link of ours). The chart is a valid PNG of the expected size
 * whose Chinese labels are glyphs, not tofu boxes. And the quarterly draft.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Koa from 'koa';
import ExcelJS from 'exceljs';
import { createServices, type Services } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { CHART_WIDTH, chartHeight, textElement, type PlacedText } from '../../src/domain/chart';
import { DEFAULT_POLICY } from '../../src/services/policy';
import { fifthWorkingDay } from '../../src/services/circulars';
import { MissingChartFont, renderSvg, DEFAULT_CHART_FONT } from '../../src/services/chart';
import { loadHolidayCalendar } from '../../src/services/holidays';
import { wecomApi } from '../../bot/channels/wecom/api';
import { dingtalkApi } from '../../bot/channels/dingtalk/api';
import { downloadRoute } from '../../bot/channels/dingtalk/download';
import { createAnnouncer } from '../../bot/delivery/announcer';
import { createOutboxWorker } from '../../bot/delivery/outboxWorker';
import { oversightJobs } from '../../bot/delivery/oversight';
import { createRouter, type Outcome, type Router } from '../../bot/router';
import { replyText } from '../../bot/types';
import { WecomEmulator } from '../emulators/wecom';
import { startDingtalkEmulator, type DingtalkEmulator } from '../emulators/dingtalk';
import { freshDb, type TestDb } from '../helpers/db';
import { saveUsers } from '../helpers/fixtures';
import { TODAY, writeHistory } from '../helpers/oversightHistory';
import { decodePng, inkMap } from '../helpers/png';

const KEY_SCJ = '693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa';
const KEY_CZ = '5b1c2d3e-8yyy-4ccc-97a0-1ed3sifa6bbb';
const SECRET = 'd'.repeat(48);
let clock = Date.parse(`${TODAY}T02:00:00Z`);
const now = () => new Date(clock);
const log = createLogger('error', () => undefined);

let db: TestDb;
let services: Services;
let router: Router;
let wecom: WecomEmulator;
let dingtalk: DingtalkEmulator;
let files: http.Server;
let base = '';
let worker: ReturnType<typeof createOutboxWorker>;
let jobs: ReturnType<typeof oversightJobs>;
const told: { userId: string; text: string }[] = [];

const say = (userId: string, t: string): Promise<Outcome> => router.respond({ channel: 'shell', senderId: userId, text: t });
const all = (o: Outcome) => o.replies.map(replyText).join('\n');
const drain = async () => { while (await worker.step()); };

beforeAll(async () => {
  db = await freshDb();
  await db.repos.org.seedDepartments();
  await writeHistory(db.repos);
  services = createServices({ repos: db.repos, now, policy: DEFAULT_POLICY });
  await saveUsers(services, [
    { userId: 'lxb', name: '程丽华', department: '县市管局', roles: ['office'] },
    { userId: 'lxb2', name: '赵联席', department: '县市管局', roles: ['office'] },
    { userId: 'sfj', name: '王司法', department: '县司法局', roles: ['justice'] },
    { userId: 'cz.official', name: '钱财政', department: '县财政局', roles: ['official'] },
  ]);
  wecom = await new WecomEmulator({ robotKeys: [KEY_SCJ, KEY_CZ], knownUsers: [], now: () => clock }).start();
  dingtalk = await startDingtalkEmulator({ appKey: 'dingkey', appSecret: 'dingsecret', groupRobots: { grouptoken: 'SECgroupsecret' }, now: () => clock });
  // Our own server's signed downloads (the DingTalk picture's link), on a real port.
  const koa = new Koa();
  koa.use(downloadRoute({ config: { DOWNLOAD_SECRET: SECRET }, files: db.repos.files, now }));
  files = http.createServer(koa.callback());
  await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  const config = loadConfig({
    ...wecom.env(),
    WECOM_ROBOTS: `县市管局=${KEY_SCJ},县财政局=${KEY_CZ}`,
    DINGTALK_APP_KEY: 'dingkey', DINGTALK_APP_SECRET: 'dingsecret', DINGTALK_CARDS: 'actioncard',
    DINGTALK_API_BASE: dingtalk.url, DINGTALK_OAPI_BASE: dingtalk.url,
    DINGTALK_ROBOTS: '县市管局=grouptoken:SECgroupsecret',
    PUBLIC_BASE_URL: base, DOWNLOAD_SECRET: SECRET,
  });
  const senders = {
    wecom: wecomApi({ config, tokens: db.repos.tokens, files: db.repos.files, now, log }),
    dingtalk: dingtalkApi({ config, tokens: db.repos.tokens, files: db.repos.files, dingtalk: db.repos.dingtalk, now, log }),
  };
  worker = createOutboxWorker({ repos: db.repos, senders, now, log, owner: 'test', maxAttempts: 3, ratePerMinute: 20 });
  const announcer = createAnnouncer({ config, repos: db.repos, now });
  router = createRouter({ services, log, pageSize: 10, announcer });
  jobs = oversightJobs(services, announcer, async (userId, reply) => { told.push({ userId, text: replyText(reply) }); return true; });
});

afterAll(async () => {
  await new Promise((r) => files.close(r));
  await wecom.stop();
  await dingtalk.close();
  await db.close();
});

const job = (name: string) => jobs.find((j) => j.name === name)!;

describe('督查通报: draft, edit, approve by card, deliver (R21)', () => {
  it('R21: only 联席办 or 司法局 draft a circular', async () => {
    expect(all(await say('cz.official', '督查通报 2026Q3'))).toBe('依据规则 R21：督查通报由联席办或司法局起草；您没有这两个角色。如需起草，请系统管理员授权（授权 <姓名> 联席办）');
    expect(all(await say('lxb', '督查通报'))).toContain('请写明通报的期间，例如：督查通报 2026Q3');
  });

  it('drafts the circular in the official style: number, sections, ranking, the departments below the threshold with what they missed', async () => {
    const out = all(await say('lxb', '督查通报 2026Q3'));
    expect(out).toContain('已起草督查通报 TB2026-0001（2026年第三季度，数据截至 2026-12-15）');
    expect(out).toContain('万联办通〔2026〕  号（印发时编号）');
    expect(out).toContain('关于2026年第三季度“双随机、一公开”监管工作情况的通报');
    for (const h of ['各成员单位：', '一、总体情况', '二、各单位情况排名', '三、存在的问题', '四、工作要求', '万年县“双随机、一公开”监管工作联席会议办公室', '2026年12月15日']) expect(out).toContain(h);
    expect(out).toContain('抽查任务3件，已审核2件，逾期未录入1件');
    // 财政局 scores (50% + 0% + 0% + 0%) / 4 = 12.5%: named with what it missed, each with its rule (its refused plan was made in March, not this quarter).
    expect(out).toContain('县财政局（12.5%）：1项抽查事项未制定抽查计划（R12）；1件检查结果逾期未录入（R15）；2件检查结果未在20个工作日内公示（R15）；1户C类重点监管对象未检查（R4）；1件安静期检查备案未获通过（R11、R2）。');
    expect(out).toContain('1. 县应急管理局 100%\n　　2. 县消防救援大队 100%\n　　3. 县财政局 12.5%');
    expect(out).toContain('改 阈值');
  });

  it('the author edits it in the conversation; nobody else may', async () => {
    let out = all(await say('lxb', '改 标题 关于2026年第三季度双随机抽查工作的通报'));
    expect(out).toContain('已修改标题。');
    expect(out).toContain('关于2026年第三季度双随机抽查工作的通报');
    out = all(await say('lxb', '补充 县财政局已于12月10日提交整改说明。'));
    expect(out).toContain('县财政局已于12月10日提交整改说明。');
    expect(all(await say('lxb', '改 阈值 120'))).toContain('阈值是0到100之间的百分数');
    expect(all(await say('lxb2', '修改通报 TB2026-0001'))).toContain('督查通报 TB2026-0001 由程丽华起草，只能由起草人修改');
    expect(all(await say('lxb', '稍后'))).toContain('督查通报 TB2026-0001 的草稿已保存，未送审。需要时发送“修改通报 TB2026-0001”继续修改、提交。');
    expect(all(await say('lxb', '修改通报 TB2026-0001'))).toContain('县财政局已于12月10日提交整改说明。');
  });

  it('R20: submitted, the card goes to another 联席办 member, never the author; the author cannot approve it', async () => {
    const o = await say('lxb', '提交');
    expect(all(o)).toContain('督查通报 TB2026-0001 已提交审核（联席办审核（督查通报，R21）：赵联席）');
    const cards = o.notices.filter((n) => n.reply.kind === 'card');
    expect(cards.map((n) => n.userId)).toEqual(['lxb2']);
    expect(replyText(cards[0].reply)).toContain('督查通报待审批：TB2026-0001');
    expect(replyText(cards[0].reply)).toContain('通报单位：县财政局');
    expect(all(await say('lxb', '同意 TB2026-0001'))).toContain('R20');
    expect((await services.circulars.get('TB2026-0001')).status).toBe('pending');
    expect(all(await say('lxb', '修改通报 TB2026-0001'))).toContain('正在审核中，不能再修改');
  });

  it('approved by card, it is numbered 万联办通〔2026〕1号 and delivered to every member unit’s group chat: text, xlsx and the chart to both platforms', async () => {
    const tap = await router.tap({ channel: 'shell', senderId: 'lxb2' }, 'ap.yes:TB2026-0001#0');
    expect(tap.cardOutcome).toBe('已同意');
    const c = await services.circulars.get('TB2026-0001');
    expect({ status: c.status, docNo: c.docNo }).toEqual({ status: 'approved', docNo: '万联办通〔2026〕1号' });
    expect(await job('circulars.send').run(now())).toBe('sent 1');
    await drain();
    expect((await services.circulars.get('TB2026-0001')).status).toBe('sent');
    expect((await services.circulars.get('TB2026-0001')).sentTo).toHaveLength(30);
    // WeCom: both departments with a robot get the text, the xlsx and the picture.
    for (const key of [KEY_SCJ, KEY_CZ]) {
      const got = wecom.robotMessages.filter((m) => m.key === key);
      const textOut = got.filter((m) => m.body.msgtype === 'markdown').map((m) => String((m.body.markdown as { content: string }).content)).join('\n');
      expect(textOut).toContain('万联办通〔2026〕1号');
      expect(textOut).toContain('县财政局已于12月10日提交整改说明。');
      expect(got.some((m) => m.body.msgtype === 'file')).toBe(true);
      const images = got.filter((m) => m.body.msgtype === 'image');
      expect(images).toHaveLength(1);
      const img = images[0].body.image as { base64: string; md5: string };
      const png = Buffer.from(img.base64, 'base64');
      expect(img.md5).toBe(createHash('md5').update(png).digest('hex'));
      expect(decodePng(png)).toMatchObject({ width: CHART_WIDTH, height: chartHeight(30) });
    }
    const xlsxName = wecom.uploads.map((u) => u.filename);
    expect(xlsxName).toContain('万联办通〔2026〕1号统计表.xlsx');
    // DingTalk: markdown with the picture at our signed, expiring link; the link serves the same PNG.
    const md = dingtalk.groupMessages.map((m) => String((m.body.markdown as { text: string }).text)).join('\n');
    expect(md).toContain('万联办通〔2026〕1号');
    const link = new RegExp(`!\\[万联办通〔2026〕1号图表\\.png\\]\\((${base.replace(/[.]/g, '\\.')}/files/[0-9a-f]{24}\\?exp=\\d+&sig=[0-9a-f]{64})\\)`).exec(md);
    expect(link).not.toBeNull();
    const res = await fetch(link![1]);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const served = Buffer.from(await res.arrayBuffer());
    const wecomPng = Buffer.from(((wecom.robotMessages.find((m) => m.body.msgtype === 'image')!.body.image) as { base64: string }).base64, 'base64');
    expect(served.equals(wecomPng)).toBe(true);
    // A forged signature is refused; the link expires.
    expect((await fetch(link![1].replace(/sig=[0-9a-f]/, (s) => (s.endsWith('0') ? 'sig=1' : 'sig=0')))).status).toBe(403);
    const later = clock;
    clock += 73 * 3600_000;
    expect((await fetch(link![1])).status).toBe(410);
    clock = later;
    // Sent once: the job again sends nothing.
    expect(await job('circulars.send').run(now())).toBe('sent 0');
    // No secret in anything stored.
    const stored: string[] = [];
    for (const model of Object.values(db.models)) for (const d of await model.collection.find({}).toArray()) stored.push(JSON.stringify(d));
    for (const secret of [KEY_SCJ, KEY_CZ, 'SECgroupsecret', SECRET]) expect(stored.join('\n').includes(secret)).toBe(false);
  });

  it('the circular’s xlsx has a row per department and the county', async () => {
    const c = await services.circulars.get('TB2026-0001');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await services.circulars.workbook(c) as never);
    const ws = wb.worksheets[0];
    expect(ws.rowCount).toBe(32);
    expect(ws.getRow(32).getCell(1).value).toBe('全县');
  });

  it('a returned circular is edited and submitted again by its author', async () => {
    await say('lxb', '督查通报 2026-09');
    await say('lxb', '提交');
    const back = await say('lxb2', '退回 TB2026-0002 请补充工作要求');
    expect(all(back)).toContain('已退回');
    expect(back.notices.find((n) => n.userId === 'lxb')?.reply).toMatchObject({ text: expect.stringContaining('理由：请补充工作要求。发送“修改通报 TB2026-0002”修改后重新提交。') });
    expect((await services.circulars.get('TB2026-0002')).status).toBe('returned');
    expect(all(await say('lxb', '修改通报 TB2026-0002'))).toContain('被退回，修改后重新提交');
    expect(all(await say('lxb', '改 要求 请各单位于12月31日前报送整改情况。'))).toContain('请各单位于12月31日前报送整改情况。');
    expect(all(await say('lxb', '提交'))).toContain('已提交审核');
    expect(all(await say('sfj', '通报 TB2026-0002'))).toContain('审核中');
  });
});

describe('the chart (PNG)', () => {
  const font = DEFAULT_CHART_FONT;

  /** The ink of a text rendered alone with a font, in a box of its own. */
  function glyph(ch: string, fontFile: string): string {
    const t: PlacedText = { text: ch, x: 4, y: 30, size: 24, anchor: 'start' };
    const img = decodePng(renderSvg(`<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40">${textElement(t)}</svg>`, fontFile).png);
    return inkMap(img, 0, 0, 40, 40);
  }
  /** Glyphs, not tofu: every character has ink, and different characters look different (a missing glyph's box is the same for all). */
  function rendersAsGlyphs(label: string, fontFile: string): boolean {
    const maps = [...label].map((ch) => glyph(ch, fontFile));
    const box = glyph('□', fontFile);
    return maps.every((m) => m.includes('1') && m !== box) && new Set(maps).size === new Set(label).size;
  }

  it('is a valid PNG of 1200 × (130 + 40 per department + 50) whose Chinese labels are drawn with real glyphs', async () => {
    const c = await services.circulars.get('TB2026-0001');
    const { png, width, height } = services.circulars.chart(c);
    const img = decodePng(png);
    expect({ width, height }).toEqual({ width: 1200, height: 130 + 30 * 40 + 50 });
    expect({ width: img.width, height: img.height }).toEqual({ width, height });
    // The first row's label, 县市管局, in the chart is exactly the label rendered alone at the same place …
    const label: PlacedText = { text: '县市管局', x: 250, y: 130 + 26, size: 16, anchor: 'end' };
    const alone = decodePng(renderSvg(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="${width}" height="${height}" fill="#ffffff"/>${textElement(label)}</svg>`).png);
    const chartInk = inkMap(img, 100, 134, 256, 164);
    expect(chartInk).toBe(inkMap(alone, 100, 134, 256, 164));
    expect(chartInk.split('1').length - 1).toBeGreaterThan(100);
    // … and that label's characters are glyphs, not boxes.
    expect(rendersAsGlyphs('县市管局', font)).toBe(true);
    // The check is sound: with a font that has no Chinese glyphs (tofu), it fails.
    const latin = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
    if (existsSync(latin)) expect(rendersAsGlyphs('县市管局', latin)).toBe(false);
    // For the eye (and docs/img): where the test wrote it.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'chart-'));
    writeFileSync(path.join(dir, 'circular-chart.png'), png);
  });

  it('a missing font is refused with what to install', () => {
    expect(() => renderSvg('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', '/nonexistent/font.ttc')).toThrow(MissingChartFont);
    expect(() => renderSvg('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', '/nonexistent/font.ttc')).toThrow(/apt-get install fonts-wqy-microhei.*CHART_FONT/);
  });
});

describe('the quarterly circular (R21)', () => {
  it('is drafted on the 5th working day of the next quarter, once, for 联席办 to review', async () => {
    const cal = loadHolidayCalendar();
    const fifth = fifthWorkingDay('2027-01-01', cal) ?? fifthWorkingDay('2026-10-01', cal)!;
    const [y, m, d] = fifth.split('-').map(Number);
    const dayBefore = new Date(Date.UTC(y, m - 1, d - 1, 2)).toISOString().slice(0, 10);
    clock = Date.parse(`${dayBefore}T02:00:00Z`);
    expect(await job('circulars.quarterly').run(now())).toBe('not due');
    clock = Date.parse(`${fifth}T02:00:00Z`);
    const r = await job('circulars.quarterly').run(now());
    expect(r).toMatch(/^drafted TB\d{4}-\d{4}, told 2$/);
    expect(await job('circulars.quarterly').run(now())).toBe('not due');
    const no = /TB\d{4}-\d{4}/.exec(r)![0];
    const c = await services.circulars.get(no);
    expect({ auto: c.auto, status: c.status, period: c.periodKey }).toEqual({ auto: true, status: 'draft', period: fifth.startsWith('2027') ? '2026Q4' : '2026Q3' });
    expect(told.map((t) => t.userId).sort()).toEqual(['lxb', 'lxb2']);
    expect(told[0].text).toContain(`请发送“修改通报 ${no}”审阅`);
    // Any 联席办 member reviews it, and becomes its author on submitting.
    expect(all(await say('lxb2', `修改通报 ${no}`))).toContain(`督查通报 ${no}（草稿）`);
    expect(all(await say('lxb2', '提交'))).toContain('已提交审核（联席办审核（督查通报，R21）：程丽华）');
    clock = Date.parse(`${TODAY}T02:00:00Z`);
  });
});
