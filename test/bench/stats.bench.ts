/**
 * `npm run bench:stats`: the oversight statistics (统计 年度) for a county of
 * BENCH_STATS_ENTITIES (default 300,000) entities, BENCH_STATS_TASKS (default
 * 30,000) tasks and as many results, on MONGODB_URI or the local server from
 * store/embedded.
 *
 * Filled through the repos (entities with 10% in pool C; tasks over 30 member
 * units, one in five joint; a result for each, stored whole: half approved, a
 * quarter waiting for review, a quarter drafts). Then, in the same run and the same process:
 * a bare aggregation of one count per department (`$group` of the tasks by lead
 * department), the statistics computed once cold (a fresh process: the read
 * models load from their snapshots or a scan) and warm (what each 统计 message
 * costs once the process runs), median of BENCH_STATS_RUNS (default 5).
 *
 * Goal: warm statistics under 10× the bare aggregation and under 5 s.
 * Writes the section "Statistics" of BENCHMARKS.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServices } from '../../src/app';
import { yearPeriod } from '../../src/domain/stats';
import { MEMBER_UNITS } from '../../src/domain/organisation';
import { DEFAULT_POLICY } from '../../src/services/policy';
import { connect } from '../../store/connection';
import { createRepos } from '../../store/repos';
import { code } from '../helpers/fixtures';
import { benchDatabase, describeEngine, fmt, machine, writeReport } from './common';

const ENTITIES = Number(process.env.BENCH_STATS_ENTITIES ?? 300_000);
const TASKS = Number(process.env.BENCH_STATS_TASKS ?? 30_000);
const RUNS = Number(process.env.BENCH_STATS_RUNS ?? 5);
const GOAL_RATIO = 10;
const GOAL_S = 5;
const BATCH = 5000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const at = (day: string) => new Date(`${day}T02:00:00Z`);

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bench-stats-'));
  const { uri, local } = await benchDatabase(dataDir);
  const dbName = `bench_stats_${Date.now().toString(36)}`;
  const db = await connect(uri, dbName);
  try {
    const now = () => at('2026-12-15');
    const depts = MEMBER_UNITS.map((u) => u.code);
    const fill = createRepos(db.models);
    await fill.org.seedDepartments();
    const t0 = performance.now();
    console.error(`filling ${fmt(ENTITIES)} entities …`);
    for (let i = 0; i < ENTITIES; i += BATCH) {
      const docs = [];
      for (let n = i; n < Math.min(ENTITIES, i + BATCH); n++) {
        docs.push({
          _id: code(n), name: `万年县测试${n}有限公司`, kind: '企业', industry: '制造业', township: '陈营镇', address: '万年县陈营镇', riskClass: '一般',
          sectorTags: [], departments: [depts[n % 30], depts[(n * 7 + 3) % 30]], pool: n % 10 === 0 ? 'C' : 'B', poolPlacedBy: 'bench', poolPlacedAt: now(),
          poolReason: '', pendingPool: '', pendingBy: '', pendingDepartment: '', pendingReason: '', rowHash: `h${n}`, createdAt: now(), updatedAt: now(), updatedBy: 'bench',
        });
      }
      await fill.entities.writer.insertNew(docs as never);
    }
    await fill.items.writer.insertNew(depts.flatMap((d) => [1, 2, 3].map((k) => ({
      _id: `${d}:I${k}`, itemCode: `I${k}`, department: d, name: `事项${k}`, legalBasis: '依据', powerListCode: `P${k}`, pools: ['A', 'B', 'C'], jointListA: true,
      specialty: '', rowHash: 'x', createdAt: now(), updatedAt: now(), updatedBy: 'bench',
    }))) as never);
    console.error(`filling ${fmt(TASKS)} tasks and their results …`);
    const window = { from: '2026-09-01', to: '2026-09-30' };
    for (let i = 0; i < TASKS; i += BATCH) {
      const batch = [];
      for (let n = i; n < Math.min(TASKS, i + BATCH); n++) {
        const lead = depts[n % 30];
        const departments = n % 5 === 0 ? [lead, depts[(n + 1) % 30]] : [lead];
        batch.push({
          taskNo: `T${n}`, year: 2026, issuer: lead, creditCode: code(n * 10), entityName: `测试${n}`, at: now(),
          parts: [{ drawNo: `CQ-${lead}`, planNo: `JH-${lead}`, departments, officers: [], items: [`${lead}:I1`], window, at: now().toISOString() }],
        });
      }
      await fill.tasks.createMany(batch);
      const results = batch.map((t, j) => {
        const approved = (i + j) % 2 === 0;
        return {
          _id: t.taskNo, source: 'task', lead: t.issuer, departments: t.parts[0].departments, creditCode: t.creditCode, entityName: t.entityName,
          windowFrom: window.from, windowTo: window.to, status: approved ? 'approved' : (i + j) % 4 === 1 ? 'pending' : 'draft',
          form: JSON.stringify({ start: '2026-09-10', end: '2026-09-10', methods: ['现场检查'], categories: ['未发现问题'] }), parts: '{}', earlier: '[]',
          correctionReason: '', round: 1, submittedBy: 'bench', ...((i + j) % 4 !== 3 ? { submittedAt: at('2026-10-09') } : {}), ...(approved ? { approvedAt: at('2026-10-16') } : {}),
          openFollowUps: 0, createdAt: now(), updatedAt: now(), version: 1,
        };
      });
      if (results.length) await db.models.Result.collection.insertMany(results as never[]);
    }
    const fillS = (performance.now() - t0) / 1000;

    // A fresh process: its repos (and read models) start empty.
    const repos = createRepos(db.models);
    const services = createServices({ repos, now, policy: DEFAULT_POLICY });
    const bare: number[] = [];
    let bareCounts = 0;
    for (let r = 0; r < RUNS; r++) {
      const b0 = performance.now();
      const rows = await db.models.Task.collection.aggregate([{ $group: { _id: '$lead', n: { $sum: 1 } } }]).toArray();
      bare.push((performance.now() - b0) / 1000);
      bareCounts = rows.reduce((s, x) => s + Number(x.n), 0);
    }
    if (bareCounts !== TASKS) throw new Error(`bare aggregation counted ${bareCounts} tasks, not ${TASKS}`);
    const c0 = performance.now();
    const first = await services.stats.compute(yearPeriod(2026));
    const coldS = (performance.now() - c0) / 1000;
    if (first.county.tasks !== TASKS || first.county.cEntities !== ENTITIES / 10) throw new Error(`unexpected figures: ${first.county.tasks} tasks, ${first.county.cEntities} C entities`);
    const warm: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const w0 = performance.now();
      await services.stats.compute(yearPeriod(2026));
      warm.push((performance.now() - w0) / 1000);
    }
    const bareS = median(bare);
    const warmS = median(warm);
    const ratio = warmS / bareS;
    const info = await db.conn.db!.admin().command({ buildInfo: 1 });
    const m = machine(describeEngine(info, local));
    const pass = (ok: boolean) => (ok ? '**PASS**' : '**FAIL**');
    const section = [
      '## Statistics',
      '',
      `\`npm run bench:stats\`: the statistics of a year (统计 年度: every figure for 30 member units and the county) on ${fmt(ENTITIES)} entities (${fmt(ENTITIES / 10)} in pool C), ${fmt(TASKS)} tasks (one in five joint) and ${fmt(TASKS)} results (half approved, a quarter waiting for review, a quarter drafts), side by side with a bare aggregation of one count per department (\`$group\` of the tasks by lead department) in the same run. Filling took ${fmt(fillS, 1)} s.`,
      '',
      `Machine: ${m.nproc} CPUs (${m.cpu}), ${m.memGB} GB, Node ${m.node}, ${m.engine}.`,
      '',
      `| median of ${RUNS} | seconds |`,
      '| --- | --- |',
      `| bare aggregation: one count per department | ${fmt(bareS, 3)} |`,
      `| statistics, warm (each 统计 once the process runs: read models in memory) | ${fmt(warmS, 3)} |`,
      `| statistics, cold (first call of a fresh process: read models loaded from the database) | ${fmt(coldS, 3)} (one run) |`,
      '',
      `- warm statistics ≤ ${GOAL_RATIO}× the bare aggregation: ${fmt(ratio, 2)}× — ${pass(ratio <= GOAL_RATIO)}`,
      `- warm statistics < ${GOAL_S} s: ${fmt(warmS, 3)} s — ${pass(warmS < GOAL_S)}; cold: ${fmt(coldS, 1)} s`,
      '',
      'The statistics read tasks and their results\' timing from the read models (no scan of the tasks, results or entities collections per message), the year\'s plans, draws and filings (small collections) and approvals by `_id`. The cold figure is a fresh process on a database whose read models have no snapshot yet (filled a moment before), so it scans the entities, tasks and results once; a running server loads the registry\'s read model at start and every model from its snapshot, written every 10 minutes.',
      '',
    ].join('\n');
    console.log(section);
    writeReport('## Statistics', section);
  } finally {
    await db.conn.dropDatabase().catch(() => undefined);
    await db.close();
    await local?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
