/**
 * `npm run bench:draw`: the draw, in memory and end to end.
 *
 * In memory, each phase in its own child process so that its peak RSS is its own:
 * a pool of BENCH_ENTITIES (default 1,000,000) sorted codes, ratio 10%, BENCH_OFFICERS
 * (default 2,000) officers of one department (10% holding the one specialty the
 * plan requires, 1,000 declared conflicts with random entities);
 *   (b) bare: a copy of the array and a partial Fisher–Yates with the same
 *       seedrandom generator, k steps — nothing else;
 *   (a) the product: commitDraw (sort check, snapshot digest, commitment, roster
 *       digest), then selectEntities, then assignmentInputs + assignFromInputs,
 *       each timed, as runDraw does them.
 * End to end (BENCH_E2E=0 skips it): a fresh database on MONGODB_URI or the local
 * server from store/embedded, the demo county (BENCH_DEMO_ENTITIES, default 30,000),
 * an approved 10% B plan of 县市管局, and `抽取` through the router with a real
 * announcer (outbox, xlsx file): commit to announcement queued.
 *
 * BENCH_PROFILE=1 prints every repo call of the end-to-end run that takes over 50 ms.
 *
 * Prints the tables and writes them into BENCHMARKS.md ("Draw").
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import seedrandom from 'seedrandom';
import { assignFromInputs, assignmentInputs, commitDraw, createDrawRng, effectiveSeed, selectEntities, type AssignmentParams } from '../../src/domain/draw';
import type { InspectorRecord } from '../../src/domain/inspector';
import { benchDatabase, describeEngine, fmt, machine, ROOT, writeReport } from './common';

const N = Number(process.env.BENCH_ENTITIES ?? 1_000_000);
const OFFICERS = Number(process.env.BENCH_OFFICERS ?? 2_000);
const PERMILLE = 100;
const SEED = createHash('sha256').update('bench:draw').digest('hex');

function snapshot(): string[] {
  const a = new Array<string>(N);
  for (let i = 0; i < N; i++) a[i] = `91361129${String(i).padStart(9, '0')}X`;
  return a; // already ascending
}

function officers(codes: string[]): InspectorRecord[] {
  const rng = seedrandom('bench:officers');
  const out: InspectorRecord[] = [];
  for (let i = 0; i < OFFICERS; i++) {
    out.push({
      inspectorNo: `SCJGJ-${String(i + 1).padStart(5, '0')}`, name: `人员${i + 1}`, department: 'SCJGJ', kind: 'civil_servant',
      certificateNo: `JX${i}`, certificateExpiry: '2030-12-31', qualification: '行政执法证', specialties: i % 10 === 0 ? ['食品安全'] : [],
      jointPool: true, active: true, conflicts: i < 1_000 ? [codes[Math.floor(rng() * codes.length)]] : [],
    });
  }
  return out;
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const rssMB = () => process.resourceUsage().maxRSS / 1024;

/** One phase, in this (child) process; prints one JSON line. */
function phase(name: string): void {
  const codes = snapshot();
  const k = Math.ceil((N * PERMILLE) / 1000);
  if (name === 'bare') {
    const t0 = process.hrtime.bigint();
    const rng = seedrandom(SEED);
    const a = codes.slice();
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(rng() * (N - i));
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    a.length = k;
    process.stdout.write(`${JSON.stringify({ select: ms(t0), rss: rssMB(), k: a.length })}\n`);
    return;
  }
  const params: AssignmentParams = {
    pool: 'B', departments: ['SCJGJ'], inspectors: officers(codes), requiredSpecialties: { SCJGJ: ['食品安全'] }, windowLastDay: '2026-09-30',
  };
  let t0 = process.hrtime.bigint();
  const c = commitDraw({ planNo: 'JH2026-9999', pool: 'B', filter: '全部', sampling: { ratioPermille: PERMILLE }, snapshot: codes, seed: SEED, assignment: params });
  const commit = ms(t0);
  const rssCommit = rssMB();
  t0 = process.hrtime.bigint();
  const rng = createDrawRng(effectiveSeed(SEED));
  const selection = selectEntities(c.snapshot, c.k, rng);
  const select = ms(t0);
  const rssSelect = rssMB();
  t0 = process.hrtime.bigint();
  const inputs = assignmentInputs(params, c.basis, selection);
  const r = assignFromInputs(selection, inputs, rng);
  const assign = ms(t0);
  if (!r.ok) throw new Error(r.message);
  process.stdout.write(`${JSON.stringify({ commit, select, assign, rssCommit, rssSelect, rss: rssMB(), k: selection.length })}\n`);
}

