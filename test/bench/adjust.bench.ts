/**
 * `npm run bench:adjust`: the yearly pool adjustment (R5) of a generated
 * 300,000-entity county, computed and applied by adjustmentService, against a
 * bare pass of `updateOne` by `_id` over the same changed documents.
 *
 * The parent seeds one database with the county and a year since the last
 * adjustment: 10% new entities, inspections (tasks, approved results, history)
 * with findings on A entities, closures, credit-risk class changes and
 * applications for A; it loads the read models once (the snapshot a running
 * server has). Then, each in its own child process so that peak RSS is its
 * own: (a) ours — read model load, `build` (调库方案) and `apply` (确认调库) by
 * another 联席办 member; (b) bare — one `updateOne({_id}, {$set: …})` at a time
 * for every line (a) changed, on a copy of the same database state. Prints the
 * table and the goals (≥ 0.5 × the bare rate, peak RSS < 500 MB) and writes them
 * into BENCHMARKS.md ("Pool adjustment"). BENCH_ENTITIES overrides the size.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import seedrandom from 'seedrandom';
import { creditCodeCheckChar } from '../../src/domain/creditCode';
import { adjustmentService } from '../../src/services/adjustment';
import type { Caller } from '../../src/services/context';
import { connect } from '../../store/connection';
import type { LocalDatabase } from '../../store/embedded';
import { createRepos } from '../../store/repos';
import { benchDatabase, describeEngine, fmt, machine, ROOT, writeReport } from './common';

const SEED = 'wannian-adjust-bench';
const GOAL_RATIO = 0.5;
const GOAL_RSS_MB = 500;
const YEAR = 2026;
const LAST = new Date('2026-01-01T00:00:00+08:00');
const AT = new Date('2026-12-20T02:00:00Z');
const office = (userId: string): Caller => ({ userId, name: userId, department: 'SCJGJ', roles: ['office'], channel: 'cli' });

const TOWNSHIPS = ['陈营镇', '石镇镇', '青云镇', '梓埠镇', '大源镇', '裴梅镇', '湖云乡', '上坊乡'];
const DEPTS = [['SCJGJ'], ['SCJGJ', 'WJW'], ['YJGLJ'], ['SCJGJ', 'XFJYDD'], ['STHJJ']];

const codeOf = (i: number) => { const f = `91361129${String(i).padStart(9, '0')}`; return f + creditCodeCheckChar(f); };
const day = (rng: () => number) => `2026-${String(2 + Math.floor(rng() * 9)).padStart(2, '0')}-${String(1 + Math.floor(rng() * 27)).padStart(2, '0')}`;

/** The county and its year, written raw (as an import and a year of results would have left them). */
async function seed(uri: string, dbName: string, n: number): Promise<void> {
  const db = await connect(uri, dbName);
  const rng = seedrandom(SEED);
  const raw = db.conn.db!;
  const ents: Record<string, unknown>[] = [];
  const tasks: Record<string, unknown>[] = [];
  const results: Record<string, unknown>[] = [];
  const history: Record<string, unknown>[] = [];
  const changes: Record<string, unknown>[] = [];
  const apps: Record<string, unknown>[] = [];
  const old = new Date('2025-05-01T02:00:00Z');
  for (let i = 0; i < n; i++) {
    const r = rng();
    const pool = r < 0.03 ? 'A' : r < 0.04 ? 'C' : 'B';
    const isNew = rng() < 0.1;
    const code = codeOf(i);
    const departments = DEPTS[i % DEPTS.length];
    ents.push({
      _id: code, name: `万年县测试${i}有限公司`, kind: '企业', industry: '制造业', township: TOWNSHIPS[i % TOWNSHIPS.length], address: '万年县', riskClass: '一般',
      sectorTags: [], departments, pool, poolPlacedBy: 'import', poolPlacedAt: old, poolReason: '导入', pendingPool: '', pendingBy: '', pendingDepartment: '', pendingReason: '',
      rowHash: `h${i}`, createdAt: isNew ? new Date('2026-04-01T02:00:00Z') : old, updatedAt: old, updatedBy: 'import',
    });
    // About 1% inspected this year: an A entity with a problem (general or serious), a closure, or a clean result.
    if (rng() < 0.01) {
      const taskNo = `${departments[0]}-2026-${String(tasks.length + 1).padStart(5, '0')}`;
      const end = day(rng);
      const k = rng();
      const categories = pool === 'A' && k < 0.5 ? ['发现问题已责令改正'] : k < 0.15 ? ['已注销'] : ['未发现问题'];
      const handling = k < 0.2 ? { kind: 'case', caseNo: `案${i}` } : { kind: 'rectify', deadline: '2026-12-31' };
      const part = { drawNo: 'CQ2026-0001', planNo: 'JH2026-0001', departments: [departments[0]], officers: [], items: [`${departments[0]}:X1`], window: { from: end, to: end }, at: old.toISOString() };
      tasks.push({ _id: taskNo, year: YEAR, issuer: departments[0], creditCode: code, entityName: `万年县测试${i}有限公司`, lead: departments[0], departments: [departments[0]], officers: [], items: part.items,
        windowFrom: end, windowTo: end, drawNos: ['CQ2026-0001'], planNos: ['JH2026-0001'], parts: JSON.stringify([part]), status: 'open', createdAt: old, updatedAt: old, cancelReason: '', version: 1 });
      const problem = categories[0] === '发现问题已责令改正';
      results.push({ _id: taskNo, source: 'task', lead: departments[0], departments: [departments[0]], creditCode: code, entityName: '', windowFrom: end, windowTo: end, status: 'approved',
        form: JSON.stringify({ start: end, end, methods: ['实地检查'], categories }),
        parts: JSON.stringify({ [departments[0]]: { findings: [{ key: part.items[0], checked: true, ...(problem ? { problem: '问题', handling } : {}) }], by: 'x', byName: 'x', at: end, evidence: [] } }),
        earlier: '[]', correctionReason: '', round: 1, submittedBy: 'x', openFollowUps: 0, createdAt: old, updatedAt: old, version: 1 });
      history.push({ _id: code, entries: [JSON.stringify({ taskNo, source: 'task', lead: departments[0], departments: [departments[0]], start: end, end, categories, round: 1 })], version: 1 });
    } else if (rng() < 0.003) {
      changes.push({ _id: `${code}:2026-09-01:省`, creditCode: code, from: '一般', to: rng() < 0.5 ? '高' : '较高', date: '2026-09-01', source: '江西省企业信用风险分类结果', at: new Date('2026-09-02T02:00:00Z') });
    } else if (pool === 'B' && rng() < 0.002) {
      apps.push({ _id: `${code}:${departments[0]}`, creditCode: code, kind: 'apply', department: departments[0], reason: '连续三年未发现问题', by: 'u', at: old, status: 'open' });
    }
  }
  for (let i = 0; i < ents.length; i += 5000) await raw.collection('entities').insertMany(ents.slice(i, i + 5000) as never[], { ordered: false });
  for (const [name, docs] of [['tasks', tasks], ['results', results], ['entity_results', history], ['risk_changes', changes], ['pool_applications', apps]] as const) {
    for (let i = 0; i < docs.length; i += 5000) if (docs.length) await raw.collection(name).insertMany(docs.slice(i, i + 5000) as never[], { ordered: false });
  }
  await raw.collection('pool_adjustments').insertOne({ _id: `TZ${YEAR - 1}` as never, year: YEAR - 1, status: 'applied', since: LAST, createdBy: 'a', createdAt: LAST, total: 0, chunks: 0, counts: '{}', rejected: [], rejectNote: '', appliedBy: 'b', appliedAt: LAST, applied: 0, version: 3 });
  // What a running server has: the read models' snapshots.
  const repos = createRepos(db.models);
  await repos.entities.warmUp();
  await repos.entities.compactIndex(0);
  await repos.tasks.forYear(YEAR);
  await repos.tasks.compactIndex(0);
  console.error(`  seeded ${fmt(n)} entities, ${fmt(tasks.length)} inspections, ${fmt(changes.length)} class changes, ${fmt(apps.length)} applications`);
  await db.close();
}

