/**
 * One real database server for the whole run: MONGODB_URI if given, else the
 * same local server `npm start` would use (mongod, memory-server, FerretDB),
 * with its data in a temporary folder. Each test file then uses its own database.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLocalDatabase } from '../../store/embedded';

export default async function globalSetup(): Promise<void> {
  if (process.env.MONGODB_URI) {
    process.env.TEST_MONGODB_URI = process.env.MONGODB_URI;
    return;
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'supervision-test-'));
  const db = await startLocalDatabase({
    dataDir,
    engine: (process.env.DB_ENGINE as never) || 'auto',
    log: (l) => process.stderr.write(`[test db] ${l}\n`),
  });
  process.env.TEST_MONGODB_URI = db.uri;
  process.env.TEST_DB_ENGINE = db.engine;
  (globalThis as Record<string, unknown>).__TEST_DB__ = db;
}
