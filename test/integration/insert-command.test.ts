/**
 * store/repos/insertCommand.ts on the real database: one unordered insert
 * command, duplicate keys reported per document, everything else stored.
 */
import { insertUnordered } from '../../store/repos/insertCommand';
import { freshDb, type TestDb } from '../helpers/db';

let db: TestDb;

beforeAll(async () => {
  db = await freshDb();
});

afterAll(async () => {
  await db?.close();
});

describe('insertUnordered', () => {
  it('stores every new document and names the duplicates by index (already stored, or twice in the batch)', async () => {
    const native = db.models.Inbound.db.db!;
    const col = native.collection('insert_command_t');
    await col.insertOne({ _id: 'a' as never, n: 0 });
    const dups = await insertUnordered(native, 'insert_command_t', [
      { _id: 'b', n: 1 }, { _id: 'a', n: 2 }, { _id: 'c', n: 3 }, { _id: 'b', n: 4 }, { _id: 'd', n: 5 },
    ]);
    expect([...dups].sort()).toEqual([1, 3]);
    const stored = await col.find({}).sort({ _id: 1 }).toArray();
    expect(stored.map((d) => [d._id, d.n])).toEqual([['a', 0], ['b', 1], ['c', 3], ['d', 5]]);
  });

  it('an empty batch writes nothing', async () => {
    const native = db.models.Inbound.db.db!;
    expect((await insertUnordered(native, 'insert_command_empty', [])).size).toBe(0);
    expect(await native.collection('insert_command_empty').countDocuments({})).toBe(0);
  });
});
