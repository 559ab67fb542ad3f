import { mkdtempSync } from 'node:fs';
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
import { benchDatabase } from './common';

async function main() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'prof-results-'));
  const { uri, local } = await benchDatabase(dataDir);
  const db = await connect(uri, `prof_${Date.now().toString(36)}`);
  const now = () => new Date('2026-10-09T02:00:00Z');
  const repos = createRepos(db.models);
  await repos.org.seedDepartments();
  const services = createServices({ repos, now, policy: DEFAULT_POLICY });
  await services.demo.fill(cliCaller('bench'), { entities: 2000 });
  const entities = await repos.entities.find({ pool: 'B' }, 20);
  const officers = (await repos.inspectors.byDepartment('SCJGJ', { activeOnly: true })).filter((p) => p.kind !== 'expert').slice(0, 2);
  const item = (await repos.items.byDepartment('SCJGJ')).find((i) => i.pools.includes('B'))!;
  const window = { from: '2026-09-01', to: '2026-09-30' };
  await repos.tasks.createMany(entities.map((e, i) => ({
    taskNo: `县市管局抽查〔2026〕${9000 + i}号`, year: 2026, issuer: 'SCJGJ', creditCode: e.creditCode, entityName: e.name, at: now(),
    parts: [{ drawNo: 'JH2026-9999-1', planNo: 'JH2026-9999', departments: ['SCJGJ'], items: [`SCJGJ:${item.itemCode}`], window, at: now().toISOString(),
      officers: officers.map((o, j) => ({ inspectorNo: o.inspectorNo, name: o.name, department: 'SCJGJ', leader: j === 0, expert: false })) }],
  })));
  const router = createRouter({ services, log: createLogger('warn', () => undefined), pageSize: 10 });
  let log: string[] = [];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const proto = require(require.resolve('mongodb', { paths: [require.resolve('mongoose')] })).Collection.prototype as Record<string, (...a: unknown[]) => unknown>;
  for (const m of ['findOne', 'insertOne', 'insertMany', 'replaceOne', 'updateOne', 'updateMany', 'find', 'countDocuments', 'findOneAndUpdate', 'bulkWrite', 'deleteOne', 'deleteMany', 'aggregate']) {
    const orig = proto[m];
    proto[m] = function (this: { collectionName: string }, ...a: unknown[]) { log.push(`${m}:${this.collectionName}`); return orig.apply(this, a); };
  }
  const say = async (text: string) => (await router.respond({ channel: 'shell', senderId: 'scj.official', text })).replies.map(replyText).join('\n');
  for (let i = 0; i < 3; i++) {
    for (const line of [`录入结果 县市管局抽查〔2026〕${9000 + i}号`, '2026-09-10', '1', '未发现问题', '1', '提交']) {
      log = [];
      const out = await say(line);
      if (i === 2) console.log(`${line.slice(0, 12)} → ${log.length} round trips: ${log.join(' ')}${line === '提交' ? `\n  ${out.slice(0, 60)}` : ''}`);
    }
  }
  await db.conn.dropDatabase();
  await db.close();
  await local?.stop();
}
main().catch((e) => { console.error(e); process.exit(1); });
