/**
 * Wiring shared by the three entry points (server, chat, CLI): open the
 * database, build the repos and the use cases on top of them.
 */
import type { Config } from './config';
import os from 'node:os';
import { openDatabase, type Database } from '../store/connection';
import { migrate } from '../store/migrations';
import { createRepos, type Repos } from '../store/repos';
import type { Deps } from './services/context';
import { policyFrom } from './services/policy';
import { createServices, type Services } from './services';

export { createServices, type Services } from './services';

export interface App {
  db: Database;
  repos: Repos;
  services: Services;
  deps: Deps;
  close(): Promise<void>;
}

export async function openApp(config: Config, log: (line: string) => void): Promise<App> {
  const db = await openDatabase({
    uri: config.MONGODB_URI,
    dbName: config.DB_NAME,
    dataDir: config.DATA_DIR,
    engine: config.DB_ENGINE,
    log,
  });
  // Pending schema migrations first, once across all processes (store/migrations); a failure stops here.
  try {
    await migrate(db.conn.db!, { owner: `${os.hostname()}:${process.pid}`, log });
  } catch (err) {
    await db.close();
    throw err;
  }
  const repos = createRepos(db.models);
  await repos.org.seedDepartments();
  const deps: Deps = { repos, now: () => new Date(), policy: policyFrom(config), settings: config };
  return { db, repos, deps, services: createServices(deps), close: () => db.close() };
}
