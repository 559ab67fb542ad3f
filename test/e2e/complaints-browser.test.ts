/**
 * The 投诉举报 pages in a real browser (headless Chromium driven by playwright-core): a
 * complaint submitted through the form (same-origin POST with the form's token), then its
 * status looked up with the number and query code the page showed — before and after the
 * department acknowledges it. Screenshots are saved.
 */
import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { createHttpApp } from '../../src/http/app';
import { phoneBrowser } from '../helpers/browser';
import { complaintPages } from '../../src/http/public/complaints';
import { publicSite } from '../../src/http/public/site';
import { testCounty, type TestCounty } from '../helpers/county';
import { addEntities, code, saveUsers } from '../helpers/fixtures';

const now = () => new Date('2026-10-12T02:00:00Z');
const shots = mkdtempSync(path.join(os.tmpdir(), 'tousu-shots-'));
let county: TestCounty;
let server: Server;
let base: string;
let browser: BrowserContext;
let page: Page;
let dialogs: string[];

beforeAll(async () => {
  county = await testCounty(now);
  await saveUsers(county.services, [{ userId: 'scj.official', name: '周晓燕', department: '县市管局', roles: ['official'] }]);
  await addEntities(county.db.repos, [{ n: 1, name: '万年县华达食品有限公司', pool: 'B', departments: ['SCJGJ'] }]);
  const app = createHttpApp({
    conn: undefined as never, engine: 'test',
    routes: [complaintPages({ complaints: county.services.complaints, now }), publicSite({ repos: county.db.repos, now, freshMs: 0 })],
  });
  await new Promise<void>((resolve) => { server = app.listen(0, '127.0.0.1', () => resolve()); });
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  ({ browser, page, dialogs } = await phoneBrowser('tousu'));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
  await county?.db.close();
  console.log(`screenshots: ${shots}`);
});

it('R22: a complaint submitted through the form, then its status looked up with the query code the page gave', async () => {
  await page.goto(`${base}/gongshi/tousu`);
  await expect(page.locator('main h2').textContent()).resolves.toBe('投诉举报');
  await page.fill('#entity', code(1));
  await page.fill('#content', '10月10日在该店购买的牛奶已过期变质，<b>店员</b>拒绝退换');
  await page.fill('#contact', '13800000001');
  await page.screenshot({ path: path.join(shots, 'form.png'), fullPage: true });
  await Promise.all([page.waitForURL(`${base}/gongshi/tousu`), page.click('#complaint-form button[type=submit]')]);
  await page.waitForSelector('#receipt');
  const no = (await page.locator('#complaint-no').textContent())!;
  const queryCode = (await page.locator('#query-code').textContent())!;
  expect(no).toBe('TS2026-0001');
  expect(queryCode).toMatch(/^[A-Z0-9]{10}$/);
  await page.screenshot({ path: path.join(shots, 'receipt.png'), fullPage: true });
  const stored = await county.db.repos.complaints.get(no);
  expect(stored).toMatchObject({ source: 'web', department: 'SCJGJ', content: '10月10日在该店购买的牛奶已过期变质，<b>店员</b>拒绝退换' });

  const lookUp = async () => {
    await page.goto(`${base}/gongshi/tousu/chaxun`);
    await page.fill('#no', no);
    await page.fill('#code', queryCode.toLowerCase());
    await Promise.all([page.waitForURL(`${base}/gongshi/tousu/chaxun`), page.click('#lookup-form button[type=submit]')]);
    return page.locator('#status-text').textContent();
  };
  await expect(lookUp()).resolves.toBe('待受理');
  await county.services.complaints.acknowledge({ userId: 'scj.official', name: '周晓燕', department: 'SCJGJ', roles: ['official'], channel: 'shell' }, no);
  await expect(lookUp()).resolves.toBe('办理中');
  await expect(page.locator('#status').textContent()).resolves.toContain('县市管局');
  await page.screenshot({ path: path.join(shots, 'status.png'), fullPage: true });
  expect(dialogs).toEqual([]);
});
