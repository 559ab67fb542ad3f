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
import { complaintService } from './complaints';
import { auditTrailService } from './auditTrail';
import { statsService } from './stats';
import { circularService } from './circulars';
import { publicationService } from './publication';
import { cCoverageService } from './cCoverage';
import { adjustmentService } from './adjustment';
import { riskImportService } from './riskImport';
import { marchService } from './marchDeadlines';
import { cJointService } from './cJoint';

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
    registry: lookupService(deps),
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
    tasks: taskService(deps),
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
