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
import { userService } from './services/users';
import { registryService } from './services/registry';
import { poolService } from './services/pools';
import { deliveryService } from './services/deliveries';
import { importService } from './services/importer';
import { demoService } from './services/demo';
import { approvalService } from './services/approvals';
import { planService } from './services/plans';
import { filingService } from './services/filings';
import { coverageService } from './services/coverage';
import { drawService } from './services/draws';
import { conversationService } from './services/conversations';
import { listService } from './services/lists';
import { resultService } from './services/results';
import { DEFAULT_POLICY, policyFrom } from './services/policy';
import { roleService } from './services/roles';
import { robotService } from './services/robots';
import { directoryService } from './services/directory';
import { inspectorLinkService } from './services/inspectorLinks';
import { checklistService } from './services/checklist';
import { userImportService } from './services/userImport';
import { complaintService } from './services/complaints';
import { auditTrailService } from './services/auditTrail';
import { statsService } from './services/stats';
import { circularService } from './services/circulars';
import { publicationService } from './services/publication';
import { cCoverageService } from './services/cCoverage';
import { adjustmentService } from './services/adjustment';
import { riskImportService } from './services/riskImport';
import { marchService } from './services/marchDeadlines';
import { cJointService } from './services/cJoint';

export function createServices(deps: Deps) {
  const approvals = approvalService(deps);
  const robots = robotService(deps);
  const users = userService(deps);
  const complaints = complaintService(deps);
  // R21 statistics count R22 complaints per department.
  const stats = statsService(deps, approvals, {
    complaints: { countsByDept: async (period) => new Map((await complaints.countsByDepartment(period)).map((c) => [c.department, c])) },
  });
  return {
    users,
    userImport: userImportService(deps, users),
    registry: registryService(deps),
    pools: poolService(deps, approvals),
    deliveries: deliveryService(deps),
    importer: importService(deps),
    demo: demoService(deps),
    approvals,
    plans: planService(deps, approvals),
    filings: filingService(deps, approvals),
    coverage: coverageService(deps, approvals),
    cCoverage: cCoverageService(deps),
    adjustment: adjustmentService(deps),
    riskImport: riskImportService(deps),
    march: marchService(deps, approvals),
    draws: drawService(deps, approvals),
    conversations: conversationService(deps),
    lists: listService(deps),
    roles: roleService(deps),
    robots,
    checklist: checklistService(deps, robots),
    directory: directoryService(deps),
    inspectorLinks: inspectorLinkService(deps),
    results: resultService(deps, approvals),
    complaints,
    auditTrail: auditTrailService(deps),
    stats,
    circulars: circularService(deps, approvals, stats),
    publication: publicationService(deps),
    cJoint: cJointService(deps, approvals),
    policy: deps.policy ?? DEFAULT_POLICY,
    /** The clock every use case reads (tests pass a fixed one). */
    clock: deps.now,
  };
}

export type Services = ReturnType<typeof createServices>;

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