function child(name: string): Record<string, number> {
  const r = spawnSync(process.execPath, ['--max-old-space-size=4096', path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), __filename, '--phase', name], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env }, maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`phase ${name} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>;
}

async function endToEnd(): Promise<{ engine: string; n: number; k: number; seconds: number; queued: number; tasks: number; demoSeconds: number }> {
  const { connect } = await import('../../store/connection');
  const { createRepos } = await import('../../store/repos');
  const { createServices } = await import('../../src/app');
  const { createRouter } = await import('../../bot/router');
  const { createAnnouncer } = await import('../../bot/delivery/announcer');
  const { createLogger } = await import('../../src/logger');
  const { cliCaller } = await import('../../src/services/context');
  const { createApproval } = await import('../../src/domain/approval');
  const { PLAN_STEPS } = await import('../../src/services/plans');
  const { DEFAULT_POLICY } = await import('../../src/services/policy');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bench-draw-'));
  const { uri, local } = await benchDatabase(dataDir);
  const db = await connect(uri, `bench_draw_${Date.now()}`);
  try {
    const info = await db.conn.db!.admin().command({ buildInfo: 1 });
    const repos = createRepos(db.models);
    if (process.env.BENCH_PROFILE) {
      for (const [name, repo] of Object.entries(repos)) {
        for (const [m, f] of Object.entries(repo as Record<string, unknown>)) {
          if (typeof f !== 'function') continue;
          (repo as Record<string, unknown>)[m] = async (...a: unknown[]) => {
            const t = Date.now();
            try { return await (f as (...x: unknown[]) => Promise<unknown>)(...a); } finally { if (Date.now() - t > 50) console.error(`${name}.${m} ${Date.now() - t} ms`); }
          };
        }
      }
    }
    await repos.org.seedDepartments();
    const now = () => new Date('2026-03-10T02:00:00Z');
    const deps = { repos, now, policy: DEFAULT_POLICY };
    const services = createServices(deps);
    let t0 = Date.now();
    await services.demo.fill(cliCaller('bench'), { entities: Number(process.env.BENCH_DEMO_ENTITIES ?? 30_000) });
    const demoSeconds = (Date.now() - t0) / 1000;
    const item = (await repos.items.byDepartment('SCJGJ')).find((i) => i.pools.includes('B'))!;
    const planNo = 'JH2026-0999';
    const at = now();
    await repos.plans.create({
      planNo, year: 2026, department: 'SCJGJ', pool: 'B', filter: { industries: [], townships: [], riskClasses: [], sectorTags: [] },
      items: [`${item.department}:${item.itemCode}`], sampling: { ratioPermille: PERMILLE }, window: { from: '2026-09-01', to: '2026-09-30' },
      jointDepartments: [], predictedTargets: 0, duplicates: [], createdBy: 'bench', createdAt: at, updatedBy: 'bench', updatedAt: at, version: 1,
    });
    await repos.approvals.create({
      ...createApproval('plan', planNo, 'bench', PLAN_STEPS('SCJGJ'), at), status: 'approved', current: 3, title: planNo, requesterDepartment: 'SCJGJ', fields: [], flags: [],
    });
    const config = { WECOM_ROBOTS: '县市管局=bench-robot-key', DINGTALK_ROBOTS: '', DOWNLOAD_TTL_HOURS: 72 } as never;
    const announcer = createAnnouncer({ config, repos, now });
    const router = createRouter({ services, log: createLogger('warn', () => undefined), pageSize: 10, announcer });
    const queuedBefore = await db.models.Outbox.countDocuments({});
    t0 = Date.now();
    const out = await router.respond({ channel: 'shell', senderId: 'scj.official', text: `抽取 ${planNo}` });
    const seconds = (Date.now() - t0) / 1000;
    const d = await repos.draws.get(`${planNo}-1`);
    if (!d) throw new Error(`draw failed: ${out.replies.map((r) => JSON.stringify(r)).join('\n')}`);
    const queued = (await db.models.Outbox.countDocuments({})) - queuedBefore;
    const tasks = (await repos.tasks.forDraw(d.drawNo)).length;
    return { engine: describeEngine(info, local), n: d.n, k: d.k, seconds, queued, tasks, demoSeconds };
  } finally {
    await db.conn.dropDatabase().catch(() => undefined);
    await db.close();
    await local?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--phase');
  if (at >= 0) {
    phase(process.argv[at + 1]);
    return;
  }
  console.error(`draw bench: ${fmt(N)} entities, ${fmt(OFFICERS)} officers, ratio ${PERMILLE / 10}%`);
  const bare = child('bare');
  const draw = child('draw');
  const e2e = process.env.BENCH_E2E === '0' ? undefined : await endToEnd();
  const m = machine(e2e?.engine ?? '(in-memory only)');
  const whole = draw.commit + draw.select + draw.assign;
  const pass = (ok: boolean) => (ok ? '**PASS**' : '**MISS**');
  const lines = [
    '## Draw',
    '',
    `\`npm run bench:draw\` (test/bench/draw.bench.ts), run ${new Date().toISOString().slice(0, 10)}.`,
    '',
    `In memory: ${fmt(N)} sorted credit codes, ratio ${PERMILLE / 10}% (k = ${fmt(draw.k)}), ${fmt(OFFICERS)} officers of one department`,
    '(10% holding the plan\'s one required specialty, 1,000 declared conflicts), seed fixed. Each phase runs in its own child',
    'process (tsx); peak RSS is that process\'s `maxRSS`, including the 1,000,000-code array both phases build.',
    'The baseline is a bare partial Fisher–Yates (copy + k swaps) with the same seedrandom generator.',
    '',
    `Machine: ${m.nproc} CPUs (\`nproc\`), ${m.memGB} GB RAM, ${m.cpu}; Node ${m.node}.`,
    '',
    '| phase | ms | peak RSS (MB) |',
    '| --- | ---: | ---: |',
    `| (b) bare partial Fisher–Yates | ${fmt(bare.select, 1)} | ${fmt(bare.rss)} |`,
    `| (a) commit: sort check, snapshot digest, commitment, roster digest | ${fmt(draw.commit, 1)} | ${fmt(draw.rssCommit)} |`,
    `| (a) selection (selectEntities) | ${fmt(draw.select, 1)} | ${fmt(draw.rssSelect)} |`,
    `| (a) assignment (inputs + assignFromInputs, ${fmt(draw.k * 2)} officer picks) | ${fmt(draw.assign, 1)} | ${fmt(draw.rss)} |`,
    `| (a) whole in-memory draw | ${fmt(whole, 1)} | ${fmt(draw.rss)} |`,
    '',
    'Goals:',
    `- selection within 3 × the bare shuffle: ${fmt(draw.select / bare.select, 2)} × — ${pass(draw.select <= 3 * bare.select)}`,
    `- whole in-memory draw under 2 s: ${fmt(whole / 1000, 2)} s — ${pass(whole < 2000)}`,
    `- peak RSS under 1 GB: ${fmt(draw.rss)} MB — ${pass(draw.rss < 1024)}`,
  ];
  if (e2e) {
    lines.push(
      `- end to end on the database, demo county (${fmt(e2e.n)} eligible of the demo's entities, k = ${fmt(e2e.k)}): \`抽取\` through the router, from`,
      `  reading the plan to the commitment, result and xlsx queued (${e2e.queued} outbox messages, ${fmt(e2e.tasks)} tasks written): ${fmt(e2e.seconds, 2)} s — ${pass(e2e.seconds < 5)}`,
      `  (database: ${e2e.engine}; filling the demo county took ${fmt(e2e.demoSeconds, 1)} s, not counted).`,
    );
  }
  lines.push(
    '',
    'What shaped these figures:',
    '- In memory, the commit step is a sorted copy of the snapshot, the duplicate check and the SHA-256 of ≈20 MB of codes; selection is the bare loop',
    '  plus one array copy; assignment is 200,000 picks, each O(log n) in the load-grouped Fenwick index of src/domain/draw.ts.',
    '- End to end on FerretDB, most of the time is the one query that reads the eligible entities: FerretDB over SQLite',
    '  scans the collection for any filter but an `_id` (ARCHITECTURE.md). The same scan also brings the names and',
    '  addresses the tasks need; fetching them afterwards cost 4.7 s as one `$in` and 1.1 s as 1,935 `_id` lookups.',
    '  Task numbers are reserved in one `$inc` per draw and the tasks inserted with one `insertMany`.',
    '- The public record is stored in the draw\'s document while its JSON is under 4 MB (≈0.5 MB here); a larger one (a',
    '  pool of 1,000,000 eligible entities: ≈45 MB) is stored gzip-compressed in parts beside it (store/repos/draws.ts),',
    '  so no document passes MongoDB\'s 16 MB (test/integration/draw-million.test.ts draws, stores and verifies such a plan).',
  );
  const section = `${lines.join('\n')}\n`;
  process.stdout.write(section);
  writeReport('## Draw', section);
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(err);
    process.exit(1);
  },
);
