/**
 * `npm run bench:chat`: every chat command an official types, through the
 * router every channel uses, on the demo county at 30,000 and at 300,000
 * entities, on the database `npm start` would use (the embedded FerretDB here;
 * MONGODB_URI for a real MongoDB).
 *
 * For each size: the demo county is filled (timed, not counted), a new set of
 * repos and services is made — as a server process starting on that database —
 * and its registry read model loaded (timed: what a process does at start, in
 * the background); then each command runs BENCH_REPEAT times (default 5) and
 * its p50 and p95 are reported, beside a bare `findOne({_id})` round trip
 * measured in the same run. 新建计划 is timed per answer up to its preview
 * (the preview's own step is the one reported as "新建计划 preview"), then 提交;
 * 抽取 draws a fresh approved plan of about 2,000 targets each time (commitment,
 * result, tasks written, announcements queued) — first, so that the task lists
 * (我的任务, as an official and as an officer) are timed with those tasks there.
 *
 * Goals: p95 under 1 s for every command at 300,000 entities, 抽取 under 5 s;
 * peak RSS of this process (which holds both the demo filler's and the read
 * model's memory) is reported, and the read model's share estimated.
 * Writes the section "Chat commands" of BENCHMARKS.md.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServices } from '../../src/app';
import { cliCaller } from '../../src/services/context';
import { DEFAULT_POLICY } from '../../src/services/policy';
import { createLogger } from '../../src/logger';
import { createApproval } from '../../src/domain/approval';
import { createRouter } from '../../bot/router';
import { createAnnouncer } from '../../bot/delivery/announcer';
import { replyText } from '../../bot/types';
import { connect } from '../../store/connection';
import { createRepos } from '../../store/repos';
import type { LocalDatabase } from '../../store/embedded';
import { startServerProcess } from '../helpers/server';
import { benchDatabase, describeEngine, fmt, machine, writeReport } from './common';

const REPEAT = Math.max(2, Number(process.env.BENCH_REPEAT ?? 5));
const SIZES = (process.env.BENCH_CHAT_SIZES ?? '30000,300000').split(',').map(Number);
const GOAL_MS = 1000;
const GOAL_DRAW_MS = 5000;
const DRAW_TARGETS = 2000;
/** Plans one department may make in a year under the default risk policy (R6), one per round. */
const ROUNDS: [string, string][] = [['一般', '5%'], ['低', '3%'], ['较高', '15%'], ['较高', '20%'], ['高', '40%'], ['高', '50%']];

interface Row { command: string; ms: number[] }

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

/** Peak resident memory (VmHWM, MB) of this process's descendants: the server under test (tsx's child). */
function childrenPeakMB(): number {
  if (!existsSync('/proc/self/status')) return NaN;
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* gone */ }
  }
  let peak = 0;
  for (const pid of parent.keys()) {
    let p = parent.get(pid) ?? 0;
    for (let hops = 0; p > 1 && p !== process.pid && hops < 10; hops++) p = parent.get(p) ?? 0;
    if (p !== process.pid) continue;
    try {
      const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      peak = Math.max(peak, kb / 1024);
    } catch { /* gone */ }
  }
  return peak;
}

/** The real server started on the filled database: its peak memory once its read models are loaded and a few queries answered. */
async function serverPeak(uri: string, dbName: string, loadS: number): Promise<number> {
  const server = await startServerProcess({ MONGODB_URI: uri, DB_NAME: dbName, LOG_LEVEL: 'warn' });
  try {
    await new Promise((r) => setTimeout(r, Math.max(5000, loadS * 3000)));
    return childrenPeakMB();
  } finally {
    await server.stop();
  }
}

