/**
 * Indexes by engine: MongoDB gets every index the schemas declare (they serve the
 * sweeps and lists there); FerretDB 1.24 serves no query from a secondary index but pays
 * for each on every write, so there a connection keeps only `_id` (and unique indexes)
 * and drops secondary ones a data folder holds from before.
 */
import { connect } from '../../store/connection';
import { freshDb, type TestDb } from '../helpers/db';

let db: TestDb;
let ferret: boolean;

beforeAll(async () => {
  db = await freshDb();
  ferret = Boolean((await db.models.Inbound.db.db!.admin().buildInfo()).ferretdbVersion);
});

afterAll(async () => {
  await db?.close();
});

const indexNames = async () => (await db.models.Inbound.collection.listIndexes().toArray()).map((ix) => String(ix.name)).sort();

it('the inbound queue has the indexes its engine can use, also after a secondary index was made before', async () => {
  // A data folder from before: the sweep's index exists.
  await db.models.Inbound.collection.createIndex({ status: 1, leaseUntil: 1 });
  // Two processes connecting at the same moment (the server and a CLI command): neither fails.
  const [again, other] = await Promise.all([connect(db.uri, db.dbName), connect(db.uri, db.dbName)]);
  await other.close();
  try {
    expect(await indexNames()).toEqual(ferret ? ['_id_'] : ['_id_', 'status_1_leaseUntil_1']);
    // Every collection exists after connecting, indexes or not.
    const names = (await db.models.Inbound.db.db!.listCollections().toArray()).map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['inbound', 'inbound_keys', 'outbox', 'users']));
  } finally {
    await again.close();
  }
});
