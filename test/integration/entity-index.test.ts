/**
 * The registry's read model (store/repos/entityIndex.ts) on the real database:
 * what one process writes — a placement, an import, a new entity, a CLI import
 * in a real child process — is seen by the very next query in another; name
 * search as officials type; an interrupted writer; loading from a snapshot.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cliCaller } from '../../src/services/context';
import { importService } from '../../src/services/importer';
import { createServices } from '../../src/app';
import { connect } from '../../store/connection';
import { createRepos, type Repos } from '../../store/repos';
import { foldText } from '../../store/repos/entityIndex';
import { freshDb, type TestDb } from '../helpers/db';
import { addEntities, code, saveUsers } from '../helpers/fixtures';
import { runTsx } from '../helpers/run';

const admin = cliCaller('index-test');
const now = () => new Date('2026-03-02T02:00:00Z');

let db: TestDb;
let other: Awaited<ReturnType<typeof connect>>;
/** A second "process": its own connection, repos and read model over the same database. */
let b: Repos;
let dir: string;

const COLUMNS = ['统一社会信用代码', '名称', '类型', '行业', '乡镇', '地址', '信用风险分类', '领域标签', '监管部门'];
function csv(name: string, rows: [number, string, string][]): string {
  const file = path.join(dir, name);
  const lines = [COLUMNS.join(','), ...rows.map(([n, nm, town]) => [code(n), nm, '企业', '制造业', town, `地址${n}`, '一般', '', '县市管局'].join(','))];
  writeFileSync(file, `${lines.join('\r\n')}\r\n`);
  return file;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'index-test-'));
  db = await freshDb();
  await db.repos.org.seedDepartments();
  other = await connect(db.uri, db.dbName);
  b = createRepos(other.models);
  await addEntities(db.repos, [
    { n: 1, name: '万年县华达食品有限公司', township: '陈营镇' },
    { n: 2, name: '华达五金店', township: '石镇镇' },
    { n: 3, name: '万年县食品华达批发部', township: '陈营镇' },
    { n: 4, name: '万年县宏图建材有限公司', township: '陈营镇', pool: 'A' },
  ]);
});

