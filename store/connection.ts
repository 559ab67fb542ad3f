/** Opens the database: the configured MONGODB_URI, or a local server started for us. */
import mongoose, { type Connection, type Model, type mongo } from 'mongoose';
import { startLocalDatabase, type Engine, type LocalDatabase } from './embedded';
import { createModels, type Models } from './models';

export interface Database {
  conn: Connection;
  models: Models;
  /** The engine we started, or 'external' for MONGODB_URI. */
  engine: Engine | 'external';
  /** Why the local database cannot be used right now (see store/embedded), or undefined. */
  problem(): string | undefined;
  /** Called if the local database is gone for good (never for MONGODB_URI: the driver reconnects). */
  onLost(listener: (reason: string) => void): void;
  close(): Promise<void>;
}

export interface OpenOptions {
  uri?: string;
  dbName: string;
  dataDir: string;
  engine?: Engine | 'auto';
  log?: (line: string) => void;
}

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  let local: LocalDatabase | undefined;
  let uri = opts.uri;
  if (!uri) {
    local = await startLocalDatabase({ dataDir: opts.dataDir, engine: opts.engine, log: opts.log });
    uri = local.uri;
  }
  try {
    const db = await connect(uri, opts.dbName);
    return {
      ...db,
      engine: local?.engine ?? 'external',
      problem: () => local?.problem(),
      onLost: (listener) => local?.onLost(listener),
      async close() {
        await db.close();
        await local?.stop();
      },
    };
  } catch (err) {
    await local?.stop();
    throw err;
  }
}

/** Connects to one database on a server and makes sure its indexes exist. */
export async function connect(uri: string, dbName: string): Promise<Omit<Database, 'engine' | 'problem' | 'onLost'>> {
  const conn = mongoose.createConnection(uri, {
    dbName,
    autoIndex: false,
    serverSelectionTimeoutMS: 10_000,
    retryWrites: false, // standalone servers and FerretDB have no sessions for retryable writes
  });
  await conn.asPromise();
  const models = createModels(conn);
  const ferret = Boolean((await conn.db!.admin().buildInfo()).ferretdbVersion);
  await Promise.all(Object.values(models).map((m) => (ferret ? uniqueIndexesOnly(m) : m.createIndexes())));
  return { conn, models, close: () => conn.close() };
}

/**
 * FerretDB 1.24 serves no query from a secondary index (it filters every
 * document but an exact `_id` in Go), yet each index costs every insert and
 * update a JSON extraction in SQLite: there, only the unique indexes are made
 * (they keep their constraint), and the others a data folder may hold from
 * before are dropped. MongoDB gets every index the schemas declare.
 */
async function uniqueIndexesOnly(model: Model<any>): Promise<void> { // eslint-disable-line @typescript-eslint/no-explicit-any
  // The collection exists after connecting, as it does once mongoose has made its indexes.
  await model.createCollection().catch((err: { codeName?: string }) => {
    if (err.codeName !== 'NamespaceExists') throw err;
  });
  const declared = model.schema.indexes();
  for (const [keys, options] of declared) {
    if (options?.unique) await model.collection.createIndex(keys as Record<string, 1 | -1>, options as mongo.CreateIndexesOptions);
  }
  const existing = await model.collection.listIndexes().toArray().catch(() => []);
  for (const ix of existing) {
    if (ix.name === '_id_' || ix.unique) continue;
    // Another process connecting at the same moment may have dropped it first.
    await model.collection.dropIndex(ix.name as string).catch((err: { codeName?: string }) => {
      if (err.codeName !== 'IndexNotFound') throw err;
    });
  }
}
