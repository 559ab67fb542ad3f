/**
 * A guarded write ({_id, version}) finds its document by `_id`. On FerretDB that takes the
 * patch the embedded build applies (store/embedded/patches.ts): upstream 1.24 looks a document
 * up by `_id` only for a filter that is exactly {_id}, and read every document of the collection
 * for a guarded one. The filter's other conditions must still hold.
 */
import { applyPatches, PATCHES, type SourcePatch } from '../../store/embedded/patches';
import { freshDb, type TestDb } from '../helpers/db';

let db: TestDb;
let ferret: boolean;

beforeAll(async () => {
  db = await freshDb();
  ferret = Boolean((await db.models.Session.db.db!.admin().buildInfo()).ferretdbVersion);
});

afterAll(async () => {
  await db?.close();
});

const col = () => db.models.Session.db.db!.collection<{ _id: string; version: number; step?: string }>('guarded_lookup');

it('a filter naming a document by _id and more is looked up by _id', async () => {
  await col().insertMany([{ _id: 'a', version: 1 }, { _id: 'b', version: 1 }]);
  const explain = async (filter: Record<string, unknown>) =>
    db.models.Session.db.db!.command({ explain: { find: 'guarded_lookup', filter } });
  for (const filter of [{ _id: 'a' }, { _id: 'a', version: 1 }, { version: 1, _id: 'a', step: { $exists: false } }]) {
    const e = await explain(filter);
    if (ferret) expect(e.filterPushdown).toBe(true);
    else expect(JSON.stringify(e.queryPlanner.winningPlan)).toMatch(/IDHACK|EXPRESS_IXSCAN|"indexName":"_id_"/);
  }
  // A filter with no _id is still a pass over the collection.
  if (ferret) expect((await explain({ version: 1 })).filterPushdown).toBe(false);
});

it('the other conditions of a guarded write still decide whether it writes', async () => {
  await col().insertOne({ _id: 'g', version: 3 });
  expect((await col().updateOne({ _id: 'g', version: 2 }, { $set: { step: 'stale', version: 3 } })).modifiedCount).toBe(0);
  expect((await col().updateOne({ _id: 'g', version: 3 }, { $set: { step: 'next', version: 4 } })).modifiedCount).toBe(1);
  expect(await col().findOne({ _id: 'g', version: 3 })).toBeNull();
  expect(await col().findOne({ _id: 'g', version: 4 })).toEqual({ _id: 'g', version: 4, step: 'next' });
  expect((await col().findOneAndUpdate({ _id: 'g', version: 3 }, { $inc: { version: 1 } }))).toBeNull();
  expect((await col().deleteOne({ _id: 'g', version: 3 })).deletedCount).toBe(0);
  expect((await col().deleteOne({ _id: 'g', version: 4 })).deletedCount).toBe(1);
  expect(await col().findOne({ _id: 'g' })).toBeNull();
});

describe('the patches', () => {
  const p: SourcePatch = { name: 'demo', file: 'x.go', why: 'test', find: 'old()\n', replace: 'new()\n' };

  it('replace their text exactly once', () => {
    expect(applyPatches('x.go', 'a\nold()\nb\n', [p])).toBe('a\nnew()\nb\n');
    expect(applyPatches('y.go', 'old()\n', [p])).toBe('old()\n');
  });

  it('stop the build, naming the patch, when the upstream text is not there exactly once', () => {
    expect(() => applyPatches('x.go', 'a\n', [p])).toThrow(/"demo" no longer fits x\.go \(its text is not there\)/);
    expect(() => applyPatches('x.go', 'old()\nold()\n', [p])).toThrow(/there more than once/);
  });

  it('each names a file and says why', () => {
    for (const x of PATCHES) expect(x.file && x.why && x.find !== x.replace).toBeTruthy();
  });
});
