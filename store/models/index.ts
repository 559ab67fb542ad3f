/**
 * Schemas and indexes. Kept flat for FerretDB 1.24 (no nested arrays, no keys
 * with '.' or '$'); natural keys are the _id, so a retry or a re-import is an
 * idempotent write without transactions.
 */
import { Schema, type Connection } from 'mongoose';
import { complaintGateSchema, complaintSchema } from './complaints';
import { cJointSchema } from './cJoint';
import { poolYearModels } from './poolYear';

const opts = { versionKey: false as const, strict: 'throw' as const };

const department = new Schema(
  {
    _id: String,
    name: { type: String, required: true },
    order: { type: Number, required: true },
    hostsJointOffice: { type: Boolean, default: false },
  },
  opts,
);

const user = new Schema(
  {
    _id: String,
    name: { type: String, required: true },
    department: { type: String, required: true },
    roles: { type: [String], required: true },
    wecomUserId: { type: String, index: true },
    dingtalkStaffId: { type: String, index: true },
    mobile: { type: String },
    active: { type: Boolean, default: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  opts,
);

const registryStamp = {
  rowHash: { type: String, required: true },
  createdAt: { type: Date, required: true },
  updatedAt: { type: Date, required: true },
  updatedBy: { type: String, required: true },
};

const entity = new Schema(
  {
    _id: String, // unified social credit code
    name: { type: String, required: true },
    kind: { type: String, required: true },
    industry: { type: String, default: '' },
    township: { type: String, default: '' },
    address: { type: String, default: '' },
    riskClass: { type: String, required: true },
    sectorTags: { type: [String], default: [] },
    departments: { type: [String], default: [] },
    pool: { type: String, required: true, enum: ['A', 'B', 'C'] },
    poolPlacedBy: { type: String, required: true },
    poolPlacedAt: { type: Date, required: true },
    poolReason: { type: String, required: true },
    pendingPool: { type: String, default: '' },
    pendingBy: { type: String, default: '' },
    pendingDepartment: { type: String, default: '' },
    pendingAt: { type: Date },
    pendingReason: { type: String, default: '' },
    /** Set when an inspection of the entity is finished (results, not recorded yet); plans may leave out recent ones. */
    lastInspectedAt: { type: Date },
    ...registryStamp,
  },
  opts,
);
// No secondary indexes: entities are queried in memory (store/repos/entityIndex.ts), read by _id.

const inspector = new Schema(
  {
    _id: String, // inspector number
    name: { type: String, required: true },
    department: { type: String, required: true },
    kind: { type: String, required: true },
    certificateNo: { type: String, default: '' },
    certificateExpiry: { type: String },
    qualification: { type: String, default: '' },
    specialties: { type: [String], default: [] },
    jointPool: { type: Boolean, default: false },
    jointPoolUpdatedOn: { type: String },
    active: { type: Boolean, default: true },
    conflicts: { type: [String], default: [] },
    ...registryStamp,
  },
  opts,
);
inspector.index({ department: 1 });

const item = new Schema(
  {
    _id: String, // department:itemCode
    itemCode: { type: String, required: true },
    department: { type: String, required: true },
    name: { type: String, required: true },
    legalBasis: { type: String, required: true },
    powerListCode: { type: String, required: true },
    pools: { type: [String], required: true },
    jointListA: { type: Boolean, default: false },
    jointListFiledOn: { type: String },
    specialty: { type: String, default: '' },
    ...registryStamp,
  },
  opts,
);
item.index({ department: 1 });

const audit = new Schema(
  {
    at: { type: Date, required: true },
    actor: { type: String, required: true },
    channel: { type: String, required: true },
    action: { type: String, required: true },
    target: { type: String, required: true },
    changes: { type: [{ _id: false, field: String, from: String, to: String }], default: [] },
    note: { type: String, default: '' },
  },
  opts,
);
audit.index({ target: 1, at: -1 });
audit.index({ action: 1, at: -1 });
audit.index({ at: -1 });

const importRun = new Schema(
  {
    kind: { type: String, required: true },
    file: { type: String, required: true },
    actor: { type: String, required: true },
    channel: { type: String, required: true },
    status: { type: String, required: true, enum: ['running', 'done', 'failed'] },
    imported: { type: Number, default: 0 },
    updated: { type: Number, default: 0 },
    unchanged: { type: Number, default: 0 },
    rejected: { type: Number, default: 0 },
    lastCommittedRow: { type: Number, default: 0 },
    error: { type: String, default: '' },
    startedAt: { type: Date, required: true },
    finishedAt: { type: Date },
  },
  opts,
);

/** Cached platform access tokens, shared by every process. */
const token = new Schema(
  {
    _id: String, // e.g. "wecom:<corpid>:<agentid>"
    value: { type: String, required: true },
    expiresAt: { type: Date, required: true },
    fetchedAt: { type: Date, required: true },
  },
  opts,
);

/** Files we send (announcement lists), served to DingTalk groups by signed links. */
const file = new Schema(
  {
    name: { type: String, required: true },
    contentType: { type: String, required: true },
    data: { type: Buffer, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  opts,
);
file.index({ expiresAt: 1 }); // the purge job

/** Inbound platform messages, keyed by platform message id: a retry is a no-op. */
const inbound = new Schema(
  {
    _id: String, // "<platform>:<msgId>"
    platform: { type: String, required: true },
    senderId: { type: String, required: true },
    kind: { type: String, required: true },
    text: { type: String, default: '' },
    actionKey: { type: String, default: '' },
    cardId: { type: String, default: '' },
    responseCode: { type: String, default: '' },
    sessionWebhook: { type: String, default: '' },
    sessionWebhookExpiresAt: { type: Number, default: 0 },
    conversationId: { type: String, default: '' },
    conversationType: { type: String, default: '' },
    attachment: { type: String, default: '' },
    mediaRef: { type: String, default: '' },
    mediaName: { type: String, default: '' },
    status: { type: String, required: true, enum: ['new', 'working', 'done', 'failed'] },
    attempts: { type: Number, default: 0 },
    leaseOwner: { type: String, default: '' },
    leaseUntil: { type: Date, required: true },
    receivedAt: { type: Date, required: true },
    doneAt: { type: Date },
    error: { type: String, default: '' },
  },
  opts,
);
inbound.index({ status: 1, leaseUntil: 1 });

/**
 * Insert-only records that keep the work queues small: the keys of every
 * inbound message and keyed outbound message ever accepted (for dedupe after
 * the queue entry is gone), and the messages sent. Queues hold only live work,
 * so their claims stay cheap even on servers that scan (FerretDB).
 */
const seenKey = new Schema({ _id: String, at: { type: Date, required: true } }, opts);
seenKey.index({ at: 1 });

/** Durable outbox: every message we send, with retries, backoff and a dead-letter state. */
const outbox = new Schema(
  {
    _id: String, // the dedupe key when given (e.g. "<inbound id>:<n>"), else random
    payload: { type: String, required: true }, // JSON of OutboundPayload
    platform: { type: String, required: true },
    kind: { type: String, required: true },
    rateKey: { type: String, default: '' },
    status: { type: String, required: true, enum: ['pending', 'sending', 'sent', 'dead'] },
    attempts: { type: Number, default: 0 },
    nextAttemptAt: { type: Date, required: true },
    leaseOwner: { type: String, default: '' },
    leaseUntil: { type: Date, required: true },
    lastError: { type: String, default: '' },
    createdAt: { type: Date, required: true },
    sentAt: { type: Date },
  },
  opts,
);
outbox.index({ status: 1, nextAttemptAt: 1 });
outbox.index({ status: 1, createdAt: -1 }); // the dead letters, newest first
const outboxSent = outbox.clone();
outboxSent.index({ sentAt: 1 });

/** Recent sends per rate-limited destination (a group robot), for a sliding one-minute window. */
const rateWindow = new Schema(
  {
    _id: String, // the rate key
    sent: { type: [Date], default: [] },
    v: { type: Number, default: 0 },
  },
  opts,
);

/** Scheduled jobs: one document per job; the lease makes it run once across processes. */
const job = new Schema(
  {
    _id: String,
    nextRunAt: { type: Date, required: true },
    leaseOwner: { type: String, default: '' },
    leaseUntil: { type: Date, required: true },
    lastRunAt: { type: Date },
    lastResult: { type: String, default: '' },
    runs: { type: Number, default: 0 },
  },
  opts,
);

/** One approval request per subject (a plan, a filing): ordered steps, guarded by `version`. */
const approvalStep = new Schema(
  {
    role: { type: String, required: true },
    department: { type: String, required: true },
    label: { type: String, required: true },
    outcome: { type: String, required: true },
    by: { type: String },
    byName: { type: String },
    at: { type: Date },
    comment: { type: String },
  },
  { _id: false, versionKey: false, strict: 'throw' },
);
const approval = new Schema(
  {
    _id: String, // the subject's number, e.g. the plan number
    kind: { type: String, required: true },
    title: { type: String, required: true },
    requestedBy: { type: String, required: true },
    requesterDepartment: { type: String, required: true },
    requestedAt: { type: Date, required: true },
    steps: { type: [approvalStep], required: true },
    current: { type: Number, required: true },
    status: { type: String, required: true },
    version: { type: Number, required: true },
    waitingSince: { type: Date, required: true },
    remindedAt: { type: Date },
    fields: { type: String, default: '[]' }, // JSON of the card's label/value rows
    flags: { type: [String], default: [] }, // what a reviewer must look at (e.g. R13 duplicates)
  },
  opts,
);
approval.index({ status: 1, requestedAt: 1 });

/** A guided conversation in progress, one per user; it expires and then leaves nothing behind. */
const session = new Schema(
  {
    _id: String, // user id
    flow: { type: String, required: true },
    step: { type: String, required: true },
    data: { type: String, required: true }, // JSON
    expiresAt: { type: Date, required: true },
    version: { type: Number, required: true },
    busyUntil: Date, // a turn in progress holds the conversation until it ends (or this passes)
  },
  opts,
);
session.index({ expiresAt: 1 }); // the purge job

/** The rest of a long list a user was shown, for 更多: one document per user. */
const listPage = new Schema(
  {
    _id: String, // user id
    title: { type: String, required: true },
    lines: { type: String, required: true }, // JSON array of the list's lines
    offset: { type: Number, required: true },
    expiresAt: { type: Date, required: true },
    version: { type: Number, required: true },
  },
  opts,
);
listPage.index({ expiresAt: 1 }); // the purge job

/** Sequence numbers (plan and filing numbers), one document per series. */
const counter = new Schema({ _id: String, seq: { type: Number, required: true } }, opts);

/** Submitted plans (R12, R13); drafts live in the submitter's session until submitted. */
const plan = new Schema(
  {
    _id: String, // plan number
    year: { type: Number, required: true },
    department: { type: String, required: true },
    pool: { type: String, required: true },
    filter: { type: String, required: true }, // JSON of TargetFilter
    items: { type: [String], required: true },
    ratioPermille: { type: Number },
    count: { type: Number },
    windowFrom: { type: String, required: true },
    windowTo: { type: String, required: true },
    jointDepartments: { type: [String], default: [] },
    specialReason: { type: String, default: '' },
    predictedTargets: { type: Number, required: true },
    duplicates: { type: [String], default: [] },
    createdBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
    updatedBy: { type: String, required: true },
    updatedAt: { type: Date, required: true },
    version: { type: Number, required: true },
  },
  opts,
);
plan.index({ year: 1, department: 1 });
plan.index({ year: 1, jointDepartments: 1 });

/** Out-of-period inspection filings (R2, R11). */
const filing = new Schema(
  {
    _id: String, // filing number
    month: { type: String, required: true }, // 'YYYY-MM' of the planned date
    department: { type: String, required: true },
    creditCode: { type: String, required: true },
    entityName: { type: String, required: true },
    pool: { type: String, required: true },
    reason: { type: String, required: true },
    plannedDate: { type: String, required: true },
    officers: { type: [String], default: [] },
    description: { type: String, default: '' },
    rules: { type: [String], default: [] },
    createdBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
    version: Number, // edits of a returned filing; absent = 1
    updatedBy: String,
    updatedAt: Date,
  },
  opts,
);
filing.index({ month: 1, department: 1 });

/** Draws (双随机): one per plan unless voided; the public record is kept whole as JSON (一公开). */
const draw = new Schema(
  {
    _id: String, // draw number: "<plan number>-<n>", n counting the plan's draws from 1
    planNo: { type: String, required: true },
    year: { type: Number, required: true },
    department: { type: String, required: true },
    departments: { type: [String], default: [] },
    pool: { type: String, required: true },
    status: { type: String, required: true, enum: ['committed', 'done', 'failed', 'voided'] },
    n: { type: Number, required: true },
    k: { type: Number, required: true },
    seedCommitment: { type: String, required: true },
    snapshotDigest: { type: String, required: true },
    rosterDigest: { type: String, required: true },
    record: { type: String }, // JSON of the public DrawRecord, once drawn
    sealed: { type: String }, // a committed (two-step) draw's secret seed and frozen inputs, JSON, until 开奖
    seed: { type: String }, // the seed of a failed draw, or of one voided before 开奖
    failure: { type: String }, // JSON: why 开奖 could not assign the officers
    createdBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
    revealedBy: { type: String },
    revealedAt: { type: Date },
    voidedBy: { type: String, default: '' },
    voidedAt: { type: Date },
    voidReason: { type: String, default: '' },
    supersedes: { type: String, default: '' }, // the voided draw this one replaces
  },
  opts,
);
draw.index({ planNo: 1 });
draw.index({ year: 1 });
draw.index({ status: 1 });

/** Inspection tasks (一集中): one visit to one entity; several departments' draws may share it. */
const task = new Schema(
  {
    _id: String, // task number, e.g. "县市管局抽查〔2026〕12号"
    year: { type: Number, required: true },
    issuer: { type: String, required: true }, // the department whose series numbered it
    lead: { type: String, required: true },
    departments: { type: [String], default: [] },
    creditCode: { type: String, required: true },
    entityName: { type: String, default: '' },
    drawNos: { type: [String], default: [] },
    planNos: { type: [String], default: [] },
    officers: { type: [String], default: [] }, // inspector numbers
    items: { type: [String], default: [] },
    windowFrom: { type: String, required: true },
    windowTo: { type: String, required: true },
    parts: { type: String, required: true }, // JSON of TaskPart[], earliest first
    status: { type: String, required: true, enum: ['open', 'cancelled'] },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    cancelledAt: { type: Date },
    cancelReason: { type: String, default: '' },
    version: { type: Number, required: true },
  },
  opts,
);
// No secondary indexes: tasks are queried in memory (store/repos/tasks.ts), read by _id.

/** Inspection results: one per task (its number is the _id); parts, form and earlier versions as JSON. */
const result = new Schema(
  {
    _id: String, // the task number
    source: { type: String, required: true, enum: ['task', 'filing'] },
    lead: { type: String, required: true },
    departments: { type: [String], default: [] },
    creditCode: { type: String, required: true },
    entityName: { type: String, default: '' },
    windowFrom: { type: String, required: true },
    windowTo: { type: String, required: true },
    status: { type: String, required: true, enum: ['draft', 'pending', 'returned', 'approved'] },
    form: { type: String, default: '' }, // JSON of ResultForm, the lead department's
    parts: { type: String, required: true }, // JSON of { [department]: ResultPart }
    earlier: { type: String, default: '[]' }, // JSON of earlier approved versions (corrections, R20)
    correctionReason: { type: String, default: '' },
    round: { type: Number, required: true },
    submittedBy: { type: String, default: '' },
    submittedAt: { type: Date },
    approvedAt: { type: Date },
    openFollowUps: { type: Number, default: 0 },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    version: { type: Number, required: true },
  },
  opts,
);

/** Follow-ups of problems found (R14): one per handling, _id "<task number>/<n>". */
const followUp = new Schema(
  {
    _id: String,
    taskNo: { type: String, required: true },
    n: { type: Number, required: true },
    creditCode: { type: String, required: true },
    entityName: { type: String, default: '' },
    department: { type: String, required: true }, // the inspecting department that found it
    itemKey: { type: String, required: true },
    problem: { type: String, required: true },
    handling: { type: String, required: true }, // JSON of Handling
    owner: { type: String, required: true }, // the department that must act now
    status: { type: String, required: true, enum: ['open', 'awaiting', 'closed'] },
    due: { type: String, default: '' },
    extended: { type: Boolean, default: false },
    extensionReason: { type: String, default: '' },
    acceptedBy: { type: String, default: '' },
    acceptedAt: { type: Date },
    review: { type: String, default: '' }, // JSON of the re-inspection that closed it
    closedBy: { type: String, default: '' },
    closedAt: { type: Date },
    remindedOn: { type: String, default: '' },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    version: { type: Number, required: true },
  },
  opts,
);
followUp.index({ owner: 1, status: 1 });

/** Evidence files (images, documents) of results, by content: _id "<sha256>:<chunk>", at most 255 KiB each. */
const evidenceChunk = new Schema(
  {
    _id: String,
    sha256: { type: String, required: true },
    n: { type: Number, required: true },
    of: { type: Number, required: true },
    data: { type: Buffer, required: true },
  },
  opts,
);

/** Each entity's approved results (R16: shared across departments), _id = credit code; entries JSON. */
const entityResults = new Schema(
  {
    _id: String,
    entries: { type: [String], default: [] },
    version: { type: Number, required: true },
  },
  opts,
);

/** Each department's 免罚清单 (R18), _id "<department>:<no>". */
const lenient = new Schema(
  {
    _id: String,
    department: { type: String, required: true },
    no: { type: Number, required: true },
    itemCode: { type: String, default: '' },
    violation: { type: String, required: true },
    conditions: { type: String, default: '' },
    legalBasis: { type: String, required: true },
    updatedAt: { type: Date, required: true },
    updatedBy: { type: String, required: true },
  },
  opts,
);
lenient.index({ department: 1 });

/** R17: proposals to move an entity's credit-risk class, waiting for 联席办; _id "<credit code>:<task number>". */
const riskProposal = new Schema(
  {
    _id: String,
    creditCode: { type: String, required: true },
    entityName: { type: String, default: '' },
    taskNo: { type: String, required: true },
    direction: { type: String, required: true, enum: ['raise', 'lower'] },
    from: { type: String, required: true },
    to: { type: String, required: true },
    reason: { type: String, required: true },
    status: { type: String, required: true, enum: ['pending', 'applied', 'rejected'] },
    createdAt: { type: Date, required: true },
    decidedBy: { type: String, default: '' },
    decidedAt: { type: Date },
    version: { type: Number, required: true },
  },
  opts,
);
riskProposal.index({ status: 1 });

/** Results the department published (`公示`, R15, manual publication), _id = task number. */
const publication = new Schema(
  {
    _id: String,
    department: { type: String, required: true },
    creditCode: { type: String, required: true },
    entityName: { type: String, default: '' },
    round: { type: Number, required: true },
    publishedAt: { type: Date, required: true },
    publishedBy: { type: String, required: true },
    version: { type: Number, required: true },
  },
  opts,
);

export function createModels(conn: Connection) {
  return {
    Department: conn.model('Department', department, 'departments'),
    User: conn.model('User', user, 'users'),
    Entity: conn.model('Entity', entity, 'entities'),
    Inspector: conn.model('Inspector', inspector, 'inspectors'),
    Item: conn.model('Item', item, 'items'),
    Audit: conn.model('Audit', audit, 'audit'),
    ImportRun: conn.model('ImportRun', importRun, 'import_runs'),
    Token: conn.model('Token', token, 'tokens'),
    File: conn.model('File', file, 'files'),
    Inbound: conn.model('Inbound', inbound, 'inbound'),
    Outbox: conn.model('Outbox', outbox, 'outbox'),
    OutboxSent: conn.model('OutboxSent', outboxSent, 'outbox_sent'),
    InboundKey: conn.model('InboundKey', seenKey, 'inbound_keys'),
    OutboxKey: conn.model('OutboxKey', seenKey.clone(), 'outbox_keys'),
    Job: conn.model('Job', job, 'jobs'),
    RateWindow: conn.model('RateWindow', rateWindow, 'rate_windows'),
    Approval: conn.model('Approval', approval, 'approvals'),
    Session: conn.model('Session', session, 'sessions'),
    ListPage: conn.model('ListPage', listPage, 'list_pages'),
    Counter: conn.model('Counter', counter, 'counters'),
    Plan: conn.model('Plan', plan, 'plans'),
    Filing: conn.model('Filing', filing, 'filings'),
    Draw: conn.model('Draw', draw, 'draws'),
    Task: conn.model('Task', task, 'tasks'),
    Result: conn.model('Result', result, 'results'),
    FollowUp: conn.model('FollowUp', followUp, 'follow_ups'),
    EvidenceChunk: conn.model('EvidenceChunk', evidenceChunk, 'evidence_chunks'),
    EntityResults: conn.model('EntityResults', entityResults, 'entity_results'),
    Lenient: conn.model('Lenient', lenient, 'lenient'),
    RiskProposal: conn.model('RiskProposal', riskProposal, 'risk_proposals'),
    Complaint: conn.model('Complaint', complaintSchema, 'complaints'),
    ComplaintGate: conn.model('ComplaintGate', complaintGateSchema, 'complaint_gate'),
    Publication: conn.model('Publication', publication, 'publications'),
    CJoint: conn.model('CJoint', cJointSchema, 'c_joints'),
    ...poolYearModels(conn),
  };
}

export type Models = ReturnType<typeof createModels>;
