/**
 * `npm run bench:public`: the public site under load (autocannon, c=50, 20 s by
 * default) side by side with a bare Koa route serving a static buffer of the same
 * size, in the same run and process: the draw page, the draws list and the
 * results list (every task with a published result) of a county with a drawn plan (test/helpers/publicCounty.ts) on
 * the local database `npm start` would use (or MONGODB_URI). Goal: at least
 * 0.5 × the bare rate and p99 under 200 ms. A full run (BENCH_SECONDS ≥ 20)
 * writes the table into BENCHMARKS.md ("Public site").
 */
import type { Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import Koa from 'koa';
import { createHttpApp } from '../../src/http/app';
import { publicSite } from '../../src/http/public/site';
import { publicResults } from '../../src/services/publicResults';
import { publicCounty } from '../helpers/publicCounty';
import { benchDatabase, fmt, machine, writeReport } from './common';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CONNECTIONS = Number(process.env.BENCH_CONCURRENCY ?? 50);

const listen = (app: Koa): Promise<{ server: Server; base: string }> =>
  new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve({ server: s, base: `http://127.0.0.1:${(s.address() as { port: number }).port}` }));
  });

async function load(url: string): Promise<{ rps: number; p99: number; errors: number; non2xx: number }> {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS });
  return { rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-public-'));
  const db = await benchDatabase(dir);
  process.env.TEST_MONGODB_URI = db.uri;
  const now = () => new Date('2026-08-20T02:00:00Z');
  const county = await publicCounty(now);
  // Every drawn task has an approved (published) result, one of them corrected: the results list is a real page.
  for (const [i, t] of (await county.db.repos.tasks.forDraw(county.drawNo)).entries()) {
    const at = new Date('2026-09-25T02:00:00Z');
    const form = { start: '2026-09-10', end: '2026-09-11', methods: ['实地检查'], categories: [i % 3 ? '未发现问题' : '发现问题已责令改正'] };
    await county.db.repos.results.create({
      taskNo: t.taskNo, source: 'task', lead: t.lead, departments: t.departments, creditCode: t.creditCode, entityName: t.entityName, window: t.window,
      status: 'approved', form, parts: {}, correctionReason: '', round: i === 0 ? 2 : 1, submittedBy: 'bench', approvedAt: at, openFollowUps: 0, createdAt: at, updatedAt: at, version: 1,
      earlier: i === 0 ? [{ round: 1, parts: {}, form: { ...form, categories: ['未发现问题'] }, approvedAt: '2026-09-20T02:00:00.000Z', correctedBy: 'bench', correctedAt: '2026-09-24T02:00:00.000Z', reason: '企业提出异议，经核实原结果有误' }] : [],
    });
  }
  const site = await listen(createHttpApp({ conn: undefined as never, engine: 'bench', routes: [publicSite({ repos: county.db.repos, now, results: publicResults(county.db.repos) })] }));
  const pages = [
    ['draw page', `/gongshi/draws/${county.drawNo}`],
    ['draws list', '/gongshi/draws?year=2026'],
    ['results list', '/gongshi/results?year=2026'],
  ] as const;
  const rows: string[] = [];
  let met = true;
  for (const [name, p] of pages) {
    const body = Buffer.from(await (await fetch(`${site.base}${p}`)).arrayBuffer());
    const bareApp = new Koa();
    bareApp.use((ctx) => {
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = body;
    });
    const bare = await listen(bareApp);
    const b = await load(`${bare.base}/`);
    const s = await load(`${site.base}${p}`);
    bare.server.close();
    const ratio = s.rps / b.rps;
    const ok = ratio >= 0.5 && s.p99 < 200 && s.errors === 0 && s.non2xx === 0;
    met &&= ok;
    rows.push(`| ${name} | ${fmt(body.length)} | ${fmt(b.rps)} | ${fmt(b.p99)} | ${fmt(s.rps)} | ${fmt(s.p99)} | ${fmt(ratio, 2)} | ${s.errors + s.non2xx} | ${ok ? 'yes' : 'no'} |`);
    console.log(rows[rows.length - 1]);
  }
  site.server.close();
  const m = machine(db.local ? db.local.engine : 'MONGODB_URI');
  const section = `## Public site

\`npm run bench:public\`: autocannon, ${CONNECTIONS} connections, ${SECONDS} s per target, each page of the public site
next to a bare Koa route serving a static buffer of the same size, in the same process and run.
Machine: ${m.nproc} CPUs (${m.cpu}), ${m.memGB} GB, Node ${m.node}, database ${m.engine}. Goal: ≥ 0.5 × bare, p99 < 200 ms.

| page | bytes | bare req/s | bare p99 ms | site req/s | site p99 ms | ratio | errors | goal |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}
`;
  if (SECONDS >= 20) writeReport('## Public site', section);
  console.log(section);
  console.log(met ? 'goals met' : 'goals missed');
  await county.db.close();
  await db.local?.stop();
  rmSync(dir, { recursive: true, force: true });
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
