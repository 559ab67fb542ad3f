import type { Models } from '../models';
import { auditRepo, importRunRepo } from './audit';
import { inspectorRepo, itemRepo } from './directory';
import { entityRepo } from './entities';
import { orgRepo } from './org';
import { tokenRepo } from './tokens';
import { fileRepo } from './files';
import { inboundRepo } from './inbound';
import { outboxRepo } from './outbox';
import { jobRepo } from './jobs';
import { approvalRepo } from './approvals';
import { sessionRepo } from './sessions';
import { counterRepo } from './counters';
import { planRepo } from './plans';
import { filingRepo } from './filings';
import { drawRepo } from './draws';
import { taskRepo } from './tasks';
import { dingtalkRepo } from './dingtalk';
import { listPageRepo } from './listPages';
import { robotRepo } from './robots';
import { deptMappingRepo } from './deptMappings';
import { inspectorLinkRepo } from './inspectorLinks';
import { complaintRepo } from './complaints';
import { circularRepo } from './circulars';
import { publicationRepo } from './publications';
import { cJointRepo } from './cJoint';
import { adjustmentRepo, milestoneRepo, poolApplicationRepo, riskClassRepo } from './poolYear';
import { evidenceRepo, followUpRepo, historyRepo, lenientRepo, resultRepo, riskProposalRepo } from './results';

/** Every repo over one database; services receive these, never models. */
export function createRepos(models: Models) {
  return {
    entities: entityRepo(models),
    inspectors: inspectorRepo(models),
    items: itemRepo(models),
    org: orgRepo(models),
    audit: auditRepo(models),
    importRuns: importRunRepo(models),
    tokens: tokenRepo(models),
    files: fileRepo(models),
    inbound: inboundRepo(models),
    outbox: outboxRepo(models),
    jobs: jobRepo(models),
    approvals: approvalRepo(models),
    sessions: sessionRepo(models),
    counters: counterRepo(models),
    plans: planRepo(models),
    filings: filingRepo(models),
    draws: drawRepo(models),
    tasks: taskRepo(models),
    dingtalk: dingtalkRepo(models),
    listPages: listPageRepo(models),
    robots: robotRepo(models),
    deptMappings: deptMappingRepo(models),
    inspectorLinks: inspectorLinkRepo(models),
    results: resultRepo(models),
    followUps: followUpRepo(models),
    evidence: evidenceRepo(models),
    history: historyRepo(models),
    lenient: lenientRepo(models),
    riskProposals: riskProposalRepo(models),
    complaints: complaintRepo(models),
    circulars: circularRepo(models),
    publications: publicationRepo(models),
    cJoints: cJointRepo(models),
    adjustments: adjustmentRepo(models),
    poolApplications: poolApplicationRepo(models),
    riskClasses: riskClassRepo(models),
    milestones: milestoneRepo(models),
  };
}

export type Repos = ReturnType<typeof createRepos>;