async function oneSize(uri: string, n: number): Promise<{ rows: Row[]; fillS: number; loadS: number; entities: number; drawK: number; rssMB: number; serverMB: number }> {
  const dbName = `bench_chat_${n}_${Date.now().toString(36)}`;
  const db = await connect(uri, dbName);
  try {
    const now = () => new Date('2026-03-10T02:00:00Z'); // before 31 March (R12), a Tuesday
    let fillS: number;
    {
      const fillRepos = createRepos(db.models);
      await fillRepos.org.seedDepartments();
      const t = Date.now();
      console.error(`  filling the demo county with ${fmt(n)} entities …`);
      await createServices({ repos: fillRepos, now, policy: DEFAULT_POLICY }).demo.fill(cliCaller('bench'), { entities: n });
      fillS = (Date.now() - t) / 1000;
      console.error(`  filled in ${fmt(fillS, 1)} s`);
    }
    // A process starting on that database: its own repos and read model.
    const conn = await connect(uri, dbName);
    try {
      const repos = createRepos(conn.models);
      const t = Date.now();
      await repos.entities.warmUp();
      const loadS = (Date.now() - t) / 1000;
      console.error(`  read model loaded in ${fmt(loadS, 2)} s`);
      const services = createServices({ repos, now, policy: DEFAULT_POLICY });
      const config = { WECOM_ROBOTS: '县市管局=bench-robot-key', DINGTALK_ROBOTS: '', DOWNLOAD_TTL_HOURS: 72 } as never;
      const router = createRouter({ services, log: createLogger('warn', () => undefined), pageSize: 10, announcer: createAnnouncer({ config, repos, now }) });
      const say = async (who: string, text: string) => {
        const out = await router.respond({ channel: 'shell', senderId: who, text });
        return out.replies.map(replyText).join('\n');
      };
      const rows = new Map<string, number[]>();
      const time = async (command: string, who: string, text: string) => {
        const t0 = performance.now();
        const answer = await say(who, text);
        rows.set(command, [...(rows.get(command) ?? []), performance.now() - t0]);
        return answer;
      };

      // What the commands ask about: a real code, a part of a real name, a township and an industry of the demo.
      const sample = (await repos.entities.find({ pool: 'B' }, 1))[0];
      const officer = (await repos.org.users()).find((u) => u.roles.includes('inspector'))?.userId ?? 'scj.official';
      const part = sample.name.replace(/^万年县/, '').slice(0, 2);
      const bare: number[] = [];
      for (let i = 0; i < 20; i++) {
        const t0 = performance.now();
        await conn.models.Entity.collection.findOne({ _id: sample.creditCode as never });
        bare.push(performance.now() - t0);
      }
      rows.set('(bare) findOne({_id}) round trip', bare);

      // 抽取: a fresh approved plan of about DRAW_TARGETS targets each time.
      const eligible = await repos.entities.countTargets({ pool: 'B', filter: { industries: [], townships: [], riskClasses: ['一般'], sectorTags: [] }, departments: ['SCJGJ'] });
      const item = (await repos.items.byDepartment('SCJGJ')).find((i) => i.pools.includes('B'))!;
      const permille = Math.max(1, Math.min(1000, Math.round((DRAW_TARGETS / eligible) * 1000)));
      let drawK = 0;
      for (let r = 0; r < REPEAT; r++) {
        const planNo = `JH2026-9${String(r).padStart(3, '0')}`;
        const at = now();
        await repos.plans.create({
          planNo, year: 2026, department: 'SCJGJ', pool: 'B', filter: { industries: [], townships: [], riskClasses: ['一般'], sectorTags: [] },
          items: [`${item.department}:${item.itemCode}`], sampling: { ratioPermille: permille }, window: { from: '2026-09-01', to: '2026-09-30' },
          jointDepartments: [], predictedTargets: 0, duplicates: [], createdBy: 'bench', createdAt: at, updatedBy: 'bench', updatedAt: at, version: 1,
        });
        await repos.approvals.create({
          ...createApproval('plan', planNo, 'bench', [
            { role: 'leader', department: 'SCJGJ', label: '部门领导审批' },
            { role: 'office', department: 'SCJGJ', label: '联席办审核' },
            { role: 'justice', department: 'SFJ', label: '司法局审查' },
          ], at), status: 'approved', current: 3, title: planNo, requesterDepartment: 'SCJGJ', fields: [], flags: [],
        });
        const answer = await time('抽取 (about 2,000 targets)', 'scj.official', `抽取 ${planNo}`);
        const d = await repos.draws.get(`${planNo}-1`);
        if (!d) throw new Error(`draw failed: ${answer}`);
        drawK = d.k;
      }
      const queries: [string, string][] = [
        ['查询', '查询'],
        ['查询 B类', '查询 B类'],
        ['查询 乡镇=…', `查询 乡镇=${sample.township}`],
        ['查询 行业=…', `查询 行业=${sample.industry}`],
        ['查询 风险=高', '查询 风险=高'],
        ['查询 部门=县市管局', '查询 部门=县市管局'],
        ['查询 关键词=食品', '查询 关键词=食品'],
        ['查询 B类 乡镇 行业 风险 关键词', `查询 B类 乡镇=${sample.township} 行业=${sample.industry} 风险=一般 关键词=${part}`],
        ['查 <代码>', `查 ${sample.creditCode}`],
        ['查 <名称中的几个字>', `查 ${part}`],
        ['人员', '人员'],
        ['事项', '事项'],
        ['我的任务', '我的任务'],
        ['我的任务 (an officer)', '我的任务'],
        ['覆盖情况', '覆盖情况'],
        ['待办', '待办'],
      ];
      for (let r = 0; r < REPEAT; r++) {
        for (const [name, text] of queries) await time(name, name === '待办' ? 'scj.leader' : name.endsWith('(an officer)') ? officer : 'scj.official', text);
        // 新建计划 up to its preview, then 提交: each round a plan for next year the risk policy allows (R6: class, ratio, plans a
        // year; this year's are the draws' above).
        const [risk, ratio] = ROUNDS[r % ROUNDS.length];
        const steps = ['新建计划', '2027', 'B', '无', `风险=${risk}`, '1', ratio, r % 2 ? '9月' : '6月'];
        for (const [i, s] of steps.entries()) {
          const answer = await time(i === steps.length - 1 ? '新建计划 preview' : '新建计划 (a question)', 'scj.official', s);
          if (i === steps.length - 1 && !answer.includes('预计检查对象')) throw new Error(`no preview: ${answer}`);
        }
        const submitted = await time('提交', 'scj.official', '提交');
        if (!/已提交|审批/.test(submitted)) throw new Error(`提交 failed: ${submitted}`);
      }

      const rssMB = process.resourceUsage().maxRSS / 1024;
      const serverMB = await serverPeak(uri, dbName, loadS);
      console.error(`  the server on this database: peak RSS ${fmt(serverMB)} MB`);
      return { rows: [...rows].map(([command, ms]) => ({ command, ms })), fillS, loadS, entities: await repos.entities.indexedCount(), drawK, rssMB, serverMB };
    } finally {
      await conn.close();
    }
  } finally {
    await db.conn.dropDatabase().catch(() => undefined);
    await db.close();
  }
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'chat-bench-'));
  let local: LocalDatabase | undefined;
  try {
    const opened = await benchDatabase(path.join(tmp, 'db'));
    local = opened.local;
    const probe = await connect(opened.uri, 'bench_probe');
    const info = await probe.conn.db!.admin().command({ buildInfo: 1 });
    await probe.close();
    const m = machine(describeEngine(info, local));
    const results: Awaited<ReturnType<typeof oneSize>>[] = [];
    for (const n of SIZES) {
      console.error(`${fmt(n)} entities:`);
      results.push(await oneSize(opened.uri, n));
    }
    const commands = results[0].rows.map((r) => r.command);
    const goalOf = (c: string) => (c.startsWith('抽取') ? GOAL_DRAW_MS : c.startsWith('(bare)') ? Infinity : GOAL_MS);
    const table = [
      `| command (${REPEAT} times each) | ${results.map((r) => `${fmt(r.entities)}: p50 ms | p95 ms`).join(' | ')} | goal (p95, largest county) |`,
      `| --- | ${results.map(() => '---: | ---:').join(' | ')} | --- |`,
      ...commands.map((c) => {
        const cells = results.map((r) => {
          const ms = r.rows.find((x) => x.command === c)?.ms ?? [];
          return `${fmt(pct(ms, 50), 1)} | ${fmt(pct(ms, 95), 1)}`;
        });
        const last = results[results.length - 1].rows.find((x) => x.command === c)?.ms ?? [];
        const goal = goalOf(c);
        const verdict = goal === Infinity ? 'baseline' : `< ${fmt(goal)} ms: ${pct(last, 95) < goal ? '**PASS**' : '**MISS**'}`;
        return `| ${c} | ${cells.join(' | ')} | ${verdict} |`;
      }),
    ].join('\n');
    const setup = results.map((r) => `- ${fmt(r.entities)} entities: demo filled in ${fmt(r.fillS, 1)} s; a starting process loaded the registry's read model in ${fmt(r.loadS, 2)} s (in the background on a server); 抽取 drew k = ${fmt(r.drawK)}; the real server (\`src/main.ts\`) started on that database peaked at ${fmt(r.serverMB)} MB RSS with its read models loaded (goal under 600 MB: ${r.serverMB < 600 ? '**PASS**' : '**MISS**'}).`).join('\n');
    const rss = results[results.length - 1].rssMB;
    const section = `## Chat commands

\`npm run bench:chat\` (test/bench/chat.bench.ts), run ${new Date().toISOString().slice(0, 10)}.

Every command through the router every channel uses, as \`scj.official\` of the demo county (待办 as \`scj.leader\`), on a
process that has just started on the filled database (its own repos: the registry's read model loaded first, as a
server does at start). 新建计划 is answered up to its preview (year, pool, joint departments, targets, item, ratio,
window: the last answer is the preview), then 提交; 抽取 draws a fresh approved plan each time (commitment, result,
tasks written, announcements queued), before the other commands, so that 我的任务 lists the tasks drawn. The baseline is a bare \`findOne({_id})\` on the same database in the same run.

Machine: ${m.nproc} CPUs (\`nproc\`), ${m.memGB} GB RAM, ${m.cpu}; Node ${m.node}; database ${m.engine}.

${table}

${setup}

Peak RSS of the bench process: ${fmt(rss)} MB (it also filled the demo county).

How: no chat command reads the entities collection beyond \`_id\` lookups. The searchable fields of every entity
live in each process's memory (store/repos/entityIndex.ts), kept correct across processes by a change log read by
\`_id\` (ARCHITECTURE.md, "The registry's read model").
`;
    process.stdout.write(section);
    writeReport('## Chat commands', section);
  } finally {
    await local?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(err);
    process.exit(1);
  },
);
