/**
 * Every use case over one set of repos and one clock: what the chat, the CLI and
 * the jobs call. Built once by the composition root (src/app.ts); inner layers
 * import the `Services` type from here, never from the root.
 */
import type { Deps } from './context';
import { userService } from './users';
import { lookupService } from './lookup';
import { poolService } from './pools';
import { deliveryService } from './deliveries';
import { importService } from './importer';
import { demoService } from './demo';
import { approvalService } from './approvals';
import { planService } from './plans';
import { filingService } from './filings';
import { coverageService } from './coverage';
import { drawService } from './draws';
import { taskService } from './tasks';
import { conversationService } from './conversations';
import { listService } from './lists';
import { resultService } from './results';
import { DEFAULT_POLICY } from './policy';
import { roleService } from './roles';
import { robotService } from './robots';
import { directoryService } from './directory';
import { inspectorLinkService } from './inspectorLinks';
import { checklistService } from './checklist';
import { userImportService } from './userImport';

export function createServices(deps: Deps) {
  const approvals = approvalService(deps);
  const robots = robotService(deps);
  const users = userService(deps);
  return {
    users,
    userImport: userImportService(deps, users),
    registry: lookupService(deps),
    pools: poolService(deps, approvals),
    deliveries: deliveryService(deps),
    importer: importService(deps),
    demo: demoService(deps),
    approvals,
    plans: planService(deps, approvals),
    filings: filingService(deps, approvals),
    coverage: coverageService(deps, approvals),
    draws: drawService(deps, approvals),
    tasks: taskService(deps),
    conversations: conversationService(deps),
    lists: listService(deps),
    roles: roleService(deps),
    robots,
    checklist: checklistService(deps, robots),
    directory: directoryService(deps),
    inspectorLinks: inspectorLinkService(deps),
    results: resultService(deps, approvals),
    policy: deps.policy ?? DEFAULT_POLICY,
    /** The clock every use case reads (tests pass a fixed one). */
    clock: deps.now,
  };
}

export type Services = ReturnType<typeof createServices>;