interface Result { moves: number; loadSeconds: number; buildSeconds: number; applySeconds: number; seconds: number; maxRssMB: number; lines: number }

async function childOurs(uri: string, dbName: string): Promise<Result> {
  const db = await connect(uri, dbName);
  try {
    const repos = createRepos(db.models);
    const t0 = process.hrtime.bigint();
    await repos.entities.warmUp();
    await repos.tasks.forYear(YEAR);
    const t1 = process.hrtime.bigint();
    console.error(`  ours: read models loaded in ${(Number(t1 - t0) / 1e9).toFixed(1)} s`);
    const svc = adjustmentService({ repos, now: () => AT });
    const built = await svc.build(office('lxb.a'), YEAR);
    const t2 = process.hrtime.bigint();
    console.error(`  ours: ${built.lines.length} lines built in ${(Number(t2 - t1) / 1e9).toFixed(1)} s`);
    const r = await svc.apply(office('lxb.b'), YEAR);
    const t3 = process.hrtime.bigint();
    const s = (a: bigint, b: bigint) => Number(b - a) / 1e9;
    return { moves: r.applied.length, lines: built.lines.length, loadSeconds: s(t0, t1), buildSeconds: s(t1, t2), applySeconds: s(t2, t3), seconds: s(t1, t3), maxRssMB: process.resourceUsage().maxRSS / 1024 };
  } finally {
    await db.close();
  }
}

