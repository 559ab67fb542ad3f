/** A fresh database on the real test server, dropped when the test file is done. */
import { randomBytes } from 'node:crypto';
import { connect } from '../../store/connection';
import { createRepos, type Repos } from '../../store/repos';
import type { Models } from '../../store/models';

export interface TestDb {
  uri: string;
  dbName: string;
  models: Models;
  repos: Repos;
  close(): Promise<void>;
}

export async function freshDb(): Promise<TestDb> {
  const uri = process.env.TEST_MONGODB_URI;
  if (!uri) throw new Error('TEST_MONGODB_URI is not set: run the tests through jest (globalSetup starts the server)');
  const dbName = `t_${randomBytes(6).toString('hex')}`;
  const db = await connect(uri, dbName);
  return {
    uri,
    dbName,
    models: db.models,
    repos: createRepos(db.models),
    async close() {
      await db.conn.dropDatabase();
      await db.close();
    },
  };
}
