/**
 * `npm run bench:results`: inspection results entered through the router on the demo county.
 *
 * A fresh database on MONGODB_URI or the local server from store/embedded, the demo county
 * (BENCH_DEMO_ENTITIES, default 30,000), BENCH_RESULTS (default 2,000) tasks of 县市管局 for
 * B-pool entities, then for each task the whole 录入结果 conversation as 县市管局's official
 * types it (dates, 核查方式, the item, the category, 提交) through the router. Baseline in the
 * same run: a bare insertOne of each stored result document into a collection of its own.
 *
 * Writes the section "Results" of BENCHMARKS.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServices } from '../../src/app';
import { cliCaller } from '../../src/services/context';
import { DEFAULT_POLICY } from '../../src/services/policy';
import { createLogger } from '../../src/logger';
import { createRouter } from '../../bot/router';
import { replyText } from '../../bot/types';
import { connect } from '../../store/connection';
import { createRepos } from '../../store/repos';
import { benchDatabase, describeEngine, fmt, machine, writeReport } from './common';

const N = Number(process.env.BENCH_RESULTS ?? 2000);
const ENTITIES = Number(process.env.BENCH_DEMO_ENTITIES ?? 30_000);
const GOAL_P95_MS = 300;
const GOAL_RATIO = 0.3;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bench-results-'));
  const { uri, local } = await benchDatabase(dataDir);
  const dbName = `bench_results_${Date.now().toString(36)}`;
  const db = await connect(uri, dbName);
  try {
    const now = () => new Date('2026-10-09T02:00:00Z'); // after the September window
    const repos = createRepos(db.models);
    await repos.org.seedDepartments();
    const services = createServices({ repos, now, policy: DEFAULT_POLICY });
    console.error(`filling the demo county with ${fmt(ENTITIES)} entities …`);
    await services.demo.fill(cliCaller('bench'), { entities: ENTITIES });
    const entities = await repos.entities.find({ pool: 'B' }, N);
    const officers = (await repos.inspectors.byDepartment('SCJGJ', { activeOnly: true })).filter((p) => p.kind !== 'expert').slice(0, 2);
    const item = (await repos.items.byDepartment('SCJGJ')).find((i) => i.pools.includes('B'))!;
    const window = { from: '2026-09-01', to: '2026-09-30' };
    await repos.tasks.createMany(entities.map((e, i) => ({
      taskNo: `县市管局抽查〔2026〕${9000 + i}号`, year: 2026, issuer: 'SCJGJ', creditCode: e.creditCode, entityName: e.name, at: now(),
      parts: [{
        drawNo: 'JH2026-9999-1', planNo: 'JH2026-9999', departments: ['SCJGJ'], items: [`SCJGJ:${item.itemCode}`], window, at: now().toISOString(),
        officers: officers.map((o, j) => ({ inspectorNo: o.inspectorNo, name: o.name, department: 'SCJGJ', leader: j === 0, expert: false })),
      }],
    })));
    const router = createRouter({ services, log: createLogger('warn', () => undefined), pageSize: 10 });
    const say = async (text: string) => (await router.respond({ channel: 'shell', senderId: 'scj.official', text })).replies.map(replyText).join('\n');

    console.error(`entering ${fmt(entities.length)} results through the router …`);
    const submit: number[] = [];
    const whole: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < entities.length; i++) {
      const c0 = performance.now();
      for (const line of [`录入结果 县市管局抽查〔2026〕${9000 + i}号`, '2026-09-10', '1', '未发现问题', '1']) await say(line);
      const s0 = performance.now();
      const out = await say('提交');
      submit.push(performance.now() - s0);
      whole.push(performance.now() - c0);
      if (!out.includes('已提交')) throw new Error(`提交 failed: ${out}`);
    }
    const routerS = (performance.now() - t0) / 1000;

    const stored = await db.models.Result.collection.find({}).toArray();
    const bare = db.conn.collection('bench_bare_results');
    const b0 = performance.now();
    for (const d of stored) await bare.insertOne({ ...d });
    const bareS = (performance.now() - b0) / 1000;

    const info = await db.conn.db!.admin().command({ buildInfo: 1 });
    const m = machine(describeEngine(info, local));
    const routerRate = entities.length / routerS;
    const bareRate = stored.length / bareS;
    const ratio = routerRate / bareRate;
    const p95 = pct(submit, 95);
    const section = [
      '## Results',
      '',
      `\`npm run bench:results\`: ${fmt(entities.length)} results entered through the router on the demo county (${fmt(ENTITIES)} entities), each the whole 录入结果 conversation (6 messages: command, dates, 核查方式, item, category, 提交); baseline: a bare insertOne of each stored result document, same run.`,
      '',
      `Machine: ${m.nproc} CPU (${m.cpu}), ${m.memGB} GB, Node ${m.node}, ${m.engine}.`,
      '',
      '| measure | value | goal |',
      '| --- | --- | --- |',
      `| 提交 (save + approval opened), p50 / p95 | ${fmt(pct(submit, 50), 1)} / ${fmt(p95, 1)} ms | p95 < ${GOAL_P95_MS} ms ${p95 < GOAL_P95_MS ? '✓' : '✗'} |`,
      `| whole conversation, p50 / p95 | ${fmt(pct(whole, 50), 1)} / ${fmt(pct(whole, 95), 1)} ms | |`,
      `| results per second through the router | ${fmt(routerRate, 1)} | |`,
      `| bare inserts per second | ${fmt(bareRate, 1)} | |`,
      `| ratio | ${fmt(ratio, 3)}× | ≥ ${GOAL_RATIO}× ${ratio >= GOAL_RATIO ? '✓' : '✗'} |`,
      '',
      'The ratio compares a six-message conversation (each message a session read and a guarded session write; 提交 also reads the task, the inspector, the users for R20 and writes the result, the approval and two audit entries) with one insert.',
      '',
    ].join('\n');
    console.log(section);
    writeReport('## Results', section);
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