afterAll(async () => {
  await other?.close();
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('one process writes, the next query in another sees it', () => {
  it('R1: a pool placement made in one process is counted by the next 查询 in the other', async () => {
    expect(await b.entities.countByPool({})).toEqual({ A: 1, B: 3, C: 0 });
    expect(await db.repos.entities.place(code(2), 'B', 'C', 'zhao', now(), '测试')).toBe(true);
    expect(await b.entities.countByPool({})).toEqual({ A: 1, B: 2, C: 1 });
    expect((await b.entities.find({ pool: 'C' }, 10)).map((e) => e.creditCode)).toEqual([code(2)]);
  });

  it('a proposal and its confirmation by 联席办 show in the other process’s pending list and pools', async () => {
    expect(await db.repos.entities.propose(code(3), 'C', 'li', 'SCJGJ', now(), '投诉多')).toBe(true);
    expect((await b.entities.pending(10)).map((e) => e.creditCode)).toEqual([code(3)]);
    const seen = (await b.entities.get(code(3)))!;
    expect(await b.entities.confirmPending(code(3), { pool: seen.pool, pendingPool: 'C', pendingBy: 'li', pendingAt: seen.pendingAt }, 'zhao', now(), '确认')).toBe(true);
    expect(await db.repos.entities.pending(10)).toEqual([]);
    expect((await db.repos.entities.countByPool({})).C).toBe(2);
  });

  it('an import (new entities and a changed name) in one process is seen by the next 查/查询 in the other', async () => {
    const before = await b.entities.count({});
    const r = await importService({ repos: db.repos, now }).importFile(admin, 'entities', csv('a.csv', [
      [1, '万年县华达食品有限公司', '陈营镇'], [2, '华达五金店', '石镇镇'], [3, '万年县食品华达批发部', '陈营镇'], [4, '万年县宏图建材股份公司', '陈营镇'],
      [11, '万年县新到企业甲', '梓埠镇'], [12, '万年县新到企业乙', '梓埠镇'], [13, '万年县新到企业丙', '陈营镇'],
    ]));
    expect(r.imported).toBe(3);
    expect(r.updated).toBeGreaterThanOrEqual(1);
    expect((await b.entities.search('宏图建材股份', 5)).rows.map((e) => e.creditCode)).toEqual([code(4)]);
    expect((await b.entities.search('宏图建材有限', 5)).total).toBe(0);
    expect(await b.entities.count({})).toBe(before + 3);
    expect(await b.entities.count({ township: '梓埠镇' })).toBe(2);
    expect((await b.entities.search('新到企业乙', 5)).rows.map((e) => e.creditCode)).toEqual([code(12)]);
    // The pools placed before the import stay as they were (an import never moves an entity).
    expect(await b.entities.countByPool({ township: '石镇镇' })).toEqual({ A: 0, B: 0, C: 1 });
  });

  it('an import by the CLI, a real child process, is seen by the next query here', async () => {
    const file = csv('cli.csv', [[21, '万年县命令行导入甲', '大源镇'], [22, '万年县命令行导入乙', '大源镇']]);
    const r = await runTsx('src/cli/main.ts', ['import', 'entities', file, '--json'], { dbName: db.dbName });
    expect(r.code).toBe(0);
    expect(await db.repos.entities.count({ township: '大源镇' })).toBe(2);
    expect(await b.entities.count({ keyword: '命令行导入' })).toBe(2);
  }, 60_000);

  it('a query asked while a process is still loading the read model is answered with everything', async () => {
    const third = await connect(db.uri, db.dbName);
    try {
      const c = createRepos(third.models);
      const [n, pools] = await Promise.all([c.entities.count({}), c.entities.countByPool({}), c.entities.warmUp()]);
      expect(n).toBe(await b.entities.count({}));
      expect(pools).toEqual(await b.entities.countByPool({}));
    } finally {
      await third.close();
    }
  });
});

describe('name search as officials type', () => {
  it('part of a name, words in any order, full-width or half-width, ranked: name prefix before contained words', async () => {
    const hits = await b.entities.search('华达', 10);
    expect(hits.total).toBeGreaterThanOrEqual(3);
    expect(hits.rows[0].name).toBe('华达五金店'); // the name starts with it
    expect((await b.entities.search('食品 华达', 10)).rows.map((e) => e.name)).toEqual(
      expect.arrayContaining(['万年县华达食品有限公司', '万年县食品华达批发部']),
    );
    expect((await b.entities.search('ＨＵＡ', 10)).total).toBe(0);
    expect(foldText('Ｈｕａ　Da ８')).toBe('huada8');
    await addEntities(db.repos, [{ n: 31, name: 'ABC超市（万年店）', township: '陈营镇' }]);
    expect((await b.entities.search('ａｂｃ超市', 5)).rows.map((e) => e.creditCode)).toEqual([code(31)]);
    expect((await b.entities.search('万年店', 5)).rows.map((e) => e.creditCode)).toEqual([code(31)]);
  });

  it('查 <名称> through the service answers one entity directly, several with the total', async () => {
    const services = createServices({ repos: b, now });
    await saveUsers(services, [{ userId: 'li', name: '李经办', department: '县市管局', roles: ['official'] }]);
    const li = { userId: 'li', name: '李经办', department: 'SCJGJ', roles: ['official' as const], channel: 'shell' as const };
    expect(await services.registry.lookup(li, 'ABC 超市', 10)).toMatchObject({ kind: 'one', entity: { creditCode: code(31) } });
    const many = await services.registry.lookup(li, '华达', 2);
    expect(many).toMatchObject({ kind: 'many', rows: expect.any(Array) });
    expect(many.kind === 'many' && many.total).toBeGreaterThan(2);
  });
});

describe('writers that stop half-way, and loading', () => {
  it('an entry whose number was taken but never written (its writer died) is skipped after a short wait, and the change is read again', async () => {
    // A writer takes the next number, changes the entity and dies before writing its log entry.
    await other.models.Counter.collection.findOneAndUpdate({ _id: 'entity_log' as never }, { $inc: { seq: 1 } }, { upsert: true });
    await other.models.Entity.collection.updateOne({ _id: code(1) as never }, { $set: { township: '湖云乡' } });
    const started = Date.now();
    expect(await db.repos.entities.count({ township: '湖云乡' })).toBe(0); // not logged: not seen yet…
    expect(Date.now() - started).toBeLessThan(10_000);
    // …but the gap sends the reader back to the collection, in the background.
    const deadline = Date.now() + 20_000;
    while ((await db.repos.entities.count({ township: '湖云乡' })) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await db.repos.entities.count({ township: '湖云乡' })).toBe(1);
    // Later writes go on being seen.
    expect(await b.entities.place(code(11), 'B', 'A', 'zhao', now(), '测试')).toBe(true);
    expect((await db.repos.entities.find({ pool: 'A', township: '梓埠镇' }, 5)).map((e) => e.creditCode)).toEqual([code(11)]);
  }, 60_000);

  it('a snapshot written from memory is what a new process loads, with the log after it', async () => {
    expect(await b.entities.compactIndex(1)).toBe(true);
    expect(await db.repos.entities.place(code(12), 'B', 'C', 'zhao', now(), '快照之后')).toBe(true);
    const third = await connect(db.uri, db.dbName);
    try {
      const c = createRepos(third.models);
      expect(await c.entities.countByPool({})).toEqual(await db.repos.entities.countByPool({}));
      expect((await c.entities.find({ pool: 'C', township: '梓埠镇' }, 5)).map((e) => e.creditCode)).toEqual([code(12)]);
      // Only a few chunks and the log after the snapshot were read: the log before it is not needed.
      const meta = await third.models.Entity.db.collection('entity_snapshot').findOne({ _id: 'meta' as never });
      expect(Number(meta?.upTo)).toBeGreaterThan(0);
    } finally {
      await third.close();
    }
  });
});
