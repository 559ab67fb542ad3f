/**
 * The public site in a real browser (headless Chromium driven by playwright-core):
 * the four tabs render (a screenshot of each is saved), the search finds an entity
 * by part of its name, 核验 recomputes a real draw in the browser and says 一致,
 * a record file with one seed character changed says 不一致 and names the first
 * difference, and an entity named as markup renders as text.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { createHttpApp } from '../../src/http/app';
import { phoneBrowser } from '../helpers/browser';
import { publicSite } from '../../src/http/public/site';
import { publicResults } from '../../src/services/publicResults';
import { publicCounty, XSS_NAME, type PublicCounty } from '../helpers/publicCounty';

const now = () => new Date('2026-08-20T02:00:00Z');
/** Where the screenshots go (printed at the end). */
const shots = mkdtempSync(path.join(os.tmpdir(), 'gongshi-shots-'));
let county: PublicCounty;
let server: Server;
let base: string;
let browser: BrowserContext;
let page: Page;
let dialogs: string[];

beforeAll(async () => {
  county = await publicCounty(now);
  // A published result (approved: published at once), for the entity whose name is markup.
  const task = (await county.db.repos.tasks.forDraw(county.drawNo)).find((t) => t.creditCode === county.xssCode)!;
  const at = new Date('2026-09-25T02:00:00Z');
  await county.db.repos.results.create({
    taskNo: task.taskNo, source: 'task', lead: task.lead, departments: task.departments, creditCode: task.creditCode, entityName: task.entityName, window: task.window,
    status: 'approved', form: { start: '2026-09-10', end: '2026-09-10', methods: ['实地检查'], categories: ['未发现问题'] }, parts: {}, earlier: [], correctionReason: '',
    round: 1, submittedBy: 'scj.official', submittedAt: at, approvedAt: at, openFollowUps: 0, createdAt: at, updatedAt: at, version: 1,
  });
  const app = createHttpApp({ conn: undefined as never, engine: 'test', routes: [publicSite({ repos: county.db.repos, now, freshMs: 0, results: publicResults(county.db.repos) })] });
  await new Promise<void>((resolve) => {
    server = app.listen(0, '127.0.0.1', () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  ({ browser, page, dialogs } = await phoneBrowser('gongshi'));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
  await county?.db.close();
  console.log(`screenshots: ${shots}`);
});

it('the four tabs render on a phone-sized screen; a screenshot of each is saved', async () => {
  const tabs: [string, string, string][] = [
    ['items', '/gongshi/items', '抽查事项清单'],
    ['plans', '/gongshi/plans?year=2026', '2026年度抽查计划公告'],
    ['draws', '/gongshi/draws?year=2026', '2026年度抽查任务公告'],
    ['results', '/gongshi/results?year=2026', '2026年度抽查结果公告'],
  ];
  for (const [name, url, title] of tabs) {
    await page.goto(`${base}${url}`);
    await expect(page.locator('main h2').textContent()).resolves.toContain(title);
    await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  }
  await page.goto(`${base}/gongshi/draws?year=2026`);
  await expect(page.locator('main').textContent()).resolves.toContain(county.drawNo);
  await page.goto(`${base}/gongshi/results?year=2026`);
  const results = await page.locator('main').textContent();
  expect(results).toMatch(/县市管局2026年度第\d+号抽查任务检查结果公告/);
  expect(results).toContain('公示日期：2026-09-25');
  expect(results).toContain(`${XSS_NAME}检查`); // the markup name, as text
  expect(await page.locator('img').count()).toBe(0);
});

it('the search box finds an entity by part of its name', async () => {
  await page.goto(`${base}/gongshi/items`);
  await page.fill('input[name=q]', '青云7');
  await Promise.all([page.waitForURL(/\/gongshi\/search\?q=/), page.click('form.search button')]);
  await expect(page.locator('main h3').first().textContent()).resolves.toBe('万年县青云7号食品有限公司');
  await page.screenshot({ path: path.join(shots, 'search.png'), fullPage: true });
});

it('核验 says 一致 for the real draw, and 不一致 naming the seed commitment for a record with one seed character changed', async () => {
  await page.goto(`${base}/gongshi/draws/${county.drawNo}`);
  await page.click('#verify-button');
  await page.waitForFunction(() => /^(一致|不一致)/.test(document.getElementById('verdict')?.textContent ?? ''), undefined, { timeout: 30_000 });
  const verdict = await page.locator('#verdict').textContent();
  expect(verdict).toMatch(/^一致：/);
  // This draw's officer draw read two declared conflicts: withheld from the public record, so the teams are checked against the roster.
  expect(verdict).toContain('抽中主体全部一致');
  expect(verdict).toContain('2 项回避申报');
  await page.screenshot({ path: path.join(shots, 'draw-verified.png'), fullPage: true });
  await page.locator('#verdict').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(shots, 'verdict.png') });

  const record = await (await fetch(`${base}/gongshi/draws/${county.drawNo}/record.json`)).json() as { seed: string };
  const seed = record.seed;
  record.seed = (seed[0] === 'a' ? 'b' : 'a') + seed.slice(1);
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'gongshi-record-')), 'edited.json');
  writeFileSync(file, JSON.stringify(record));
  await page.setInputFiles('#record-file', file);
  await page.waitForFunction(() => /^不一致/.test(document.getElementById('verdict')?.textContent ?? ''), undefined, { timeout: 30_000 });
  expect(await page.locator('#verdict').textContent()).toMatch(/^不一致：种子承诺值不一致：记录为[0-9a-f]{64}，重算为[0-9a-f]{64}/);

  // The full record (draw export, for 联席办 and 司法局) recomputes every officer in the browser too.
  const full = path.join(mkdtempSync(path.join(os.tmpdir(), 'gongshi-record-')), 'full.json');
  writeFileSync(full, JSON.stringify((await county.services.draws.get(county.drawNo)).record));
  await page.setInputFiles('#record-file', full);
  await page.waitForFunction(() => /^一致/.test(document.getElementById('verdict')?.textContent ?? ''), undefined, { timeout: 30_000 });
  expect(await page.locator('#verdict').textContent()).toContain('抽中主体和检查人员全部一致');
});

it('an entity named <img src=x onerror=alert(1)> renders as text', async () => {
  await page.goto(`${base}/gongshi/draws/${county.drawNo}`);
  await expect(page.locator('main').textContent()).resolves.toContain(XSS_NAME);
  expect(await page.locator('img').count()).toBe(0);
  await page.goto(`${base}/gongshi/search?q=${encodeURIComponent(XSS_NAME)}`);
  await expect(page.locator('main h3').first().textContent()).resolves.toBe(XSS_NAME);
  expect(await page.locator('img').count()).toBe(0);
  expect(dialogs).toEqual([]);
});
