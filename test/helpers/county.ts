/** A fresh database with the 30 member units, the use cases over it and the router every channel uses. */
import { createServices, type Services } from '../../src/app';
import type { Deps } from '../../src/services/context';
import { DEFAULT_POLICY } from '../../src/services/policy';
import { createLogger } from '../../src/logger';
import { createRouter, type Router, type RouterOptions } from '../../bot/router';
import { freshDb, type TestDb } from './db';

export interface TestCounty {
  db: TestDb;
  services: Services;
  router: Router;
}

export async function testCounty(
  now: () => Date,
  opts: { deps?: Partial<Pick<Deps, 'policy' | 'random'>>; router?: Partial<Omit<RouterOptions, 'services' | 'log'>> } = {},
): Promise<TestCounty> {
  const db = await freshDb();
  await db.repos.org.seedDepartments();
  const services = createServices({ repos: db.repos, now, policy: DEFAULT_POLICY, ...opts.deps });
  const router = createRouter({ services, log: createLogger('warn', () => undefined), pageSize: 5, ...opts.router });
  return { db, services, router };
}