/** The same changes, one bare updateOne by _id at a time, read from the lines (a) stored. */
async function childBare(uri: string, dbName: string): Promise<Result> {
  const db = await connect(uri, dbName);
  try {
    const repos = createRepos(db.models);
    const h = (await repos.adjustments.get(`TZ${YEAR}`))!;
    const lines = await repos.adjustments.lines(h);
    const col = db.conn.db!.collection('entities');
    const t0 = process.hrtime.bigint();
    for (const l of lines) {
      await col.updateOne({ _id: l.code as never }, { $set: { pool: l.to === 'archived' ? l.from : l.to, poolPlacedBy: 'bare', poolPlacedAt: AT, poolReason: l.reason, updatedAt: AT } });
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return { moves: lines.length, lines: lines.length, loadSeconds: 0, buildSeconds: 0, applySeconds: seconds, seconds, maxRssMB: process.resourceUsage().maxRSS / 1024 };
  } finally {
    await db.close();
  }
}

function runChild(args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', __filename, 'child', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{')) reject(new Error(`child ${args[0]} exited with ${code}: ${out}`));
      else resolve(JSON.parse(last) as Result);
    });
  });
}

async function main(): Promise<void> {
  const n = Number(process.env.BENCH_ENTITIES ?? 300_000);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'adjust-bench-'));
  let local: LocalDatabase | undefined;
  try {
    const opened = await benchDatabase(path.join(tmp, 'db'));
    const { uri } = opened;
    local = opened.local;
    const stamp = Date.now().toString(36);
    const dbName = `bench_adjust_${stamp}`;
    console.error(`seeding ${fmt(n)} entities …`);
    await seed(uri, dbName, n);
    const probe = await connect(uri, dbName);
    const info = await probe.conn.db!.admin().command({ buildInfo: 1 }).catch(() => ({} as Record<string, unknown>));
    await probe.close();
    const engine = describeEngine(info, local);

    const a = await runChild(['ours', uri, dbName]);
    console.error(`  ours: ${a.lines} lines, ${a.moves} moved; load ${a.loadSeconds.toFixed(1)} s, build ${a.buildSeconds.toFixed(1)} s, apply ${a.applySeconds.toFixed(1)} s, peak RSS ${fmt(a.maxRssMB)} MB`);
    const b = await runChild(['bare', uri, dbName]);
    console.error(`  bare: ${b.moves} updateOne in ${b.seconds.toFixed(1)} s`);
    const drop = await connect(uri, dbName);
    await drop.conn.dropDatabase();
    await drop.close();

    const rate = (r: Result, s: number) => r.moves / s;
    const ratio = rate(a, a.seconds) / rate(b, b.seconds);
    const applyRatio = rate(a, a.applySeconds) / rate(b, b.seconds);
    const m = machine(engine);
    const table = [
      '| | changed entities | seconds | changes/s | peak RSS (MB) |',
      '| --- | ---: | ---: | ---: | ---: |',
      `| (a) adjustment: build (调库方案) + apply (确认调库) | ${fmt(a.moves)} | ${fmt(a.seconds, 1)} | ${fmt(rate(a, a.seconds))} | ${fmt(a.maxRssMB)} |`,
      `| &nbsp;&nbsp;of which apply (bulkWrite by \`_id\`, ×80) | ${fmt(a.moves)} | ${fmt(a.applySeconds, 1)} | ${fmt(rate(a, a.applySeconds))} | |`,
      `| (b) bare \`updateOne\` by \`_id\`, one at a time | ${fmt(b.moves)} | ${fmt(b.seconds, 1)} | ${fmt(rate(b, b.seconds))} | ${fmt(b.maxRssMB)} |`,
      `| ratio (a)/(b) | | | ${ratio.toFixed(2)} (apply alone ${applyRatio.toFixed(2)}) | |`,
    ].join('\n');
    const goals = [
      `- rate ≥ ${GOAL_RATIO} × bare: ${ratio.toFixed(2)} × — **${ratio >= GOAL_RATIO ? 'PASS' : 'FAIL'}**`,
      `- peak RSS < ${GOAL_RSS_MB} MB: ${fmt(a.maxRssMB)} MB — **${a.maxRssMB < GOAL_RSS_MB ? 'PASS' : 'FAIL'}**`,
    ].join('\n');
    console.log(`\n${table}\n\n${goals.replace(/\*\*/g, '')}\n`);
    writeReport('## Pool adjustment', `## Pool adjustment

\`npm run bench:adjust\` (test/bench/adjust.bench.ts), run ${new Date().toISOString().slice(0, 10)}.

A generated ${fmt(n)}-entity county (3% A, 1% C, 10% new since the last adjustment, about 1% inspected this year
with findings and closures, credit-risk class changes and applications for A) is adjusted by
\`adjustmentService\`: \`build\` (调库方案: the entities from the registry's read model, inspections from the tasks'
read model and each inspected entity's history by \`_id\`, ${fmt(a.lines)} lines stored in chunks) and \`apply\`
(确认调库 by another 联席办 member: \`bulkWrite\` of \`updateOne\` by \`_id\` in batches of 80, each batch checked against the read model first, the
entity's provenance and pool history, one change-log entry per batch for the read models). The read
models load from their snapshot first (${fmt(a.loadSeconds, 1)} s, not counted: a running server has them). The
baseline sets the same fields on the same documents with one bare \`updateOne\` by \`_id\` at a time. Each is its
own child process (\`node --import tsx\`); peak RSS is its \`resourceUsage().maxRSS\`.

Machine: ${m.nproc} CPUs (\`nproc\`), ${m.memGB} GB RAM, ${m.cpu}; Node ${m.node}; database ${m.engine}.

${table}

Goals:
${goals}
`);
    console.error('written to BENCHMARKS.md');
  } finally {
    await local?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function child(argv: string[]): Promise<void> {
  const [mode, uri, dbName] = argv;
  const result = mode === 'ours' ? await childOurs(uri, dbName) : await childBare(uri, dbName);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  const [, , first, ...rest] = process.argv;
  (first === 'child' ? child(rest) : main()).then(
    () => process.exit(0),
    (err: Error) => {
      console.error(err.stack ?? err.message);
      process.exit(1);
    },
  );
}
