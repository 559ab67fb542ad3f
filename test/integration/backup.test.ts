/**
 * Backup and restore on the real database, through the CLI as an operator runs
 * it: the demo county with a draw and its xlsx file → backup → restore into an
 * empty database → every document equal, the draw still verifies, the stored
 * file's bytes match their SHA-256; a database with data and a changed archive
 * are refused before anything is written; the archive reads without this program.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { EJSON } from 'bson';
import type { mongo } from 'mongoose';
import { createServices } from '../../src/app';
import { createApproval } from '../../src/domain/approval';
import { verifyDraw } from '../../src/domain/draw';
import { cliCaller } from '../../src/services/context';
import { PLAN_STEPS } from '../../src/services/plans';
import { DEFAULT_POLICY } from '../../src/services/policy';
import type { Manifest } from '../../src/services/backup';
import { connect } from '../../store/connection';
import { createRepos } from '../../store/repos';
import { createAnnouncer } from '../../bot/delivery/announcer';
import { createRouter } from '../../bot/router';
import { replyText } from '../../bot/types';
import { createLogger } from '../../src/logger';
import { freshDb, type TestDb } from '../helpers/db';
import { runTsx } from '../helpers/run';

let db: TestDb;
let raw: mongo.Db;
const work = mkdtempSync(path.join(os.tmpdir(), 'backup-test-'));
const archive = path.join(work, 'archive');
const opened: { close(): Promise<void> }[] = [];
const now = () => new Date('2026-03-10T02:00:00Z');
let drawNo = '';
const TOKEN = 'access-token-NEVER-IN-A-BACKUP-7f3a';

const sha = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');
const gunzipOrText = (b: Buffer) => (b[0] === 0x1f && b[1] === 0x8b ? gunzipSync(b) : b).toString('utf8');

/** Every collection's documents as canonical Extended JSON, sorted by _id: equal means equal to the byte. */
async function contents(d: mongo.Db): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const c of await d.listCollections({}, { nameOnly: true }).toArray()) {
    if (c.name.startsWith('system.')) continue;
    const docs = (await d.collection(c.name).find({}).toArray()).map((x) => EJSON.stringify(x, { relaxed: false }));
    out[c.name] = docs.sort();
  }
  return out;
}

async function otherDb(suffix: string) {
  const o = await connect(process.env.TEST_MONGODB_URI!, `${db.dbName}_${suffix}`);
  opened.push({ close: async () => { await o.conn.dropDatabase(); await o.close(); } });
  return o;
}

beforeAll(async () => {
  db = await freshDb();
  raw = db.models.Entity.db.db!;
  const repos = db.repos;
  await repos.org.seedDepartments();
  const services = createServices({ repos, now, policy: DEFAULT_POLICY });
  await services.demo.fill(cliCaller('test'), { entities: 1500, inspectors: 120 });
  // An approved B plan of 县市管局, drawn through the router; the result's xlsx is stored in `files`.
  const item = (await repos.items.byDepartment('SCJGJ')).find((i) => i.pools.includes('B'))!;
  const planNo = 'JH2026-0001';
  const at = now();
  await repos.plans.create({
    planNo, year: 2026, department: 'SCJGJ', pool: 'B', filter: { industries: [], townships: [], riskClasses: [], sectorTags: [] },
    items: [`${item.department}:${item.itemCode}`], sampling: { ratioPermille: 50 }, window: { from: '2026-09-01', to: '2026-09-30' },
    jointDepartments: [], predictedTargets: 0, duplicates: [], createdBy: 'test', createdAt: at, updatedBy: 'test', updatedAt: at, version: 1,
  });
  await repos.approvals.create({
    ...createApproval('plan', planNo, 'test', PLAN_STEPS('SCJGJ'), at), status: 'approved', current: 3, title: planNo, requesterDepartment: 'SCJGJ', fields: [], flags: [],
  });
  const announcer = createAnnouncer({ config: { WECOM_ROBOTS: '县市管局=test-robot-key', DINGTALK_ROBOTS: '', DOWNLOAD_TTL_HOURS: 72 } as never, repos, now });
  const router = createRouter({ services, log: createLogger('warn', () => undefined), pageSize: 10, announcer });
  const out = await router.respond({ channel: 'shell', senderId: 'scj.official', text: `抽取 ${planNo}` });
  drawNo = (await repos.draws.get(`${planNo}-1`))?.drawNo ?? '';
  if (!drawNo) throw new Error(`draw failed: ${out.replies.map(replyText).join('\n')}`);
  // A cached platform access token: a live credential, which no backup may carry.
  await raw.collection('tokens').insertOne({ _id: 'wecom:corp:1000002' as never, value: TOKEN, expiresAt: new Date(Date.now() + 7200_000), fetchedAt: new Date() });
}, 120_000);

afterAll(async () => {
  for (const o of opened) await o.close();
  await db?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('backup and restore', () => {
  it('backup → restore into an empty database: every document equal, the draw verifies, stored files match their SHA-256', async () => {
    const b = await runTsx('src/cli/main.ts', ['backup', archive], { dbName: db.dbName });
    expect(b.code).toBe(0);
    expect(b.out).toMatch(/^已备份数据库 .+：\d+ 个集合，\d+ 条文档/);
    // (Opening the database recorded its schema version: that is part of what was backed up.)
    const before = await contents(raw);
    expect(before.entities.length).toBe(1500);
    expect(before.files.length).toBeGreaterThan(0);
    expect(before.schema_migrations.length).toBe(1);
    const fileSums = new Map((await raw.collection('files').find({}).toArray()).map((f) => [String(f._id), sha((f.data as { buffer: Uint8Array }).buffer)]));

    const target = await otherDb('restored');
    const r = await runTsx('src/cli/main.ts', ['restore', archive], { dbName: target.conn.name });
    expect(r.code).toBe(0);
    expect(r.out).toContain('已恢复到数据库');

    const after = await contents(target.conn.db!);
    expect(before.tokens).toHaveLength(1);
    expect(after.tokens ?? []).toEqual([]); // left out on purpose (fetched again when needed)
    delete before.tokens;
    delete after.tokens;
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    for (const name of Object.keys(before)) {
      expect({ name, n: after[name].length }).toEqual({ name, n: before[name].length });
      expect(after[name]).toEqual(before[name]);
    }
    // The draw recomputes from its restored public record with the verify code anyone runs.
    const restored = createRepos(target.models);
    const draw = await restored.draws.get(drawNo);
    expect(draw?.record).toBeDefined();
    expect(verifyDraw(draw!.record!)).toEqual({ ok: true });
    // Each stored file (the result's xlsx) has the same bytes.
    for (const [id, sum] of fileSums) {
      const f = await restored.files.get(id);
      expect(f && sha(f.data)).toBe(sum);
    }
  }, 120_000);

  it('the archive is readable without this program: gzip, one Extended JSON document per line, counts and SHA-256 in the manifest', () => {
    const manifest = JSON.parse(readFileSync(path.join(archive, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.format).toBe('wannian-supervision-backup');
    expect(manifest.schemaVersion).toBe(1);
    expect(manifest.skipped).toEqual([{ name: 'tokens', reason: expect.stringContaining('access tokens') }]);
    expect(manifest.collections.map((c) => c.name)).not.toContain('tokens');
    for (const f of readdirSync(archive)) expect(gunzipOrText(readFileSync(path.join(archive, f)))).not.toContain(TOKEN);
    const entities = manifest.collections.find((c) => c.name === 'entities')!;
    const bytes = readFileSync(path.join(archive, entities.file));
    expect(sha(bytes)).toBe(entities.sha256);
    const lines = gunzipSync(bytes).toString('utf8').trim().split('\n');
    expect(lines).toHaveLength(entities.documents);
    const first = JSON.parse(lines[0]) as Record<string, unknown>; // plain JSON.parse: no bson needed to read it
    expect(typeof first._id).toBe('string');
    expect(first.poolPlacedAt).toEqual({ $date: { $numberLong: expect.stringMatching(/^\d+$/) } });
    const files = manifest.collections.find((c) => c.name === 'files')!;
    const file = JSON.parse(gunzipSync(readFileSync(path.join(archive, files.file))).toString('utf8').split('\n')[0]) as { data: { $binary: { base64: string } } };
    expect(Buffer.from(file.data.$binary.base64, 'base64').subarray(0, 2).toString()).toBe('PK'); // the xlsx itself
  });

  it('restore refuses a database that holds data, and changes nothing in it', async () => {
    const before = await contents(raw);
    const r = await runTsx('src/cli/main.ts', ['restore', archive], { dbName: db.dbName });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^目标数据库不是空的：.*只能恢复到空数据库/);
    expect(await contents(raw)).toEqual(before);
  }, 60_000);

  it('restore refuses a changed archive (SHA-256) or one without its manifest before writing anything', async () => {
    const tampered = path.join(work, 'tampered');
    cpSync(archive, tampered, { recursive: true });
    const file = path.join(tampered, 'entities.ejson.gz');
    const text = gunzipSync(readFileSync(file)).toString('utf8');
    const first = text.slice(0, text.indexOf('\n'));
    const changed = first.replace(/"pool":"[ABC]"/, '"pool":"A"') === first ? first.replace(/"pool":"A"/, '"pool":"B"') : first.replace(/"pool":"[ABC]"/, '"pool":"A"');
    writeFileSync(file, gzipSync(changed + text.slice(first.length)));
    const target = await otherDb('tampered');
    const r = await runTsx('src/cli/main.ts', ['restore', tampered], { dbName: target.conn.name });
    expect(r.code).toBe(1);
    expect(r.err.trim()).toBe('文件 entities.ejson.gz 的 SHA-256 与清单不符：备份已被改动或损坏，拒绝恢复');
    expect(await target.conn.db!.collection('entities').countDocuments({})).toBe(0);

    const incomplete = path.join(work, 'incomplete');
    cpSync(archive, incomplete, { recursive: true });
    rmSync(path.join(incomplete, 'manifest.json'));
    const c = await runTsx('src/cli/main.ts', ['restore', incomplete, '--check'], {});
    expect(c.code).toBe(1);
    expect(c.err).toContain('没有 manifest.json');
    const ok = await runTsx('src/cli/main.ts', ['restore', archive, '--check'], {});
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^备份完好：/);
  }, 60_000);

  it('backup refuses a folder that is not empty, so an earlier backup is never overwritten', async () => {
    const dir = path.join(work, 'used');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'keep.txt'), 'x');
    const r = await runTsx('src/cli/main.ts', ['backup', dir], { dbName: db.dbName });
    expect(r.code).toBe(1);
    expect(r.err).toContain('不是空目录');
    expect(existsSync(path.join(dir, 'manifest.json'))).toBe(false);
  }, 60_000);
});
